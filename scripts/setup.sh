#!/usr/bin/env bash
# Idempotent set-up of a fresh clone, fast when everything is already there:
#   - npm ci, when node_modules is missing or older than package-lock.json;
#   - the Temporal CLI (scripts/ensure-temporal-cli.sh: built with Go into .tools/ the first time);
#   - the time-skipping test server (scripts/ensure-test-server.sh: fetched with Maven into .tools/
#     the first time), unless SETUP_TEST_SERVER=0 (it is only needed by the test suite);
#   - with the test server, the other test tools: the Temporal server and its schema tool for the
#     cluster tier (scripts/ensure-temporal-server.sh, built with Go into .tools/ the first time),
#     PostgreSQL 15 (scripts/ensure-postgresql.sh, from Debian), scripts/ensure-browser.sh (chromium,
#     fonts) and scripts/ensure-trestle.sh (compliance-trestle in a venv under .tools/).
# (npm may print 'Unknown user config "nodedir"' warnings: harmless.)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# npm writes node_modules/.package-lock.json at the end of every install: our "installed at" stamp.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: installing npm dependencies (npm ci)..." >&2
  npm_log="$(mktemp)"
  if npm ci --no-audit --no-fund >"$npm_log" 2>&1; then
    grep -v 'Unknown user config' "$npm_log" >&2 || true
  else
    # `npm ci` refuses a lock file that lacks entries, e.g. the other platforms' optional packages
    # (@swc/core-darwin-*...) when the lock was written against a registry mirror that does not
    # have them. `npm install` then installs the same locked versions (and leaves the lock as is
    # when those packages do not exist on the registry in use).
    grep -E '^npm error (code|`npm ci`|Missing)' "$npm_log" | head -n 8 >&2 || true
    echo "setup: npm ci refused the lock file (above); installing with npm install instead..." >&2
    npm install --no-audit --no-fund >&2
  fi
  rm -f "$npm_log"
  touch node_modules/.package-lock.json
fi

cli="$(bash scripts/ensure-temporal-cli.sh | tail -n 1)"
echo "setup: Temporal CLI: $cli" >&2

if [[ "${SETUP_TEST_SERVER:-1}" != "0" ]]; then
  ts="$(bash scripts/ensure-test-server.sh | tail -n 1)"
  echo "setup: time-skipping test server: $ts" >&2
  # Test tools from outside npm: Debian's chromium for the browser tests, compliance-trestle (PyPI)
  # in a venv to validate OSCAL. Each script is idempotent and fast when its tool is there.
  # The cluster tier: the Temporal server and its schema tool (built with Go), and PostgreSQL 15.
  server_dir="$(bash scripts/ensure-temporal-server.sh | tail -n 1)"
  echo "setup: Temporal server: $server_dir" >&2
  pg_bin="$(bash scripts/ensure-postgresql.sh | tail -n 1)"
  echo "setup: PostgreSQL: $pg_bin" >&2
  for tool in ensure-browser ensure-trestle; do
    if [[ -f "scripts/$tool.sh" ]]; then
      out="$(bash "scripts/$tool.sh" | tail -n 1)"
      echo "setup: $tool: $out" >&2
    fi
  done
fi
