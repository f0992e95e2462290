"""Bad input gets a 4xx with a message naming what is wrong, and creates nothing."""

import harness
from harness import InkTestCase, unique, wait_deployment


class BadInput(InkTestCase):
    def snapshot(self):
        """Everything a bad request could have created."""
        projects = sorted(p["name"] for p in self.inkd.api_ok("GET", "/v1/projects")["projects"])
        services = {}
        for p in projects:
            services[p] = sorted(
                s["name"] for s in self.inkd.api_ok("GET", f"/v1/projects/{p}/services")["services"])
        containers = sorted(c["Id"] for c in self.inkd.containers())
        return projects, services, containers

    def assert_error(self, method, path, body, status, words, token="admin"):
        got, data = self.inkd.api(method, path, body, token=token)
        self.assertEqual(got, status, f"{method} {path} {body!r} -> {got} {data!r}")
        self.assertIsInstance(data, dict, f"error body is not JSON: {data!r}")
        err = data.get("error", {})
        self.assertTrue(err.get("code"), data)
        message = err.get("message", "").lower()
        missing = [w for w in words if w.lower() not in message]
        self.assertFalse(missing, f"{method} {path}: message {message!r} lacks {missing}")
        return message

    def setUp(self):
        self.project = unique("bad")
        self.inkd.create_project(self.project)
        self.before = self.snapshot()

    def tearDown(self):
        self.assertEqual(self.snapshot(), self.before, "a rejected request created something")

    def test_invalid_project_names(self):
        for name in ("Upper", "UPPER", "../etc", "a/b", "-lead", "trail-", "has space", "",
                     "x" * 64, "dot.ted", "under_score"):
            with self.subTest(name=name):
                self.assert_error("POST", "/v1/projects", {"name": name}, 400, ["name"])

    def test_duplicate_project(self):
        self.assert_error("POST", "/v1/projects", {"name": self.project}, 409, [self.project])

    def test_invalid_service_names(self):
        for name in ("Web", "../web", "web/x", "", "x" * 64, "web_1", "-web"):
            with self.subTest(name=name):
                self.assert_error("POST", f"/v1/projects/{self.project}/deploy",
                                  {"service": name, "image": self.image, "port": 8080}, 400,
                                  ["name"])

    def test_ports_out_of_range(self):
        for port in (0, 70000, -1, 65536):
            with self.subTest(port=port):
                self.assert_error("POST", f"/v1/projects/{self.project}/deploy",
                                  {"service": "web", "image": self.image, "port": port}, 400,
                                  ["port", str(port)])
        self.assert_error("POST", f"/v1/projects/{self.project}/deploy",
                          {"service": "web", "image": self.image, "port": "eighty"}, 400, ["port"])

    def test_bad_limits_and_fields(self):
        base = {"service": "web", "image": self.image, "port": 8080}
        cases = [
            ({"memory": "lots"}, ["memory"]),
            ({"memory": "-5m"}, ["memory"]),
            ({"cpu": "fast"}, ["cpu"]),
            ({"replicas": -1}, ["replicas"]),
            ({"runtime_class": "docker"}, ["runtime"]),
            ({"env": {"1BAD": "x"}}, ["env"]),
            ({"imgae": "typo"}, ["imgae"]),  # unknown field is named
        ]
        for extra, words in cases:
            with self.subTest(extra=extra):
                self.assert_error("POST", f"/v1/projects/{self.project}/deploy",
                                  {**base, **extra}, 400, words)
        self.assert_error("POST", f"/v1/projects/{self.project}/deploy",
                          {"service": "web", "port": 8080}, 400, ["image"])
        self.assert_error("POST", f"/v1/projects/{self.project}/deploy", {**base, "image": ""},
                          400, ["image"])

    def test_malformed_json(self):
        got, data = self.inkd.api("POST", "/v1/projects", "{not json",
                                  headers={"Content-Type": "application/json"})
        self.assertEqual(got, 400, data)
        self.assertIn("json", str(data).lower())

    def test_unknown_project(self):
        ghost = unique("ghost")
        for method, path, body in (
                ("GET", f"/v1/projects/{ghost}", None),
                ("DELETE", f"/v1/projects/{ghost}", None),
                ("GET", f"/v1/projects/{ghost}/services", None),
                ("POST", f"/v1/projects/{ghost}/deploy",
                 {"service": "web", "image": self.image, "port": 8080})):
            with self.subTest(method=method, path=path):
                self.assert_error(method, path, body, 404, [ghost])

    def test_unknown_service_and_deployment(self):
        self.assert_error("GET", f"/v1/projects/{self.project}/services/nosuch", None, 404,
                          ["nosuch"])
        self.assert_error("DELETE", f"/v1/projects/{self.project}/services/nosuch", None, 404,
                          ["nosuch"])
        self.assert_error("GET", "/v1/deployments/dep_doesnotexist", None, 404,
                          ["dep_doesnotexist"])

    def test_path_traversal_in_url(self):
        for path in ("/v1/projects/..%2F..%2Fetc", "/v1/projects/%2E%2E/services"):
            with self.subTest(path=path):
                got, data = self.inkd.api("GET", path)
                self.assertIn(got, (400, 404), f"{path} -> {got} {data!r}")

    def test_missing_and_wrong_token(self):
        for token, label in ((None, "missing"), ("ink_wrongwrongwrong", "wrong"), ("", "empty")):
            with self.subTest(token=label):
                msg = self.assert_error("GET", "/v1/projects", None, 401, [], token=token)
                self.assertTrue(any(w in msg for w in ("token", "auth")), msg)
                self.assert_error("POST", "/v1/projects", {"name": unique("nope")}, 401, [],
                                  token=token)
        # Health needs no token.
        got, data = self.inkd.api("GET", "/v1/health", token=None)
        self.assertEqual(got, 200, data)
        # CLI: wrong token -> non-zero exit and a message on stderr.
        res = self.inkd.cli("projects", "list", check=False,
                            env={"INK_TOKEN": "ink_wrongwrongwrong", "INK_API_URL": self.inkd.api_url})
        self.assertNotEqual(res.rc, 0, res)
        self.assertTrue(res.stderr.strip(), res)

    def test_unknown_image(self):
        """Either rejected at once or the deployment fails saying the image was not found;
        either way nothing runs."""
        image = "localhost/ink/does-not-exist:nope"
        got, data = self.inkd.api("POST", f"/v1/projects/{self.project}/deploy",
                                  {"service": "ghost", "image": image, "port": 8080})
        if got in (400, 404, 422):
            self.assertIn(image.split(":")[0], str(data))
            return
        self.assertEqual(got, 202, data)
        dep = wait_deployment(self.inkd, data["deployment"]["id"])
        self.assertEqual(dep["status"], "failed", dep)
        msg = dep.get("message", "").lower()
        self.assertIn("does-not-exist", msg)
        self.assertTrue(any(w in msg for w in ("not found", "unknown", "pull", "no such")), msg)
        svc = self.inkd.get_service(self.project, "ghost")
        self.assertNotEqual(svc["status"], "running", svc)
        # the failed service is allowed to exist; remove it so tearDown's check holds
        self.inkd.api_ok("DELETE", f"/v1/projects/{self.project}/services/ghost")
        harness.wait_until(lambda: not self.inkd.containers(), timeout=30,
                           what="no containers left")

    def test_cli_failures_exit_nonzero(self):
        ghost = unique("ghost")
        for args in (("projects", "create", "Bad_Name"),
                     ("projects", "delete", ghost),
                     ("deploy", "--image", self.image, "--project", ghost, "--service", "web"),
                     ("deploy", "--image", self.image, "--project", self.project,
                      "--service", "web", "--port", "70000"),
                     ("services", "get", "nosuch", "--project", self.project),
                     ("no-such-command",)):
            with self.subTest(args=args):
                res = self.ink(*args, check=False)
                self.assertNotEqual(res.rc, 0, res)
                self.assertTrue(res.stderr.strip(), f"no message on stderr: {res!r}")
        res = self.ink("deploy", "--image", self.image, "--project", self.project,
                       "--service", "web", "--port", "70000", check=False, json=False)
        self.assertIn("70000", res.stderr, res)

    def test_cli_refuses_what_the_server_refuses_in_its_words(self):
        """The CLI's checks are the operation's schema (the server's words, usage exit 2); what
        only the server knows (memory above inkd's --max-memory) is the server's answer, printed
        as it said it (exit 1). Nothing is created either way."""
        deploy = ("deploy", "--image", self.image, "--project", self.project, "--service", "web")
        body = {"service": "web", "image": self.image}
        for flags, extra, code in ((("--memory", "1t"), {"memory": "1t"}, 1),
                                   (("--cpu", "100"), {"cpu": 100}, 2),
                                   (("--cpu", "0.005"), {"cpu": 0.005}, 2),
                                   (("--port", "70000"), {"port": 70000}, 2),
                                   (("--runtime", "docker"), {"runtime_class": "docker"}, 2)):
            with self.subTest(flags=flags):
                server = self.assert_error("POST", f"/v1/projects/{self.project}/deploy",
                                           {**body, **extra}, 400, [])
                res = self.ink(*deploy, *flags, check=False, json=False)
                self.assertEqual(res.rc, code, res)
                self.assertIn(server, res.stderr.lower(), res)


if __name__ == "__main__":
    harness.main()
