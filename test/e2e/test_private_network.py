"""Private networking by name (issue 10, item 1) and the variables Ink injects (item 2), with real
podman and gVisor: in one project, `web` reaches `db` as `db` and as `db.<project>.internal` on
db's port and on a second port nothing publishes; the names follow db through a redeploy, a
scale-up and a killed replica; a service of another project resolves neither name and cannot
connect to db's address; every replica sees INK_SERVICE, INK_PROJECT, INK_PRIVATE_URL (which a
peer can use as it is) and INK_PUBLIC_URL (the `url` get_service reports), and a user cannot set
INK_* variables. Variable references (item 2): a service's values use another service's and the
project's shared variables, byte for byte; changing a referenced value redeploys the service
using it; a dangling reference and a cycle are refused, naming them, and change nothing.

Tests run in name order (a_, b_, ...): test_d redeploys db in project A; test_e works in B."""

import urllib.parse

import harness
from harness import InkTestCase, podman, podman_json, unique, wait_until

# An HTTP GET from inside a container with bash's /dev/tcp (the base image has no curl).
GET = ("exec 3<>/dev/tcp/{host}/{port} || exit 7; "
       "printf 'GET {path} HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n' >&3; cat <&3")
SIDE_PORT = 9090  # a second listener in db, never published, not the service's port


def container_ip(container_id):
    nets = podman_json("inspect", container_id)[0]["NetworkSettings"]["Networks"]
    return next(n["IPAddress"] for n in nets.values() if n.get("IPAddress"))


def in_container(container_id, script, timeout=4):
    return podman("exec", container_id, "timeout", str(timeout), "bash", "-c", script,
                  check=False, timeout=60)


def http_get(container_id, host, port, path="/", attempts=5, want=None):
    """Body of GET host:port/path from inside the container ("" if it never connected). bash's
    /dev/tcp read under gVisor sometimes gets EAGAIN on a first try: a few tries are allowed."""
    res = None
    for _ in range(attempts):
        res = in_container(container_id, GET.format(host=host, port=port, path=path))
        if res.returncode == 0 and (want is None or want in res.stdout):
            return res.stdout
    return res.stdout if res.returncode == 0 else ""


def resolve(container_id, name):
    """The IPv4 addresses `name` resolves to inside the container (empty if it does not)."""
    res = in_container(container_id, f"getent ahostsv4 {name}")
    return {line.split()[0] for line in res.stdout.splitlines() if line.strip()}


class PrivateNetwork(InkTestCase):
    # (project: "a" or "b", service, its variables).
    SERVICES = (("a", "db", {"MESSAGE": "a-db"}),
                ("a", "web", {"MESSAGE": "a-web"}),
                ("b", "other", {"MESSAGE": "b-other"}))

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.a, cls.b = unique("neta"), unique("netb")
        cls.inkd.create_project(cls.a)
        cls.inkd.create_project(cls.b)
        cls.urls = {name: cls.inkd.deploy(getattr(cls, p), name, cls.image, port=8080,
                                          env=env)["url"] for p, name, env in cls.SERVICES}
        replicas = {}
        for p, name, _ in cls.SERVICES:
            cls.inkd.wait_serving(cls.urls[name])
            replicas[name] = cls.inkd.wait_running(getattr(cls, p), name)["replicas_observed"][0]
        cls.db_replica = replicas["db"]
        cls.db, cls.web, cls.other = (replicas[n]["container_id"] for n in ("db", "web", "other"))
        # A second server in db's replica on a port the service does not declare.
        podman("exec", "-d", "-e", f"PORT={SIDE_PORT}", "-e", "MESSAGE=db-side-port", cls.db,
               "/usr/local/bin/echo-server")

    def internal(self, service, project=None):
        return f"{service}.{project or self.a}.internal"

    def test_a_peer_reached_by_both_names_on_any_port(self):
        self.assertEqual(self.db_replica["oci_runtime"], harness.GVISOR_RUNTIME)  # the default
        db_ip = container_ip(self.db)
        for name in ("db", self.internal("db")):
            self.assertEqual(resolve(self.web, name), {db_ip}, f"{name} from web")
            self.assertIn("a-db", http_get(self.web, name, 8080, want="a-db"), name)
            self.assertIn("db-side-port", http_get(self.web, name, SIDE_PORT, want="db-side-port"),
                          f"{name}:{SIDE_PORT}")
        # Nothing is published on the host (the image's EXPOSE 8080 is listed with no binding):
        # the names are the only way in besides the edge.
        ports = podman_json("inspect", self.db)[0]["HostConfig"].get("PortBindings") or {}
        self.assertFalse([b for b in ports.values() if b], f"db publishes ports: {ports}")
        # The aliases podman holds for the replica.
        nets = podman_json("inspect", self.db)[0]["NetworkSettings"]["Networks"]
        aliases = next(iter(nets.values())).get("Aliases") or []
        self.assertIn("db", aliases)
        self.assertIn(self.internal("db"), aliases)

    def test_b_other_project_cannot_resolve_or_connect(self):
        # (A name aardvark does not know is forwarded to the host's configured resolver, as any
        # failed lookup in a container is; no other traffic leaves the test's bridges.)
        for name in ("db", self.internal("db")):
            self.assertEqual(resolve(self.other, name), set(), f"{name} resolves from project B")
        db_ip = container_ip(self.db)
        for port in (8080, SIDE_PORT):
            self.assertEqual(http_get(self.other, db_ip, port, attempts=1), "",
                             f"project B connected to db at {db_ip}:{port}")
        # control: B's own service answers B's container by its name
        self.assertIn("b-other", http_get(self.other, "other", 8080, want="b-other"))

    def env_of(self, service, name):
        status, _, body = self.inkd.get_url(self.urls[service], f"/env/{name}")
        self.assertEqual(status, 200, f"{name} unset in {service}: {body}")
        return body.rstrip("\n")

    def test_c_injected_variables(self):
        for service, project in (("db", self.a), ("web", self.a), ("other", self.b)):
            svc = self.inkd.get_service(project, service)
            self.assertEqual(self.env_of(service, "INK_SERVICE"), service)
            self.assertEqual(self.env_of(service, "INK_PROJECT"), project)
            self.assertEqual(self.env_of(service, "INK_PRIVATE_URL"),
                             f"http://{self.internal(service, project)}:8080")
            self.assertEqual(self.env_of(service, "INK_PUBLIC_URL"), svc["url"])
            self.assertEqual(self.env_of(service, "PORT"), "8080")
        # INK_* are Ink's: a user's value is refused, with nothing deployed or stored.
        for method, path, body in (
                ("POST", f"/v1/projects/{self.a}/deploy",
                 {"service": "spoof", "image": self.image, "env": {"INK_SERVICE": "spoofed"}}),
                ("PATCH", f"/v1/projects/{self.a}/services/web/env",
                 {"variables": {"INK_PUBLIC_URL": "http://evil"}})):
            status, answer = self.inkd.api(method, path, body)
            self.assertEqual(status, 400, answer)
            self.assertIn("INK_", str(answer))
        self.assertEqual(self.inkd.api("GET", f"/v1/projects/{self.a}/services/spoof")[0], 404)
        # db's INK_PRIVATE_URL works as it is from its peer.
        private = urllib.parse.urlsplit(self.env_of("db", "INK_PRIVATE_URL"))
        self.assertIn("a-db", http_get(self.web, private.hostname, private.port, want="a-db"))

    def test_d_names_survive_redeploy_scaling_and_restart(self):
        name = self.internal("db")
        self.inkd.deploy(self.a, "db", self.image, port=8080, replicas=2,
                         env={"MESSAGE": "a-db-2"})
        self.inkd.wait_serving(self.urls["db"], body="a-db-2")

        def new_replicas():
            svc = self.inkd.get_service(self.a, "db")
            reps = svc.get("replicas_observed") or []
            if svc.get("replicas_draining") or len(reps) != 2:
                return False
            ips = {container_ip(r["container_id"]) for r in reps}
            return reps if resolve(self.web, name) == ips == resolve(self.web, "db") else False
        reps = wait_until(new_replicas, timeout=60, what="db's names to follow the redeploy")
        for ip in {container_ip(r["container_id"]) for r in reps}:
            self.assertIn("a-db-2", http_get(self.web, ip, 8080, want="a-db-2"))
        self.assertIn("a-db-2", http_get(self.web, name, 8080, want="a-db-2"))

        # A killed replica comes back (a new container, maybe a new address) with the names.
        killed = reps[0]["container_id"]
        podman("kill", killed)

        def restarted():
            svc = self.inkd.get_service(self.a, "db")
            reps = [r for r in svc.get("replicas_observed") or [] if r.get("state") == "running"
                    and r.get("healthy")]
            if len(reps) != 2:
                return False
            ips = {container_ip(r["container_id"]) for r in reps}
            return resolve(self.web, name) == ips
        wait_until(restarted, timeout=90, what="db's killed replica back under its names")
        self.assertIn("a-db-2", http_get(self.web, name, 8080, want="a-db-2"))

    def env_path(self, service):
        return f"/v1/projects/{self.b}/services/{service}/env"

    def test_e_variable_references(self):
        tricky = "p$ss #\"q\" 'x' ${HOME} \u00fc\U0001F680"
        status, answer = self.inkd.api("PATCH", self.env_path("shared"),
                                       {"variables": {"API_KEY": tricky}})
        self.assertEqual(status, 200, answer)
        self.assertEqual(answer.get("shared"), True)
        status, answer = self.inkd.api("PATCH", self.env_path("other"),
                                       {"variables": {"URL": "u1"}, "redeploy": False})
        self.assertEqual(status, 200, answer)
        api = self.inkd.deploy(self.b, "api", self.image, port=8080, env={
            "DB": "${{other.URL}}", "K": "<${{shared.API_KEY}}>",
            "PEER": "${{other.INK_PRIVATE_URL}}/x", "LIT": "$${{other.URL}}"})
        self.inkd.wait_serving(api["url"], path="/env/DB", body="u1")

        def env(name):
            status, _, body = self.inkd.get_url(api["url"], f"/env/{name}")
            self.assertEqual(status, 200, body)
            return body[:-1] if body.endswith("\n") else body
        self.assertEqual(env("K"), f"<{tricky}>")
        self.assertEqual(env("PEER"), f"http://{self.internal('other', self.b)}:8080/x")
        self.assertEqual(env("LIT"), "${{other.URL}}")
        status, listed = self.inkd.api("GET", self.env_path("shared"))
        self.assertEqual(status, 200, listed)
        self.assertNotIn("p$ss", str(listed))

        # Changing the referenced value rolls out the service that uses it.
        status, answer = self.inkd.api("PATCH", self.env_path("other"),
                                       {"variables": {"URL": "u2"}})
        self.assertEqual(status, 200, answer)
        self.assertEqual(answer["referencing"], ["api"])
        self.assertEqual([r["service"] for r in answer["redeployed_referencing"]], ["api"])
        self.inkd.wait_serving(api["url"], path="/env/DB", body="u2")

        # A dangling reference and a cycle are refused, naming them; nothing changes.
        for service, variables, message in (
                ("api", {"X": "${{nope.URL}}"}, "api.X -> nope.URL: there is no service 'nope'"),
                ("api", {"Y": "${{shared.MISSING}}"}, "shared.MISSING"),
                ("other", {"URL": "${{api.DB}}"}, "reference cycle")):
            status, answer = self.inkd.api("PATCH", self.env_path(service),
                                           {"variables": variables})
            self.assertEqual(status, 400, answer)
            self.assertIn(message, str(answer))
        status, answer = self.inkd.api("DELETE", self.env_path("other"), {"names": ["URL"]})
        self.assertEqual(status, 400, answer)
        self.assertIn("api.DB -> other.URL", str(answer))
        self.assertEqual(env("DB"), "u2")
        names = [v["name"] for v in self.inkd.api("GET", self.env_path("api"))[1]["variables"]]
        self.assertEqual(sorted(names), ["DB", "K", "LIT", "PEER"])
        # A service of another project is not a scope here.
        status, answer = self.inkd.api("PATCH", f"/v1/projects/{self.a}/services/web/env",
                                       {"variables": {"Z": "${{api.DB}}"}})
        self.assertEqual(status, 400, answer)


if __name__ == "__main__":
    harness.main()
