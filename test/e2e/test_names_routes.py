"""Names and routes: two services never share a hostname ("web" in "api-demo" and "web-api" in
"demo" both make web-api-demo): the second is refused with a clear 409 naming the holder, and
every other service keeps routing, including ones deployed afterwards. The route file: an entry
the edge cannot use is skipped (the rest still update) and is reported by the edge
(DATA/edge-status.json), by /v1/health and by `ink status`; a deployment turns active only once
the edge has loaded its route."""

import json
import os
import signal
import time

import harness
from harness import InkTestCase, unique, wait_deployment


class HostnameCollision(InkTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        inkd = cls.inkd
        cls.demo = unique("demo")
        cls.api_demo = "api-" + cls.demo  # web + api-demo… == web-api + demo…
        for project in (cls.demo, cls.api_demo):
            inkd.create_project(project)
        cls.urls = {}
        for project, service in ((cls.demo, "web-api"), (cls.demo, "other"),
                                 (cls.api_demo, "side")):
            out = inkd.deploy(project, service, cls.image, port=8080,
                              env={"MESSAGE": f"{service}-v1"})
            cls.urls[service] = out["url"]
        for service, url in cls.urls.items():
            inkd.wait_serving(url, body=f"{service}-v1")

    def test_collision_refused_and_others_keep_routing(self):
        inkd = self.inkd
        host = f"web-api-{self.demo}.localhost"
        status, body = inkd.api("POST", f"/v1/projects/{self.api_demo}/deploy",
                                {"service": "web", "image": self.image, "port": 8080})
        self.assertEqual(status, 409, body)
        message = body["error"]["message"]
        self.assertIn(host, message)
        self.assertIn("service 'web-api' of project '" + self.demo + "'", message)
        self.assertIn("choose another service name", message)
        # Nothing was created: no service, so no deployment either.
        services = inkd.api_ok("GET", f"/v1/projects/{self.api_demo}/services")["services"]
        self.assertEqual(sorted(s["name"] for s in services), ["side"])

        # The CLI says the same and exits non-zero.
        res = self.ink("deploy", "--project", self.api_demo, "--service", "web", "--image",
                       self.image, "--port", "8080", json=False, check=False)
        self.assertNotEqual(res.rc, 0, res)
        self.assertIn("web-api", res.stderr)

        # The holder still serves its own release at that host.
        harness.wait_until(lambda: inkd.get_url(self.urls["web-api"])[2].strip() == "web-api-v1",
                           timeout=10, what="web-api serving web-api-v1")

        # Services deployed or redeployed afterwards still get their routes.
        out = inkd.deploy(self.demo, "other", self.image, port=8080,
                          env={"MESSAGE": "other-v2"})
        self.assertEqual(wait_deployment(inkd, out["deployment"]["id"])["status"], "active")
        status, _, text = inkd.get_url(self.urls["other"])
        self.assertEqual((status, text.strip()), (200, "other-v2"),
                         "an 'active' deployment must serve its new release at once")
        fresh = inkd.deploy(self.api_demo, "late", self.image, port=8080,
                            env={"MESSAGE": "late-v1"})
        self.assertEqual(wait_deployment(inkd, fresh["deployment"]["id"])["status"], "active")
        status, _, text = inkd.get_url(fresh["url"])
        self.assertEqual((status, text.strip()), (200, "late-v1"))
        status, _, text = inkd.get_url(self.urls["side"])
        self.assertEqual((status, text.strip()), (200, "side-v1"))

    def test_freed_hostname_can_be_taken(self):
        inkd = self.inkd
        project = unique("free")
        inkd.create_project(project)
        inkd.create_project("api-" + project)
        first = inkd.deploy(project, "web-api", self.image, port=8080)
        wait_deployment(inkd, first["deployment"]["id"])
        inkd.api_ok("DELETE", f"/v1/projects/{project}/services/web-api")
        second = inkd.deploy("api-" + project, "web", self.image, port=8080,
                             env={"MESSAGE": "new-holder"})
        self.assertEqual(wait_deployment(inkd, second["deployment"]["id"])["status"], "active")
        inkd.wait_serving(second["url"], body="new-holder", timeout=30)


class RouteFileProblems(InkTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        inkd = cls.inkd
        cls.project = unique("routes")
        inkd.create_project(cls.project)
        cls.urls = {}
        for service in ("alpha", "beta"):
            out = inkd.deploy(cls.project, service, cls.image, port=8080,
                              env={"MESSAGE": f"{service}-v1"})
            cls.urls[service] = out["url"]
        for service, url in cls.urls.items():
            inkd.wait_serving(url, body=f"{service}-v1")

    def edge_status(self):
        return json.loads((self.inkd.data_dir / "edge-status.json").read_text())

    def serves(self, service, body):
        status, _, text = self.inkd.get_url(self.urls[service])
        return status == 200 and text.strip() == body

    def break_route_entry(self, host):
        """Rewrites inkd's route file with `host`'s backend address broken and waits for the edge
        to report the skipped entry. inkd may write a newer file meanwhile (a health probe flap
        changes the backends), which replaces ours: then it tries again."""
        routes_path = self.inkd.data_dir / "routes.json"
        for _ in range(5):
            doc = json.loads(routes_path.read_text())
            entry = next(r for r in doc["routes"] if r["host"] == host)
            entry["backends"] = [{"address": "not-an-ip", "port": 8080}]
            # Same version as inkd's: its next write is newer, as after a real bad write.
            tmp = routes_path.with_suffix(".test-tmp")
            tmp.write_text(json.dumps(doc))
            os.rename(tmp, routes_path)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                st = self.edge_status()
                if st["loaded"]["version"] == doc["version"] and st["rejected"]:
                    return st
                if st["loaded"]["version"] > doc["version"]:
                    break  # inkd wrote again: ours is gone
                time.sleep(0.1)
        raise AssertionError(f"the edge never reported the broken entry: {self.edge_status()}")

    def test_broken_entry_is_skipped_and_reported(self):
        inkd = self.inkd
        beta_host = f"beta-{self.project}.localhost"
        st = self.break_route_entry(beta_host)
        self.assertEqual(st["rejected"][0]["host"], beta_host)
        self.assertIn("not an IPv4 or IPv6 literal", st["rejected"][0]["reason"])
        self.assertTrue(st["rejected"][0]["kept_previous"])
        # The other route loaded; the broken one keeps serving its previous route.
        self.assertTrue(self.serves("alpha", "alpha-v1"))
        self.assertTrue(self.serves("beta", "beta-v1"))

        status, health = inkd.api("GET", "/v1/health", token=None)
        self.assertEqual(status, 200)
        self.assertEqual(health["status"], "degraded", health)
        self.assertEqual(health["routes"]["rejected_entries"], 1, health)
        self.assertIn("skipped 1 route entry", health["routes"]["problem"])
        self.assertNotIn("beta", json.dumps(health), "health (no token) must not name services")
        res = self.ink("status", json=False)
        self.assertIn("PROBLEM", res.stdout)
        self.assertIn(f"skipped by the edge: {beta_host}", res.stdout)
        self.assertIn("not an IPv4 or IPv6 literal", res.stdout)

        # Another deploy still gets routed: inkd's next file replaces the bad one.
        out = inkd.deploy(self.project, "alpha", self.image, port=8080,
                          env={"MESSAGE": "alpha-v2"})
        self.assertEqual(harness.wait_deployment(inkd, out["deployment"]["id"])["status"],
                         "active")
        self.assertTrue(self.serves("alpha", "alpha-v2"), "active must mean served")
        self.assertTrue(self.serves("beta", "beta-v1"))
        harness.wait_until(lambda: inkd.api("GET", "/v1/health", token=None)[1]["status"] == "ok",
                           timeout=10, what="health to be ok again")
        self.assertIn("ok (route table version", self.ink("status", json=False).stdout)

    def test_not_active_until_the_edge_loaded_the_route(self):
        inkd = self.inkd
        edge_pid = int((inkd.data_dir / "edge.pid").read_text().split()[0])
        self.assertTrue(inkd.is_our_edge(edge_pid))
        os.kill(edge_pid, signal.SIGSTOP)  # our own edge: it cannot load anything now
        try:
            out = inkd.deploy(self.project, "beta", self.image, port=8080,
                              env={"MESSAGE": "beta-v2"})
            dep_id = out["deployment"]["id"]
            time.sleep(6)  # the new replica is healthy long before this
            dep = inkd.api_ok("GET", f"/v1/deployments/{dep_id}")["deployment"]
            self.assertEqual(dep["status"], "deploying", dep)
        finally:
            os.kill(edge_pid, signal.SIGCONT)
        dep = harness.wait_deployment(inkd, dep_id, timeout=30)
        self.assertEqual(dep["status"], "active", dep)
        self.assertTrue(self.serves("beta", "beta-v2"))


if __name__ == "__main__":
    harness.main()
