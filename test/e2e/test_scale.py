"""Scaling: 1 -> 3 -> 1 replicas (and a change of CPU and memory) under constant load through
the edge fails no request, the edge spreads requests across every healthy replica, and a
workspace quota refuses growth with a message that says what is in use, changing nothing."""

import time

import harness
from harness import InkTestCase, unique, wait_deployment, wait_until


class Scale(InkTestCase):
    def scale(self, project, *flags):
        out = self.ink("scale", "web", "--project", project, *flags).json
        dep = wait_deployment(self.inkd, out["deployment"]["id"], timeout=180)
        self.assertEqual(dep["status"], "active", dep)
        return dep

    def spread(self, load, seconds=4.0):
        """Requests per replica hostname over the next `seconds`."""
        _, _, before = load.snapshot()
        time.sleep(seconds)
        _, _, after = load.snapshot()
        return after - before

    def test_scale_up_and_down_under_load_fails_no_request(self):
        project = unique("scale")
        self.inkd.create_project(project)
        out = self.inkd.deploy(project, "web", self.image, port=8080)
        self.assertEqual(wait_deployment(self.inkd, out["deployment"]["id"])["status"], "active")
        self.inkd.wait_serving(out["url"])
        host = self.inkd.service_host("web", project)
        with harness.EdgeLoad(self.inkd.edge_port, host, path="/hostname") as load:
            wait_until(lambda: load.snapshot()[0] > 20, timeout=30, what="load flowing")
            self.scale(project, "--replicas", "3")
            def three_serving():
                svc = self.inkd.get_service(project, "web")
                serving = [r for r in svc["replicas_observed"]
                           if r["role"] == "serving" and r.get("healthy")]
                return len(serving) == 3
            wait_until(three_serving, timeout=30, what="three healthy replicas observed")
            # Every replica takes its share: none starved, none taking nearly all.
            wait_until(lambda: len(self.spread(load, 1.0)) == 3, timeout=30,
                       what="requests reaching all three replicas")
            counts = self.spread(load)
            harness.log(f"spread over 3 replicas: {dict(counts)}")
            self.assertEqual(len(counts), 3, counts)
            total = sum(counts.values())
            self.assertGreater(total, 30, counts)
            for name, n in counts.items():
                self.assertGreater(n, total * 0.15, f"replica {name} starved: {counts}")
            # Resources change with the same zero-downtime rollout.
            self.scale(project, "--cpu", "0.5", "--memory", "256m")
            self.scale(project, "--replicas", "1")
            wait_until(lambda: len(self.spread(load, 1.0)) == 1, timeout=60,
                       what="traffic back on one replica")
        ok, failures, _ = load.snapshot()
        harness.log(f"load: {ok} ok, {len(failures)} failed")
        self.assertGreater(ok, 200)
        self.assertEqual(failures, [], failures[:5])
        svc = self.inkd.get_service(project, "web")
        spec = svc.get("spec", svc)
        self.assertEqual(spec.get("replicas"), 1, svc)
        self.assertEqual(spec.get("cpu"), 0.5, svc)

    def test_quota_refusal_is_clear_and_changes_nothing(self):
        project = unique("quota")
        self.inkd.create_project(project)
        out = self.inkd.deploy(project, "web", self.image, port=8080, replicas=2)
        self.assertEqual(wait_deployment(self.inkd, out["deployment"]["id"])["status"], "active")
        shown = self.ink("quota").json
        self.assertEqual(shown["quota"]["replicas"]["limit"], "unlimited", shown)
        self.assertGreaterEqual(shown["quota"]["replicas"]["used"], 2, shown)
        used = shown["quota"]["replicas"]["used"]
        self.ink("quota", "set", "--replicas", str(used))
        self.addCleanup(self.ink, "quota", "set", "--replicas", "default")
        before = self.inkd.get_service(project, "web")
        refused = self.ink("scale", "web", "--project", project, "--replicas", "3", check=False)
        self.assertNotEqual(refused.rc, 0, refused)
        text = refused.stdout + refused.stderr
        self.assertIn(f"replicas would be {used + 1} of {used} allowed", text)
        self.assertIn(f"{project}/web 2", text)
        self.assertIn("ink quota", text)
        after = self.inkd.get_service(project, "web")
        self.assertEqual(after.get("active_deployment_id"), before.get("active_deployment_id"))
        self.assertEqual(after.get("spec", after).get("replicas"), 2, after)
        # A new service is refused too; scaling down is not.
        refused = self.inkd.api("POST", f"/v1/projects/{project}/deploy",
                                {"service": "api", "image": self.image, "port": 8080})
        self.assertEqual(refused[0], 409, refused)
        self.scale(project, "--replicas", "1")
        table = self.ink("quota", json=False).stdout
        self.assertIn("replicas", table)
        self.assertIn(f"{project}/web", table)


if __name__ == "__main__":
    harness.main()
