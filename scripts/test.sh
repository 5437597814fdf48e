#!/usr/bin/env bash
# Sets up (idempotent) and runs every check: lint, format, types, the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
# The suite starts `frontdesk serve` about a hundred times; without bytecode caches each start
# compiles some 300 modules from source again (half a second). Caches go to __pycache__/,
# which git ignores.
unset PYTHONDONTWRITEBYTECODE
bash scripts/setup.sh --with-peers
.venv/bin/ruff check src tests bench
.venv/bin/ruff format --check src tests bench
.venv/bin/mypy
.venv/bin/pytest -q "$@"
