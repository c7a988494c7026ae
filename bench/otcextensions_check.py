#!/usr/bin/env python3
"""Checks that python-otcextensions (openstacksdk + keystoneauth1) works against `imsjob sim`
with nothing but the password exports the simulator prints, and fetches jobs through it.

The SDK runs in a child process whose environment holds only those printed variables (plus
PATH and HOME): it discovers Keystone (`GET /v3`), gets a project-scoped token, finds IMS in
the token catalog (`type: image`) and fetches jobs with the IMS v1 jobs proxy
(`conn.imsv1.get_async_job`), then an ECS-shaped job with a raw session GET through the
catalog's `ecs` entry.

Needs `pip install otcextensions` and a build of imsjob; not part of the test suite (it needs
a package registry). Usage:

    python3 bench/otcextensions_check.py [path/to/imsjob]   # default: target/release/imsjob
"""

import json
import os
import select
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SDK_CHECK = r"""
import sys, time, warnings
warnings.simplefilter("ignore")
import openstack
from otcextensions import sdk
openstack.enable_logging(debug=False)
start = time.perf_counter()
conn = openstack.connect()          # the OS_* variables, and nothing else
sdk.register_otc_extensions(conn)
for job_id in sys.argv[1:]:
    job = conn.imsv1.get_async_job(job_id)
    print(f"imsv1.get_async_job({job_id}): status={job.status} type={job.job_type} "
          f"error_code={job.error_code}")
ecs = conn.session.get_endpoint(service_type="ecs", interface="public")
# The catalog's ECS URL carries /v1/{project_id}, so the jobs API is right under it.
doc = conn.session.get(f"{ecs}/jobs/job-ecs").json()
print(f"session GET via catalog `ecs` ({ecs.split('/v1/')[0]}/v1/...): status={doc['status']} "
      f"sub_jobs_total={doc['entities']['sub_jobs_total']}")
print(f"elapsed {1000 * (time.perf_counter() - start):.0f} ms")
"""


def read_exports(proc):
    """Every line the simulator prints at start: it prints them at once, then stays quiet."""
    data = b""
    while True:
        ready, _, _ = select.select([proc.stdout], [], [], 0.3 if data else 5.0)
        chunk = os.read(proc.stdout.fileno(), 65536) if ready else b""
        if not chunk:
            return data.decode().splitlines()
        data += chunk


def password_exports(lines):
    """The variables of the `# or, with password ...` block, as printed."""
    env, in_block = {}, False
    for line in lines:
        if line.startswith("# or, with "):
            in_block = line.startswith("# or, with password")
            continue
        text = line.lstrip("#").strip()
        if in_block and text.startswith("export "):
            name, _, value = text.removeprefix("export ").partition("=")
            env[name] = value
    return env


def sim_requests(endpoint):
    host, port = endpoint.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as s:
        s.sendall(b"GET /_sim/requests HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return json.loads(data.split(b"\r\n\r\n", 1)[1])


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "release", "imsjob")
    if not os.path.exists(binary):
        sys.exit(f"no imsjob binary at {binary}: build first (cargo build --release)")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "IMSJOB_"))}
    sim = subprocess.Popen([binary, "sim", "--port", "0"], env=clean, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL)
    try:
        exports = password_exports(read_exports(sim))
        if not exports:
            sys.exit("the simulator printed no password exports")
        print("printed password exports used:", " ".join(sorted(exports)))
        env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"), **exports}
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", SDK_CHECK, "job-success", "job-fail",
                              "9a175ac792fa12d20193002100dd2762"],
                             env=env, capture_output=True, text=True)
        wall = time.perf_counter() - start
        if out.returncode != 0:
            sys.exit(f"python-otcextensions failed against the simulator:\n{out.stderr}")
        print(out.stdout.rstrip())
        print(f"whole child process (import + auth + 4 requests): {wall * 1000:.0f} ms")
        without = dict(env)
        without.pop("OS_PROJECT_DOMAIN_NAME", None)
        out = subprocess.run([sys.executable, "-c", SDK_CHECK, "job-success"], env=without,
                             capture_output=True, text=True)
        verdict = "refused (as IAM refuses it)" if out.returncode != 0 else "accepted"
        print(f"without OS_PROJECT_DOMAIN_NAME: {verdict}")
        seen = {}
        for r in sim_requests(exports["OS_AUTH_URL"].removesuffix("/v3")):
            key = f"{r['method']} {r['path']} -> {r['status']}"
            seen[key] = seen.get(key, 0) + 1
        print("requests the simulator saw:")
        for key, n in seen.items():
            print(f"  {n:3} x {key}")
    finally:
        sim.kill()
        sim.wait()


if __name__ == "__main__":
    main()
