"""Hostile builds (issue 8, "Builds are untrusted code"): Dockerfiles written to escape, run
through the real pipeline (inkd, podman build, buildah, crun) of one inkd.

- Mounts: buildah 1.28's cache-mount and bind-mount traversals (CVE-2024-9675, CVE-2024-1753)
  aimed at this inkd's data directory, /proc/1 and podman's sockets are refused by the
  Dockerfile policy; the same Dockerfiles given to podman build directly (the policy bypassed)
  are refused by ink-build-runtime, while plain crun really does mount the host (a sentinel
  directory of the test's), so the wall is shown to be the guard.
- Probes from ordinary RUN steps: /proc/1/environ, the data directory, podman's sockets.
- Limits: a fork bomb, a file over the size limit and a memory hog each fail the build with a
  message naming the limit.
- Secrets: no build log holds the admin token or a service variable's value (a step that
  prints the build secret shows "[masked]").
- The host is unchanged: the sentinel, admin-token and secret.key hash the same afterwards.

- Network: a RUN step (bash /dev/tcp) reaches neither a container the test deployed in another
  project, nor inkd's API port, nor a listener the test starts on every host address (through
  the build network's gateway, which the host itself reaches); the build network's rules for
  the host and for 169.254.0.0/16 are read with nft (never probed).

Every probe prints "PROBE <name> ..." when it ran and "REACHED <name>" only if it got an
answer; the test asserts the first and never the second.
"""

import hashlib
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import harness
import test_isolation as isolation
from harness import InkTestCase, assert_bridge_isolated, podman, podman_json, unique, wait_until

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


GUARD = harness.BUILD_DIR / "src/cmd/ink-build-runtime/ink-build-runtime"


def digest(paths):
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(str(p).encode() + b"\0" + Path(p).read_bytes())
    return h.hexdigest()


class HostileBuild(InkTestCase):
    # Small limits, so the limit tests are quick; the probes need few processes.
    inkd_args = ("--build-pids", "64", "--build-max-file", "8m", "--build-memory", "256m")
    registry_kinds = ("auth",)

    @classmethod
    def setUpClass(cls):
        cls.sentinel = Path(tempfile.mkdtemp(prefix="ink-hostile-sentinel-"))
        (cls.sentinel / "sentinel.txt").write_text("the host's own file\n")
        super().setUpClass()
        inkd = cls.inkd
        cls.guarded = [cls.sentinel / "sentinel.txt", inkd.data_dir / "admin-token",
                       inkd.data_dir / "secret.key"]
        cls.host_digest = digest(cls.guarded)
        cls.victim, cls.attacker = unique("victim"), unique("attacker")
        inkd.create_project(cls.victim)
        inkd.create_project(cls.attacker)
        url = inkd.deploy(cls.victim, "web", cls.image, port=8080, runtime_class="runc",
                          env={"MESSAGE": "victim-web"})["url"]
        inkd.wait_serving(url)
        replica = inkd.wait_running(cls.victim, "web")["replicas_observed"][0]
        nets = podman_json("inspect", replica["container_id"])[0]["NetworkSettings"]["Networks"]
        cls.victim_ip = next(n["IPAddress"] for n in nets.values() if n.get("IPAddress"))

    def start_build(self, name, dockerfile, files=None):
        """Deploys a directory holding `dockerfile` (and `files`) as service `name` of the
        attacker's project; returns the path of its build log."""
        src = self.inkd.tmp / f"src-{name}"
        shutil.rmtree(src, ignore_errors=True)
        src.mkdir()
        # A token unique to this run, so no cached layer from an earlier run skips a step.
        (src / "Dockerfile").write_text(dockerfile.replace("BUSTER", unique("run")))
        for path, text in (files or {}).items():
            (src / path).write_text(text)
        out = self.ink("deploy", src, "--project", self.attacker, "--service", name,
                       "--runtime", "runc", timeout=300)
        return self.inkd.data_dir / "builds" / f"{out.json['deployment']['id']}.log"

    def log_with(self, path, words, timeout=300):
        def seen():
            text = path.read_text() if path.exists() else ""
            return any(w in text for w in words) and text
        return wait_until(seen, timeout=timeout, what=f"{words} in {path}")

    def build(self, name, dockerfile, files=None):
        """start_build, then the log text once the build ended (the rollout that may follow is
        not waited for: these images serve nothing)."""
        path = self.start_build(name, dockerfile, files)
        return self.log_with(path, ("[ink] built ", "[ink] build failed"))

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.sentinel, ignore_errors=True)

    def assert_clean(self, text):
        self.assertNotIn(self.inkd.token, text, "a build log holds the admin token")
        self.assertNotIn("SENTINEL-42-READ", text)

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
            # The step then waits a little: the gateway address exists only while a build runs.
            path = self.start_build("netprobe", BASE + "COPY probe.sh /probe.sh\n"
                                    f"RUN echo BUSTER; {run}; echo WINDOW-$((6*7)); sleep 10\n",
                                    {"probe.sh": PROBE_SH})
            text = self.log_with(path, ("WINDOW-42", "[ink] build failed"))
            for name, _, _ in probes:
                self.assertIn(f"PROBE {name} ", text, f"probe {name} did not run:\n{text[-3000:]}")
                self.assertNotIn(f"REACHED {name}", text, f"a build step reached {name}")
            gateway = next(line.split()[2].split(":")[0] for line in text.splitlines()
                           if line.startswith("PROBE host-listener "))
            # Control: the listener answers on that gateway address to the host itself.
            with socket.create_connection((gateway, everywhere.port), timeout=5) as c:
                self.assertIn(everywhere.marker, c.recv(200).decode(), "control: host side")
            self.assertIn("[ink] built ", self.log_with(path, ("[ink] built ", "build failed")))
        finally:
            everywhere.close()

    def test_build_network_has_the_host_and_metadata_rules(self):
        """The build network is this instance's own, not podman's default, and carries the
        rules of a project network (read with nft; no traffic goes to 169.254/16)."""
        self.build("netrules", BASE + "RUN echo BUSTER\n")
        bridge = self.build_bridge()
        self.assertNotEqual(bridge, "podman0")
        assert_bridge_isolated(self, bridge)

    def traversals(self):
        """Dockerfiles that use buildah 1.28's traversals on `data` (inkd's data dir), /proc/1,
        podman's socket directory and the sentinel: (name, Dockerfile)."""
        up = "../" * 12
        data = str(self.inkd.data_dir).lstrip("/")
        return [
            ("cache-data", BASE + f"RUN --mount=type=cache,id={up}{data},target=/x "
             "cat /x/admin-token; ls -la /x\n"),
            ("cache-proc1", BASE + f"RUN --mount=type=cache,id={up}proc/1,target=/x "
             "cat /x/environ\n"),
            ("cache-podman", BASE + f"RUN --mount=type=cache,id={up}run/podman,target=/x "
             "ls -la /x\n"),
            ("bind-data", BASE + f"RUN --mount=type=bind,source={up}{data},target=/x "
             "cat /x/admin-token\n"),
            ("cache-sentinel", BASE + f"RUN --mount=type=cache,id={up}{str(self.sentinel)[1:]},"
             "target=/x cat /x/sentinel.txt && echo SENTINEL-$((6*7))-READ && echo evil > /x/sentinel.txt\n"),
        ]

    def test_mount_traversals_are_refused_by_the_policy(self):
        for name, dockerfile in self.traversals():
            text = self.build(name, dockerfile)
            self.assertIn("[ink] build failed", text, name)
            self.assertIn("was refused", text, f"{name}: {text[-2000:]}")
            self.assertIn("..", text)
            self.assert_clean(text)

    def podman_build(self, runtime, dockerfile, extra=()):
        ctx = Path(tempfile.mkdtemp(prefix="ink-hostile-ctx-", dir=self.inkd.tmp))
        (ctx / "Containerfile").write_text(dockerfile)
        return subprocess.run(["podman", "--runtime", runtime, "build", "--no-cache", *extra,
                               "--network",
                               "none", "--label", f"ink.instance={self.inkd.name}", "-f",
                               str(ctx / "Containerfile"), str(ctx)],
                              capture_output=True, text=True, timeout=120)

    def test_the_runtime_guard_refuses_what_a_policy_bypass_would_mount(self):
        """The Dockerfiles above straight to podman build (no policy): ink-build-runtime
        refuses each host mount. Control: plain crun does mount the sentinel (buildah 1.28
        is vulnerable here), which is why the guard exists."""
        # What inkd allows a build: its own work tree (here an empty directory) and storage.
        ctx_dir = self.inkd.tmp / "guard-allowed"
        ctx_dir.mkdir(exist_ok=True)
        policy = self.inkd.tmp / "guard.json"
        policy.write_text(
            '{"runtime": "crun", "allowed_sources": ["%s", "/var/lib/containers/storage", '
            '"/run/containers/storage"], "allowed_roots": ["/var/lib/containers/storage"], '
            '"pids_limit": 64}' % ctx_dir)
        for name, dockerfile in self.traversals():
            res = self.podman_build(str(GUARD), dockerfile,
                                    ["--runtime-flag", f"ink-guard={policy}"])
            out = res.stdout + res.stderr
            self.assertNotEqual(res.returncode, 0, f"{name} built under the guard: {out}")
            refused = "ink-build-runtime: refused this build step: bind mount of host path"
            if name.startswith("bind"):
                # Debian's buildah 1.28.2 keeps a bind source inside the context (the
                # CVE-2024-1753 fix); either wall is fine.
                self.assertTrue(refused in out or "on host to bind mount" in out, out)
            else:
                self.assertIn(refused, out, name)
            self.assert_clean(out)
        self.assertEqual(digest(self.guarded), self.host_digest, "the guard let a step write")
        # Control (reads only, and only the test's sentinel): crun alone mounts the host.
        name, dockerfile = self.traversals()[-1]
        control = dockerfile.replace(" && echo evil > /x/sentinel.txt", "")
        iid = self.inkd.tmp / "control.iid"
        res = self.podman_build("crun", control, ["--iidfile", str(iid)])
        if iid.exists():
            subprocess.run(["podman", "rmi", "-f", iid.read_text().strip()], capture_output=True)
        self.assertIn("SENTINEL-42-READ", res.stdout, "control: buildah 1.28 did not traverse")

    def test_probes_of_host_files_from_run_steps_find_nothing(self):
        data = self.inkd.data_dir
        text = self.build("fileprobe", BASE + "RUN echo BUSTER; "
                          "echo PROBE environ; tr '\\0' '\\n' < /proc/1/environ; "
                          f"echo PROBE data; ls -la {data} /var/lib/ink 2>&1; "
                          f"cat {data}/admin-token 2>&1; "
                          "echo PROBE sockets; ls -la /run/podman /var/run/podman 2>&1; "
                          "find / -xdev -name '*.sock' 2>/dev/null | head; "
                          "echo PROBE mounts; cat /proc/self/mountinfo | cut -d' ' -f4,5\n")
        self.assertIn("[ink] built ", text, text[-3000:])
        for probe in ("environ", "data", "sockets", "mounts"):
            self.assertIn(f"\nPROBE {probe}\n", text)
        self.assertIn(f"ls: cannot access '{data}'", text)
        output = text.split("\nPROBE environ\n")[1]  # what the step printed
        self.assertNotIn("\nadmin-token\n", output)
        self.assertNotIn("podman.sock", output)
        self.assertNotIn(str(data), output.split("\nPROBE mounts\n")[1])
        self.assert_clean(text)

    def test_secret_values_are_masked_in_the_build_log(self):
        secret = "s3cr3t-" + unique("value")
        src = self.inkd.tmp / "src-secret"
        src.mkdir(exist_ok=True)
        (src / "Dockerfile").write_text(
            BASE + f"RUN --mount=type=secret,id=ink-env echo {unique('run')}; "
            ". /run/secrets/ink-env; echo \"value=$API_KEY\"; "
            "cat /run/secrets/ink-env; echo PRINTED\n")
        out = self.ink("deploy", src, "--project", self.attacker, "--service", "secret",
                       "--runtime", "runc", "--env", f"API_KEY={secret}", timeout=300)
        path = self.inkd.data_dir / "builds" / f"{out.json['deployment']['id']}.log"
        text = self.log_with(path, ("[ink] built ", "[ink] build failed"))
        self.assertIn("PRINTED", text, text[-2000:])
        self.assertIn("value=[masked]", text)
        self.assertNotIn(secret, text)
        self.assert_clean(text)

    def test_limits_stop_a_build_and_say_which(self):
        cases = [
            ("forkbomb", "RUN echo BUSTER; for i in $(seq 200); do sleep 30 & done; wait\n",
             "pids limit is 64"),
            ("bigfile", "RUN echo BUSTER; head -c 20000000 /dev/zero > /big\n",
             "file size limit of 8m"),
            ("memhog", "RUN echo BUSTER; head -c 1000000000 /dev/zero | tail > /dev/null\n",
             "memory limit of 256m"),
        ]
        for name, step, words in cases:
            text = self.build(name, BASE + step)
            self.assertIn("[ink] build failed", text, f"{name}: {text[-2000:]}")
            self.assertIn(words, text, f"{name}: {text[-2000:]}")

    def test_a_pulled_base_image_is_not_used_without_the_workspaces_credentials(self):
        """A build FROM a private registry image pulls it with the workspace's credentials each
        time and then builds with --pull=never: once the credentials are gone the build fails,
        although the image is still in the host's store (as it would be after another
        workspace's pull)."""
        ref = self.auth_registry.push(self.image, f"team/{unique('base')}:1")
        host, password = self.auth_registry.host, self.auth_registry.password
        try:
            dockerfile = BASE.replace("localhost/ink/base:bookworm", ref) + "RUN echo BUSTER\n"
            refused = self.build("privbase0", dockerfile)
            self.assertIn("[ink] build failed", refused, refused[-2000:])
            self.assertIn("requires credentials", refused)
            self.ink("registry", "login", host, "--username", "user", "--password-stdin",
                     input=password + "\n")
            built = self.build("privbase1", dockerfile)
            self.assertIn("[ink] built ", built, built[-2000:])
            self.assertIn(f"pulling {ref} with this workspace's registry credentials", built)
            self.ink("registry", "logout", host)
            self.assertEqual(podman("image", "exists", ref, check=False).returncode, 0)
            again = self.build("privbase2", dockerfile)
            self.assertIn("[ink] build failed", again, again[-2000:])
            self.assertIn("requires credentials", again)
            for text in (refused, built, again):
                self.assertNotIn(password, text)
        finally:
            podman("rmi", "-f", ref, check=False)

    def test_zz_the_host_is_unchanged(self):
        self.assertEqual(digest(self.guarded), self.host_digest)
        for path in (self.inkd.data_dir / "builds").glob("*.log"):
            self.assert_clean(path.read_text())


def build_cgroup_dir(instance, deployment_id=None):
    """The unified (v2) directory of a build cgroup inkd made (build_cgroup.h)."""
    root = Path("/sys/fs/cgroup")
    if not (root / "cgroup.controllers").exists():
        root = root / "unified" if (root / "unified").is_dir() else root / "pids"
    path = root / f"ink-build-{instance}"
    return path / deployment_id if deployment_id else path


class BuildDiesWithInkd(InkTestCase):
    """A RUN step never outlives its build or inkd. podman build killed with SIGKILL (inkd's
    crash, through PR_SET_PDEATHSIG) leaves the step's processes running, reparented to init;
    every build runs in its own cgroup, which inkd empties when the build ends, when it stops,
    and when it starts again after a crash. One inkd per case: the interrupted build is resumed
    when inkd comes back, and would hold the build slot for the next case."""

    def running_step(self, name):
        src = self.inkd.tmp / f"src-{name}"
        src.mkdir()
        (src / "Dockerfile").write_text(
            BASE + f"RUN echo {unique('run')} step-up-$((6*7)) && sleep 611\n")
        project = unique("slow")
        self.inkd.create_project(project)
        out = self.ink("deploy", src, "--project", project, "--service", name,
                       "--runtime", "runc", timeout=300)
        deployment = out.json["deployment"]["id"]
        log_path = self.inkd.data_dir / "builds" / f"{deployment}.log"
        wait_until(lambda: log_path.exists() and "step-up-42" in log_path.read_text(),
                   timeout=300, what="the slow step running")
        procs = build_cgroup_dir(self.inkd.name, deployment) / "cgroup.procs"
        pids = [int(p) for p in procs.read_text().split()]
        self.assertTrue(pids, f"no process in {procs}")
        self.assertTrue(any("sleep" in Path(f"/proc/{p}/cmdline").read_text(errors="replace")
                            for p in pids if Path(f"/proc/{p}").exists()))
        return deployment, {p: harness.proc_start_time(p) for p in pids}

    def wait_gone(self, started, timeout):
        def gone():
            return all(harness.proc_start_time(p) != t for p, t in started.items())
        wait_until(gone, timeout=timeout, what="the build step's processes gone")


class CrashedInkdsBuild(BuildDiesWithInkd):
    def test_a_crash_kills_the_step_at_the_next_start(self):
        _, started = self.running_step("crash")
        self.inkd.kill9()
        time.sleep(2)  # podman build is dead by now (its parent died); the step is not
        orphans = [p for p, t in started.items() if harness.proc_start_time(p) == t]
        harness.log(f"after inkd's SIGKILL, still running in the build cgroup: {orphans}")
        self.inkd.start()
        # (the resumed build then runs the step again, in a fresh cgroup of the same name)
        self.wait_gone(started, timeout=15)


class StoppedInkdsBuild(BuildDiesWithInkd):
    def test_stopping_inkd_stops_the_step(self):
        deployment, started = self.running_step("stop")
        self.inkd.stop()
        self.wait_gone(started, timeout=5)
        self.assertFalse(build_cgroup_dir(self.inkd.name, deployment).exists())
        self.assertFalse(build_cgroup_dir(self.inkd.name).exists())

if __name__ == "__main__":
    harness.main()
