#!/usr/bin/env python3
"""Checks that Huawei Cloud's official Python SDK works unchanged against `imsjob sim`
(AK/SK signing included) and compares one `show_job` call with one `imsjob get`.

Needs `pip install huaweicloudsdkims` and a release build; not part of the test suite
(it needs a package registry). Usage: python3 bench/sdk_compare.py
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
