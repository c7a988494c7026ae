#!/usr/bin/env python3
"""Runs real OTC/Huawei clients against `imsjob sim` with nothing but what the simulator
prints, and checks the answers they get are the published ones:

- huaweicloudsdkims (AK/SK exports): ShowJob and ShowJobProgress of a moving job and of a
  published example; an unknown id is a 400 IMG.0023; an ECS job is not on the IMS endpoint;
  a wrong secret key is APIGW.0301 with the header's request id in the body.
- openstacksdk + otcextensions, once from the password exports alone and once from a
  clouds.yaml written from them: an IMS job through `imsv1`, an ECS job through the
  catalog's `ecs` entry, the same ECS id refused by IMS.
- a bad token (raw HTTP): 401 APIGW.0301, X-Request-Id equal to the body's request_id.
- `not_found_status: 400` (now the default) and 404: `imsjob get` of an unknown id exits 4.

Each client runs in a child process whose environment holds only the printed variables
(plus PATH and HOME). Needs `pip install huaweicloudsdkims otcextensions` and a build of
imsjob; not part of the test suite (it needs a package registry). Usage:

    python3 bench/clients_check.py [path/to/imsjob]     # default: target/debug/imsjob
"""

import http.client
import json
import os
import select
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMS_EXAMPLE = "9a175ac792fa12d20193002100dd2762"

HUAWEI = r"""
import os, sys
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkims.v2 import ImsClient, ShowJobRequest, ShowJobProgressRequest

def client(sk):
    creds = BasicCredentials(os.environ["OS_ACCESS_KEY"], sk, os.environ["OS_PROJECT_ID"])
    return ImsClient.new_builder().with_credentials(creds) \
        .with_endpoint(os.environ["IMSJOB_ENDPOINT"]).build()

ims = client(os.environ["OS_SECRET_KEY"])
for job in sys.argv[1:]:
    r = ims.show_job(ShowJobRequest(job_id=job))
    p = ims.show_job_progress(ShowJobProgressRequest(job_id=job))
    e = p.entities
    print(f"ShowJob({job}): {r.status} {r.job_type}; ShowJobProgress: {p.status} "
          f"process_percent={e.process_percent if e else None!r} "
          f"current_task={e.current_task if e else None!r}")
# A moving job through the progress API until it is done: every distinct reading.
import time
seen, deadline = [], time.time() + 30
while time.time() < deadline:
    p = ims.show_job_progress(ShowJobProgressRequest(job_id="job-success"))
    e = p.entities
    reading = (p.status, e.process_percent if e else None, e.current_task if e else None)
    if not seen or seen[-1][0] != reading[0]:
        seen.append(reading)
    if p.status == "SUCCESS":
        break
    time.sleep(0.5)
print("ShowJobProgress(job-success) over time: " +
      " -> ".join(f"{s} ({pp!r}, {t!r})" for s, pp, t in seen))
assert seen[-1] == ("SUCCESS", 1, ""), seen
for job, why in [("never-created", "unknown id"), ("job-ecs", "ECS job on the IMS endpoint")]:
    try:
        ims.show_job(ShowJobRequest(job_id=job))
        sys.exit(f"ShowJob({job}) succeeded: {why} must be refused")
    except ClientRequestException as e:
        print(f"ShowJob({job}) [{why}]: HTTP {e.status_code} {e.error_code}: {e.error_msg}")
        assert e.status_code == 400 and e.error_code == "IMG.0023", e
try:
    client("wrong-secret").show_job(ShowJobRequest(job_id=sys.argv[1]))
    sys.exit("a wrong secret key was accepted")
except ClientRequestException as e:
    print(f"wrong secret key: HTTP {e.status_code} {e.error_code}: {e.error_msg} "
          f"(request id {e.request_id})")
    assert e.status_code == 401 and e.error_code == "APIGW.0301", e
    assert len(e.request_id or "") == 32, e.request_id
"""

OPENSTACK = r"""
import sys, warnings
warnings.simplefilter("ignore")
import openstack
from otcextensions import sdk
conn = openstack.connect(cloud=sys.argv[1]) if sys.argv[1] != "-" else openstack.connect()
sdk.register_otc_extensions(conn)
for job in sys.argv[2:]:
    j = conn.imsv1.get_async_job(job)
    print(f"imsv1.get_async_job({job}): status={j.status} type={j.job_type}")
ecs = conn.session.get_endpoint(service_type="ecs", interface="public")
doc = conn.session.get(f"{ecs}/jobs/job-ecs").json()
print(f"ECS job via the catalog's `ecs` entry ({ecs.split('/v1/')[0]}): "
      f"status={doc['status']} type={doc['job_type']}")
try:
    conn.imsv1.get_async_job("job-ecs")
    sys.exit("the IMS endpoint served an ECS job")
except Exception as e:
    print(f"imsv1.get_async_job(job-ecs): refused ({type(e).__name__}: {str(e).splitlines()[0][:90]})")
"""


def start_sim(binary, scenario=None):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "IMSJOB_"))}
    args = [binary, "sim", "--port", "0"]
    if scenario:
        args += ["--scenario", scenario]
    proc = subprocess.Popen(args, env=clean, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    data = b""
    while True:
        ready, _, _ = select.select([proc.stdout], [], [], 0.3 if data else 5.0)
        chunk = os.read(proc.stdout.fileno(), 65536) if ready else b""
        if not chunk:
            return proc, data.decode().splitlines()
        data += chunk


def blocks(lines):
    """The printed exports: {"token": {...}, "AK/SK": {...}, "password": {...}}."""
    found, current = {"token": {}}, "token"
    for line in lines:
        if line.startswith("# or, with "):
            current = line.removeprefix("# or, with ").split(" instead")[0]
            found[current] = {}
            continue
        text = line.lstrip("#").strip()
        if text.startswith("export "):
            name, _, value = text.removeprefix("export ").partition("=")
            found[current][name] = value
    return found


def child(code, env, *args):
    base = {"PATH": os.environ.get("PATH", ""), "HOME": env.pop("HOME", os.environ.get("HOME", "/tmp"))}
    out = subprocess.run([sys.executable, "-c", code, *args], env={**base, **env},
                         capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"client failed:\n{out.stdout}\n{out.stderr}")
    print("  " + out.stdout.rstrip().replace("\n", "\n  "))


def raw_get(endpoint, path, headers):
    host, port = endpoint.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port))
    conn.request("GET", path, headers=headers)
    r = conn.getresponse()
    return r.status, dict(r.getheaders()), r.read().decode()


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "debug", "imsjob")
    if not os.path.exists(binary):
        sys.exit(f"no imsjob binary at {binary}: build first")
    sim, lines = start_sim(binary)
    try:
        exports = blocks(lines)
        print("printed exports:", {k: sorted(v) for k, v in exports.items()})

        print("huaweicloudsdkims, AK/SK exports:")
        child(HUAWEI, dict(exports["AK/SK"]), "job-success", IMS_EXAMPLE)

        print("openstacksdk + otcextensions, password exports:")
        child(OPENSTACK, dict(exports["password"]), "-", "job-success", IMS_EXAMPLE)

        print("openstacksdk + otcextensions, clouds.yaml from the same values:")
        pw = exports["password"]
        with tempfile.TemporaryDirectory() as home:
            os.makedirs(os.path.join(home, ".config", "openstack"))
            with open(os.path.join(home, ".config", "openstack", "clouds.yaml"), "w") as f:
                f.write("clouds:\n  sim:\n    region_name: {r}\n    auth:\n"
                        "      auth_url: {u}\n      username: {n}\n      password: {p}\n"
                        "      user_domain_name: {d}\n      project_name: {j}\n"
                        "      project_domain_name: {d}\n".format(
                            r=pw["OS_REGION_NAME"], u=pw["OS_AUTH_URL"], n=pw["OS_USERNAME"],
                            p=pw["OS_PASSWORD"], d=pw["OS_USER_DOMAIN_NAME"],
                            j=pw["OS_PROJECT_NAME"]))
            child(OPENSTACK, {"HOME": home}, "sim", "job-success")

        token = exports["token"]
        status, headers, body = raw_get(
            token["IMSJOB_ENDPOINT"], f"/v1/{token['OS_PROJECT_ID']}/jobs/job-success",
            {"X-Auth-Token": "not-a-token"})
        doc = json.loads(body)
        header_id = {k.lower(): v for k, v in headers.items()}.get("x-request-id")
        print(f"bad token: HTTP {status} {doc['error_code']}: {doc['error_msg']}; "
              f"X-Request-Id {header_id} == body request_id: {header_id == doc['request_id']}")
        assert status == 401 and doc["error_code"] == "APIGW.0301" and header_id == doc["request_id"]
    finally:
        sim.kill()
        sim.wait()

    for status in (400, 404):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml") as scenario:
            scenario.write(f"not_found_status: {status}\n")
            scenario.flush()
            sim, lines = start_sim(binary, scenario.name)
            try:
                env = {"PATH": os.environ.get("PATH", ""), **blocks(lines)["token"]}
                out = subprocess.run([binary, "get", "never-created"], env=env,
                                     capture_output=True, text=True)
                print(f"not_found_status: {status} -> imsjob get never-created exits "
                      f"{out.returncode}")
                assert out.returncode == 4, out.stderr
            finally:
                sim.kill()
                sim.wait()
    print("all client checks passed")


if __name__ == "__main__":
    main()
