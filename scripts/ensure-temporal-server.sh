#!/usr/bin/env bash
# Prints (last line of stdout) the directory holding the Temporal server (`temporal-server`) and its
# schema tool (`temporal-sql-tool`) of the version the Temporal CLI embeds, building them if needed:
#   .tools/temporal-server-<version>/{temporal-server,temporal-sql-tool}  -> reused
#   otherwise built with `go install go.temporal.io/server/cmd/server@v<version>` and `.../cmd/tools/sql`
#   (about five minutes the first time). The schema folders come from the same module, in the Go
#   module cache (`$(go env GOMODCACHE)/go.temporal.io/server@v<version>/schema/postgresql/v12/`),
#   which the build fills. Build output goes to stderr, so callers can capture stdout.
set -euo pipefail

TEMPORAL_SERVER_VERSION="${TEMPORAL_SERVER_VERSION:-1.29.1}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$repo_root/.tools/temporal-server-$TEMPORAL_SERVER_VERSION"

if [[ -x "$dir/temporal-server" && -x "$dir/temporal-sql-tool" ]] &&
  [[ -d "$(go env GOMODCACHE)/go.temporal.io/server@v$TEMPORAL_SERVER_VERSION/schema/postgresql/v12" ]]; then
  echo "$dir"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "ensure-temporal-server: Go is needed to build the Temporal server (apt-get install golang, or https://go.dev/dl/)." >&2
  exit 1
fi

mkdir -p "$dir"
# Build into a temporary directory and move into place at the end, so an interrupted build never
# leaves a half-written binary that a later run would take for a good one.
tmp="$(mktemp -d "$dir/.build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
mod="go.temporal.io/server"
echo "ensure-temporal-server: building the Temporal server v$TEMPORAL_SERVER_VERSION and temporal-sql-tool with $(go version) (about five minutes the first time)..." >&2
build() { GOBIN="$tmp" CGO_ENABLED=0 go install "$mod/cmd/server@v$TEMPORAL_SERVER_VERSION" "$mod/cmd/tools/sql@v$TEMPORAL_SERVER_VERSION" >&2; }
if ! build; then
  echo "ensure-temporal-server: first attempt failed; retrying with GOSUMDB=off..." >&2
  if ! GOSUMDB=off build; then
    echo "ensure-temporal-server: could not build $mod@v$TEMPORAL_SERVER_VERSION: check Go and access to the Go module proxy (GOPROXY)." >&2
    exit 1
  fi
fi
for b in server sql; do
  if [[ ! -x "$tmp/$b" ]]; then
    echo "ensure-temporal-server: go install finished but $tmp/$b is missing." >&2
    exit 1
  fi
done
mv -f "$tmp/server" "$dir/temporal-server"
mv -f "$tmp/sql" "$dir/temporal-sql-tool"
echo "ensure-temporal-server: built $dir/temporal-server and $dir/temporal-sql-tool" >&2
echo "$dir"
