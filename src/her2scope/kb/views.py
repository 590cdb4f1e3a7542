"""The knowledge base as text: the TSV of every entry, a section listed, one entry as YAML,
and the difference between two versions (``her2scope kb list|show|diff``).

Views only: :func:`her2scope.kb.review.kb_diff` computes the difference this module prints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import yaml

from her2scope.kb.review import kb_diff

if TYPE_CHECKING:
    from her2scope.kb.schema import KnowledgeBase


def kb_rows(kb: KnowledgeBase) -> list[dict[str, str]]:
    """One row per KB entry: section, id, label/name, class or level, sources."""
    rows: list[dict[str, str]] = []
    for b in kb.biomarkers:
        rows.append(
            {
                "section": "biomarker",
                "id": b.id,
                "label": b.label,
                "detail": b.kind,
                "sources": "; ".join(s.label() for s in b.sources),
                "as_of": str(b.as_of),
            }
        )
    for m in kb.mechanisms:
        rows.append(
            {
                "section": "mechanism",
                "id": m.id,
                "label": m.label,
                "detail": m.mechanism_class,
                "sources": "; ".join(s.label() for s in m.sources),
                "as_of": str(m.as_of),
            }
        )
    for s in kb.strategies:
        rows.append(
            {
                "section": "strategy",
                "id": s.id,
                "label": s.label,
                "detail": s.evidence_level,
                "sources": "; ".join(x.label() for x in s.sources),
                "as_of": str(s.as_of),
            }
        )
    for t in kb.trials:
        rows.append(
            {
                "section": "trial",
                "id": t.id,
                "label": t.name,
                "detail": t.status,
                "sources": "; ".join(x.label() for x in t.sources),
                "as_of": str(t.as_of),
            }
        )
    return rows


def render_kb_tsv(kb: KnowledgeBase) -> str:
    """Every KB entry as TSV (section, id, label, detail, sources, as_of)."""
    cols = ("section", "id", "label", "detail", "sources", "as_of")
    lines = ["\t".join(cols)]
    for r in kb_rows(kb):
        lines.append("\t".join(r[c].replace("\t", " ").replace("\n", " ") for c in cols))
    return "\n".join(lines) + "\n"


def render_kb_list(kb: KnowledgeBase, section: str | None = None) -> str:
    """Plain-text listing for curators."""
    rows = [r for r in kb_rows(kb) if section is None or r["section"] == section]
    head = f"knowledge base {kb.meta.version} (as of {kb.meta.as_of}): " + ", ".join(
        f"{n} {k}" for k, n in kb.counts().items()
    )
    width = max((len(r["id"]) for r in rows), default=10)
    body = [f"{r['section']:<10} {r['id']:<{width}}  [{r['detail']}] {r['label']}" for r in rows]
    return "\n".join([head, *body]) + "\n"


def render_kb_entry(entry: Any) -> str:
    """One KB entry as YAML (what a curator edits)."""
    data = entry.model_dump(mode="json", exclude_none=True, exclude_defaults=False)
    return str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100))


def render_kb_diff(old: KnowledgeBase, new: KnowledgeBase) -> str:
    """``kb diff`` output: one line per added (+), removed (-) or changed (~) entry."""
    d = kb_diff(old, new)
    lines = [
        f"knowledge base {old.meta.version} -> {new.meta.version}: "
        f"{len(d['added'])} added, {len(d['removed'])} removed, {len(d['changed'])} changed"
    ]
    lines += [f"+ {k}" for k in d["added"]]
    lines += [f"- {k}" for k in d["removed"]]
    lines += [f"~ {k}" for k in d["changed"]]
    return "\n".join(lines) + "\n"
