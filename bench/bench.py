#!/usr/bin/env python3
"""imsjob benchmarks: start-up cost, `get` latency and memory, and `wait` frugality.

Runs the release binary against its own simulator on 127.0.0.1 and prints figures; it
asserts nothing (timing belongs in a benchmark, not in a test). Usage:

    bench/run.sh                 # builds release, then runs this
    python3 bench/bench.py [--quick] [--full-10m]
    IMSJOB_BIN=path python3 bench/bench.py   # measures an existing binary
"""

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("IMSJOB_BIN") or os.path.join(ROOT, "target", "release", "imsjob")
# The simulator runs on 127.0.0.1: a proxy of the caller's shell could not reach it.
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")
QUICK = "--quick" in sys.argv
FULL_10M = "--full-10m" in sys.argv


def clean_env(extra=None):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("OS_", "IMSJOB_")) and k not in ("NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE")
           and k.upper() not in PROXY_VARS}
    env.update(extra or {})
    return env


def wall_once(argv, env):
    """Wall time (s) and exit code of one run, spawned directly (Python uses vfork)."""
    start = time.perf_counter()
    code = subprocess.call(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start, code


def run_once(argv, env, stdin=None):
    """Wall time (s), peak RSS (KiB), user+sys CPU (s), exit code of one run.

    The command runs under /usr/bin/time, whose own small process is what forks: a child
    forked from Python would report Python's RSS as its peak. The wall time includes that
    extra exec for every command alike, /bin/true included.
    """
    start = time.perf_counter()
    rss_file = tempfile.NamedTemporaryFile(prefix="imsjob-bench-", delete=False)
    rss_file.close()
    argv = ["/usr/bin/time", "-q", "-f", "%M", "-o", rss_file.name] + argv
    proc = subprocess.Popen(argv, env=env, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if stdin:
        proc.stdin.write(stdin.encode())
        proc.stdin.close()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    with open(rss_file.name) as f:
        rss = int(f.read().split()[-1])
    os.unlink(rss_file.name)
    return wall, rss, usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status)


class Sim:
    def __init__(self, scenario=None):
        self.dir = tempfile.TemporaryDirectory()
        argv = [BIN, "sim", "--port", "0"]
        if scenario is not None:
            path = os.path.join(self.dir.name, "scenario.yaml")
            with open(path, "w") as f:
                f.write(scenario)
            argv += ["--scenario", path]
        self.proc = subprocess.Popen(argv, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        exports = {}
        while len(exports) < 3:
            line = self.proc.stdout.readline()
            name, _, value = line.strip().removeprefix("export ").partition("=")
            exports[name] = value
        self.env = clean_env(exports)
        self.endpoint = exports["IMSJOB_ENDPOINT"]

    def requests(self):
        host, port = self.endpoint.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as s:
            s.sendall(b"GET /_sim/requests HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        return json.loads(data.split(b"\r\n\r\n", 1)[1])

    def close(self):
        self.proc.kill()
        self.proc.wait()
        self.dir.cleanup()


def median_ms(samples):
    return statistics.median(samples) * 1000


def startup():
    runs = 50 if QUICK else 300
    sim = Sim()
    cases = [
        ("/bin/true", ["/bin/true"], sim.env),
        ("imsjob --version", [BIN, "--version"], sim.env),
        ("imsjob get <id> (table)", [BIN, "get", "9a175ac792fa12d20193002100dd2762"], sim.env),
        ("imsjob get <id> --json", [BIN, "get", "9a175ac792fa12d20193002100dd2762", "--json"], sim.env),
    ]
    print(f"## start-up and get ({runs} runs each, interleaved; medians)")
    samples = {name: ([], []) for name, _, _ in cases}
    for _ in range(runs):
        for name, argv, env in cases:
            wall, code = wall_once(argv, env)
            assert code == 0, (name, code)
            samples[name][0].append(wall)
    for name, argv, env in cases:
        for _ in range(5):
            samples[name][1].append(run_once(argv, env)[1])
    base = median_ms(samples["/bin/true"][0])
    for name, (walls, rsses) in samples.items():
        walls.sort()
        p90 = walls[int(len(walls) * 0.9)] * 1000
        print(f"  {name:28} median {median_ms(walls):6.2f} ms  p90 {p90:6.2f} ms  "
              f"(+{median_ms(walls) - base:5.2f} ms over /bin/true)  peak RSS {max(rsses) / 1024:5.1f} MiB")
    size = os.path.getsize(BIN) / (1024 * 1024)
    print(f"  binary size {size:.2f} MiB")
    sim.close()


def wait_many():
    count = 200 if QUICK else 1000
    lines = ["examples: false", "jobs:"]
    ids = []
    for i in range(count):
        ids.append(f"bulk-{i}")
        lines.append(f"  - {{id: bulk-{i}, duration: {(i % 10) * 500}ms}}")
    sim = Sim("\n".join(lines) + "\n")
    argv = [BIN, "wait", "-", "-q", "--json", "--max-rps", "1000"]
    wall, rss, cpu, code = run_once(argv, sim.env, stdin="\n".join(ids))
    requests = sim.requests()
    per_job = {}
    for r in requests:
        per_job.setdefault(r["job_id"], []).append(r["at_ms"])
    # What the cadence implies: polls at 0, 2, 5, 9.5 s ... until each job's end.
    expected = 0
    for i in range(count):
        end, t, delay, polls = (i % 10) * 0.5, 0.0, 2.0, 1
        while t < end:
            t += delay
            delay = min(delay * 1.5, 30.0)
            polls += 1
        expected += polls
    closest = min((b - a for ts in per_job.values() for a, b in zip(ts, ts[1:])), default=0)
    print(f"## wait on {count} jobs finishing within 0-4.5 s (--max-rps 1000)")
    print(f"  exit {code}, wall {wall:.2f} s, CPU {cpu:.2f} s, peak RSS {rss / 1024:.1f} MiB")
    print(f"  requests {len(requests)} (cadence implies ~{expected} without jitter); "
          f"every job polled: {len(per_job) == count}; closest two polls of one job {closest} ms")
    sim.close()


def long_job():
    """A 10-minute job, scaled by `scale` (all durations and intervals divided)."""
    scale = 1 if FULL_10M else 10
    duration = 600 / scale
    sim = Sim(f"examples: false\njobs:\n  - {{id: long-imsjob, duration: {duration}s, queued: 0s}}\n"
              f"  - {{id: long-fixed, duration: {duration}s, queued: 0s}}\n")
    interval, cap = 2 / scale, 30 / scale
    procs = [
        ("imsjob (2s x1.5 -> 30s)", "long-imsjob", [BIN, "wait", "long-imsjob", "-q", "--interval", f"{interval}s", "--max-interval", f"{cap}s", "--timeout", "none"]),
        ("fixed 1 s poller (Go SDK)", "long-fixed", [BIN, "wait", "long-fixed", "-q", "--interval", f"{1 / scale}s", "--max-interval", f"{1 / scale}s", "--timeout", "none"]),
    ]
    running = [(name, job, subprocess.Popen(argv, env=sim.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), time.perf_counter()) for name, job, argv in procs]
    print(f"## one job running {duration:.0f} s" + ("" if FULL_10M else " (10 minutes scaled down 10x, intervals too)"))
    for name, job, proc, start in running:
        proc.wait()
        times = [r["at_ms"] for r in sim.requests() if r["job_id"] == job]
        first = times[0] / 1000
        noticed = times[-1] / 1000 - first - duration
        print(f"  {name:28} polls {len(times):4}  end noticed {noticed * scale:5.1f} s after it happened (real scale)")
    sim.close()


def main():
    if not os.path.exists(BIN):
        sys.exit("build first: cargo build --release")
    startup()
    wait_many()
    long_job()


if __name__ == "__main__":
    main()
