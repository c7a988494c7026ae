#!/usr/bin/env bash
# Builds the release binary and prints the benchmark figures (see bench/bench.py).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked
exec python3 bench/bench.py "$@"
