"""Hostile builds (issue 8, "Builds are untrusted code"): Dockerfiles written to escape, run
through the real pipeline (inkd, podman build, buildah, crun) of one inkd.

- Network: a RUN step (bash /dev/tcp) reaches neither a container the test deployed in another
  project, nor inkd's API port, nor a listener the test starts on every host address (through
  the build network's gateway, which the host itself reaches); the build network's rules for
  the host and for 169.254.0.0/16 are read with iptables -S (never probed).

Every probe prints "PROBE <name> ..." when it ran and "REACHED <name>" only if it got an
answer; the test asserts the first and never the second.
"""

import shutil
import socket
import subprocess

import harness
import test_isolation as isolation
from harness import InkTestCase, podman_json, unique, wait_deployment

BASE = "FROM localhost/ink/base:bookworm\n"

# Connects with bash's /dev/tcp (no curl in the base image), sends a request, prints what came
# back; "gateway" is the step's default route, read from /proc/net/route.
PROBE_SH = r"""#!/bin/bash
name=$1 host=$2 port=$3
if [ "$host" = gateway ]; then
  while read -r iface dest gw rest; do
    if [ "$dest" = 00000000 ]; then
      host=$(printf '%d.%d.%d.%d' 0x${gw:6:2} 0x${gw:4:2} 0x${gw:2:2} 0x${gw:0:2})
    fi
  done < /proc/net/route
fi
out=$(timeout 5 bash -c "exec 3<>/dev/tcp/$host/$port && printf 'GET / HTTP/1.0\r\nHost: x\r\n\r\n' >&3 && cat <&3" 2>&1)
echo "PROBE $name $host:$port rc=$? ${out:0:120}"
case "$out" in *HTTP/1*|*host-secret*) echo "REACHED $name";; esac
exit 0
"""


class HostileBuild(InkTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        inkd = cls.inkd
        cls.victim, cls.attacker = unique("victim"), unique("attacker")
        inkd.create_project(cls.victim)
        inkd.create_project(cls.attacker)
        url = inkd.deploy(cls.victim, "web", cls.image, port=8080, runtime_class="runc",
                          env={"MESSAGE": "victim-web"})["url"]
        inkd.wait_serving(url)
        replica = inkd.wait_running(cls.victim, "web")["replicas_observed"][0]
        nets = podman_json("inspect", replica["container_id"])[0]["NetworkSettings"]["Networks"]
        cls.victim_ip = next(n["IPAddress"] for n in nets.values() if n.get("IPAddress"))

    def build(self, name, dockerfile, files=None):
        """Deploys a directory holding `dockerfile` (and `files`) as service `name` of the
        attacker's project; returns (deployment, build log text)."""
        src = self.inkd.tmp / f"src-{name}"
        shutil.rmtree(src, ignore_errors=True)
        src.mkdir()
        # A token unique to this run, so no cached layer from an earlier run skips a step.
        (src / "Dockerfile").write_text(dockerfile.replace("BUSTER", unique("run")))
        for path, text in (files or {}).items():
            (src / path).write_text(text)
        out = self.ink("deploy", src, "--project", self.attacker, "--service", name,
                       "--runtime", "runc", timeout=300)
        dep = wait_deployment(self.inkd, out.json["deployment"]["id"], timeout=300)
        text = (self.inkd.data_dir / "builds" / f"{dep['id']}.log").read_text()
        return dep, text

    def build_bridge(self):
        name = f"ink-build-{self.inkd.name}"
        return podman_json("network", "inspect", name)[0]["network_interface"]

    def test_network_probes_from_a_run_step_fail(self):
        everywhere = isolation.HostListener("0.0.0.0")
        try:
            probes = [("victim", self.victim_ip, 8080),
                      ("inkd-gateway", "gateway", self.inkd.api_port),
                      ("inkd-loopback", "127.0.0.1", self.inkd.api_port),
                      ("host-listener", "gateway", everywhere.port)]
            run = " ; ".join(f"bash /probe.sh {n} {h} {p}" for n, h, p in probes)
            dep, text = self.build("netprobe", BASE + "COPY probe.sh /probe.sh\n"
                                   f"RUN echo BUSTER; {run}\n", {"probe.sh": PROBE_SH})
            self.assertEqual(dep["status"], "active", text[-3000:])
            for name, _, _ in probes:
                self.assertIn(f"PROBE {name} ", text, f"probe {name} did not run:\n{text[-3000:]}")
                self.assertNotIn(f"REACHED {name}", text, f"a build step reached {name}")
            gateway = next(line.split()[2].split(":")[0] for line in text.splitlines()
                           if line.startswith("PROBE host-listener "))
            # Control: the listener answers on that gateway address to the host itself.
            with socket.create_connection((gateway, everywhere.port), timeout=5) as c:
                self.assertIn(everywhere.marker, c.recv(200).decode(), "control: host side")
        finally:
            everywhere.close()

    def test_build_network_has_the_host_and_metadata_rules(self):
        """The build network is this instance's own, not podman's default, and carries the
        rules of a project network (read with iptables -S; no traffic goes to 169.254/16)."""
        self.build("netrules", BASE + "RUN echo BUSTER\n")
        bridge = self.build_bridge()
        self.assertNotEqual(bridge, "podman0")
        rules = isolation.iptables_rules
        self.assertIn(f"-A INK-INPUT -i {bridge} ", rules("INK-INPUT"))
        self.assertIn(f"-A INK-EGRESS -i {bridge} ", rules("INK-EGRESS"))
        self.assertIn(f"-A INK-ISOLATION-1 -i {bridge} ", rules("INK-ISOLATION-1"))
        self.assertIn(f"-A INK-ISOLATION-2 -o {bridge} ", rules("INK-ISOLATION-2"))
        self.assertRegex(rules("INK-CONTAINER-EGRESS"), r"-d 169\.254\.0\.0/16 .*-j REJECT")
        self.assertIn("-j REJECT", rules("INK-CONTAINER-INPUT").splitlines()[-1])


if __name__ == "__main__":
    harness.main()
