#!/usr/bin/env python3
"""Checks that official client libraries work unchanged against `imsjob sim` — Huawei
Cloud's Python SDK (AK/SK signing) and, when installed, OpenStack's keystoneauth1 (password
token, catalog lookup) — and compares one `show_job` call with one `imsjob get`.

Needs `pip install huaweicloudsdkims [keystoneauth1]` and a release build; not part of the
test suite (it needs a package registry). Usage: python3 bench/sdk_compare.py
python-otcextensions (openstacksdk) is checked by bench/otcextensions_check.py.
"""

import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import BIN, Sim  # noqa: E402

SDK_ONE_CALL = r"""
import sys
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkims.v2 import ImsClient, ShowJobRequest
endpoint, ak, sk, project, job = sys.argv[1:6]
client = (ImsClient.new_builder()
          .with_credentials(BasicCredentials(ak, sk, project))
          .with_endpoint(endpoint).build())
r = client.show_job(ShowJobRequest(job_id=job))
print(r.status, r.fail_reason)
"""

KEYSTONE_SESSION = r"""
import sys
from keystoneauth1 import session
from keystoneauth1.identity import v3
endpoint, job = sys.argv[1:3]
auth = v3.Password(auth_url=endpoint + "/v3", username="sim-user", password="sim-password",
                   user_domain_name="OTC00000000001000000SIM", project_name="eu-de_sim",
                   project_domain_name="OTC00000000001000000SIM")
s = session.Session(auth=auth)
ims = s.get_endpoint(service_type="image", interface="public")
print(s.get(f"{ims}/v1/{s.get_project_id()}/jobs/{job}").json()["status"], "via", ims)
"""

AK, SK = "SIMACCESSKEY00000000", "sim-secret-key-0000000000000000000000000"


def main():
    sim = Sim()
    project = sim.env["OS_PROJECT_ID"]
    job = "9a175ac792fa12d20193002100dd2762"
    sdk = [sys.executable, "-c", SDK_ONE_CALL, sim.endpoint, AK, SK, project, job]
    out = subprocess.run(sdk, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"the SDK failed against the simulator:\n{out.stderr}")
    print(f"official Python SDK against the simulator (AK/SK): {out.stdout.strip()}")
    ksa = subprocess.run([sys.executable, "-c", KEYSTONE_SESSION, sim.endpoint, job], capture_output=True, text=True)
    if "No module named" in ksa.stderr:
        print("keystoneauth1 not installed: password/catalog check skipped")
    elif ksa.returncode != 0:
        sys.exit(f"keystoneauth1 failed against the simulator:\n{ksa.stderr}")
    else:
        print(f"keystoneauth1 against the simulator (password, catalog): {ksa.stdout.strip()}")
    env = dict(sim.env)
    env.pop("OS_AUTH_TOKEN")
    env.update(OS_ACCESS_KEY=AK, OS_SECRET_KEY=SK)
    imsjob = [BIN, "get", job, "--jq", ".status"]
    timings = {"python SDK, one show_job (process)": sdk, "imsjob get, AK/SK (process)": imsjob}
    for name, argv in timings.items():
        samples = []
        for _ in range(15):
            start = time.perf_counter()
            subprocess.run(argv, env=env, capture_output=True, check=True)
            samples.append(time.perf_counter() - start)
        print(f"  {name:40} median {statistics.median(samples) * 1000:7.1f} ms")
    sim.close()


if __name__ == "__main__":
    main()
