#!/usr/bin/env bash
# What HTTPS costs over HTTP: `imsjob get` against the simulator over plain HTTP and over
# TLS (`imsjob sim --tls`, trusted with `--cacert`; the system store is loaded as always),
# with hyperfine, and the files each run opens and stats before it connects (strace).
# The goal: HTTPS within 1.25x of HTTP in the same run.
#
#   bench/https.sh                      # builds release, then measures
#   IMSJOB_BIN=path bench/https.sh      # measures an existing binary
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${IMSJOB_BIN:-}
if [[ -z $bin ]]; then
    cargo build --release --locked --quiet
    bin=$(cargo build --release --locked --message-format=json 2>/dev/null |
        sed -n 's/.*"executable":"\([^"]*\/imsjob\)".*/\1/p' | tail -1)
fi
[[ -x $bin ]] || { echo "no binary at '$bin'" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "hyperfine is needed" >&2; exit 2; }

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# Starts a simulator (extra flags in "$@") and waits for its exports in $work/$name.
start_sim() {
    local name=$1
    shift
    TMPDIR=$work "$bin" sim --port 0 "$@" >"$work/$name" 2>/dev/null &
    pids+=($!)
    for _ in $(seq 100); do
        grep -q '^export OS_AUTH_TOKEN=' "$work/$name" 2>/dev/null && return
        sleep 0.05
    done
    echo "the simulator did not start" >&2
    exit 1
}
value() { sed -n "s/^export $2=//p" "$work/$1"; }

start_sim plain
start_sim tls --tls
for _ in $(seq 100); do grep -q '^# cacert: ' "$work/tls" && break; sleep 0.05; done
cacert=$(sed -n 's/^# cacert: //p' "$work/tls")

env_for() {
    echo env -i PATH=/usr/bin:/bin HOME="$work" \
        IMSJOB_ENDPOINT="$(value "$1" IMSJOB_ENDPOINT)" \
        OS_PROJECT_ID="$(value "$1" OS_PROJECT_ID)" OS_AUTH_TOKEN="$(value "$1" OS_AUTH_TOKEN)"
}
http="$(env_for plain) $bin get job-success"
https="$(env_for tls) $bin get job-success --cacert $cacert"

csv="$work/times.csv"
commands=("$http" "$https")
# curl on the same pair, for scale: what TLS costs any client on this machine and load.
if command -v curl >/dev/null; then
    path="v1/$(value plain OS_PROJECT_ID)/jobs/job-success"
    commands+=("curl -s -H X-Auth-Token:sim-token $(value plain IMSJOB_ENDPOINT)/$path"
        "curl -s --cacert $cacert -H X-Auth-Token:sim-token $(value tls IMSJOB_ENDPOINT)/$path")
fi
hyperfine -N --warmup 20 --runs "${RUNS:-300}" --style none --export-csv "$csv" \
    "${commands[@]}" >/dev/null 2>&1
# command,mean,stddev,median,user,system,... in seconds.
awk -F, 'NR > 1 { m[NR] = $4 * 1000; cpu[NR] = ($5 + $6) * 1000 }
    END {
        printf "imsjob http   median %6.2f ms  cpu %5.2f ms\n", m[2], cpu[2]
        printf "imsjob https  median %6.2f ms  cpu %5.2f ms\n", m[3], cpu[3]
        printf "imsjob ratio  %.2fx wall, %.2fx cpu (goal: at most 1.25x)\n", m[3] / m[2], cpu[3] / cpu[2]
        if (4 in m) printf "curl ratio    %.2fx wall (%6.2f / %6.2f ms), %.2fx cpu\n", m[5] / m[4], m[5], m[4], cpu[5] / cpu[4]
    }' "$csv"
uptime | sed 's/.*load/load/'

if command -v strace >/dev/null; then
    for name in http https; do
        out="$work/strace.$name"
        # shellcheck disable=SC2086
        strace -f -qq -o "$out" -e trace=openat,open,stat,newfstatat,statx,lstat ${!name} >/dev/null 2>&1 || true
        opens=$(grep -cE 'open(at)?\(' "$out" || true)
        stats=$(grep -cE '(stat|statx|newfstatat|lstat)\(' "$out" || true)
        printf "%-6s opens %4d  stats %4d (strace, whole run)\n" "$name" "$opens" "$stats"
    done
fi
