"""The controller restarts crashed containers, and reports OOM kills."""

import harness
from harness import InkTestCase, podman, unique, wait_until


def replica_identity(svc):
    return {(r["container_id"], r.get("restarts", 0)) for r in svc.get("replicas_observed", [])}


def oom_reported(svc):
    """True if get_service shows an OOM kill in a replica or in the events."""
    if any(r.get("oom_killed") for r in svc.get("replicas_observed", [])):
        return True
    for ev in svc.get("events", []):
        text = f"{ev.get('kind', '')} {ev.get('message', '')}".lower()
        if "oom" in text or "out of memory" in text:
            return True
    return False


class Restart(InkTestCase):
    def deploy_running(self, project, service, **fields):
        self.inkd.create_project(project)
        out = self.inkd.deploy(project, service, self.image, port=8080, **fields)
        self.inkd.wait_serving(out["url"])
        return out["url"], self.inkd.wait_running(project, service)

    def wait_replaced(self, project, service, url, before):
        """Waits until the service runs again with a new container or a higher restart count."""
        def back():
            svc = self.inkd.get_service(project, service)
            reps = svc.get("replicas_observed", [])
            if svc.get("status") != "running" or not reps or not all(r.get("healthy") for r in reps):
                return False
            if replica_identity(svc) == before:
                return False
            status, _, _ = self.inkd.get_url(url)
            return svc if status == 200 else False
        return wait_until(back, timeout=90, what=f"{service} to be restarted and serve again")

    def test_podman_kill_is_restarted(self):
        project = unique("rst")
        url, svc = self.deploy_running(project, "web")
        before = replica_identity(svc)
        cid = svc["replicas_observed"][0]["container_id"]
        podman("kill", cid)
        after = self.wait_replaced(project, "web", url, before)
        self.assertEqual(self.inkd.get_url(url)[0], 200)
        rep = after["replicas_observed"][0]
        self.assertTrue(rep["container_id"] != cid or rep.get("restarts", 0) >= 1, after)

    def test_process_exit_is_restarted_and_recorded(self):
        project = unique("ext")
        url, svc = self.deploy_running(project, "web")
        before = replica_identity(svc)
        try:
            self.inkd.get_url(url, "/exit?code=3")
        except OSError:
            pass  # the connection may drop as the process exits
        after = self.wait_replaced(project, "web", url, before)
        events = " ".join(f"{e.get('kind')} {e.get('message')}" for e in after.get("events", []))
        self.assertIn("3", events, f"exit code 3 not mentioned in events: {after.get('events')}")

    def check_oom(self, runtime_class):
        project = unique("oom")
        fields = {"memory": "32m"}
        if runtime_class:
            fields["runtime_class"] = runtime_class
        url, svc = self.deploy_running(project, "hog", **fields)
        self.assertEqual(svc["memory"] in (32 * 1024 * 1024, "32m", "33554432"), True, svc)
        try:
            status, _, text = self.inkd.get_url(url, "/alloc?mb=200", timeout=30)
            self.assertNotEqual(status, 200, f"200 MiB allocated within a 32m limit: {text}")
        except OSError:
            pass
        svc = wait_until(lambda: (lambda s: s if oom_reported(s) else False)(
            self.inkd.get_service(project, "hog")), timeout=60, what="OOM kill to be reported")
        self.assertTrue(oom_reported(svc), svc)
        # and it comes back
        self.inkd.wait_serving(url, timeout=90)

    def test_oom_kill_reported_gvisor(self):
        self.check_oom(None)  # default class is gVisor

    def test_oom_kill_reported_runc(self):
        self.check_oom("runc")


if __name__ == "__main__":
    harness.main()
