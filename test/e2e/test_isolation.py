"""Network isolation: each project has its own network; a peer in the same project is reachable by
its service name (DNS through aardvark), a service in another project is not reachable at all;
containers reach neither inkd's API nor any service on the host (loopback or all-address
listeners the test starts, through the gateway); the metadata address is blocked (shown by the
rules Ink installs, never by sending traffic there)."""

import socket
import threading
import urllib.parse

import harness
from harness import InkTestCase, assert_bridge_isolated, podman, podman_json, unique


class HostListener:
    """A TCP listener on the host that answers every connection with a marker line."""

    def __init__(self, address):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((address, 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.marker = f"host-secret-{self.port}"
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                try:
                    conn.sendall(f"HTTP/1.0 200 OK\r\n\r\n{self.marker}\n".encode())
                except OSError:
                    pass

    def close(self):
        self.sock.close()


# Connects with bash's /dev/tcp, sends a request and prints the reply; exit 0 only if connected.
PROBE = ("exec 3<>/dev/tcp/{host}/{port} || exit 7; "
         "printf 'GET {path} HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n' >&3; cat <&3")


class Isolation(InkTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        inkd = cls.inkd
        cls.a, cls.b = unique("proja"), unique("projb")
        for project in (cls.a, cls.b):
            inkd.create_project(project)
        urls = [inkd.deploy(cls.a, "web", cls.image, port=8080, env={"MESSAGE": "a-web"})["url"],
                inkd.deploy(cls.a, "peer", cls.image, port=8080, env={"MESSAGE": "a-peer"})["url"],
                inkd.deploy(cls.b, "web", cls.image, port=8080, env={"MESSAGE": "b-web"})["url"]]
        for url in urls:
            inkd.wait_serving(url)
        cls.a_web = inkd.wait_running(cls.a, "web")["replicas_observed"][0]
        cls.a_peer = inkd.wait_running(cls.a, "peer")["replicas_observed"][0]
        cls.b_web = inkd.wait_running(cls.b, "web")["replicas_observed"][0]

    def ip_of(self, replica):
        """The container's IP: from `address` (ip or ip:port) or from podman inspect."""
        addr = replica.get("address") or ""
        if addr:
            host = urllib.parse.urlsplit(addr if "//" in addr else "//" + addr).hostname
            if host:
                return host
        nets = podman_json("inspect", replica["container_id"])[0]["NetworkSettings"]["Networks"]
        return next(n["IPAddress"] for n in nets.values() if n.get("IPAddress"))

    def probe(self, replica, host, port=8080, path="/", timeout=4):
        script = PROBE.format(host=host, port=port, path=path)
        return podman("exec", replica["container_id"], "timeout", str(timeout), "bash", "-c",
                      script, check=False, timeout=60)

    def test_projects_have_separate_networks(self):
        def networks(rep):
            info = podman_json("inspect", rep["container_id"])[0]
            return set(info["NetworkSettings"]["Networks"])
        a_nets, b_nets = networks(self.a_web), networks(self.b_web)
        self.assertTrue(a_nets and b_nets)
        self.assertFalse(a_nets & b_nets, f"projects share networks: {a_nets & b_nets}")
        self.assertNotIn("podman", a_nets | b_nets, "a service sits on podman's default network")
        self.assertEqual(a_nets, networks(self.a_peer))

    def probe_until_answer(self, replica, host, want, attempts=5):
        """Probes until `want` comes back: bash's /dev/tcp read under gVisor sometimes gets
        EAGAIN ("Resource temporarily unavailable") on the first try; reachability is the
        question here, so a few tries are allowed."""
        res = None
        for _ in range(attempts):
            res = self.probe(replica, host)
            if res.returncode == 0 and want in res.stdout:
                return res
        return res

    def test_same_project_peer_reachable_by_service_name(self):
        res = self.probe_until_answer(self.a_web, "peer", "a-peer")
        self.assertEqual(res.returncode, 0, f"peer unreachable by name: {res.stderr} {res.stdout}")
        self.assertIn("a-peer", res.stdout)
        # and by IP
        res = self.probe_until_answer(self.a_web, self.ip_of(self.a_peer), "a-peer")
        self.assertIn("a-peer", res.stdout, res.stderr)

    def test_other_project_unreachable(self):
        b_ip = self.ip_of(self.b_web)
        res = self.probe(self.a_web, b_ip)
        self.assertNotEqual(res.returncode, 0, f"project A reached project B at {b_ip}: {res.stdout}")
        self.assertNotIn("b-web", res.stdout)
        # and the reverse direction
        res = self.probe(self.b_web, self.ip_of(self.a_web))
        self.assertNotEqual(res.returncode, 0, f"project B reached project A: {res.stdout}")
        # B's service name does not resolve (or connect) from A
        res = self.probe(self.a_web, "web." + self.b)
        self.assertNotIn("b-web", res.stdout)

    def test_container_cannot_reach_inkd_api(self):
        """inkd listens on loopback; neither the container's loopback nor its gateway reach it."""
        info = podman_json("inspect", self.a_web["container_id"])[0]
        gateways = {n.get("Gateway") for n in info["NetworkSettings"]["Networks"].values()}
        for host in {"127.0.0.1", *filter(None, gateways)}:
            res = self.probe(self.a_web, host, port=self.inkd.api_port, path="/v1/health")
            self.assertNotIn("HTTP/1", res.stdout, f"container reached inkd API via {host}")

    def gateways(self, replica):
        info = podman_json("inspect", replica["container_id"])[0]
        return {n.get("Gateway") for n in info["NetworkSettings"]["Networks"].values()} - {None, ""}

    def test_container_cannot_reach_host_services(self):
        """Listeners on all host addresses and on loopback: the host reaches them through the
        project's gateway address, a container does not."""
        everywhere, loopback = HostListener("0.0.0.0"), HostListener("127.0.0.1")
        try:
            gateways = self.gateways(self.a_web)
            self.assertTrue(gateways)
            for gateway in gateways:
                with socket.create_connection((gateway, everywhere.port), timeout=5) as c:
                    self.assertIn(everywhere.marker, c.recv(200).decode(), "control: host side")
            for listener in (everywhere, loopback):
                for host in {"127.0.0.1", *gateways}:
                    res = self.probe(self.a_web, host, port=listener.port)
                    self.assertNotIn(listener.marker, res.stdout,
                                     f"container reached a host service at {host}:{listener.port}")
        finally:
            everywhere.close()
            loopback.close()

    def test_host_and_metadata_rules_are_installed(self):
        """The rules that keep containers off the host and off 169.254.169.254, for the bridge of
        this test's project (read, never probed: tests send no traffic to the metadata address)."""
        nets = podman_json("inspect", self.a_web["container_id"])[0]["NetworkSettings"]["Networks"]
        bridge = podman_json("network", "inspect", next(iter(nets)))[0]["network_interface"]
        assert_bridge_isolated(self, bridge)


if __name__ == "__main__":
    harness.main()
