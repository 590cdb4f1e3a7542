"""Formatting of patient reports and of the knowledge base (Markdown, HTML, JSON, TSV).

The only place that turns :class:`~her2scope.tumorboard.match.PatientReport` and KB
entries into text. HTML is self-contained (inline CSS with ``@media print``)
and rendered by jinja2 with autoescaping, so patient-supplied strings cannot
inject markup. Markdown is plain enough to read in a terminal.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from her2scope.render import html as _html

if TYPE_CHECKING:
    from her2scope.tumorboard.report import PatientReport

FORMATS = ("md", "html", "json")
SUFFIX = {"md": ".md", "html": ".html", "json": ".json"}


def render_json(report: PatientReport) -> str:
    """The report as a JSON document (keys documented in :class:`PatientReport`)."""
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


#: How many items of each kind the board summary names (the sections below list all).
BOARD_TOP = 3


def board_summary(d: dict[str, Any]) -> dict[str, Any]:
    """The one-screen summary a tumor board reads first, from a report's ``to_dict()``.

    The top eligible options in rank order, the open branches with what settles
    them, what is excluded and why, triggered label warnings and the count of
    inputs not understood. Every item is also in its full section below (with
    its sources); the summary names at most :data:`BOARD_TOP` of each kind and
    says how many more there are, so nothing is hidden by it.
    """
    her2 = d["her2"]
    patient = d["patient"]
    settles: dict[str, list[str]] = {}
    for o in d.get("conditional_options", []):
        key = "; ".join(o.get("settles") or []) or str(o.get("reason", ""))
        settles.setdefault(key, []).append(o["therapy"])
    safety = [w for w in d.get("warnings", []) if w.get("kind") == "label_safety"]

    def tagged(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        # one drug can head several strategies (sacituzumab govitecan: ASCENT, ASCENT-03):
        # the trial the label ends with tells them apart
        out = []
        for o in items:
            label = str(o.get("label") or "")
            tag = label[label.rfind("(") + 1 : -1] if label.endswith(")") and "(" in label else ""
            out.append({**o, "tag": tag})
        return out

    return {
        "her2": her2["category"],
        "her2_ambiguous": bool(her2.get("ambiguous")),
        "er": patient["er_status"],
        "setting": patient.get("setting") or "not given",
        "next_line": patient.get("next_line"),
        "top": tagged(d["options"][:BOARD_TOP]),
        "more_options": max(0, len(d["options"]) - BOARD_TOP),
        "branches": [
            {"settled_by": k, "therapies": sorted(set(v))}
            for k, v in list(settles.items())[:BOARD_TOP]
        ],
        "more_branches": max(0, len(settles) - BOARD_TOP),
        "n_conditional": len(d.get("conditional_options", [])),
        "excluded": tagged(d.get("not_eligible", [])[:BOARD_TOP]),
        "more_excluded": max(0, len(d.get("not_eligible", [])) - BOARD_TOP),
        "safety": safety[:BOARD_TOP],
        "n_unrecognised": len(d.get("unrecognised", [])),
    }


def render_html(report: PatientReport) -> str:
    """Self-contained, print-friendly HTML (jinja2, autoescaped), board summary first."""
    d = report.to_dict()
    return _html.render("patient.html.j2", r=d, board=board_summary(d))


def _board_markdown(b: dict[str, Any]) -> list[str]:
    """The board summary as Markdown lines (the same content as the HTML box)."""
    e = _md_escape
    amb = " (ambiguous)" if b["her2_ambiguous"] else ""
    line = f" · next metastatic line {b['next_line']}" if b.get("next_line") else ""
    out = [
        "## Board summary",
        "",
        f"{e(b['her2'])}{amb} · ER {e(b['er'])} · setting {e(b['setting'])}{line}",
        "",
    ]
    if b["top"]:
        out.append("**Eligible, ranked:**")
        out.append("")
        for o in b["top"]:
            tag = f" [{e(o['tag'])}]" if o["tag"] else ""
            out.append(
                f"{o['rank']}. **{e(o['therapy'])}**{tag} ({e(o['evidence_level'])}): "
                f"{e(o.get('rank_reason') or '')}"
            )
        if b["more_options"]:
            out.append(f"   ... and {b['more_options']} more below")
    else:
        out.append("**No option is eligible on the data given.**")
    if b["branches"]:
        out += ["", f"**Open branches ({b['n_conditional']} conditional options):**", ""]
        for br in b["branches"]:
            out.append(f"- {e(', '.join(br['therapies']))}: settled by {e(br['settled_by'])}")
        if b["more_branches"]:
            out.append(f"- ... and {b['more_branches']} more below")
    if b["excluded"]:
        out += ["", "**Not eligible:**", ""]
        for o in b["excluded"]:
            tag = f" [{e(o['tag'])}]" if o["tag"] else ""
            out.append(f"- {e(o['therapy'])}{tag}: {e(o['reason'])}")
        if b["more_excluded"]:
            out.append(f"- ... and {b['more_excluded']} more below")
    if b["safety"]:
        out += ["", "**Label warnings triggered:**", ""]
        out += [f"- {e(w['therapy'])}: {e(w['reason'])}" for w in b["safety"]]
    if b["n_unrecognised"]:
        out += ["", f"**{b['n_unrecognised']} input(s) not understood** (listed below)."]
    out.append("")
    return out


def _md_escape(text: object) -> str:
    """Text from a patient file or the knowledge base, inert in Markdown (no markup, no HTML)."""
    from her2scope.render.markdown import md_escape

    return md_escape(text)


def _md_sources(sources: list[dict[str, Any]]) -> str:
    """``text [PMID 1](https://...)`` for each source; links are the only markup produced."""
    parts = []
    for s in sources:
        links = " ".join(f"[{_md_escape(lk['label'])}](<{lk['url']}>)" for lk in s["links"])
        parts.append(_md_escape(s["text"]) + (f" {links}" if links else ""))
    return "; ".join(parts)


def render_markdown(report: PatientReport) -> str:
    """Markdown readable in a terminal: headings, bullet lists, no wide tables.

    Everything that comes from the patient file is escaped, so it cannot inject
    markup; links are built only from validated identifiers (PMID, DOI, NCT, URL).
    """
    d = report.to_dict()
    from her2scope.render.markdown import md_code, md_nct_link

    e = _md_escape
    p, h = d["patient"], d["her2"]
    out: list[str] = [
        f"# Patient report: {e(p['id'])}",
        "",
        f"> **Decision support only.** {d['disclaimer']}",
        "",
    ]
    out.append(
        f"Knowledge base {d['kb_version']} (as of {d['kb_as_of']}; approvals, results and "
        "labels after that date are not covered)"
        + (f" · source: {e(p['source'])}" if p.get("source") else "")
    )
    out += ["", *_board_markdown(board_summary(d))]
    out += ["", "## Patient", ""]
    out.append(
        f"- ER: {p['er_status']} · PR: {p['pr_status']} · setting: {p['setting'] or 'not given'}"
        + (f" · next metastatic line: {p['next_line']}" if p.get("next_line") else "")
    )
    extras = []
    if p.get("cns_metastases") not in (None, "unknown"):
        extras.append(f"CNS metastases: {p['cns_metastases']}")
    if p.get("histology") not in (None, "unknown"):
        extras.append(f"histology: {p['histology']}")
    if p.get("germline", {}).get("pathogenic"):
        extras.append("germline: " + ", ".join(e(g) for g in p["germline"]["pathogenic"]))
    if p.get("pd_l1", {}).get("status") not in (None, "unknown"):
        extras.append(f"PD-L1: {p['pd_l1']['status']}")
    if p.get("ild_history"):
        extras.append("history of ILD/pneumonitis")
    if p.get("ild_active"):
        extras.append("ACTIVE ILD/pneumonitis")
    if p.get("er_low"):
        extras.append(
            f"ER Low Positive ({p['er_percent']:g}%)" if p.get("er_percent") else "ER low"
        )
    if p.get("early_state"):
        extras.append("early disease: " + str(p["early_state"]).replace("_", " "))
    nr = p.get("neoadjuvant_response") or {}
    if nr.get("response") not in (None, "unknown"):
        extras.append(
            "neoadjuvant response: "
            + " ".join(str(x) for x in (nr["response"], nr.get("ypT"), nr.get("ypN")) if x)
            + (f", RCB {nr['rcb']}" if nr.get("rcb") else "")
        )
    if p.get("msi_status") not in (None, "unknown"):
        extras.append(f"MSI {p['msi_status']}")
    if p.get("mmr_status") not in (None, "unknown"):
        extras.append(f"MMR {p['mmr_status']}")
    if p.get("tmb") is not None:
        extras.append(f"TMB {p['tmb']:g} mut/Mb")
    if p.get("menopausal_status") not in (None, "unknown"):
        extras.append(f"{p['menopausal_status']}menopausal")
    if extras:
        out.append("- " + " · ".join(extras))
    out.append(f"- Alterations: {', '.join(e(a) for a in p['alterations']) or 'none given'}")
    if p.get("markers"):
        out.append(f"- Markers: {', '.join(e(m) for m in p['markers'])}")
    if p["prior_therapies"] is None:
        out.append("- Therapy history: unknown")
    elif not p["therapy_history"]:
        out.append("- Therapy history: none given")
    else:
        out.append("- Therapy history:")
        for th in p["therapy_history"]:
            bits = [th["setting"] or "setting not given"]
            if th["line"]:
                bits.append(f"line {th['line']}")
            bits.append(th["outcome"] + (" (assumed)" if th["outcome_assumed"] else ""))
            if th.get("months_since_end") is not None:
                bits.append(f"ended {th['months_since_end']:g} months before")
            tox = th.get("toxicity") or {}
            if tox:
                bits.append(
                    "toxicity: "
                    + " ".join(
                        str(x)
                        for x in (
                            tox.get("event"),
                            f"grade {tox['grade']}" if tox.get("grade") else None,
                        )
                        if x
                    )
                    + (", permanently discontinued" if tox.get("permanently_discontinued") else "")
                )
            out.append(f"  - {e(th['therapy'])}: {', '.join(bits)}")
    out += ["", "## HER2", ""]
    out.append(
        f"**{e(h['category'])}**"
        + (" (ambiguous; readings: " + " or ".join(h["readings"]) + ")" if h["ambiguous"] else "")
        + f" — {e(h['rationale'])}"
    )
    if h.get("primary"):
        out.append(
            f"\nPrimary tumor: **{e(h['primary']['category'])}** — {e(h['primary']['rationale'])}"
        )
    if d["alterations"]:
        out += ["", f"## Alterations read ({len(d['alterations'])})", ""]
        for a in d["alterations"]:
            kb = ", ".join(e(k["label"]) for k in a["knowledge_base"])
            out.append(
                f"- “{e(a['input'])}”"
                + (f" → {e(a['reading'])}" if a.get("reading") else "")
                + (f" — knowledge base: {kb}" if kb else "")
                + (f" — {e(a['note'])}" if a.get("note") else "")
            )
    out += ["", f"## Mechanisms present ({len(d['mechanisms'])})", ""]
    if not d["mechanisms"]:
        out.append("None identified from the data given.")
    for m in d["mechanisms"]:
        bms = "; ".join(
            f"{e(b['label'])} ({', '.join(e(x) for x in b['evidence'])})" for b in m["biomarkers"]
        )
        out.append(f"- **{e(m['label'])}** [{e(m['mechanism_class'])}] — {bms}")
        if m["resistance_to"]:
            out.append(f"  - resistance to: {', '.join(e(x) for x in m['resistance_to'])}")
        out.append(f"  - sources: {_md_sources(m['sources'])}")
    out += ["", f"## Therapy options ({len(d['options'])}): eligible, ranked", ""]
    if not d["options"]:
        out.append("No option is eligible on the data given (see Conditional and Not eligible).")
    for o in d["options"]:
        out.append(
            f"{o['rank']}. **{e(o['therapy'])}** — {md_code(o['evidence_level'])} — "
            f"{e(o['rank_reason'])}"
        )
        elig = o.get("eligibility") or {}
        for a in elig.get("amendments", []):
            out.append(f"   - **{e(a['reason'])}** — {_md_sources(a['sources'])}")
        for c in elig.get("caveats", []):
            out.append(f"   - eligibility caveat: {e(c['reason'])}")
        out.append(f"   - {e(o['rationale'])}")
        for a in o["approvals"]:
            out.append(
                f"   - approval: {a['jurisdiction']} {a['date']}: {e(a['indication'])} — "
                + _md_sources(a["sources"])
            )
        for t in o["trials"]:
            res = f": {e(t['key_result'])}" if t["key_result"] else ""
            nct = md_nct_link(t["nct"]) if t["nct"] else ""
            out.append(
                f"   - trial {e(t['name'])}{' (phase ' + e(t['phase']) + ')' if t['phase'] else ''}"
                f" [{e(t['status'])}]{nct}{res}"
            )
        for s in o["safety"]:
            flag = "**applies to this patient**: " if s["triggered"] else ""
            out.append(f"   - safety: {flag}{e(s['statement'])}")
        if o["caveat"]:
            out.append(f"   - caveat: {e(o['caveat'])}")
        if o["previously_received"]:
            out.append(
                f"   - previously received: {', '.join(e(x) for x in o['previously_received'])}"
            )
        if o["warnings"]:
            out.append(
                f"   - see warnings: {'; '.join(e(x) for x in dict.fromkeys(o['warnings']))}"
            )
        out.append(f"   - sources: {_md_sources(o['sources'])}")
    cond = d.get("conditional_options", [])
    out += ["", f"## Conditional ({len(cond)}): options once a datum is settled", ""]
    if not cond:
        out.append("None.")
    for o in cond:
        out.append(f"- **{e(o['therapy'])}** — `{o['evidence_level']}` — {e(o['reason'])}")
        for step in o.get("settles", []):
            out.append(f"  - settled by: {e(step)}")
        for r in o["eligibility"]["reasons"]:
            if r["sources"]:
                out.append(f"  - {e(r['criterion'])}: {_md_sources(r['sources'])}")
        for sft in o["safety"]:
            if sft["triggered"]:
                out.append(f"  - safety: **applies to this patient**: {e(sft['statement'])}")
    ne = d.get("not_eligible", d["excluded_options"])
    out += ["", f"## Not eligible ({len(ne)})", ""]
    if not ne:
        out.append("None.")
    for o in ne:
        out.append(f"- **{e(o['therapy'])}** — {e(o['reason'])}")
        for r in o["eligibility"]["reasons"] if o.get("eligibility") else []:
            if r["sources"]:
                out.append(f"  - {e(r['criterion'])}: {_md_sources(r['sources'])}")
    left = d.get("left_out", [])
    if left:
        out += ["", f"## Not applicable to this patient ({len(left)})", ""]
        for o in left:
            out.append(f"- {e(o['therapy'])} — {e(o['reason'])}")
    out += ["", f"## Warnings ({len(d['warnings'])})", ""]
    if not d["warnings"]:
        out.append("None.")
    for w in d["warnings"]:
        ctx = w["context"] + (
            f": {', '.join(e(x) for x in w['prior_therapies'])}" if w["prior_therapies"] else ""
        )
        trials = f" [{', '.join(e(x) for x in w['trials'])}]" if w["trials"] else ""
        out.append(
            f"- **{e(w['therapy'])}** ({ctx}; basis {e(w['basis'])}) — {e(w['reason'])}{trials}"
        )
        out.append(f"  - sources: {_md_sources(w['sources'])}")
    out += ["", "## Caveats", ""]
    for c in d["caveats"]:
        src = f" ({_md_sources(c['sources'])})" if c["sources"] else ""
        out.append(f"- **{e(c['code'])}**: {e(c['message'])}{src}")
    out += ["", f"## Not understood ({len(d['unrecognised'])})", ""]
    if not d["unrecognised"]:
        out.append("Everything was understood.")
    for u in d["unrecognised"]:
        out.append(f"- “{e(u['input'])}” ({e(u['kind'])}): {e(u['reason'])}")
    out += ["", f"_{d['disclaimer']}_", ""]
    return "\n".join(out)


def render(report: PatientReport, fmt: str) -> str:
    """Render in ``md``, ``html`` or ``json``."""
    if fmt == "md":
        return render_markdown(report)
    if fmt == "html":
        return render_html(report)
    if fmt == "json":
        return render_json(report)
    raise ValueError(f"unknown format {fmt!r}")


INDEX_COLUMNS = (
    "sample_id",
    "her2_category",
    "er_status",
    "n_mechanisms",
    "n_options",
    "n_conditional",
    "n_not_eligible",
    "top_option",
    "top_evidence",
    "n_warnings",
    "n_unrecognised",
    "file",
)


def index_row(report: PatientReport, file: str) -> dict[str, Any]:
    """One line of the batch index for a report."""
    top = report.options[0] if report.options else None
    return {
        "sample_id": report.patient_id,
        "her2_category": report.her2["category"],
        "er_status": report.patient["er_status"],
        "n_mechanisms": len(report.mechanisms),
        "n_options": len(report.options),
        "n_conditional": len(report.conditional_options),
        "n_not_eligible": len(report.excluded_options),
        "top_option": top["therapy"] if top else "",
        "top_evidence": top["evidence_level"] if top else "",
        "n_warnings": len(report.warnings),
        "n_unrecognised": len(report.unrecognised),
        "file": file,
    }


def render_index_tsv(rows: list[dict[str, Any]]) -> str:
    """The batch index as TSV (one row per sample)."""
    lines = ["\t".join(INDEX_COLUMNS)]
    for r in rows:
        lines.append("\t".join(str(r[c]).replace("\t", " ") for c in INDEX_COLUMNS))
    return "\n".join(lines) + "\n"


def render_index_html(rows: list[dict[str, Any]], title: str) -> str:
    """A small self-contained HTML index linking every report."""
    return _html.render("patient_index.html.j2", rows=rows, cols=INDEX_COLUMNS, title=title)


# -- knowledge base listings ---------------------------------------------------------------
def render_patient(report: PatientReport, *, fmt: str = "md") -> str:
    """A patient report as Markdown, self-contained HTML or JSON text.

    Parameters
    ----------
    report : PatientReport
        From :func:`her2scope.kb.match_patient`.
    fmt : {"md", "html", "json"}
        Output format.

    Returns
    -------
    str
        The rendered report.

    Examples
    --------
    >>> print(hs.report.render_patient(report, fmt="md"))  # doctest: +SKIP
    """
    return render(report, check_format(fmt))


def check_format(fmt: str) -> str:
    """``fmt`` when it is one of :data:`FORMATS`, else a ConfigError naming parameter fmt."""
    from her2scope.choices import check_choice

    check_choice("fmt", fmt, FORMATS)
    return fmt
