# Sourced by run.sh and test.sh: create .venv and install her2scope once; reinstall
# when pyproject.toml changes. Needs only python3 (3.11+) on the PATH.
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "her2scope needs Python 3.11 or newer ($PYTHON is $("$PYTHON" -V 2>&1))" >&2
  exit 2
fi
stamp=.venv/.installed-$(cksum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ]; then
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip >&2
  .venv/bin/python -m pip install --quiet -e '.[dev]' >&2
  rm -f .venv/.installed-* && touch "$stamp"
fi
# Bytecode for her2scope's own modules, kept current: pip does not compile an
# editable install, and where PYTHONDONTWRITEBYTECODE is set every run would
# compile them again (~0.2 s of each command). Up-to-date files are skipped.
.venv/bin/python -m compileall -q src/her2scope >/dev/null
