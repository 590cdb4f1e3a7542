"""Citations and identifiers of the knowledge base: every entry's and criterion's source.

A source is either one of the two seed reviews (the paper's key plus its own
reference number, or the section heading when the statement is the review's own)
or a named public source with a date a reader can open (PMID, DOI, NCT id, URL).
Kept apart from :mod:`her2scope.kb.schema` so that the eligibility criteria
(:mod:`her2scope.kb.eligibility`), which cite sources, and the schema, which
holds eligibility blocks, import in one direction only.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_]*$", max_length=60)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


PaperKey = Literal["frontiers2024", "schlam2022"]

_PMID = re.compile(r"^[1-9][0-9]{0,8}$")
_NCT = re.compile(r"^NCT[0-9]{8}$")
_DOI = re.compile(r"^10\.[0-9]{4,9}/\S+$")
_DATE = re.compile(r"^[12][0-9]{3}(-[01][0-9](-[0-3][0-9])?)?$")


def _checked(pattern: re.Pattern[str], what: str) -> AfterValidator:
    def check(v: str) -> str:
        if not pattern.match(v):
            raise ValueError(f"{what}, got {v!r}")
        return v

    return AfterValidator(check)


def _as_text(v: object) -> object:
    return str(v).strip() if isinstance(v, int) and not isinstance(v, bool) else v


#: Identifiers checked where they are declared (``kb validate`` fails on a bad one).
Pmid = Annotated[str, BeforeValidator(_as_text), _checked(_PMID, "a PMID is a number")]
NctId = Annotated[str, _checked(_NCT, "an NCT id is NCT followed by 8 digits")]
Doi = Annotated[str, _checked(_DOI, "a DOI starts with '10.' and a registrant code")]
HttpsUrl = Annotated[str, _checked(re.compile(r"^https://\S+$"), "a URL must start with https://")]
DateText = Annotated[str, _checked(_DATE, "a date is YYYY, YYYY-MM or YYYY-MM-DD")]


class Source(_Strict):
    """One citation.

    Either one of the two source reviews, ``{paper, ref, section}`` (``ref``:
    the review's own reference numbers), or a public source a reader can open:
    ``{public: title, date, accessed}`` with at least one of ``pmid``, ``doi``,
    ``nct`` or ``url``. ``date`` is the source's own date (``YYYY``,
    ``YYYY-MM`` or ``YYYY-MM-DD``); ``accessed`` the day it was looked up.
    """

    paper: PaperKey | None = None
    ref: list[int] = Field(default_factory=list)
    section: str | None = None
    public: str | None = None
    date: DateText | None = None
    pmid: Pmid | None = None
    doi: Doi | None = None
    nct: NctId | None = None
    url: HttpsUrl | None = None
    accessed: dt.date | None = None
    note: str | None = None

    @field_validator("ref", mode="before")
    @classmethod
    def _one_ref(cls, v: object) -> object:
        return [v] if isinstance(v, int) else v

    @model_validator(mode="after")
    def _complete(self) -> Source:
        if self.paper is None and self.public is None:
            raise ValueError("a source needs 'paper' (one of the two reviews) or 'public'")
        if self.paper is not None and self.public is not None:
            raise ValueError("a source is either one of the two reviews or a public source")
        if self.paper is not None and not self.ref and not self.section:
            raise ValueError(
                "a review source needs 'ref' (the review's reference number) or 'section'"
            )
        if self.public is not None:
            if not self.date:
                raise ValueError("a public source needs a 'date'")
            if not (self.pmid or self.doi or self.nct or self.url):
                raise ValueError(
                    "a public source needs something a reader can open: pmid, doi, nct or url"
                )
            if self.accessed is None:
                raise ValueError("a public source needs 'accessed' (the day it was looked up)")
        return self

    def links(self) -> list[tuple[str, str]]:
        """(label, URL) pairs a reader can open: PMID, DOI, NCT id, URL."""
        out: list[tuple[str, str]] = []
        if self.pmid:
            out.append((f"PMID {self.pmid}", f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/"))
        if self.doi:
            out.append((f"doi:{self.doi}", f"https://doi.org/{self.doi}"))
        if self.nct:
            out.append((self.nct, f"https://clinicaltrials.gov/study/{self.nct}"))
        if self.url:
            out.append(("link", self.url))
        return out

    def label(self) -> str:
        """Short human citation (the reviews by name and DOI, never by file name)."""
        if self.paper is not None:
            parts = [PAPER_SHORT[self.paper]]
            if self.ref:
                parts.append("ref " + ",".join(str(r) for r in self.ref))
            if self.section:
                parts.append(f"§ {self.section}")
            return ", ".join(parts)
        ids = [lab for lab, _ in self.links() if lab != "link"]
        extra = f"; {'; '.join(ids)}" if ids else ""
        return f"{self.public} ({self.date}{extra})"


#: The two source reviews, the one place they are named: reports cite them by ``short``
#: and DOI, never by file name.
PAPERS: dict[str, dict[str, str]] = {
    "frontiers2024": {
        "citation": "The intersection of the HER2-low subtype with endocrine resistance. "
        "Frontiers in Oncology, 2024 (perspective)",
        "short": "HER2-low and endocrine resistance, Front Oncol 2024",
        "doi": "10.3389/fonc.2024.1461190",
    },
    "schlam2022": {
        "citation": "Schlam I, Tarantino P, Tolaney SM. Overcoming Resistance to HER2-Directed "
        "Therapies in Breast Cancer. Cancers 2022;14(16):3996",
        "short": "Schlam, Tarantino, Tolaney, Cancers 2022",
        "doi": "10.3390/cancers14163996",
    },
}
PAPER_DOI: dict[str, str] = {key: p["doi"] for key, p in PAPERS.items()}
PAPER_SHORT: dict[str, str] = {key: f"{p['short']} (doi:{p['doi']})" for key, p in PAPERS.items()}


Sources = Annotated[list[Source], Field(min_length=1)]
