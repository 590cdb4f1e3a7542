"""One options model for the library, the command line and the web (cohort/options.py)."""

from __future__ import annotations

import shlex

import pytest

from her2scope.cohort.options import (
    AnalysisOptions,
    analyze_command,
    options_dict,
    parse_expected_range,
)
from her2scope.errors import ConfigError, Her2scopeError


class _Query(dict[str, str]):
    """A query-parameter mapping with repeatable keys, like Starlette's."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        super().__init__(pairs)
        self._pairs = pairs

    def getlist(self, key: str) -> list[str]:
        return [v for k, v in self._pairs if k == key]


def test_from_query_round_trips_through_query() -> None:
    opts = AnalysisOptions.from_query(
        _Query([("profile", "ihc-only"), ("sample_type", "Primary"), ("map", "ihc=IHC_X")])
    )
    assert (opts.profile, opts.sample_type, opts.mapping) == (
        "ihc-only",
        "primary",  # a choice is a word, not its case
        (("ihc", "IHC_X"),),
    )
    again = AnalysisOptions.from_query(_Query(_pairs(opts.query())))
    assert again == opts
    assert opts.file_tag() == "ihc-only_exclude_primary_hr-all_mapped"
    assert opts.filtered


def _pairs(query: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(query)


@pytest.mark.parametrize(
    ("pairs", "words"),
    [
        ([("profile", "asco-cap-2032")], "parameter profile must be one of"),
        ([("profile", "/etc/passwd.yaml")], "parameter profile must be one of"),
        ([("hr", "negative")], "parameter hr must be one of"),
        ([("map", "nonsense=COL")], "parameter map must be field=column"),
        ([("map", "ihc=" + "x" * 201)], "parameter map must be field=column"),
    ],
)
def test_a_bad_query_value_is_a_library_error_naming_the_parameter(
    pairs: list[tuple[str, str]], words: str
) -> None:
    with pytest.raises(ConfigError, match=words) as info:
        AnalysisOptions.from_query(_Query(pairs))
    assert isinstance(info.value, Her2scopeError)
    assert "--" not in str(info.value)  # library errors never name flags


def test_empty_query_values_keep_the_defaults() -> None:
    opts = AnalysisOptions.from_query(_Query([("profile", ""), ("map", "ihc=")]))
    assert opts == AnalysisOptions()


def test_options_dict_leaves_out_an_empty_mapping_only() -> None:
    plain = options_dict(AnalysisOptions())
    assert "mapping" not in plain
    assert plain["expected"] == [0.45, 0.55]
    mapped = options_dict(AnalysisOptions(mapping={"ihc": "IHC_X"}))
    assert mapped["mapping"] == [["ihc", "IHC_X"]]


def test_analyze_command_is_one_reproducible_command_line() -> None:
    opts = AnalysisOptions(
        profile="ihc-only",
        expected=parse_expected_range("40-60"),
        one_per_patient="first",
        mapping={"ihc": "IHC SCORE"},
    )
    line = analyze_command(
        ["s1"], opts, out="out dir", sensitivity=True, actionability=("EMA", "first-line")
    )
    assert shlex.split(line) == [
        "her2scope", "analyze", "s1", "--profile", "ihc-only", "--ambiguous", "exclude",
        "--sample-type", "all", "--hr", "all", "--source", "sequenced",
        "--expected", "0.4-0.6", "--cohort", "all", "--out", "out dir",
        "--map", "ihc=IHC SCORE", "--one-per-patient", "first", "--sensitivity",
        "--actionability", "--jurisdiction", "EMA", "--history", "first-line",
    ]  # fmt: skip


def test_a_bad_mapping_pair_is_refused() -> None:
    with pytest.raises(ConfigError, match="parameter mapping"):
        AnalysisOptions(mapping=(("ihc", ""),))
