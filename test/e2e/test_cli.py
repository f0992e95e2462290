"""The `ink` CLI as a person uses it: login, projects, deploy, services, logs, status, --json and
exit codes."""

import json
import os
import queue
import subprocess
import threading
import time

import harness
from harness import INK, InkTestCase, unique, wait_until


class Cli(InkTestCase):
    def test_login(self):
        config = self.inkd.tmp / "fresh-config.json"
        # Not logged in yet: commands fail and say how to log in.
        res = self.ink("projects", "list", check=False, config=config)
        self.assertNotEqual(res.rc, 0, res)
        self.assertIn("login", res.stderr.lower(), res)
        # Wrong token: login refuses and saves nothing.
        bad = self.ink("login", "--api-url", self.inkd.api_url, "--token", "ink_wrong",
                       check=False, json=False, config=config)
        self.assertNotEqual(bad.rc, 0, bad)
        self.assertTrue(bad.stderr.strip(), bad)
        self.assertFalse(config.exists() and self.inkd.token in config.read_text())
        # Unreachable API: a clear error, not a hang.
        port = harness.free_port()
        res = self.ink("login", "--api-url", f"http://127.0.0.1:{port}", "--token",
                       self.inkd.token, check=False, json=False, config=config, timeout=30)
        self.assertNotEqual(res.rc, 0, res)
        # Good token (from a flag): saved with mode 0600.
        self.ink("login", "--api-url", self.inkd.api_url, "--token", self.inkd.token, json=False,
                 config=config)
        self.assertEqual(os.stat(config).st_mode & 0o777, 0o600)
        saved = json.loads(config.read_text())
        self.assertEqual(saved.get("api_url"), self.inkd.api_url)
        self.assertEqual(saved.get("token"), self.inkd.token)
        self.ink("projects", "list", config=config)
        # Environment overrides the file.
        res = self.ink("projects", "list", check=False, config=config,
                       env={"INK_TOKEN": "ink_wrongwrongwrong"})
        self.assertNotEqual(res.rc, 0, res)

    def test_status(self):
        st = self.ink("status").json
        for key in ("version", "uptime_seconds", "runtime", "edge", "platform_domain", "counts"):
            self.assertIn(key, st, st)
        self.assertTrue(st["runtime"]["ok"], st)
        self.assertTrue(st["edge"]["ok"], st)
        self.assertEqual(st["platform_domain"], "localhost")
        human = self.ink("status", json=False)
        self.assertTrue(human.stdout.strip())

    def test_projects_lifecycle(self):
        name = unique("cli")
        created = self.ink("projects", "create", name).json
        self.assertEqual(created["project"]["name"], name, created)
        listed = self.ink("projects", "list").json
        self.assertIn(name, [p["name"] for p in listed["projects"]])
        self.assertIn(name, self.ink("projects", "list", json=False).stdout)
        again = self.ink("projects", "create", name, check=False)
        self.assertNotEqual(again.rc, 0, again)
        self.assertIn("exist", again.stderr.lower(), again)
        deleted = self.ink("projects", "delete", name).json
        self.assertTrue(deleted["deleted"], deleted)
        self.assertNotIn(name, [p["name"] for p in self.ink("projects", "list").json["projects"]])

    def test_deploy_services_logs(self):
        project = unique("app")
        self.ink("projects", "create", project)
        out = self.ink("deploy", "--image", self.image, "--project", project, "--service", "api",
                       "--port", "8080", "--env", "MESSAGE=from the cli", "--memory", "128m",
                       "--cpu", "0.5", "--wait").json
        url = out["url"]
        self.assertEqual(out["deployment"]["status"], "active", out)
        # --wait answers with the final service, in the shape `services get` shows it.
        self.assertEqual(out["service"]["status"], "running", out)
        self.assertEqual(out["service"]["active_deployment_id"], out["deployment"]["id"], out)
        self.assertTrue(any(r["healthy"] for r in out["service"]["replicas_observed"]), out)
        status, _, body = self.inkd.get_url(url)  # --wait returned: it serves now
        self.assertEqual((status, body), (200, "from the cli\n"))

        services = self.ink("services", "list", "--project", project).json["services"]
        self.assertEqual([s["name"] for s in services], ["api"])
        svc = self.ink("services", "get", "api", "--project", project).json["service"]
        self.assertEqual(svc["status"], "running", svc)
        self.assertEqual(svc["url"], url)
        self.assertIn("replicas_observed", svc)
        self.assertIn("events", svc)
        self.assertIn("api", self.ink("services", "list", "--project", project,
                                      json=False).stdout)
        deps = self.ink("deployments", "list", "api", "--project", project).json["deployments"]
        self.assertEqual([d["id"] for d in deps], [out["deployment"]["id"]])
        dep = self.ink("deployments", "get", out["deployment"]["id"]).json["deployment"]
        self.assertEqual(dep["status"], "active")

        # logs: request lines appear; --tail limits them.
        marks = [f"/mark-{unique('m')}" for _ in range(5)]
        for m in marks:
            self.inkd.get_url(url, m)

        def logged():
            lines = self.ink("logs", "api", "--project", project, "--tail", "100").json["lines"]
            text = "\n".join(l["text"] for l in lines)
            return lines if all(m in text for m in marks) else False
        lines = wait_until(logged, timeout=20, what="request lines in logs")
        self.assertTrue(all({"replica", "stream", "text"} <= set(l) for l in lines), lines[:3])
        # One deployment's logs over REST from its id alone: no build (an image), its replicas'.
        one = self.inkd.api_ok("GET", f"/v1/deployments/{out['deployment']['id']}/logs?tail=100")
        self.assertEqual((one["project"], one["service"]), (project, "api"), one)
        self.assertIn("deployed from the image", one["build_log"]["note"], one)
        self.assertTrue(all(l["replica"] == "0" for l in one["runtime_log"]["lines"]), one)
        self.assertIn(marks[-1], "\n".join(l["text"] for l in one["runtime_log"]["lines"]), one)
        tail = self.ink("logs", "api", "--project", project, "--tail", "2").json["lines"]
        self.assertEqual(len(tail), 2, tail)
        self.assertIn(marks[-1], tail[-1]["text"])
        self.assertIn(marks[-2], tail[0]["text"])
        plain = self.ink("logs", "api", "--project", project, "--tail", "3", json=False).stdout
        self.assertIn(marks[-1], plain)

        # logs -f: a line for a request made after following started arrives promptly.
        follow = subprocess.Popen([str(INK), "logs", "api", "--project", project, "--tail", "1",
                                   "-f"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, env=self.inkd.cli_env())
        lines_q = queue.Queue()
        threading.Thread(target=lambda: [lines_q.put(l) for l in follow.stdout],
                         daemon=True).start()
        try:
            late = f"/late-{unique('f')}"
            deadline = time.monotonic() + 20
            seen = False
            while time.monotonic() < deadline and not seen:
                self.inkd.get_url(url, late)
                try:
                    while True:
                        if late in lines_q.get(timeout=1):
                            seen = True
                            break
                except queue.Empty:
                    pass
            self.assertTrue(seen, f"logs -f never showed {late}")
            self.assertIsNone(follow.poll(), "logs -f exited instead of following")
        finally:
            follow.terminate()
            follow.wait(10)

        # REST deploy {wait}: answers once active, with the final service as get_service has it.
        status, again = self.inkd.api("POST", f"/v1/projects/{project}/deploy",
                                      {"service": "api", "image": self.image,
                                       "env": {"MESSAGE": "from rest"}, "wait": 120}, timeout=150)
        self.assertEqual(status, 202, again)
        self.assertEqual((again["deployment"]["status"], again["finished"]), ("active", True), again)
        self.assertEqual(again["service"]["active_deployment_id"], again["deployment"]["id"])
        self.assertEqual(set(again["service"]), set(svc), again)  # get_service's shape
        self.assertEqual(self.inkd.get_url(url)[2], "from rest\n")

        # delete
        label = self.inkd.service_label(project, "api")
        self.assertTrue(self.ink("services", "delete", "api", "--project", project).json["deleted"])
        self.assertEqual(self.ink("services", "list", "--project", project).json["services"], [])
        res = self.ink("services", "get", "api", "--project", project, check=False)
        self.assertNotEqual(res.rc, 0, res)
        self.assertIn("api", res.stderr)
        wait_until(lambda: self.inkd.get_url(url)[0] != 200, timeout=30,
                   what="deleted service to stop answering")
        wait_until(lambda: not self.inkd.containers(extra_label=label), timeout=60,
                   what="containers of deleted service removed")

    def test_delete_project_deletes_services(self):
        project = unique("gone")
        self.ink("projects", "create", project)
        out = self.ink("deploy", "--image", self.image, "--project", project, "--service", "w",
                       "--port", "8080").json
        self.inkd.wait_serving(out["url"])
        res = self.ink("projects", "delete", project).json
        self.assertEqual(res.get("services_deleted"), 1, res)
        wait_until(lambda: self.inkd.get_url(out["url"])[0] != 200, timeout=30,
                   what="project's service to stop answering")

    def test_json_everywhere(self):
        """Every read command prints JSON with --json."""
        project = unique("js")
        self.ink("projects", "create", project)
        for args in (("status",), ("projects", "list"), ("services", "list", "--project", project),
                     ("registry", "list")):
            with self.subTest(args=args):
                res = self.ink(*args)
                self.assertIsInstance(res.json, dict, res)


if __name__ == "__main__":
    harness.main()
