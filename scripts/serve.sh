#!/usr/bin/env bash
# Sets up (idempotent) and runs `frontdesk serve` with the built-in demo company.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/frontdesk serve "$@"
