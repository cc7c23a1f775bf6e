#!/usr/bin/env bash
# Prints (last line of stdout) the path of a Temporal CLI binary, building it if needed.
#   TEMPORAL_CLI_PATH set and executable  -> that binary
#   .tools/temporal-cli-<version>/temporal -> reused
#   otherwise: built with `go install github.com/temporalio/cli/cmd/temporal@v<version>` (Go 1.22+).
# Build output goes to stderr, so callers can capture stdout.
set -euo pipefail

TEMPORAL_CLI_VERSION="${TEMPORAL_CLI_VERSION:-1.5.1}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [[ -n "${TEMPORAL_CLI_PATH:-}" ]]; then
  if [[ -x "$TEMPORAL_CLI_PATH" && ! -d "$TEMPORAL_CLI_PATH" ]]; then
    echo "$TEMPORAL_CLI_PATH"
    exit 0
  fi
  echo "ensure-temporal-cli: TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not an executable file." >&2
  exit 1
fi

dir="$repo_root/.tools/temporal-cli-$TEMPORAL_CLI_VERSION"
bin="$dir/temporal"
if [[ -x "$bin" ]]; then
  echo "$bin"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<MSG
ensure-temporal-cli: the Temporal CLI is not installed and Go is not available to build it.
  Install Go 1.22 or newer (e.g. \`apt-get install golang\`, or from https://go.dev/dl/) and run this again,
  or install the Temporal CLI yourself (https://docs.temporal.io/cli) and set TEMPORAL_CLI_PATH=/path/to/temporal.
MSG
  exit 1
fi

mkdir -p "$dir"
# Build into a temporary directory and move into place at the end, so an interrupted build never
# leaves a half-written binary that a later run would take for a good one.
tmp="$(mktemp -d "$dir/.build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
pkg="github.com/temporalio/cli/cmd/temporal@v$TEMPORAL_CLI_VERSION"
echo "ensure-temporal-cli: building Temporal CLI v$TEMPORAL_CLI_VERSION with $(go version) (a few minutes the first time)..." >&2
build() { GOBIN="$tmp" CGO_ENABLED=0 go install "$pkg" >&2; }
if ! build; then
  echo "ensure-temporal-cli: first attempt failed; retrying with GOSUMDB=off..." >&2
  if ! GOSUMDB=off build; then
    echo "ensure-temporal-cli: could not build $pkg. It needs Go 1.25, which Go 1.22+ downloads by itself from the Go module proxy (unless GOTOOLCHAIN=local):" >&2
    echo "  check Go and access to the Go module proxy (GOPROXY), or install the Temporal CLI yourself and set TEMPORAL_CLI_PATH." >&2
    exit 1
  fi
fi
if [[ ! -x "$tmp/temporal" ]]; then
  echo "ensure-temporal-cli: go install finished but $tmp/temporal is missing." >&2
  exit 1
fi
mv -f "$tmp/temporal" "$bin"
echo "ensure-temporal-cli: built $bin" >&2
echo "$bin"
