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

  // -- figures and sections: marked stale at once, fetched for the latest settings only --
  // Each page has a random view token; the server skips a queued figure of this view
  // whose settings are no longer the latest, and the page aborts the requests it no
  // longer needs (their results would be thrown away).
  const view = Math.random().toString(36).slice(2, 12);
  const FIGURE_DELAY = 200; // ms without a new change before figures are asked for
  let figureTimer = null;
  let inflight = [];
  const blobs = new Map();

  function abortAll() {
    for (const c of inflight) c.abort();
    inflight = [];
  }

  function markStale() {
    for (const el of document.querySelectorAll("section.figures figure, .fragment")) {
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
    fetch(url, { headers: { Accept: "text/html" }, signal: ctrl.signal })
      .then((r) => r.text().then((t) => ({ ok: r.ok, text: t })))
      .then(({ ok, text }) => {
        if (el.dataset.src !== url || ctrl.signal.aborted) return;
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
      loadFigure(img, base + "/figure/" + img.dataset.name + ".png?" + q, () => fresh(fig));
    }
    loadFragment(document.getElementById("switching"), base + "/switching?" + q);
    loadFragment(document.getElementById("survival"), base + "/survival?" + q);
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
    renderSamples(data.samples, data.reading_query);
    clearTimeout(figureTimer);
    figureTimer = setTimeout(() => loadFigures(q), FIGURE_DELAY);
  }

  function renderSamples(samples, reading) {
    const list = document.getElementById("sample-list");
    const items = document.createDocumentFragment();
    for (const s of samples.slice(0, 300)) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = base + "/sample/" + encodeURIComponent(s.id) + "?" + reading;
      a.textContent = s.id;
      const span = document.createElement("span");
      span.className = "muted";
      span.textContent = " " + s.her2;
      li.append(a, span);
      items.appendChild(li);
    }
    list.replaceChildren(items);
    document.getElementById("sample-count").textContent = String(samples.length);
  }

  let tableCtrl = null;

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
  document.getElementById("level-filter").addEventListener("change", applyFilter);
  form.addEventListener("change", recompute);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    recompute();
  });
  document.getElementById("apply").hidden = true;
  table.dataset.query = query();
  for (const img of document.querySelectorAll("section.figures img")) {
    img.dataset.query = table.dataset.query;
  }
  for (const id of ["switching", "survival"]) {
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
