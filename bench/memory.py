#!/usr/bin/env python3
"""imsjob memory: peak RSS of `get` (table, JSON) over ten 7 MB answers of 600 000 keys each,
over ten 7.5 MB answers of 2.5 million empty member results, and over ten 7.5 MB answers
listing 1.9 million one-letter sub-job ids (the shapes that cost the typed view most), and of
`tree` over a job naming 100 000 sub-jobs.

A canned HTTP server in this process answers the jobs API on 127.0.0.1 (the bodies are too
large for a scenario file to be pleasant), counts the requests, and each run's peak resident
set is read from the kernel's accounting of the child (`wait4`). Prints figures and the
budgets they are held to; asserts nothing. Usage:

    python3 bench/memory.py                 # target/release/imsjob, else target/debug/imsjob
    IMSJOB_BIN=path/to/imsjob python3 bench/memory.py
"""

import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROJECT = "0123456789abcdef0123456789abcdef"
BIG_KEYS = 600_000
BIG_JOBS = 10
WIDE_SUB_JOBS = 100_000
EMPTY_MEMBERS = 2_500_000
SHORT_IDS = 1_875_000


def binary():
    if os.environ.get("IMSJOB_BIN"):
        return os.environ["IMSJOB_BIN"]
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    for profile in ("release", "debug"):
        path = os.path.join(target, profile, "imsjob")
        if os.path.exists(path):
            return path
    sys.exit("no imsjob binary: run `cargo build --release` (or set IMSJOB_BIN)")


def big_body(job_id):
    """About 7 MB: a finished job whose `entities` carry 600 000 keys nobody reads."""
    keys = ",".join(f'"k{i:06}":{i % 10}' for i in range(BIG_KEYS))
    return (
        '{"job_id":"%s","job_type":"imsCreateImageByInstance","status":"SUCCESS",'
        '"begin_time":"2024-11-06T06:19:43.195Z","end_time":"2024-11-06T06:23:24.616Z",'
        '"error_code":null,"fail_reason":null,"entities":{"image_id":"3f7185de-b59a-4bb8-aa1d-7a513528b0e9",%s}}'
        % (job_id, keys)
    ).encode()


def wide_body():
    ids = [f"sub-{i:06d}" for i in range(WIDE_SUB_JOBS)]
    return json.dumps({
        "job_id": "wide", "job_type": "imsImportOvaImageJob", "status": "RUNNING",
        "begin_time": "2024-11-06T06:19:43.195Z",
        "entities": {"process_percent": 0.5, "sub_jobs_list": ids},
    }).encode()


def members_body(job_id):
    """7.5 MB of `{}` in `entities.results`: each is a member the view would count."""
    return ('{"job_id":"%s","status":"RUNNING","entities":{"results":[%s]}}'
            % (job_id, ",".join(["{}"] * EMPTY_MEMBERS))).encode()


def listed_body(job_id):
    """7.5 MB of one-letter ids in `entities.sub_jobs_list`."""
    return ('{"job_id":"%s","status":"RUNNING","entities":{"sub_jobs_list":[%s]}}'
            % (job_id, ",".join(['"a"'] * SHORT_IDS))).encode()


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    bodies = {}
    requests = 0
    lock = threading.Lock()

    def log_message(self, *_):
        pass

    def do_GET(self):
        with Handler.lock:
            Handler.requests += 1
        job_id = self.path.rsplit("/", 1)[-1]
        body = Handler.bodies.get(job_id)
        if body is None and job_id.startswith("sub-"):
            body = json.dumps({"job_id": job_id, "job_type": "imsImportImageJob",
                               "status": "SUCCESS", "entities": {"image_id": job_id}}).encode()
        if body is None:
            body, status = b'{"error": {"code": "IMG.0023", "message": "no such job"}}', 404
        else:
            status = 200
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def measure(argv, env):
    """(exit code, peak RSS MiB, wall s, stdout bytes) of one run.

    The peak comes from GNU time when present: a child forked from this Python process
    would inherit its resident size into `ru_maxrss`, so `wait4` alone over-reports.
    """
    timed = os.path.exists("/usr/bin/time")
    report = tempfile.NamedTemporaryFile(delete=False)
    report.close()
    if timed:
        argv = ["/usr/bin/time", "-f", "%M", "-o", report.name, *argv]
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        child = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                 stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        size = out.tell()
    peak_kib = usage.ru_maxrss
    if timed:
        with open(report.name) as text:
            lines = [line.strip() for line in text if line.strip()]
        peak_kib = int(lines[-1]) if lines and lines[-1].isdigit() else peak_kib
    os.unlink(report.name)
    return code, peak_kib / 1024, wall, size


def main():
    print("building the answers ...", flush=True)
    template = big_body("@@ID@@")
    for i in range(BIG_JOBS):
        Handler.bodies[f"big-{i}"] = template.replace(b"@@ID@@", f"big-{i}".encode())
    Handler.bodies["wide"] = wide_body()
    members = [f"members-{i}" for i in range(BIG_JOBS)]
    listed = [f"listed-{i}" for i in range(BIG_JOBS)]
    for job_id in members:
        Handler.bodies[job_id] = members_body(job_id)
    for job_id in listed:
        Handler.bodies[job_id] = listed_body(job_id)
    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    home = tempfile.mkdtemp(prefix="imsjob-memory-")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "IMSJOB_"))}
    env.update({
        "HOME": home, "XDG_CACHE_HOME": os.path.join(home, ".cache"),
        "IMSJOB_ENDPOINT": f"http://127.0.0.1:{server.server_address[1]}",
        "OS_PROJECT_ID": PROJECT, "OS_AUTH_TOKEN": "memory-bench-token",
    })
    exe = binary()
    big = [f"big-{i}" for i in range(BIG_JOBS)]
    size = len(Handler.bodies["big-0"]) / 2**20
    print(f"binary: {exe}")
    print(f"answers: {BIG_JOBS} x {size:.1f} MiB ({BIG_KEYS} keys each); "
          f"tree: {WIDE_SUB_JOBS} listed sub-jobs ({len(Handler.bodies['wide']) / 2**20:.1f} MiB)\n")
    cases = [
        ("get, table", [exe, "get", *big], "<= 256 MiB"),
        ("get, -o json", [exe, "get", *big, "-o", "json"], "<= 256 MiB"),
        ("get, --jq .[].job_id", [exe, "get", *big, "--jq", ".[].job_id"], "(jq needs a parsed copy)"),
        ("get, 2.5 M members", [exe, "get", *members], "<= 256 MiB"),
        ("get, 1.9 M listed ids", [exe, "get", *listed], "<= 256 MiB"),
        ("tree, 100 000 sub-jobs", [exe, "tree", "wide"], "<= 256 MiB, <= 5000 requests, < 2 min"),
        ("tree, -o json", [exe, "tree", "wide", "-o", "json"], "<= 256 MiB"),
    ]
    print(f"{'case':<26}{'exit':>5}{'peak MiB':>10}{'wall s':>8}{'requests':>10}{'stdout MiB':>12}  budget")
    for name, argv, budget in cases:
        before = Handler.requests
        code, peak, wall, out = measure(argv, env)
        print(f"{name:<26}{code:>5}{peak:>10.1f}{wall:>8.2f}{Handler.requests - before:>10}"
              f"{out / 2**20:>12.1f}  {budget}", flush=True)
    server.shutdown()


if __name__ == "__main__":
    main()
