"""Rollout: a redeploy under constant load fails no request; a broken start leaves the previous
release serving; rollback returns to an earlier release without a rebuild; update/restart roll
out new deployments."""

import time

import harness
from harness import InkTestCase, unique, wait_deployment


def serving(svc):
    """Container ids of the replicas serving the service (its active release)."""
    return {r["container_id"] for r in svc["replicas_observed"] if r["role"] == "serving"}


class Rollout(InkTestCase):
    def deploy_wait(self, project, service, message, **fields):
        out = self.inkd.deploy(project, service, self.image, port=8080,
                               env={"MESSAGE": message}, **fields)
        dep = wait_deployment(self.inkd, out["deployment"]["id"])
        return out, dep

    def test_redeploy_under_load_fails_no_request(self):
        project = unique("roll")
        self.inkd.create_project(project)
        out, dep = self.deploy_wait(project, "web", "release-one")
        self.assertEqual(dep["status"], "active", dep)
        self.inkd.wait_serving(out["url"], body="release-one")
        host = self.inkd.service_host("web", project)
        with harness.EdgeLoad(self.inkd.edge_port, host) as load:
            time.sleep(1.0)
            _, second = self.deploy_wait(project, "web", "release-two")
            self.assertEqual(second["status"], "active", second)
            self.inkd.wait_serving(out["url"], body="release-two", timeout=30)
            time.sleep(3.0)  # the old release drains and stops while load continues
        harness.log(f"load: {load.ok} ok, {len(load.failures)} failed, bodies {load.bodies}")
        self.assertEqual(load.failures, [], "requests failed during the redeploy")
        self.assertGreater(load.ok, 50)
        self.assertIn("release-one", load.bodies)
        self.assertIn("release-two", load.bodies)
        # only the new release's containers remain
        svc = self.inkd.wait_running(project, "web")
        self.assertEqual(len(svc["replicas_observed"]), 1)
        self.assertEqual(svc["replicas_observed"][0].get("state"), "running")

    def test_broken_start_keeps_previous_release_and_rollback(self):
        project = unique("brk")
        self.inkd.create_project(project)
        out, first = self.deploy_wait(project, "web", "good-one")
        self.assertEqual(first["status"], "active", first)
        # The base image's default command exits at once: the new release never becomes healthy.
        broken = self.inkd.deploy(project, "web", "localhost/ink/base:bookworm", port=8080)
        failed = wait_deployment(self.inkd, broken["deployment"]["id"])
        self.assertEqual(failed["status"], "failed")
        self.assertIn("exited", failed["message"])
        self.assertEqual(self.inkd.get_url(out["url"])[2].strip(), "good-one")
        svc = self.inkd.get_service(project, "web")
        self.assertEqual(svc["active_deployment_id"], first["id"])

        # a second good release, then roll back to the first one by id, then to "the previous"
        _, second = self.deploy_wait(project, "web", "good-two")
        self.inkd.wait_serving(out["url"], body="good-two")
        res = self.ink("rollback", "web", first["id"], "--project", project, "--wait")
        self.assertEqual(res.json["deployment"]["status"], "active", res)
        self.inkd.wait_serving(out["url"], body="good-one", timeout=30)
        res = self.ink("rollback", "web", "--project", project, "--wait")
        self.inkd.wait_serving(out["url"], body="good-two", timeout=30)

        # rollback to a failed deployment is refused and changes nothing
        bad = self.ink("rollback", "web", failed["id"], "--project", project, check=False)
        self.assertNotEqual(bad.rc, 0)
        self.assertIn("never ran successfully", bad.stderr)

    def test_update_and_restart_roll_out_new_deployments(self):
        project = unique("upd")
        self.inkd.create_project(project)
        out, first = self.deploy_wait(project, "web", "same")
        res = self.ink("services", "update", "web", "--project", project, "--replicas", "2",
                       "--health-path", "/hostname", "--wait")
        self.assertEqual(res.json["deployment"]["status"], "active", res)
        svc = self.inkd.wait_running(project, "web")
        self.assertEqual(len(serving(svc)), 2)
        hostnames = set()
        for _ in range(10):
            hostnames.add(self.inkd.get_url(out["url"], "/hostname")[2].strip())
        self.assertEqual(len(hostnames), 2, "the edge should round-robin over both replicas")
        before = serving(svc)
        res = self.ink("services", "restart", "web", "--project", project, "--wait")
        self.assertEqual(res.json["deployment"]["status"], "active", res)
        # The old release may still be draining: it is listed apart, never as serving.
        svc = self.inkd.wait_running(project, "web")
        after = serving(svc)
        self.assertEqual(len(after), 2, svc)
        self.assertFalse(before & after, "restart should replace every container")
        restarted = res.json["deployment"]["id"]
        self.assertTrue(all(r["deployment_id"] == restarted for r in svc["replicas_observed"]
                            if r["role"] == "serving"), svc)
        self.assertTrue(all(r["role"] == "draining" and r["container_id"] in before
                            for r in svc.get("replicas_draining", [])), svc)
        # a health path that does not exist fails the rollout and keeps the old release
        bad = self.inkd.api("PATCH", f"/v1/projects/{project}/services/web",
                            {"health_check_path": "no-slash"})
        self.assertEqual(bad[0], 400)
        nothing = self.inkd.api("PATCH", f"/v1/projects/{project}/services/web", {})
        self.assertEqual(nothing[0], 400)
        self.assertIn("nothing to update", nothing[1]["error"]["message"])


if __name__ == "__main__":
    harness.main()
