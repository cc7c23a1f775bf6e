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
load_report=var/test-results-load.json

summary() {
  # $@: the JSON reports (any may be missing when vitest could not run at all); their counts are added up
  node -e '
    const fs = require("fs");
    const reports = process.argv.slice(1).map((f) => { try { return JSON.parse(fs.readFileSync(f, "utf8")); } catch { return undefined; } });
    const present = reports.filter(Boolean);
    const r = {
      success: present.length > 0 && present.every((x) => x.success !== false),
      testResults: present.flatMap((x) => x.testResults || []),
    };
    for (const k of ["numPassedTests", "numFailedTests", "numPendingTests", "numTodoTests"])
      r[k] = present.reduce((a, x) => a + (typeof x[k] === "number" ? x[k] : 0), 0);
    if (present.length === 0) r.success = undefined;
    const n = (k) => (typeof r[k] === "number" ? r[k] : 0);
    const skipped = n("numPendingTests") + n("numTodoTests");
    // A test file that failed outside any test (import error, failing hook) counts as one failure.
    const brokenFiles = (r.testResults || []).filter((t) => t.status === "failed" && !(t.assertionResults || []).some((a) => a.status === "failed")).length;
    if (brokenFiles > 0) console.error(`test: ${brokenFiles} test file(s) failed outside any test (import error, failing hook...): see above; each counts as one failure.`);
    else if (r.success === false && n("numFailedTests") === 0) console.error("test: the run failed outside any test (global set-up, unhandled error...): see above.");
    // A run that left no report (vitest could not start, or died) counts as one failure.
    const missing = reports.length - present.length;
    if (missing > 0) console.error(`test: ${missing} run(s) left no report: see above; each counts as one failure.`);
    console.log(`${n("numPassedTests")} passed, ${n("numFailedTests") + brokenFiles + missing} failed` + (skipped > 0 ? `, ${skipped} skipped` : ""));
  ' "$@"
}

rm -f "$report" "$load_report"
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
# The load tier (test/load/, latency under load): alone, after the main run; only for the whole suite
# (a run narrowed with arguments skips it).
reports=("$report")
if [[ $# -eq 0 ]] && compgen -G "test/load/*.test.ts" >/dev/null; then
  echo "test: load tier (vitest.load.config.mts: test/load/, alone on the machine)" >&2
  "$bin/vitest" run --config vitest.load.config.mts --reporter=default --reporter=json "--outputFile=$load_report"
  load_status=$?
  if [[ $load_status -ne 0 && ! -f "$load_report" ]]; then
    echo "test: the load tier exited with status $load_status without a report." >&2
  fi
  if [[ $load_status -ne 0 && $vitest_status -eq 0 ]]; then vitest_status=$load_status; fi
  reports+=("$load_report")
fi
# The cluster tier: the live end-to-end tests again on a Temporal cluster on PostgreSQL, and the
# cluster's fault tests (vitest.cluster.config.mts); only for the whole suite.
cluster_report=var/test-results-cluster.json
rm -f "$cluster_report"
if [[ $# -eq 0 ]]; then
  echo "test: cluster tier (vitest.cluster.config.mts: Temporal on PostgreSQL, four services)" >&2
  "$bin/vitest" run --config vitest.cluster.config.mts --reporter=default --reporter=json "--outputFile=$cluster_report"
  cluster_status=$?
  if [[ $cluster_status -ne 0 && $vitest_status -eq 0 ]]; then vitest_status=$cluster_status; fi
  reports+=("$cluster_report")
fi
if [[ $status -ne 0 ]]; then
  echo "test: typecheck or lint failed (see above)." >&2
fi

summary "${reports[@]}"
if [[ $vitest_status -ne 0 ]]; then exit "$vitest_status"; fi
exit "$status"
