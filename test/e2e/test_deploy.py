"""Deploy by registry reference: the URL answers through the edge, the container runs under
gVisor, and a private registry needs `ink registry login` first."""

import harness
from harness import InkTestCase, podman_json, unique, wait_deployment, wait_until

AUTH_WORDS = ("unauthorized", "authentication", "credential", "denied", "registry login")


class DeployFromRegistry(InkTestCase):
    registry_kinds = ("open", "auth")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.open_ref = cls.open_registry.push(cls.image, "e2e/echo:v1")
        cls.auth_ref = cls.auth_registry.push(cls.image, "e2e/private-echo:v1")

    def test_deploy_open_registry_serves_through_edge_under_gvisor(self):
        project, message = unique("dep"), unique("hello-")
        self.ink("projects", "create", project)
        out = self.ink("deploy", "--image", self.open_ref, "--project", project, "--service",
                       "web", "--port", "8080", "--env", f"MESSAGE={message}",
                       "--env", "COLOR=teal").json
        self.assertIn("deployment", out, out)
        self.assertIn("service", out, out)
        url = out["url"]
        self.assertEqual(url, f"http://web-{project}.localhost:{self.inkd.edge_port}", out)

        dep = wait_deployment(self.inkd, out["deployment"]["id"])
        self.assertEqual(dep["status"], "active", dep)
        body = self.inkd.wait_serving(url, body=message)
        self.assertEqual(body, message + "\n")
        # Env vars arrive in the container; the service lists their names only.
        status, _, color = self.inkd.get_url(url, "/env/COLOR")
        self.assertEqual((status, color), (200, "teal\n"))
        svc = self.inkd.wait_running(project, "web")
        self.assertEqual(sorted(svc.get("env_names", [])), ["COLOR", "MESSAGE"], svc)
        self.assertEqual(svc["image"], self.open_ref)
        self.assertEqual(svc["url"], url)

        # The same service is reachable by the raw Host header too (edge strips the port).
        status, _, text = self.inkd.edge_get(f"web-{project}.localhost")
        self.assertEqual((status, text), (200, message + "\n"))
        # An unknown host is not routed to it.
        status, _, text = self.inkd.edge_get(f"nope-{project}.localhost")
        self.assertEqual(status // 100, 4, text)
        self.assertNotIn(message, text)

        # gVisor by default: podman reports the runsc wrapper as the OCI runtime.
        for rep in svc["replicas_observed"]:
            info = podman_json("inspect", rep["container_id"])[0]
            self.assertEqual(info["OCIRuntime"], harness.GVISOR_RUNTIME, rep)
            self.assertEqual(info["Config"]["Labels"].get("ink.instance"), self.inkd.name)
            self.assertEqual(rep.get("oci_runtime"), harness.GVISOR_RUNTIME, rep)

    def test_private_registry_needs_login(self):
        project, message = unique("priv"), unique("secret-")
        self.ink("projects", "create", project)
        args = ("deploy", "--image", self.auth_ref, "--project", project, "--service", "api",
                "--port", "8080", "--env", f"MESSAGE={message}")
        first = self.ink(*args, check=False)
        if first.rc != 0:
            # Rejected at once: the message must say why.
            text = (first.stderr + first.stdout).lower()
        else:
            dep = wait_deployment(self.inkd, first.json["deployment"]["id"])
            self.assertEqual(dep["status"], "failed", dep)
            text = dep.get("message", "").lower()
            svc = self.inkd.get_service(project, "api")
            self.assertNotEqual(svc["status"], "running", svc)
        self.assertTrue(any(w in text for w in AUTH_WORDS),
                        f"failure message does not say authentication is missing: {text!r}")
        password = self.auth_registry.password
        self.assertNotIn(password, text)

        host = self.auth_registry.host
        login = self.ink("registry", "login", host, "--username", "user", "--password-stdin",
                         input=password + "\n")
        self.assertNotIn(password, login.stdout + login.stderr)
        listed = self.ink("registry", "list")
        self.assertIn(host, listed.stdout)
        self.assertIn("user", listed.stdout)
        self.assertNotIn(password, listed.stdout)

        out = self.ink(*args).json
        dep = wait_deployment(self.inkd, out["deployment"]["id"])
        self.assertEqual(dep["status"], "active", dep)
        self.assertEqual(self.inkd.wait_serving(out["url"], body=message), message + "\n")

        # logout removes it from the list
        self.ink("registry", "logout", host)
        wait_until(lambda: host not in self.ink("registry", "list").stdout, timeout=5,
                   what="registry logout")

    def test_burst_of_deploys_all_run(self):
        """Several services deployed back to back (no waiting in between) all end up running."""
        project = unique("burst")
        self.inkd.create_project(project)
        names = [f"b{i}" for i in range(8)]
        urls = {n: self.inkd.deploy(project, n, self.image, port=8080,
                                    env={"MESSAGE": f"burst {n}"})["url"] for n in names}
        for n in names:
            self.inkd.wait_running(project, n)
            status, _, body = self.inkd.get_url(urls[n])
            self.assertEqual((status, body), (200, f"burst {n}\n"))


if __name__ == "__main__":
    harness.main()
