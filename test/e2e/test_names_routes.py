"""Names and routes: two services never share a hostname ("web" in "api-demo" and "web-api" in
"demo" both make web-api-demo): the second is refused with a clear 409 naming the holder, and
every other service keeps routing, including ones deployed afterwards."""

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


if __name__ == "__main__":
    harness.main()
