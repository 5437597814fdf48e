#!/usr/bin/env bash
# Installs everything Frontdesk needs on a Debian machine; safe to run again (idempotent).
# Usage: scripts/setup.sh [--with-peers] [--with-bench]
#   --with-peers adds the programs the tests talk to (sipp, baresip, an SVG renderer, and
#                Debian's Chromium, which the browser tests drive through Playwright);
#   --with-bench adds the reference programs the benchmarks compare against (rtpengine).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_RUNTIME=(espeak-ng sox)
APT_PEERS=(sip-tester baresip librsvg2-bin chromium)
APT_BENCH=(sip-tester rtpengine-daemon rtpengine-utils)
want=("${APT_RUNTIME[@]}")
for arg in "$@"; do
  case "$arg" in
    --with-peers) want+=("${APT_PEERS[@]}") ;;
    --with-bench) want+=("${APT_BENCH[@]}") ;;
    *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  "$PY" -m venv .venv
fi
# Re-install only when the dependency list changed, so a second run is fast.
stamp=.venv/.frontdesk-deps
digest=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [[ ! -f $stamp ]] || [[ $(cat "$stamp") != "$digest" ]]; then
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e '.[dev,bench]'
  echo "$digest" > "$stamp"
fi
