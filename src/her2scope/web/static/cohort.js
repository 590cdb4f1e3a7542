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
      cell(tr, r.seed, r.seed);
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
      cell(tr, d.pct, d.pct, "num");
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

  function loadFragment(el, url) {
    el.dataset.src = url;
    el.setAttribute("aria-busy", "true");
    const p = document.createElement("p");
    p.className = "muted";
    p.textContent = "Computing…";
    el.replaceChildren(p);
    fetch(url, { headers: { Accept: "text/html" } })
      .then((r) => r.text().then((t) => ({ ok: r.ok, text: t })))
      .then(({ ok, text }) => {
        if (el.dataset.src !== url) return; // a newer setting was chosen meanwhile
        if (!ok) {
          p.textContent = "Could not compute this section.";
          return;
        }
        // the server renders this fragment with jinja2 autoescaping; nothing in it is script
        const doc = new DOMParser().parseFromString(text, "text/html");
        el.replaceChildren(...doc.body.childNodes);
        el.removeAttribute("aria-busy");
      })
      .catch(() => {
        p.textContent = "Could not reach the server.";
      });
  }

  function updateLinks(q) {
    for (const img of document.querySelectorAll("section.figures img")) {
      img.src = base + "/figure/" + img.dataset.name + ".png?" + q;
    }
    for (const a of document.querySelectorAll("#downloads a.dl")) {
      a.href = base + "/download/" + a.dataset.name + "?" + q;
    }
    loadFragment(document.getElementById("switching"), base + "/switching?" + q);
    loadFragment(document.getElementById("survival"), base + "/survival?" + q);
  }

  function recompute() {
    const q = query();
    const mine = ++request;
    status.textContent = "Computing…";
    table.setAttribute("aria-busy", "true");
    fetch(base + "/analysis.json?" + q, { headers: { Accept: "application/json" } })
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
        history.replaceState(null, "", base + "?" + data.query);
        updateLinks(data.query);
      })
      .catch(() => {
        if (mine === request) status.textContent = "Could not reach the server.";
      });
  }

  function value(tr, index, type) {
    const raw = tr.cells[index].dataset.v;
    if (type === "num") {
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
    for (const tr of tbody.rows) {
      const hay = (tr.cells[0].textContent + " " + tr.cells[1].textContent + " " +
        tr.dataset.alteration).toLowerCase();
      const levelOk = !level || tr.dataset.level === level ||
        (level === "class" && tr.dataset.level === "all");
      tr.hidden = !(levelOk && (!text || hay.includes(text)));
    }
  }

  for (const th of table.tHead.rows[0].cells) {
    th.tabIndex = 0;
    th.classList.add("sortable");
    const sort = () => {
      if (sortKey === th.dataset.key) {
        sortDir = -sortDir;
      } else {
        sortKey = th.dataset.key;
        sortDir = th.dataset.type === "num" ? -1 : 1;
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
  for (const id of ["switching", "survival"]) {
    const el = document.getElementById(id);
    loadFragment(el, el.dataset.src);
  }
})();
