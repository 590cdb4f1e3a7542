// New-patient form: builds a patient file (docs/patient-file.md) and posts it as JSON.
// The report comes back as HTML (shown in a sandboxed frame), Markdown and JSON (downloads).
(function () {
  "use strict";
  const form = document.getElementById("patient-form");
  const rows = document.querySelector("#history tbody");
  const rowTemplate = document.getElementById("history-row");
  const errorBox = document.getElementById("form-error");
  const result = document.getElementById("result");
  const frame = document.getElementById("report");
  const urls = [];

  // payload index of therapy_history -> its table row (empty rows are not sent)
  let sentRows = [];

  function numberRows() {
    Array.from(rows.rows).forEach((tr, i) => {
      for (const el of tr.querySelectorAll("[data-field]")) {
        el.setAttribute("aria-label", "Therapy " + (i + 1) + ": " + el.dataset.label);
      }
      tr.querySelector(".remove-row").setAttribute("aria-label", "Remove therapy " + (i + 1));
    });
  }

  function addRow() {
    const tr = rowTemplate.content.firstElementChild.cloneNode(true);
    tr.querySelector(".remove-row").addEventListener("click", () => {
      tr.remove();
      numberRows();
    });
    rows.appendChild(tr);
    numberRows();
    return tr;
  }

  function text(name) {
    const el = form.elements.namedItem(name);
    return el ? el.value.trim() : "";
  }

  function lines(name, sep) {
    return text(name).split(sep).map((s) => s.trim()).filter((s) => s);
  }

  function numberOrText(raw) {
    // a number when it reads as one; otherwise the text, for the schema to judge
    return raw !== "" && !Number.isNaN(Number(raw)) ? Number(raw) : raw;
  }

  function her2(prefix) {
    const out = {};
    for (const key of ["ihc", "ish_status"]) {
      const v = text(prefix + "." + key);
      if (v) out[key] = v;
    }
    for (const key of ["ish_ratio", "her2_copies"]) {
      const v = text(prefix + "." + key);
      if (v) out[key] = numberOrText(v);
    }
    return out;
  }

  function bool(name) {
    const v = text(name);
    return v === "" ? undefined : v === "true";
  }

  function patient() {
    const p = { schema_version: 2, id: text("id") };
    for (const key of ["setting", "er_status", "pr_status", "menopausal_status", "histology",
      "cns_metastases", "profile", "ambiguous"]) {
      const v = text(key);
      if (v) p[key] = v;
    }
    const recent = her2("her2");
    if (Object.keys(recent).length) p.her2 = recent;
    const primary = her2("her2_primary");
    if (Object.keys(primary).length) p.her2_primary = primary;
    const alterations = lines("alterations", /\n/);
    if (alterations.length) p.alterations = alterations;
    const markers = lines("markers", /\n/);
    if (markers.length) p.markers = markers;
    const sites = lines("metastatic_sites", /[,;]/);
    if (sites.length) p.metastatic_sites = sites;
    const history = [];
    sentRows = [];
    for (const tr of rows.rows) {
      // a row counts when something was typed in it; the drop-downs alone have defaults
      // (metastatic, progressed) and must not turn an empty row into a therapy
      const typed = Array.from(tr.querySelectorAll("input[data-field]")).some(
        (el) => el.value.trim() !== "");
      if (!typed) continue;
      const item = {};
      for (const el of tr.querySelectorAll("[data-field]")) {
        const v = el.value.trim();
        if (v === "") continue;
        const field = el.dataset.field;
        item[field] = field === "line" || field === "duration_months" ? numberOrText(v) : v;
      }
      history.push(item);
      sentRows.push(tr);
    }
    if (history.length) p.therapy_history = history;
    const germline = {};
    const tested = bool("germline.tested");
    if (tested !== undefined) germline.tested = tested;
    const genes = lines("germline.pathogenic", /[,;\s]+/);
    if (genes.length) germline.pathogenic = genes;
    if (Object.keys(germline).length) p.germline = germline;
    const pdl1 = {};
    for (const key of ["status", "score", "assay"]) {
      const v = text("pd_l1." + key);
      if (v) pdl1[key] = v;
    }
    if (Object.keys(pdl1).length) p.pd_l1 = pdl1;
    for (const key of ["ild_history", "diabetes"]) {
      const v = bool(key);
      if (v !== undefined) p[key] = v;
    }
    return p;
  }

  function fieldFor(path) {
    // "therapy_history[1].line" -> the row's input; "her2.ihc" -> the named input
    const m = /^therapy_history\[(\d+)\](?:\.(\w+))?/.exec(path);
    if (m) {
      const tr = sentRows[Number(m[1])];
      if (!tr) return null;
      return tr.querySelector('[data-field="' + (m[2] || "therapy") + '"]') ||
        tr.querySelector("[data-field]");
    }
    return form.elements.namedItem(path) || form.elements.namedItem(path.split(".")[0]);
  }

  function clearMarks() {
    for (const el of form.querySelectorAll("[aria-invalid]")) {
      el.removeAttribute("aria-invalid");
      el.removeAttribute("aria-describedby");
    }
  }

  function showError(message, errors) {
    clearMarks();
    const list = errors && errors.length ? errors : [{ field: "", message: message }];
    const head = document.createElement("p");
    head.textContent = list.length === 1
      ? "The report could not be made; 1 entry needs a change:"
      : "The report could not be made; " + list.length + " entries need a change:";
    const ul = document.createElement("ul");
    list.forEach((err, i) => {
      const li = document.createElement("li");
      li.id = "form-error-" + i;
      const el = err.field ? fieldFor(err.field) : null;
      if (el && el.setAttribute) {
        el.setAttribute("aria-invalid", "true");
        el.setAttribute("aria-describedby", li.id);
        const a = document.createElement("a");
        a.href = "#";
        a.textContent = err.message;
        a.addEventListener("click", (e) => {
          e.preventDefault();
          el.focus();
        });
        li.appendChild(a);
      } else {
        li.textContent = err.message;
      }
      ul.appendChild(li);
    });
    errorBox.replaceChildren(head, ul);
    errorBox.hidden = false;
    result.hidden = true;
    errorBox.scrollIntoView({ block: "center" });
    errorBox.focus();
  }

  function link(id, content, type, name) {
    const blob = new Blob([content], { type: type });
    const url = URL.createObjectURL(blob);
    urls.push(url);
    const a = document.getElementById(id);
    a.href = url;
    a.download = name;
  }

  function show(data) {
    errorBox.hidden = true;
    clearMarks();
    while (urls.length) URL.revokeObjectURL(urls.pop());
    const stem = (data.id || "patient").replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 100);
    link("dl-html", data.html, "text/html", stem + "_report.html");
    link("dl-md", data.markdown, "text/markdown", stem + "_report.md");
    link("dl-json", data.json, "application/json", stem + "_report.json");
    const top = document.getElementById("top-options");
    top.replaceChildren();
    const head = document.createElement("strong");
    head.textContent = "HER2: " + (data.her2 || "not called") + ". Top options: ";
    top.appendChild(head);
    const list = document.createElement("ol");
    list.id = "top-list";
    for (const o of data.top_options) {
      const li = document.createElement("li");
      li.textContent = o.therapy + (o.evidence_level ? " (" + o.evidence_level + ")" : "");
      list.appendChild(li);
    }
    top.appendChild(list);
    result.hidden = false;
    frame.srcdoc = data.html;
    result.scrollIntoView({ block: "nearest" });
    frame.hidden = false;
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const button = document.getElementById("make-report");
    button.disabled = true;
    fetch("/patient/report", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(patient()),
    })
      .then((r) => r.json())
      .then((data) =>
        data.ok ? show(data) : showError(data.error || "The report failed.", data.errors))
      .catch(() => showError("Could not reach the server."))
      .finally(() => {
        button.disabled = false;
      });
  });
  document.getElementById("add-therapy").addEventListener("click", addRow);
  addRow();
})();
