"""Runtime policy for tenants' containers: gVisor only unless inkd runs with --allow-runc;
every container has memory, CPU and pids limits (inkd's defaults when the service names none,
at most the maximums), no-new-privileges and a reduced capability set, as `podman inspect`
shows; a memory bomb and a fork bomb inside an app stay inside its limits while inkd, the edge
and another service keep answering."""

import threading
import time

import harness
from harness import InkTestCase, podman_json, unique, wait_deployment

MIB = 1024 * 1024
# kDefaultCapabilities (include/ink/controller/runtime_policy.h)
KEPT_CAPS = {"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
             "CAP_NET_BIND_SERVICE", "CAP_SETGID", "CAP_SETUID"}


class Prober:
    """Asks inkd's /v1/health and a bystander service through the edge every 100 ms from a
    thread, and records failures and the slowest answer."""

    def __init__(self, inkd, url):
        self.inkd, self.url = inkd, url
        self.stop = threading.Event()
        self.failures, self.slowest, self.count = [], 0.0, 0
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop.is_set():
            for name, call in (("inkd", lambda: self.inkd.api("GET", "/v1/health", token=None,
                                                              timeout=10)[0]),
                               ("edge", lambda: self.inkd.get_url(self.url, timeout=10)[0])):
                start = time.monotonic()
                try:
                    status = call()
                except Exception as e:  # noqa: BLE001 - every failure counts
                    status = repr(e)
                elapsed = time.monotonic() - start
                self.slowest = max(self.slowest, elapsed)
                self.count += 1
                if status != 200:
                    self.failures.append(f"{name}: {status}")
            time.sleep(0.1)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=30)


def container_of(inkd, project, service):
    svc = inkd.wait_running(project, service)
    return podman_json("inspect", svc["replicas_observed"][0]["container_id"])[0]


class GvisorOnlyByDefault(InkTestCase):
    allow_runc = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        inkd = cls.inkd
        cls.project = unique("policy")
        inkd.create_project(cls.project)
        cls.urls = {}
        for service in ("plain", "bystander", "bomb"):
            cls.urls[service] = inkd.deploy(cls.project, service, cls.image, port=8080,
                                            env={"MESSAGE": service})["url"]
        for service, url in cls.urls.items():
            inkd.wait_serving(url, body=service)

    def test_runc_refused_without_the_admin_flag(self):
        inkd = self.inkd
        status, body = inkd.api("POST", f"/v1/projects/{self.project}/deploy",
                                {"service": "hostkernel", "image": self.image,
                                 "runtime_class": "runc"})
        self.assertEqual(status, 403, body)
        message = body["error"]["message"]
        self.assertIn("--allow-runc", message)
        self.assertIn("gvisor", message)
        status, _ = inkd.api("GET", f"/v1/projects/{self.project}/services/hostkernel")
        self.assertEqual(status, 404, "nothing may be created")
        # Nor by changing an existing service, nor through the CLI.
        before = inkd.api_ok("GET", f"/v1/projects/{self.project}/services/plain/deployments")
        status, body = inkd.api("PATCH", f"/v1/projects/{self.project}/services/plain",
                                {"runtime_class": "runc"})
        self.assertEqual(status, 403, body)
        after = inkd.api_ok("GET", f"/v1/projects/{self.project}/services/plain/deployments")
        self.assertEqual(len(before["deployments"]), len(after["deployments"]))
        res = self.ink("deploy", "--project", self.project, "--service", "hostkernel",
                       "--image", self.image, "--runtime", "runc", json=False, check=False)
        self.assertNotEqual(res.rc, 0, res)
        self.assertIn("--allow-runc", res.stderr)

    def test_limits_above_the_maximum_refused(self):
        status, body = self.inkd.api("POST", f"/v1/projects/{self.project}/deploy",
                                     {"service": "huge", "image": self.image, "memory": "9g"})
        self.assertEqual(status, 400, body)
        self.assertIn("above this Ink's maximum of 8g", body["error"]["message"])

    def test_defaults_show_in_podman_inspect(self):
        info = container_of(self.inkd, self.project, "plain")
        host = info["HostConfig"]
        self.assertEqual(info["OCIRuntime"], harness.GVISOR_RUNTIME)
        self.assertEqual(host["Memory"], 512 * MIB, host)
        cpus = host.get("NanoCpus") or (host["CpuQuota"] * 10**9 // host["CpuPeriod"])
        self.assertEqual(cpus, 10**9, host)
        self.assertEqual(host["PidsLimit"], 512, host)
        self.assertIn("no-new-privileges", " ".join(host.get("SecurityOpt") or []), host)
        caps = set(info.get("EffectiveCaps") or [])
        self.assertEqual(caps, KEPT_CAPS, f"effective capabilities: {sorted(caps)}")
        limits = self.inkd.get_service(self.project, "plain")["limits"]
        self.assertEqual((limits["memory"], limits["cpu"], limits["pids"]), (512 * MIB, 1, 512))

    def test_bombs_stay_inside_their_limits(self):
        inkd = self.inkd
        bomb = container_of(inkd, self.project, "bomb")
        self.assertEqual(bomb["HostConfig"]["Memory"], 512 * MIB)
        with Prober(inkd, self.urls["bystander"]) as prober:
            # Fork bomb: 5,000 processes asked for, the pids limit is 512. Under gVisor the
            # sandbox itself is bounded by the pids cgroup: the app sees fork fail, or the
            # whole sandbox dies and Ink restarts it.
            try:
                status, _, text = inkd.get_url(self.urls["bomb"], "/fork?n=5000&seconds=20",
                                               timeout=60)
            except OSError as e:
                status, text = None, repr(e)
            harness.log(f"fork bomb answered {status}: {text.strip()[:200]}")
            if status == 200:
                started = int(text.split()[1])
                self.assertLess(started, 512, text)
                self.assertIn("fork failed", text)
            else:
                self.assertEqual(status, 502, text)  # the sandbox died: no replica to ask
            inkd.wait_serving(self.urls["bomb"], body="bomb", timeout=120)
            # Memory bomb: 2 GiB asked for, the limit is 512 MiB.
            try:
                status, _, text = inkd.get_url(self.urls["bomb"], "/alloc?mb=2048", timeout=60)
            except OSError as e:
                status, text = None, repr(e)
            harness.log(f"memory bomb answered {status}: {text.strip()[:200]}")
            self.assertNotEqual((status, text.strip()), (200, "allocated 2048 MiB"))
            inkd.wait_serving(self.urls["bomb"], body="bomb", timeout=120)
        harness.log(f"during the bombs: {prober.count} probes, slowest {prober.slowest:.2f}s, "
                    f"failures {prober.failures[:5]}")
        self.assertGreater(prober.count, 10)
        self.assertEqual(prober.failures, [])
        self.assertLess(prober.slowest, 3.0)
        events = [e["kind"] for e in inkd.get_service(self.project, "bomb")["events"]]
        harness.log(f"bomb events: {events}")
        self.assertTrue({"crashed", "oom_killed"} & set(events), events)
        # The project's journal says the same, filtered by service and kind, paged by cursor.
        journal = inkd.api_ok("GET", f"/v1/projects/{self.project}/events"
                                     "?service=bomb&kind=crashed,oom_killed")
        kinds = [e["kind"] for e in journal["events"]]
        self.assertTrue(kinds and set(kinds) <= {"crashed", "oom_killed"}, journal)
        self.assertGreaterEqual(len(kinds), sum(k in ("crashed", "oom_killed") for k in events))
        self.assertTrue(all(e["service"] == "bomb" for e in journal["events"]), journal)
        after = inkd.api_ok("GET", f"/v1/projects/{self.project}/events?service=bomb"
                                   f"&kind=crashed,oom_killed&cursor={journal['next_cursor']}")
        self.assertEqual(after["events"], [], after)
        status, _, text = inkd.get_url(self.urls["plain"])
        self.assertEqual((status, text.strip()), (200, "plain"))


class RuncWithTheAdminFlag(InkTestCase):
    allow_runc = True

    def test_runc_allowed_keeps_limits_and_privileges(self):
        inkd = self.inkd
        project = unique("runc")
        inkd.create_project(project)
        out = inkd.deploy(project, "web", self.image, port=8080, runtime_class="runc",
                          memory="256m", cpu=0.5)
        self.assertEqual(wait_deployment(inkd, out["deployment"]["id"])["status"], "active")
        info = container_of(inkd, project, "web")
        host = info["HostConfig"]
        self.assertEqual(info["OCIRuntime"], "crun")
        self.assertEqual(host["Memory"], 256 * MIB)
        cpus = host.get("NanoCpus") or (host["CpuQuota"] * 10**9 // host["CpuPeriod"])
        self.assertEqual(cpus, 5 * 10**8)
        self.assertEqual(host["PidsLimit"], 512)
        self.assertIn("no-new-privileges", " ".join(host.get("SecurityOpt") or []))
        self.assertEqual(set(info.get("EffectiveCaps") or []), KEPT_CAPS)
        # On the host kernel the pids limit is exact: fork fails below 512 processes.
        status, _, text = inkd.get_url(out["url"], "/fork?n=5000&seconds=10", timeout=60)
        self.assertEqual(status, 200, text)
        self.assertLess(int(text.split()[1]), 512, text)
        self.assertIn("Resource temporarily unavailable", text)
        status, _, text = inkd.get_url(out["url"])
        self.assertEqual(status, 200)


if __name__ == "__main__":
    harness.main()
