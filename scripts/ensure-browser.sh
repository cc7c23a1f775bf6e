#!/usr/bin/env bash
# Prints (last line of stdout) the path of a Chromium executable for the browser tests, installing
# Debian's `chromium` and `fonts-noto-cjk` (so Japanese text renders, not as tofu) when either is missing.
#   CHROMIUM_PATH set and executable            -> that binary (fonts still checked)
#   /usr/bin/chromium and fonts-noto-cjk there  -> reused at once (no apt at all)
#   otherwise: apt-get install -y --no-install-recommends chromium fonts-noto-cjk, with
#   `apt-get update` first only when the package lists do not know the packages (or are stale).
# Needs root (or sudo) only when something must be installed. Progress goes to stderr.
set -euo pipefail

packages=(chromium fonts-noto-cjk)
chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"

if [[ -n "${CHROMIUM_PATH:-}" && ! (-x "$CHROMIUM_PATH" && ! -d "$CHROMIUM_PATH") ]]; then
  echo "ensure-browser: CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file." >&2
  exit 1
fi

installed() { [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]; }

missing=()
if [[ -z "${CHROMIUM_PATH:-}" && ! -x "$chromium" ]]; then missing+=(chromium); fi
if ! installed fonts-noto-cjk; then missing+=(fonts-noto-cjk); fi

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "$chromium"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-browser: missing ${missing[*]} and apt-get is not available (not Debian/Ubuntu)." >&2
  echo "  Install Chromium and a CJK font (Noto Sans CJK) yourself and set CHROMIUM_PATH=/path/to/chromium." >&2
  exit 1
fi
as_root=()
if [[ "$(id -u)" != "0" ]]; then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "ensure-browser: missing ${missing[*]}; installing them needs root (or sudo):" >&2
    echo "  apt-get install -y --no-install-recommends ${packages[*]}" >&2
    exit 1
  fi
fi

# Ask apt for a candidate of every package; without one the lists are missing or do not know it.
known() {
  local p
  for p in "${packages[@]}"; do
    apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [^(]' || return 1
  done
}
update() {
  echo "ensure-browser: apt-get update..." >&2
  "${as_root[@]}" apt-get update >&2
}
install() {
  echo "ensure-browser: installing ${packages[*]} (missing: ${missing[*]})..." >&2
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}" >&2
}

updated=0
if ! known; then
  update
  updated=1
fi
if ! install; then
  # Package lists that name versions the mirror no longer has: refresh them once and try again.
  if [[ $updated -eq 1 ]]; then
    echo "ensure-browser: apt-get install failed (above)." >&2
    exit 1
  fi
  echo "ensure-browser: apt-get install failed; refreshing the package lists and retrying..." >&2
  update
  install
fi

if [[ ! -x "$chromium" ]]; then
  echo "ensure-browser: installed ${packages[*]} but $chromium is not there." >&2
  exit 1
fi
echo "ensure-browser: $("$chromium" --version 2>/dev/null || echo chromium) and fonts-noto-cjk installed" >&2
echo "$chromium"
