#!/usr/bin/env bash
# Sets up (idempotent) and runs every check: lint, format, types, the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
# The suite starts `frontdesk serve` about a hundred times; without bytecode caches each start
# compiles some 300 modules from source again (half a second). Caches go to __pycache__/,
# which git ignores.
unset PYTHONDONTWRITEBYTECODE
# The servers the suite starts share one prompt cache: each sentence is synthesised once per
# run instead of once per server.
FRONTDESK_TTS_CACHE=$(mktemp -d -t frontdesk-test-tts.XXXXXX)
export FRONTDESK_TTS_CACHE
trap 'rm -rf "$FRONTDESK_TTS_CACHE"' EXIT
bash scripts/setup.sh --with-peers
.venv/bin/ruff check src tests bench
.venv/bin/ruff format --check src tests bench
.venv/bin/mypy
.venv/bin/pytest -q "$@"
