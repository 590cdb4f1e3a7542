from __future__ import annotations

from her2scope.cli import main


def test_version_prints_package_version(capsys: object) -> None:
    from her2scope import __version__

    assert main(["version"]) == 0
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert out.strip() == f"her2scope {__version__}"  # the same string as --version (issue 27)


def test_unknown_command_is_usage_error() -> None:
    assert main(["no-such-command"]) == 2
