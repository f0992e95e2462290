"""kill -9 of inkd: the edge keeps serving while inkd is down; after a restart on the same data
dir the interrupted deploys complete with no duplicate containers."""

import os
import time

import harness
from harness import InkTestCase, unique, wait_until


class CrashRecovery(InkTestCase):
    def count_containers(self, label):
        cs = self.inkd.containers(extra_label=label)
        running = [c for c in cs if c.get("State") == "running"]
        return len(cs), len(running)

    def test_kill9_midway_and_edge_keeps_serving(self):
        inkd = self.inkd
        project = unique("crash")
        inkd.create_project(project)
        stable = inkd.deploy(project, "stable", self.image, port=8080,
                             env={"MESSAGE": "stable one"})
        inkd.wait_serving(stable["url"], body="stable one")
        inkd.wait_running(project, "stable")
        stable_label = inkd.service_label(project, "stable")

        # Kill inkd at several points of a deploy: just after the request, and a little later.
        for i, delay in enumerate((0.0, 0.3, 1.0)):
            service = f"mid{i}"
            out = inkd.deploy(project, service, self.image, port=8080,
                              env={"MESSAGE": f"service {service}"})
            time.sleep(delay)
            edges = inkd.edge_pids()
            self.assertTrue(edges, "no ink-edge process found among inkd's children")
            inkd.kill9()

            # inkd is down: the edge (its own process) still serves the routes it had.
            self.assertTrue(all(os.path.exists(f"/proc/{p}") for p in edges),
                            "ink-edge died with inkd")
            for _ in range(5):
                status, _, body = inkd.get_url(stable["url"])
                self.assertEqual((status, body), (200, "stable one\n"),
                                 "edge stopped serving while inkd was down")
                time.sleep(0.2)

            inkd.start()
            # Same ports after restart, so the URL is unchanged.
            self.assertEqual(inkd.get_url(stable["url"])[0], 200)
            inkd.wait_serving(out["url"], body=f"service {service}", timeout=120)
            inkd.wait_running(project, service)
            label = inkd.service_label(project, service)

            def settled(label=label):
                total, running = self.count_containers(label)
                return (total, running) == (1, 1)
            try:
                wait_until(settled, timeout=30, what=f"exactly one container for {service}")
            except AssertionError:
                raise AssertionError(
                    f"{service}: containers (total, running) = {self.count_containers(label)}; "
                    f"{[c.get('Names') for c in inkd.containers(extra_label=label)]}")
            self.assertEqual(self.count_containers(stable_label), (1, 1),
                             "the stable service got a duplicate after restart")

        # Exactly one ink-edge is left running for this inkd.
        wait_until(lambda: len(inkd.edge_pids()) == 1, timeout=15,
                   what=f"a single ink-edge (have {inkd.edge_pids()})")
        # Every service is listed once.
        names = sorted(s["name"] for s in inkd.api_ok(
            "GET", f"/v1/projects/{project}/services")["services"])
        self.assertEqual(names, ["mid0", "mid1", "mid2", "stable"])

    def test_graceful_restart_keeps_containers(self):
        """SIGTERM + start: running services are adopted, not recreated."""
        inkd = self.inkd
        project = unique("adopt")
        inkd.create_project(project)
        out = inkd.deploy(project, "web", self.image, port=8080)
        inkd.wait_serving(out["url"])
        before = {r["container_id"] for r in inkd.wait_running(project, "web")["replicas_observed"]}
        inkd.stop()
        inkd.start()
        inkd.wait_serving(out["url"])
        after = {r["container_id"] for r in inkd.wait_running(project, "web")["replicas_observed"]}
        self.assertEqual(before, after, "inkd recreated containers instead of adopting them")


if __name__ == "__main__":
    harness.main()
