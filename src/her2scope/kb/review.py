"""What in the knowledge base needs a re-check (``her2scope kb review``).

Four rules, each giving one :class:`ReviewItem` with the date that makes it due:

``event_passed``
    A ``pending`` event (PDUFA goal date, CHMP opinion, EC decision, readout)
    whose date is on or before the review date: the status must be re-checked.
``ongoing_stale``
    A trial with status ``ongoing`` whose ``as_of`` (the day it was last
    checked) is more than six months before the review date.
``weak_host``
    A public source on a weak host (finance-news copies, aggregators, blogs,
    label mirrors) where a journal article, regulator page or label may exist.
``accessed_old``
    A public source looked up more than a year before the review date.

An item whose entry records the matter as ``unconfirmed`` (searched on a date,
with a reason) is kept but marked ``accepted``: it was looked for and not found. For a
weak host the record must name the host (``"primary page for X instead of
medthority.com"``).
Items are listed oldest first (by the date that makes them due).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlparse

from her2scope.kb.schema import Entry, KnowledgeBase
from her2scope.kb.sources import Source

Rule = Literal["event_passed", "ongoing_stale", "weak_host", "accessed_old"]

#: Hosts whose pages are copies, aggregators or blogs rather than the primary
#: source (journal, regulator, label, registry, company). Matched on the host's
#: registrable suffix (``m.marketscreener.com`` is ``marketscreener.com``).
WEAK_HOSTS: frozenset[str] = frozenset(
    {
        "marketscreener.com",
        "benzinga.com",
        "einpresswire.com",
        "einnews.com",
        "maestrodatabase.com",
        "medthority.com",
        "docwirenews.com",
        "delveinsight.com",
        "prismnews.com",
        "rxreasoner.com",
        "globalrph.com",
        "acemap.info",
        "medpath.com",
        "blogspot.com",
        "lifesciencehistory.com",
        "seekingalpha.com",
        "stocktitan.net",
        "finanznachrichten.de",
        "nasdaq.com",
        "businessinsider.com",
        "meddatax.com",
        "synapsesocial.com",
        "withpower.com",
        "ichgcp.net",
        "myamericannurse.com",
        "pharmanow.live",
        "oncologyme.com",
        "biotech-insider.com",
        "actgenomics.com",
        "themednet.org",
        "oncoinfo.it",
    }
)

#: A trial checked longer ago than this is due for a re-check while ``ongoing``.
ONGOING_MAX_AGE = dt.timedelta(days=183)
#: A source looked up longer ago than this is due for a re-check.
ACCESSED_MAX_AGE = dt.timedelta(days=365)


@dataclass(frozen=True)
class ReviewItem:
    """One thing to re-check: which entry, why, since when, and whether it is accepted."""

    due: dt.date
    rule: Rule
    section: str
    entry_id: str
    detail: str
    #: the entry records this as searched-for and not confirmed (with its reason)
    accepted_reason: str | None = None

    @property
    def accepted(self) -> bool:
        """True when the entry marks the matter unconfirmed with a reason."""
        return self.accepted_reason is not None

    def line(self) -> str:
        """One tab-free text line for the CLI and the changelog."""
        mark = f" [unconfirmed: {self.accepted_reason}]" if self.accepted_reason else ""
        where = f"{self.section}:{self.entry_id}"
        return f"{self.due.isoformat()}  {self.rule:<13} {where}  {self.detail}{mark}"


def host_of(url: str) -> str:
    """The registrable part of a URL's host (``www.m.example.co`` -> ``example.co``)."""
    host = (urlparse(url).hostname or "").lower()
    parts = host.split(".")
    return ".".join(parts[-2:]) if len(parts) >= 2 else host


def is_weak(source: Source) -> bool:
    """True when the source is a public page on a weak host (a PMID/DOI/NCT does not rescue it).

    A source that carries a PMID or DOI is readable at the journal, so the host of its
    copy does not make it weak.
    """
    if source.public is None or source.url is None:
        return False
    if source.pmid or source.doi:
        return False
    return host_of(source.url) in WEAK_HOSTS


def _sources_of(entry: object) -> Iterator[Source]:
    """Every Source inside an entry (its own, approvals', claims', safety's, pending events')."""
    if isinstance(entry, Source):
        yield entry
        return
    if isinstance(entry, list | tuple):
        for x in entry:
            yield from _sources_of(x)
        return
    fields = getattr(type(entry), "model_fields", None)
    if fields is None:
        return
    for name in fields:
        yield from _sources_of(getattr(entry, name))


def _sections(kb: KnowledgeBase) -> Iterator[tuple[str, Entry]]:
    for section in ("biomarkers", "mechanisms", "strategies", "trials", "caveats"):
        for e in getattr(kb, section):
            yield section, e


def _accepted(entry: Entry, words: str) -> str | None:
    """The reason of an ``unconfirmed`` record that is about this matter, if any.

    An entry's unconfirmed records are matched to an item by the words of the item
    (a pending event's text, the trial's name); an entry whose only open matter is the
    item (one record) accepts it.
    """
    if not entry.unconfirmed:
        return None
    low = words.lower()
    for u in entry.unconfirmed:
        if any(w for w in low.split() if len(w) > 5 and w in u.what.lower()):
            return f"searched {u.searched.isoformat()}: {u.reason}"
    if len(entry.unconfirmed) == 1:
        u = entry.unconfirmed[0]
        return f"searched {u.searched.isoformat()}: {u.reason}"
    return None


def _accepted_host(entry: Entry, host: str) -> str | None:
    """The reason of an ``unconfirmed`` record naming this weak host (a search for a
    primary page that found none), if any."""
    for u in entry.unconfirmed:
        if host in u.what.lower():
            return f"searched {u.searched.isoformat()}: {u.reason}"
    return None


def review(kb: KnowledgeBase, today: dt.date | None = None) -> list[ReviewItem]:
    """Every item due for a re-check on ``today`` (default: the KB's ``as_of``), oldest first.

    Parameters
    ----------
    kb : KnowledgeBase
        The validated base.
    today : date, optional
        The review date; the KB's own date by default, so a version reviews itself.

    Returns
    -------
    list of ReviewItem
        Sorted by due date, then rule, then entry id.
    """
    day = today or kb.meta.as_of
    items: list[ReviewItem] = []
    for section, entry in _sections(kb):
        for ev in entry.pending:
            if ev.date <= day:
                items.append(
                    ReviewItem(
                        ev.date,
                        "event_passed",
                        section,
                        entry.id,
                        f"{ev.event} {ev.date.isoformat()} passed: {ev.what}",
                        _accepted(entry, ev.what),
                    )
                )
        stale = day - entry.as_of > ONGOING_MAX_AGE
        if section == "trials" and getattr(entry, "status", None) == "ongoing" and stale:
            items.append(
                ReviewItem(
                    entry.as_of + ONGOING_MAX_AGE,
                    "ongoing_stale",
                    section,
                    entry.id,
                    f"status 'ongoing' last checked {entry.as_of.isoformat()}",
                    _accepted(entry, str(getattr(entry, "name", ""))),
                )
            )
        seen: set[tuple[str, str]] = set()
        for src in _sources_of(entry):
            if src.public is None or src.accessed is None:
                continue
            key = (src.public, src.url or "")
            if key in seen:
                continue
            seen.add(key)
            if is_weak(src):
                assert src.url is not None
                items.append(
                    ReviewItem(
                        src.accessed,
                        "weak_host",
                        section,
                        entry.id,
                        f"{host_of(src.url)}: {src.public}",
                        _accepted_host(entry, host_of(src.url)),
                    )
                )
            if day - src.accessed > ACCESSED_MAX_AGE:
                items.append(
                    ReviewItem(
                        src.accessed + ACCESSED_MAX_AGE,
                        "accessed_old",
                        section,
                        entry.id,
                        f"accessed {src.accessed.isoformat()}: {src.public}",
                    )
                )
    items.sort(key=lambda i: (i.due, i.rule, i.section, i.entry_id, i.detail))
    return items


def render_review(kb: KnowledgeBase, items: list[ReviewItem], today: dt.date) -> str:
    """The review as text: a heading, counts by rule, then one line per item."""
    open_items = [i for i in items if not i.accepted]
    counts: dict[str, int] = {}
    for i in items:
        counts[i.rule] = counts.get(i.rule, 0) + 1
    lines = [
        f"Knowledge-base review {kb.meta.version} (as of {kb.meta.as_of}), reviewed {today}",
        f"{len(items)} items to re-check ({len(open_items)} open, "
        f"{len(items) - len(open_items)} unconfirmed with a reason); "
        + ", ".join(f"{r} {n}" for r, n in sorted(counts.items())),
        "",
    ]
    lines += [i.line() for i in items]
    return "\n".join(lines) + "\n"


def kb_diff(old: KnowledgeBase, new: KnowledgeBase) -> dict[str, list[str]]:
    """Entry ids added, removed and changed (any field) from ``old`` to ``new``."""

    def entries(kb: KnowledgeBase) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for section in ("biomarkers", "mechanisms", "strategies", "trials"):
            for e in getattr(kb, section):
                out[f"{section[:-1]}:{e.id}"] = e.model_dump(mode="json")
        for th in kb.therapies:
            out[f"therapy:{th.name}"] = th.model_dump(mode="json")
        return out

    a, b = entries(old), entries(new)
    return {
        "added": sorted(set(b) - set(a)),
        "removed": sorted(set(a) - set(b)),
        "changed": sorted(k for k in set(a) & set(b) if a[k] != b[k]),
    }
