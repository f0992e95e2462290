"""Create-to-first-exec latency of Ink's sandboxes through REST, beside plain podman + gVisor.

Run by bench/sandbox/run.sh (which starts the inkd); alone:
  python3 cycles.py API_URL TOKEN RUNS IMAGE
Each round, in turn (so both see the same load on a shared machine):
  ink:        POST /v1/sandboxes {ttl: 120} → POST /v1/sandboxes/ID/exec ["echo","hi"] → stdout
              "hi"; timed from the create's request to the exec's answer (keep-alive connection,
              as an SDK keeps one); then DELETE (timed apart, not in the latency)
  podman run: `podman run --rm --runtime runsc-hostnet --network none IMAGE echo hi`
              (start to exit: create, start, the command, teardown)
  podman run -d + exec: `podman run -d ... IMAGE sleep infinity`, then `podman exec ID echo hi`
              (the same shape as a sandbox: a sleeping container, one exec); rm -f after
Prints median, p95, p99, min, max (ms) and the success rate of each."""

import http.client
import json
import statistics
import subprocess
import sys
import time
import urllib.parse


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, max(0, round(p / 100 * len(v) + 0.5) - 1))]


def summary(name, values, runs):
    if not values:
        return f"{name:28s} no successful run of {runs}"
    return (f"{name:28s} median {statistics.median(values):6.0f}  p95 {pct(values, 95):6.0f}  "
            f"p99 {pct(values, 99):6.0f}  min {min(values):6.0f}  max {max(values):6.0f}  "
            f"success {len(values)}/{runs}")


class Api:
    def __init__(self, url, token):
        u = urllib.parse.urlsplit(url)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(self, method, path, body=None):
        self.conn.request(method, path, body=json.dumps(body) if body is not None else None,
                          headers=self.headers)
        r = self.conn.getresponse()
        return r.status, json.loads(r.read() or b"null")


def ink_round(api):
    t0 = time.monotonic()
    status, created = api.call("POST", "/v1/sandboxes", {"ttl": 120})
    if status != 201:
        raise RuntimeError(f"create: {status} {created}")
    sid = created["sandbox"]["id"]
    status, out = api.call("POST", f"/v1/sandboxes/{sid}/exec", {"command": ["echo", "hi"]})
    latency = (time.monotonic() - t0) * 1000
    t1 = time.monotonic()
    deleted, _ = api.call("DELETE", f"/v1/sandboxes/{sid}")
    delete_ms = (time.monotonic() - t1) * 1000
    if status != 200 or out.get("stdout") != "hi\n" or deleted != 200:
        raise RuntimeError(f"exec {status} {out}, delete {deleted}")
    return latency, delete_ms


def podman_run(image):
    t0 = time.monotonic()
    p = subprocess.run(["podman", "run", "--rm", "--runtime", "runsc-hostnet", "--network",
                        "none", image, "echo", "hi"], capture_output=True, text=True, timeout=120)
    if p.returncode != 0 or p.stdout != "hi\n":
        raise RuntimeError(f"podman run: {p.returncode} {p.stderr[-300:]}")
    return (time.monotonic() - t0) * 1000


def podman_run_exec(image):
    t0 = time.monotonic()
    p = subprocess.run(["podman", "run", "-d", "--runtime", "runsc-hostnet", "--network", "none",
                        "--label", "ink.bench=sandbox", image, "sleep", "infinity"],
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError(f"podman run -d: {p.stderr[-300:]}")
    cid = p.stdout.strip()
    try:
        e = subprocess.run(["podman", "exec", cid, "echo", "hi"], capture_output=True, text=True,
                           timeout=120)
        latency = (time.monotonic() - t0) * 1000
        if e.returncode != 0 or e.stdout != "hi\n":
            raise RuntimeError(f"podman exec: {e.returncode} {e.stderr[-300:]}")
        return latency
    finally:
        subprocess.run(["podman", "rm", "-f", "-t", "0", cid], capture_output=True, timeout=120)


def main():
    url, token, runs, image = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    api = Api(url, token)
    ink_round(api)  # warm-up: the image is local, caches are warm
    ink, deletes, run, run_exec, errors = [], [], [], [], []
    for i in range(runs):
        for name, fn, out in (("ink", lambda: ink_round(api), ink),
                              ("podman run", lambda: podman_run(image), run),
                              ("podman run -d + exec", lambda: podman_run_exec(image), run_exec)):
            try:
                value = fn()
                if name == "ink":
                    out.append(value[0])
                    deletes.append(value[1])
                else:
                    out.append(value)
            except Exception as e:  # noqa: BLE001 (counted as a failed run)
                errors.append(f"{name} round {i}: {e}")
                if name == "ink":
                    api = Api(url, token)
    print(f"create-to-first-exec, {runs} rounds (ms):")
    print(summary("ink REST create + exec", ink, runs))
    print(summary("  (ink delete, apart)", deletes, runs))
    print(summary("podman run --rm echo hi", run, runs))
    print(summary("podman run -d + exec echo", run_exec, runs))
    print("ratio of medians ink / podman run -d + exec: "
          f"{statistics.median(ink) / statistics.median(run_exec):.2f}" if ink and run_exec else "")
    for e in errors:
        print("error:", e)


if __name__ == "__main__":
    main()
