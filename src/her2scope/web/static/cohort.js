// Cohort page: recompute on the server when a control changes, sort and filter the table here.
// No markup is built from data: every value goes in through textContent.
(function () {
  "use strict";
  const form = document.getElementById("controls");
  const table = document.getElementById("alt-table");
  const tbody = table.tBodies[0];
  const status = document.getElementById("status");
  const base = form.dataset.base;
  let sortKey = null;
  let sortDir = 1;
  let request = 0;

  function query() {
    return new URLSearchParams(new FormData(form)).toString();
  }

  function cell(tr, text, value, cls) {
    const td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "" : String(text);
    td.dataset.v = value === null || value === undefined ? "" : String(value);
    if (cls) td.className = cls;
    tr.appendChild(td);
  }

  function renderRows(rows) {
    const body = document.createDocumentFragment();
    for (const r of rows) {
      const tr = document.createElement("tr");
      tr.dataset.alteration = r.alteration;
      tr.dataset.level = r.level;
      tr.className = "level-" + r.level;
      cell(tr, r.label, r.label);
      cell(tr, r.mechanism_class, r.mechanism_class);
      cell(tr, r.n_altered, r.n_altered, "num");
      cell(tr, r.fraction, r.n_her2_low, "num frac");
      cell(tr, r.pct_text, r.pct_her2_low, "num");
      cell(tr, r.baseline_text, r.baseline_pct, "num");
      cell(tr, r.or_text, r.odds_ratio, "num");
      cell(tr, r.q_text, r.q_fisher, "num");
      cell(tr, r.n_not_profiled, r.n_not_profiled, "num");
      cell(tr, r.seed, r.seed_fraction);
      body.appendChild(tr);
    }
    tbody.replaceChildren(body);
    applySort();
    applyFilter();
  }

  function renderDistribution(dist) {
    const body = document.querySelector("#distribution tbody");
    const rows = document.createDocumentFragment();
    for (const d of dist) {
      const tr = document.createElement("tr");
      cell(tr, d.category, d.category);
      cell(tr, d.n, d.n, "num");
      cell(tr, d.pct_text, d.pct, "num");
      const td = document.createElement("td");
      td.className = "barcell";
      const bar = document.createElement("span");
      bar.className = "bar";
      bar.style.width = Math.max(0, Math.min(100, Number(d.pct))) + "%";
      bar.style.background = d.colour;
      td.appendChild(bar);
      tr.appendChild(td);
      rows.appendChild(tr);
    }
    body.replaceChildren(rows);
  }

  function renderSummary(lines) {
    const ul = document.getElementById("summary");
    const items = document.createDocumentFragment();
    for (const line of lines) {
      const li = document.createElement("li");
      li.textContent = line;
      items.appendChild(li);
    }
    ul.replaceChildren(items);
  }

  // -- the forest plot and the stacked bar, drawn here from the table's numbers ------------
  // (no round trip: they change with the table; every text goes in through textContent)
  const NS = "http://www.w3.org/2000/svg";
  const initial = JSON.parse(document.getElementById("initial-data").textContent);
  const style = initial.style;

  function svgEl(name, attrs, parent) {
    const el = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
    if (parent) parent.appendChild(el);
    return el;
  }

  function svgText(parent, x, y, text, attrs) {
    const t = svgEl("text", Object.assign({ x: x, y: y }, attrs || {}), parent);
    t.textContent = text;
    return t;
  }

  function selectAlteration(id) {
    for (const tr of tbody.rows) tr.classList.toggle("selected", tr.dataset.alteration === id);
    for (const g of document.querySelectorAll(".chart g.row")) {
      g.classList.toggle("selected", g.dataset.alteration === id);
    }
    const tr = tbody.querySelector('tr[data-alteration="' + CSS.escape(id) + '"]');
    if (tr) tr.hidden = false;
    showAltered(id, tr ? tr.cells[0].textContent : id);
  }

  // the sample list narrowed to the selected alteration (its reports one click away)
  let selected = null;

  function showAltered(id, label) {
    selected = { id: id, label: label };
    const q = table.dataset.query;
    fetch(base + "/altered.json?" + q + "&alteration=" + encodeURIComponent(id),
      { headers: { Accept: "application/json" } })
      .then((r) => r.json())
      .then((data) => {
        if (!selected || selected.id !== id || !data.samples) return;
        renderSamples(data.samples, data.reading_query, label, data.n);
        const box = document.getElementById("sample-list-box");
        box.open = true;
        box.scrollIntoView({ block: "nearest" });
      })
      .catch(() => {});
  }

  function chartRow(svg, r, y, height, width, tip) {
    const g = svgEl("g", { class: "row", "data-alteration": r.alteration, tabindex: 0 }, svg);
    svgEl("rect", { x: 0, y: y - height / 2, width: width, height: height, class: "hit" }, g);
    svgEl("title", {}, g).textContent = tip;
    g.addEventListener("click", () => selectAlteration(r.alteration));
    g.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        selectAlteration(r.alteration);
      }
    });
    return g;
  }

  function drawForest(rows, expected) {
    const box = document.querySelector("#chart-forest .chart-box");
    const shown = rows.filter((r) => r.n_her2_known > 0);
    const left = 300, right = 20, top = 34, step = 20, W = 820;
    const plotW = W - left - right;
    const H = top + step * shown.length + 44;
    const x = (pct) => left + (plotW * Math.max(0, Math.min(100, pct))) / 100;
    const svg = svgEl("svg", { viewBox: "0 0 " + W + " " + H, width: W, class: "chart-svg" });
    svgEl("rect", { x: x(100 * expected[0]), y: top - 6, width: x(100 * expected[1]) - x(100 * expected[0]),
      height: step * shown.length + 6, fill: "#c7e9c0", opacity: 0.6 }, svg);
    for (let t = 0; t <= 100; t += 20) {
      svgEl("line", { x1: x(t), x2: x(t), y1: top - 6, y2: top + step * shown.length, stroke: "#eee" }, svg);
      svgText(svg, x(t), top + step * shown.length + 16, String(t), { "text-anchor": "middle", class: "tick" });
    }
    svgText(svg, left + plotW / 2, H - 8, "HER2-low, % of tumors with a known HER2 call (Wilson 95% CI)",
      { "text-anchor": "middle", class: "axis" });
    svgText(svg, left, 16, "green band: expected " + Math.round(100 * expected[0]) + "-" +
      Math.round(100 * expected[1]) + "%  ·  grey tick: baseline", { class: "axis" });
    shown.forEach((r, i) => {
      const y = top + step * i + step / 2 - 4;
      const colour = style.classes[r.mechanism_class] || "#333";
      const tip = r.label + ": HER2-low " + r.fraction + " = " + r.pct_text + "%; baseline " +
        r.baseline_text + "%; OR " + r.or_text + "; q " + r.q_text;
      const g = chartRow(svg, r, y, step, W, tip);
      svgText(g, left - 8, y + 4, r.label + " (n=" + r.n_her2_known + ")",
        { "text-anchor": "end", class: r.level === "alteration" ? "lab" : "lab strong" });
      if (r.ci_low !== null && r.ci_high !== null) {
        svgEl("line", { x1: x(r.ci_low), x2: x(r.ci_high), y1: y, y2: y, stroke: colour, "stroke-width": 2 }, g);
      }
      if (r.baseline_pct !== null) {
        svgEl("line", { x1: x(r.baseline_pct), x2: x(r.baseline_pct), y1: y - 6, y2: y + 6,
          stroke: "#555", "stroke-width": 1.5 }, g);
      }
      if (r.pct_her2_low !== null) {
        const cx = x(r.pct_her2_low);
        if (r.level === "alteration") {
          svgEl("circle", { cx: cx, cy: y, r: 4, fill: colour }, g);
        } else {
          svgEl("path", { d: "M" + (cx - 5) + " " + y + "L" + cx + " " + (y - 5) + "L" + (cx + 5) +
            " " + y + "L" + cx + " " + (y + 5) + "Z", fill: colour }, g);
        }
      }
    });
    box.replaceChildren(svg);
  }

  function drawStacked(rows) {
    const box = document.querySelector("#chart-stacked .chart-box");
    const shown = rows.filter((r) => r.n_altered > 0);
    const left = 300, right = 20, top = 40, step = 18, W = 820;
    const plotW = W - left - right;
    const H = top + step * shown.length + 30;
    const svg = svgEl("svg", { viewBox: "0 0 " + W + " " + H, width: W, class: "chart-svg" });
    let lx = left;
    for (const part of style.parts) {
      svgEl("rect", { x: lx, y: 8, width: 10, height: 10, fill: part.colour, stroke: "#888" }, svg);
      const t = svgText(svg, lx + 14, 17, part.name, { class: "tick" });
      lx += 14 + 7.5 * part.name.length + 16;
      void t;
    }
    shown.forEach((r, i) => {
      const y = top + step * i;
      const tip = r.label + " (n=" + r.n_altered + "): " + style.parts.map((p, k) =>
        p.name + " " + r.parts[k]).join(", ");
      const g = chartRow(svg, r, y + step / 2 - 2, step, W, tip);
      svgText(g, left - 8, y + step / 2 + 2, r.label + " (n=" + r.n_altered + ")",
        { "text-anchor": "end", class: r.level === "alteration" ? "lab" : "lab strong" });
      let x0 = left;
      r.parts.forEach((n, k) => {
        const w = (plotW * n) / Math.max(1, r.n_altered);
        if (w > 0) {
          svgEl("rect", { x: x0, y: y + 2, width: w, height: step - 6, fill: style.parts[k].colour,
            stroke: "rgba(0,0,0,.25)", "stroke-width": 0.5 }, g);
        }
        x0 += w;
      });
    });
    svgText(svg, left + plotW / 2, H - 6, "% of altered tumors", { "text-anchor": "middle", class: "axis" });
    box.replaceChildren(svg);
  }

  function drawCharts(rows, expected, q) {
    drawForest(rows, expected);
    drawStacked(rows);
    for (const a of document.querySelectorAll("a.figlink")) {
      a.href = base + "/figure/" + a.dataset.name + "." + (a.dataset.fmt || "svg") + "?" + q;
    }
    for (const f of document.querySelectorAll("figure.chart")) f.dataset.query = q;
  }

  const KM_TITLES = {
    from_diagnosis: "From diagnosis (naive; subject to sequencing-time bias)",
    left_truncated: "Left-truncated (delayed entry at sequencing)",
  };

  function drawKm(fragment) {
    const holder = fragment.querySelector(".km-data");
    const box = fragment.querySelector(".km-box");
    if (!holder || !box) return;
    const data = JSON.parse(holder.textContent);
    const analyses = Object.keys(data.curves);
    const panels = document.createDocumentFragment();
    for (const analysis of analyses) {
      const groups = data.curves[analysis];
      const names = Object.keys(groups);
      let tmax = 0;
      for (const g of names) for (const p of groups[g]) tmax = Math.max(tmax, p[0]);
      const stepT = tmax > 240 ? 60 : tmax > 120 ? 24 : 12;
      const ticks = [];
      for (let t = 0; t <= tmax; t += stepT) ticks.push(t);
      const W = 560, left = 150, right = 16, top = 30, plotH = 230;
      const riskTop = top + plotH + 44;
      const H = riskTop + 16 * names.length + 10;
      const x = (t) => left + ((W - left - right) * t) / (tmax || 1);
      const y = (v) => top + plotH * (1 - v);
      const svg = svgEl("svg", { viewBox: "0 0 " + W + " " + H, width: W, class: "chart-svg km-svg" });
      svgText(svg, left, 16, KM_TITLES[analysis] || analysis, { class: "axis" });
      for (const v of [0, 0.25, 0.5, 0.75, 1]) {
        svgEl("line", { x1: left, x2: W - right, y1: y(v), y2: y(v), stroke: "#eee" }, svg);
        svgText(svg, left - 6, y(v) + 4, v.toFixed(2), { "text-anchor": "end", class: "tick" });
      }
      for (const t of ticks) {
        svgText(svg, x(t), top + plotH + 16, String(t), { "text-anchor": "middle", class: "tick" });
      }
      svgText(svg, left + (W - left - right) / 2, top + plotH + 32, "months", {
        "text-anchor": "middle", class: "axis" });
      svgText(svg, 4, riskTop - 4, "Number at risk", { class: "tick strong" });
      names.forEach((g, gi) => {
        const pts = groups[g];
        const colour = data.colours[g] || "#333";
        let line = "", upper = "", lower = "";
        pts.forEach((p, i) => {
          const cmd = i === 0 ? "M" : "H";
          line += cmd + x(p[0]).toFixed(1) + (i === 0 ? " " + y(p[1]).toFixed(1) : "") +
            "V" + y(p[1]).toFixed(1);
          if (p[2] !== null && p[3] !== null) {
            upper += (upper ? "L" : "M") + x(p[0]).toFixed(1) + " " + y(p[3]).toFixed(1);
            lower = "L" + x(p[0]).toFixed(1) + " " + y(p[2]).toFixed(1) + lower;
          }
        });
        if (upper) {
          svgEl("path", { d: upper + lower + "Z", fill: colour, opacity: 0.15, stroke: "none" }, svg);
        }
        const path = svgEl("path", { d: line, fill: "none", stroke: colour, "stroke-width": 2 }, svg);
        svgEl("title", {}, path).textContent = g + " (" + pts[0][4] + " patients)";
        // the legend doubles as the at-risk table's row label
        const ry = riskTop + 12 + 16 * gi;
        svgEl("rect", { x: 4, y: ry - 9, width: 10, height: 10, fill: colour }, svg);
        svgText(svg, 18, ry, g, { class: "tick" });
        for (const t of ticks) {
          let n = pts[0][4];
          for (const p of pts) {
            if (p[0] <= t) n = p[4];
            else break;
          }
          svgText(svg, x(t), ry, String(t > pts[pts.length - 1][0] ? 0 : n),
            { "text-anchor": "middle", class: "tick" });
        }
      });
      panels.appendChild(svg);
    }
    box.replaceChildren(panels);
  }

  // -- figures and sections: marked stale at once, fetched for the latest settings only --
  // Each page has a random view token; the server skips a queued figure of this view
  // whose settings are no longer the latest, and the page aborts the requests it no
  // longer needs (their results would be thrown away).
  const view = Math.random().toString(36).slice(2, 12);
  const FIGURE_DELAY = 120; // ms after the table, without a new change, before figures are asked for
  let figureTimer = null;
  let inflight = [];
  const blobs = new Map();

  function abortAll() {
    for (const c of inflight) c.abort();
    inflight = [];
  }

  function markStale() {
    for (const el of document.querySelectorAll("section.figures figure.plot, .fragment")) {
      el.classList.add("stale");
      el.setAttribute("aria-busy", "true");
    }
    document.querySelector(".stale-note").hidden = false;
  }

  function withView(url) {
    return url + (url.includes("?") ? "&" : "?") + "view=" + view;
  }

  function loadFigure(img, url, done) {
    const ctrl = new AbortController();
    inflight.push(ctrl);
    fetch(withView(url), { signal: ctrl.signal })
      .then((r) => (r.status === 200 ? r.blob() : null))
      .then((blob) => {
        if (!blob || ctrl.signal.aborted) return;
        const old = blobs.get(img);
        const objectUrl = URL.createObjectURL(blob);
        blobs.set(img, objectUrl);
        img.onload = () => {
          if (old) URL.revokeObjectURL(old);
          img.dataset.query = url.split("?")[1] || "";
          if (done) done();
        };
        img.src = objectUrl;
      })
      .catch(() => {});
  }

  function fresh(el) {
    el.classList.remove("stale");
    el.removeAttribute("aria-busy");
    if (!document.querySelector("section.figures figure.stale")) {
      document.querySelector(".stale-note").hidden = true;
    }
  }

  function loadFragment(el, url) {
    el.dataset.src = url;
    const ctrl = new AbortController();
    inflight.push(ctrl);
    el.setAttribute("aria-busy", "true");
    el.classList.add("stale");
    if (!el.querySelector("table")) {
      const p = document.createElement("p");
      p.className = "muted";
      p.textContent = "Computing…";
      el.replaceChildren(p);
    }
    // the survival section sends its curves as data: the page draws them (no server figure)
    const fetchUrl = withView(el.id === "survival" ? url + "&charts=1" : url);
    fetch(fetchUrl, { headers: { Accept: "text/html" }, signal: ctrl.signal })
      .then((r) => r.text().then((t) => ({ ok: r.ok, text: t, skipped: r.status === 204 })))
      .then(({ ok, text, skipped }) => {
        if (el.dataset.src !== url || ctrl.signal.aborted || skipped) return;
        if (!ok) {
          el.replaceChildren(document.createTextNode("Could not compute this section."));
          fresh(el);
          return;
        }
        // the server renders this fragment with jinja2 autoescaping; nothing in it is script
        const doc = new DOMParser().parseFromString(text, "text/html");
        for (const img of doc.querySelectorAll("img")) {
          const src = img.getAttribute("src");
          img.removeAttribute("src");
          img.dataset.fig = src;
        }
        el.replaceChildren(...doc.body.childNodes);
        drawKm(el);
        for (const img of el.querySelectorAll("img[data-fig]")) {
          loadFigure(img, img.dataset.fig);
        }
        fresh(el);
      })
      .catch(() => {});
  }

  function loadFigures(q) {
    abortAll();
    for (const img of document.querySelectorAll("section.figures img")) {
      const fig = img.closest("figure");
      loadFigure(img, base + "/figure/" + img.dataset.name + ".svg?" + q, () => fresh(fig));
    }
    loadFragment(document.getElementById("switching"), base + "/switching?" + q);
    loadFragment(document.getElementById("survival"), base + "/survival?" + q);
    loadFragment(document.getElementById("actionability"), base + "/actionability?" + q);
  }

  function updateLinks(data) {
    const q = data.query;
    for (const a of document.querySelectorAll("#downloads a.dl")) {
      a.href = base + "/download/" + a.dataset.name + "?" + q;
    }
    const opts = data.options;
    const lookup = document.getElementById("sample-lookup");
    lookup.elements.namedItem("profile").value = opts.profile;
    lookup.elements.namedItem("ambiguous").value = opts.ambiguous;
    const mapping = document.getElementById("mapping-form");
    if (mapping) {
      for (const name of ["profile", "ambiguous", "sample_type", "hr"]) {
        mapping.elements.namedItem(name).value = opts[name];
      }
    }
    lastSamples = data;
    if (selected) showAltered(selected.id, selected.label);
    else renderSamples(data.samples, data.reading_query, "", data.n_analysed);
    clearTimeout(figureTimer);
    figureTimer = setTimeout(() => loadFigures(q), FIGURE_DELAY);
  }

  function renderSamples(samples, reading, label, total) {
    const list = document.getElementById("sample-list");
    const what = document.getElementById("sample-list-what");
    what.textContent = label ? "with " + label : "";
    document.getElementById("show-all-samples").hidden = !label;
    const items = document.createDocumentFragment();
    for (const s of samples.slice(0, 300)) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = base + "/sample/" + encodeURIComponent(s.id) + "?" + reading;
      a.textContent = s.id;
      const span = document.createElement("span");
      span.className = "muted";
      span.textContent = " " + s.her2 + (s.variants ? " · " + s.variants : "");
      li.append(a, span);
      items.appendChild(li);
    }
    list.replaceChildren(items);
    document.getElementById("sample-count").textContent = String(total || samples.length);
  }

  let tableCtrl = null;
  let lastSamples = {
    samples: initial.samples,
    reading_query: initial.reading_query,
    n_analysed: initial.n_analysed,
  };

  function recompute() {
    const q = query();
    const mine = ++request;
    status.textContent = "Computing…";
    table.setAttribute("aria-busy", "true");
    clearTimeout(figureTimer);
    abortAll();
    markStale();
    if (tableCtrl) tableCtrl.abort();
    tableCtrl = new AbortController();
    const started = performance.now();
    fetch(base + "/analysis.json?" + q, {
      headers: { Accept: "application/json" },
      signal: tableCtrl.signal,
    })
      .then((r) => r.json().then((data) => ({ ok: r.ok, data: data })))
      .then(({ ok, data }) => {
        if (mine !== request) return;
        if (!ok || !data.rows) {
          status.textContent = (data && data.error) || "The server could not compute this setting.";
          return;
        }
        renderRows(data.rows);
        drawCharts(data.rows, data.expected, data.query);
        renderDistribution(data.distribution);
        renderSummary(data.summary);
        status.textContent =
          data.n_analysed + " of " + data.n_samples + " samples analysed · server " +
          data.server_ms + " ms";
        table.removeAttribute("aria-busy");
        table.dataset.query = data.query;
        table.dataset.ms = String(Math.round(performance.now() - started));
        history.replaceState(null, "", base + "?" + data.query);
        updateLinks(data);
      })
      .catch(() => {
        if (mine === request && !tableCtrl.signal.aborted) {
          status.textContent = "Could not reach the server.";
        }
      });
  }

  function value(tr, index, type) {
    const raw = tr.cells[index].dataset.v;
    if (type === "num" || type === "frac") {
      return raw === "" ? null : Number(raw);
    }
    return raw.toLowerCase();
  }

  function applySort() {
    if (sortKey === null) return;
    const th = table.querySelector('th[data-key="' + sortKey + '"]');
    const index = th.cellIndex;
    const type = th.dataset.type;
    const rows = Array.from(tbody.rows);
    rows.sort((a, b) => {
      const va = value(a, index, type);
      const vb = value(b, index, type);
      if (va === vb) return 0;
      if (va === null) return 1; // empty cells last either way
      if (vb === null) return -1;
      return (va < vb ? -1 : 1) * sortDir;
    });
    tbody.replaceChildren(...rows);
    for (const h of table.tHead.rows[0].cells) {
      h.removeAttribute("aria-sort");
    }
    th.setAttribute("aria-sort", sortDir === 1 ? "ascending" : "descending");
  }

  function applyFilter() {
    const text = document.getElementById("table-filter").value.trim().toLowerCase();
    const level = document.getElementById("level-filter").value;
    let shown = 0;
    for (const tr of tbody.rows) {
      const hay = (tr.cells[0].textContent + " " + tr.cells[1].textContent + " " +
        tr.dataset.alteration).toLowerCase();
      const levelOk = !level || tr.dataset.level === level ||
        (level === "class" && tr.dataset.level === "all");
      tr.hidden = !(levelOk && (!text || hay.includes(text)));
      if (!tr.hidden) shown += 1;
    }
    document.getElementById("table-empty").hidden = shown > 0;
  }

  for (const th of table.tHead.rows[0].cells) {
    th.tabIndex = 0;
    th.classList.add("sortable");
    const sort = () => {
      if (sortKey === th.dataset.key) {
        sortDir = -sortDir;
      } else {
        sortKey = th.dataset.key;
        // numbers largest first, except where small is the interesting end (q values)
        sortDir = th.dataset.first === "asc" || th.dataset.type === "text" ? 1 : -1;
      }
      applySort();
    };
    th.addEventListener("click", sort);
    th.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        sort();
      }
    });
  }
  document.getElementById("table-filter").addEventListener("input", applyFilter);
  tbody.addEventListener("click", (e) => {
    const tr = e.target.closest("tr");
    if (tr && tr.dataset.alteration) selectAlteration(tr.dataset.alteration);
  });
  document.getElementById("show-all-samples").addEventListener("click", () => {
    selected = null;
    for (const el of document.querySelectorAll(".selected")) el.classList.remove("selected");
    renderSamples(lastSamples.samples, lastSamples.reading_query, "", lastSamples.n_analysed);
  });
  document.getElementById("level-filter").addEventListener("change", applyFilter);
  form.addEventListener("change", recompute);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    recompute();
  });
  document.getElementById("apply").hidden = true;
  table.dataset.query = query();
  drawCharts(initial.rows, initial.expected, initial.query);
  for (const img of document.querySelectorAll("section.figures img")) {
    img.dataset.query = table.dataset.query;
  }
  for (const id of ["switching", "survival", "actionability"]) {
    const el = document.getElementById(id);
    loadFragment(el, el.dataset.src);
  }
  // a figure opens enlarged on click (its full resolution, scrollable on a phone)
  const zoom = document.getElementById("zoom");
  document.addEventListener("click", (e) => {
    const img = e.target.closest && e.target.closest("figure.plot img");
    if (!img || !zoom || typeof zoom.showModal !== "function") return;
    const big = document.getElementById("zoom-img");
    big.src = img.src;
    big.alt = img.alt;
    zoom.showModal();
  });
})();
