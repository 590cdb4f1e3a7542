#!/usr/bin/env bash
# Set up (first call only), then lint, type-check and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")"
source ./scripts/setup-venv.sh
export HER2SCOPE_STUDIES="${HER2SCOPE_STUDIES:-../shared/data/cbioportal}"
.venv/bin/ruff check src tests benchmarks
.venv/bin/ruff format --check src tests benchmarks
.venv/bin/mypy
exec .venv/bin/pytest -n 2 -q "$@"
