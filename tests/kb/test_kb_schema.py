"""KB validation: schema, sources, cross-references, and numbers traceable to the seeds."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from her2scope.errors import SchemaError
from her2scope.kb import EVIDENCE_RANK, load_kb
from her2scope.kb.load import DEFAULT_KB_DIR
from her2scope.kb.schema import Mechanism

SEEDS_DIR = Path(__file__).resolve().parents[3] / "shared" / "seeds"


def _all_sources(kb):  # type: ignore[no-untyped-def]
    for section in (kb.biomarkers, kb.mechanisms, kb.strategies, kb.trials):
        for e in section:
            yield e, e.sources
            if isinstance(e, Mechanism):
                for claim in e.resistance:
                    yield e, claim.sources


def test_kb_loads_with_expected_size() -> None:
    kb = load_kb()
    counts = kb.counts()
    assert counts["biomarkers"] >= 60
    assert counts["mechanisms"] >= 40
    assert counts["strategies"] >= 55
    assert counts["trials"] >= 40
    assert kb.meta.as_of.isoformat() >= "2026-12-01"


def test_every_entry_has_a_source_and_curation_date() -> None:
    kb = load_kb()
    for entry, sources in _all_sources(kb):
        assert len(sources) >= 1, entry.id
        assert entry.as_of is not None
        for s in sources:
            assert (s.paper and (s.ref or s.section)) or (s.public and s.date), entry.id


def test_every_review_source_names_a_known_paper_with_its_doi() -> None:
    kb = load_kb()
    names = {s.paper for _, srcs in _all_sources(kb) for s in srcs if s.paper}
    assert names == {"frontiers2024", "schlam2022"}
    from her2scope.kb.sources import PAPERS

    assert PAPERS["frontiers2024"]["doi"] == "10.3389/fonc.2024.1461190"
    assert PAPERS["schlam2022"]["doi"] == "10.3390/cancers14163996"


def test_no_file_name_or_internal_wording_in_the_knowledge_base() -> None:
    texts = " ".join(p.read_text(encoding="utf-8") for p in DEFAULT_KB_DIR.glob("*.yaml"))
    for bad in ("000_9553966c445419f9", "002_9d75a5784425346b", ".txt", "seed", "issue 5"):
        assert bad not in texts.lower(), bad
    assert not re.search(r"\bS[02]\b", texts)


def test_every_public_source_can_be_opened_and_is_dated() -> None:
    kb = load_kb()
    n = 0
    for entry, sources in _all_sources(kb):
        for s in sources:
            if s.public:
                n += 1
                assert s.links(), entry.id
                assert s.accessed is not None and s.date, entry.id
                for _label, url in s.links():
                    assert url.startswith("https://"), (entry.id, url)
    assert n >= 40


def test_seed_002_references_exist_in_its_reference_list() -> None:
    if not SEEDS_DIR.is_dir():
        pytest.skip("seed folder not present")
    text = (SEEDS_DIR / "002_9d75a5784425346b.txt").read_text(encoding="utf-8")
    refs_part = text.split("## References", 1)[1]
    listed = {int(m) for m in re.findall(r"^(\d+)\. ", refs_part, flags=re.M)}
    kb = load_kb()
    for entry, sources in _all_sources(kb):
        for s in sources:
            if s.paper == "schlam2022":
                assert set(s.ref) <= listed, (entry.id, s.ref)


def test_trial_numbers_are_stated_in_the_seeds() -> None:
    """Never invent results: every number in a seed-sourced key_result occurs in a seed."""
    if not SEEDS_DIR.is_dir():
        pytest.skip("seed folder not present")
    seed_text = " ".join(p.read_text(encoding="utf-8") for p in SEEDS_DIR.glob("0*.txt"))
    seed_numbers = set(re.findall(r"\d+(?:\.\d+)?", seed_text))
    kb = load_kb()
    for t in kb.trials:
        if not t.key_result or not all(s.paper for s in t.sources):
            continue
        for num in re.findall(r"\d+(?:\.\d+)?", t.key_result):
            assert num in seed_numbers, (t.id, num)
    db04 = next(t for t in kb.trials if t.id == "destiny_breast04")
    assert "10.1 vs 5.4 months" in (db04.key_result or "")


def test_public_only_entries_name_a_dated_source() -> None:
    kb = load_kb()
    public = [e.id for e, srcs in _all_sources(kb) if all(s.public for s in srcs)]
    assert "s_tdxd_her2_ultralow" in public
    for e, srcs in _all_sources(kb):
        for s in srcs:
            if s.public:
                assert re.match(r"^\d{4}", s.date or ""), e.id


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("nct", "NCT123", "NCT followed by 8 digits"),
        ("pmid", "PMID12", "a PMID is a number"),
        ("doi", "doi.org/x", "a DOI starts with"),
        ("url", "http://example.org", "https://"),
    ],
)
def test_source_identifiers_are_checked(field: str, value: str, message: str) -> None:
    from pydantic import ValidationError

    from her2scope.kb.sources import Source

    base = {"public": "x", "date": "2025", "accessed": "2026-12-01", "url": "https://a.org"}
    with pytest.raises(ValidationError, match=message):
        Source(**{**base, field: value})


def test_public_source_without_link_or_lookup_date_is_refused() -> None:
    from pydantic import ValidationError

    from her2scope.kb.sources import Source

    with pytest.raises(ValidationError, match="something a reader can open"):
        Source(public="FDA label", date="2025-01", accessed="2026-12-01")
    with pytest.raises(ValidationError, match="accessed"):
        Source(public="FDA label", date="2025-01", url="https://www.fda.gov/")


def test_kb_validate_fails_on_a_bad_nct_id(tmp_path: Path) -> None:
    kb_dir = _copy_kb(tmp_path)
    path = kb_dir / "trials.yaml"
    text = path.read_text(encoding="utf-8")
    assert "nct: NCT" in text
    path.write_text(text.replace("nct: NCT", "nct: NCX", 1), encoding="utf-8")
    with pytest.raises(SchemaError, match="NCT followed by 8 digits"):
        load_kb(kb_dir)


def test_approved_needs_an_fda_or_ema_approval(tmp_path: Path) -> None:
    from pydantic import ValidationError

    from her2scope.kb.schema import Strategy

    kb = load_kb()
    s = next(x for x in kb.strategies if x.evidence_level == "approved")
    data = s.model_dump()
    data["approvals"] = [{**a, "jurisdiction": "NMPA"} for a in data["approvals"]]
    with pytest.raises(ValidationError, match="FDA or EMA"):
        Strategy.model_validate(data)


def test_evidence_scale_is_ordered() -> None:
    assert list(EVIDENCE_RANK) == [
        "approved",
        "phase3",
        "early_clinical",
        "preclinical",
        "resistance",
    ]


def _copy_kb(tmp_path: Path) -> Path:
    dst = tmp_path / "kb"
    shutil.copytree(DEFAULT_KB_DIR, dst)
    return dst


def test_entry_without_source_is_a_schema_error_naming_file_and_field(tmp_path: Path) -> None:
    kb_dir = _copy_kb(tmp_path)
    path = kb_dir / "trials.yaml"
    text = path.read_text(encoding="utf-8")
    # drop the sources of the first trial (DESTINY-Breast04)
    start = text.index("    sources:\n", text.index("id: destiny_breast04"))
    end = text.index("  - id: daisy")
    path.write_text(text[:start] + "    sources: []\n" + text[end:], encoding="utf-8")
    with pytest.raises(SchemaError) as exc:
        load_kb(kb_dir)
    msg = exc.value.one_line()
    assert "trials.yaml" in msg and "trials[0].sources" in msg


def test_unknown_cross_reference_is_rejected(tmp_path: Path) -> None:
    kb_dir = _copy_kb(tmp_path)
    path = kb_dir / "strategies.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "trials: [destiny_breast04, destiny_breast06, daisy]", "trials: [destiny_breast99]", 1
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SchemaError, match="destiny_breast99"):
        load_kb(kb_dir)


def test_yaml_syntax_error_has_line(tmp_path: Path) -> None:
    kb_dir = _copy_kb(tmp_path)
    (kb_dir / "meta.yaml").write_text("version: [1\nas_of: 2026-11-24\n", encoding="utf-8")
    with pytest.raises(SchemaError) as exc:
        load_kb(kb_dir)
    assert exc.value.line is not None and "meta.yaml" in exc.value.one_line()
