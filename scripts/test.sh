#!/usr/bin/env bash
# `npm test [-- <vitest args>]`: set-up, typecheck, lint, then the test suite (vitest, against real
# Temporal servers started by test/global-setup.ts). The last line of output is always
#   N passed, N failed[, N skipped]
# computed from vitest's JSON report (var/test-results.json). The exit status is vitest's, or
# non-zero if set-up, typecheck or lint failed (vitest still runs after a typecheck or lint failure).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bin=node_modules/.bin
report=var/test-results.json

summary() {
  # $1: the JSON report (may be missing when vitest could not run at all)
  node -e '
    const fs = require("fs");
    let r = {};
    try { r = JSON.parse(fs.readFileSync(process.argv[1], "utf8")); } catch {}
    const n = (k) => (typeof r[k] === "number" ? r[k] : 0);
    const skipped = n("numPendingTests") + n("numTodoTests");
    // A test file that failed outside any test (import error, failing hook) counts as one failure.
    const brokenFiles = (r.testResults || []).filter((t) => t.status === "failed" && !(t.assertionResults || []).some((a) => a.status === "failed")).length;
    if (brokenFiles > 0) console.error(`test: ${brokenFiles} test file(s) failed outside any test (import error, failing hook...): see above; each counts as one failure.`);
    else if (r.success === false && n("numFailedTests") === 0) console.error("test: the run failed outside any test (global set-up, unhandled error...): see above.");
    console.log(`${n("numPassedTests")} passed, ${n("numFailedTests") + brokenFiles} failed` + (skipped > 0 ? `, ${skipped} skipped` : ""));
  ' "$1"
}

rm -f "$report"
if ! bash scripts/setup.sh; then
  echo "test: set-up failed (see above); no tests were run." >&2
  summary "$report"
  exit 1
fi

status=0
echo "test: typecheck (tsc --noEmit)" >&2
if ! "$bin/tsc" --noEmit -p .; then
  echo "test: TYPECHECK FAILED" >&2
  status=1
fi
echo "test: lint (prettier --check ., eslint .)" >&2
if ! "$bin/prettier" --check --log-level warn . || ! "$bin/eslint" .; then
  echo "test: LINT FAILED" >&2
  status=1
fi

mkdir -p var
"$bin/vitest" run --reporter=default --reporter=json "--outputFile=$report" "$@"
vitest_status=$?
if [[ $vitest_status -ne 0 && ! -f "$report" ]]; then
  echo "test: vitest exited with status $vitest_status without a report." >&2
fi
if [[ $status -ne 0 ]]; then
  echo "test: typecheck or lint failed (see above)." >&2
fi

summary "$report"
if [[ $vitest_status -ne 0 ]]; then exit "$vitest_status"; fi
exit "$status"
