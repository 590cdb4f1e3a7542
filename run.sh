#!/usr/bin/env bash
# Set up (first call only) and run the main job: the HER2-low x endocrine-resistance
# analysis of the shared breast_msk_2018 study, written to results/.
set -euo pipefail
cd "$(dirname "$0")"
source ./scripts/setup-venv.sh
export HER2SCOPE_STUDIES="${HER2SCOPE_STUDIES:-../shared/data/cbioportal}"
exec .venv/bin/her2scope analyze breast_msk_2018 --sensitivity --adjusted --actionability --out results "$@"
