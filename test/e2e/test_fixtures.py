"""The fixtures themselves (no Ink binaries needed): the echo-server image under gVisor and runc,
and the local registries (open and htpasswd) with podman push/pull."""

import unittest

import harness
from harness import Registry, podman, podman_json, run, unique, wait_until


class Fixtures(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.image = harness.echo_image()
        cls.names = []

    @classmethod
    def tearDownClass(cls):
        if cls.names:
            podman("rm", "-f", "-t", "0", *cls.names, check=False)

    def run_echo(self, runtime, *args):
        name = unique("e2e-fixture-")
        self.names.append(name)
        podman("run", "-d", "--name", name, "--runtime", runtime, *args, self.image)
        ip = podman_json("inspect", name)[0]["NetworkSettings"]["IPAddress"]
        return name, ip

    def get(self, ip, path="/"):
        return harness.http_request(ip, 8080, "GET", path, timeout=5)

    def test_echo_server_routes(self):
        for runtime in (harness.GVISOR_RUNTIME, "runc"):
            with self.subTest(runtime=runtime):
                name, ip = self.run_echo(runtime, "-e", "MESSAGE=fixture", "-e", "FOO=bar")
                wait_until(lambda: self.get(ip)[0] == 200, timeout=20, what="echo server")
                self.assertEqual(self.get(ip)[2], "fixture\n")
                self.assertEqual(self.get(ip, "/env/FOO")[2], "bar\n")
                self.assertEqual(self.get(ip, "/env/NOPE")[0], 404)
                self.assertEqual(self.get(ip, "/hostname")[0], 200)
                self.assertIn("Host:", self.get(ip, "/headers")[2])
                self.assertEqual(self.get(ip, "/alloc?mb=4")[2], "allocated 4 MiB\n")
                info = podman_json("inspect", name)[0]
                self.assertEqual(info["OCIRuntime"], runtime)
                logs = podman("logs", name).stdout
                self.assertIn("GET /env/FOO HTTP/1.1", logs)
                # SIGTERM: stops at once with status 0.
                podman("stop", "-t", "10", name, timeout=30)
                state = podman_json("inspect", name)[0]["State"]
                self.assertEqual(state["ExitCode"], 0, state)

    def test_exit_and_oom(self):
        name, ip = self.run_echo("runc", "--memory", "32m")
        wait_until(lambda: self.get(ip)[0] == 200, timeout=20, what="echo server")
        try:
            status, _, _ = self.get(ip, "/alloc?mb=200")
            self.assertNotEqual(status, 200)
        except OSError:
            pass
        wait_until(lambda: podman_json("inspect", name)[0]["State"]["Status"] == "exited",
                   timeout=20, what="OOM kill")
        self.assertEqual(podman_json("inspect", name)[0]["State"]["ExitCode"], 137)
        name, ip = self.run_echo("runc")
        wait_until(lambda: self.get(ip)[0] == 200, timeout=20, what="echo server")
        try:
            self.get(ip, "/exit?code=3")
        except OSError:
            pass
        wait_until(lambda: podman_json("inspect", name)[0]["State"]["Status"] == "exited",
                   timeout=20, what="exit")
        self.assertEqual(podman_json("inspect", name)[0]["State"]["ExitCode"], 3)

    def test_registries_push_pull(self):
        open_reg = Registry().start()
        auth_reg = Registry(auth=True).start()
        try:
            ref = open_reg.push(self.image, "e2e/echo:v1")
            # Registries on ports other than 5000 are not marked insecure on this host: a plain
            # pull tries HTTPS and fails; --tls-verify=false works.
            res = podman("pull", ref, check=False)
            self.assertNotEqual(res.returncode, 0)
            self.assertIn("HTTP response to HTTPS client", res.stderr)
            podman("pull", "--tls-verify=false", ref)

            private = auth_reg.push(self.image, "e2e/private:v1")
            res = podman("pull", "--tls-verify=false", private, check=False)
            self.assertNotEqual(res.returncode, 0)
            self.assertIn("unauthorized", res.stderr.lower())
            podman("pull", "--tls-verify=false",
                   f"--creds={auth_reg.username}:{auth_reg.password}", private)
            podman("rmi", ref, private, check=False)
            # Registry API answers 401 without credentials.
            status, _, _ = harness.http_request("127.0.0.1", auth_reg.port, "GET", "/v2/")
            self.assertEqual(status, 401)
            run(["curl", "-sf", "-u", f"{auth_reg.username}:{auth_reg.password}",
                 f"http://{auth_reg.host}/v2/_catalog"])
        finally:
            open_reg.stop()
            auth_reg.stop()


if __name__ == "__main__":
    harness.main(require_binaries=False)
