#!/usr/bin/env bash
# Builds the release binary and prints the benchmark figures (see bench/bench.py).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked
# The artifact directory may be redirected (CARGO_TARGET_DIR, build.target-dir).
IMSJOB_BIN=${IMSJOB_BIN:-$(cargo build --release --locked --message-format=json 2>/dev/null |
    sed -n 's/.*"executable":"\([^"]*\/imsjob\)".*/\1/p' | tail -1)}
export IMSJOB_BIN
exec python3 bench/bench.py "$@"
