#!/usr/bin/env bash
# Start-up time and size of the release binary (`imsjob --version`
# within a couple of milliseconds of `/bin/true`, binary at most 8 MiB).
#
#   bench/startup.sh            # builds release, then measures
#   IMSJOB_BIN=path bench/startup.sh   # measures an existing binary
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${IMSJOB_BIN:-}
if [[ -z $bin ]]; then
    cargo build --release --locked --quiet
    # The artifact directory may be redirected (CARGO_TARGET_DIR, build.target-dir).
    bin=$(cargo build --release --locked --message-format=json 2>/dev/null |
        sed -n 's/.*"executable":"\([^"]*\/imsjob\)".*/\1/p' | tail -1)
fi
[[ -x $bin ]] || { echo "no binary at '$bin'" >&2; exit 2; }

size=$(stat -c %s "$bin" 2>/dev/null || stat -f %z "$bin")
limit=$((8 * 1024 * 1024))
awk -v bin="$bin" -v size="$size" 'BEGIN {
    printf "binary      %s\nsize        %d bytes (%.2f MiB; limit 8 MiB)\n", bin, size, size / 1048576 }'

if command -v hyperfine >/dev/null; then
    csv=$(mktemp)
    trap 'rm -f "$csv"' EXIT
    # -N: no intermediate shell, so the figures are the programs' own start-up.
    hyperfine -N --warmup 50 --runs 1000 --style none --export-csv "$csv" \
        '/bin/true' "$bin --version" >/dev/null 2>&1
    # command,mean,stddev,median,... in seconds.
    awk -F, 'NR > 1 { m[NR] = $4 * 1000; printf "median      %7.3f ms  %s\n", m[NR], $1 }
             END { printf "difference  %7.3f ms  (imsjob --version minus /bin/true; hyperfine, 1000 runs)\n", m[3] - m[2] }' "$csv"
else
    # Fallback: the mean over many runs of each, in one process per run like hyperfine.
    runs=500
    time_it() {
        local start end
        start=$(date +%s%N)
        for ((i = 0; i < runs; i++)); do "$@" >/dev/null; done
        end=$(date +%s%N)
        echo $(((end - start) / runs / 1000))
    }
    t_true=$(time_it /bin/true)
    t_ims=$(time_it "$bin" --version)
    echo "mean        ${t_true} us  /bin/true          (no hyperfine: loop of $runs)"
    echo "mean        ${t_ims} us  imsjob --version"
    echo "difference  $((t_ims - t_true)) us"
fi

if ((size > limit)); then
    echo "the binary exceeds 8 MiB" >&2
    exit 1
fi
