#!/usr/bin/env bash
# `npm run dev [-- <remediate dev options>]`: the main job on the embedded local default. Sets up a
# fresh clone (npm dependencies, the Temporal CLI built into .tools/), then runs `remediate dev`:
# the Temporal dev server (SQLite under var/, UI), the worker, and examples/ly-2024.yaml applied.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SETUP_TEST_SERVER=0 bash scripts/setup.sh
exec node bin/remediate dev "$@"
