#!/usr/bin/env bash
# Prints (last line of stdout) the path of a Python that has compliance-trestle, the OSCAL toolkit the
# tests validate the regulator POA&M with (test/domain/oscal.test.ts), installing it if needed:
#   .tools/trestle-venv/bin/python with trestle <version> importable and `trestle` runnable -> reused
#   otherwise: `python3 -m venv .tools/trestle-venv` (apt-get install python3-venv when the venv
#   module is missing and we are root), then `pip install compliance-trestle==<version>` from PyPI.
# Progress goes to stderr, so callers can capture stdout.
set -euo pipefail

TRESTLE_VERSION="${TRESTLE_VERSION:-5.2.0}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo_root/.tools/trestle-venv"
py="$venv/bin/python"

# Works when the pinned version imports, can load the POA&M model, and its command line runs.
works() {
  [[ -x "$py" && -x "$venv/bin/trestle" ]] || return 1
  "$py" - "$TRESTLE_VERSION" >/dev/null 2>&1 <<'PY' || return 1
import sys
from importlib.metadata import version
import trestle.oscal.poam  # noqa: F401
sys.exit(0 if version('compliance-trestle') == sys.argv[1] else 1)
PY
  "$venv/bin/trestle" version >/dev/null 2>&1
}

if works; then
  echo "$py"
  exit 0
fi

if ! command -v python3 >/dev/null 2>&1; then
  echo "ensure-trestle: python3 is not installed; install Python 3.9+ (e.g. \`apt-get install python3 python3-venv\`)." >&2
  exit 1
fi

# Debian's python3 ships without the venv module (and ensurepip) unless python3-venv is installed.
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-trestle: installing python3-venv with apt-get..." >&2
    apt-get install -y python3-venv >&2 || { apt-get update >&2 && apt-get install -y python3-venv >&2; }
  else
    echo "ensure-trestle: python3 has no venv module; install python3-venv (as root: apt-get install -y python3-venv)." >&2
    exit 1
  fi
fi

# A venv left by an interrupted or older install is rebuilt from scratch rather than patched.
rm -rf "$venv"
mkdir -p "$repo_root/.tools"
echo "ensure-trestle: creating $venv and installing compliance-trestle==$TRESTLE_VERSION from PyPI..." >&2
python3 -m venv "$venv" >&2
"$py" -m pip install --quiet --disable-pip-version-check "compliance-trestle==$TRESTLE_VERSION" >&2

if ! works; then
  echo "ensure-trestle: compliance-trestle==$TRESTLE_VERSION was installed into $venv but does not run:" >&2
  "$py" -c 'import trestle.oscal.poam' >&2 || true
  exit 1
fi
echo "ensure-trestle: installed compliance-trestle $TRESTLE_VERSION in $venv" >&2
echo "$py"
