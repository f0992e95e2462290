"""End-to-end harness for Ink: drives the real binaries (inkd, ink, ink-edge) like a user would.

It builds nothing. Binaries come from $INK_BUILD_DIR (default: <repo>/build):
  src/cmd/inkd/inkd, src/cmd/ink/ink, src/cmd/ink-edge/ink-edge.

Each Inkd gets a temp data dir, port-0 listeners and a unique --instance-name, so several test
files can run side by side (ctest -j2). Teardown kills inkd (and every process left in the session
it started, e.g. an orphaned ink-edge) by PID and removes the podman containers, networks and
volumes labelled ink.instance=<name>.

Fixtures: the echo-server image (test/fixtures/echo-server) and local OCI registries (Debian's
docker-registry, optionally with htpasswd auth), both started on demand.

Environment knobs:
  INK_BUILD_DIR        build dir holding the binaries
  INK_E2E_KEEP=1       keep data dirs and containers after a test (for debugging)
  INK_E2E_INSECURE_CONF=1  give inkd (and its podman) a registries.conf marking the test
                       registries insecure (plain HTTP) - a workaround, see README.md
"""

import collections
import fcntl
import hashlib
import http.client
import json as jsonlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BUILD_DIR = Path(os.environ.get("INK_BUILD_DIR", REPO / "build"))
INKD = BUILD_DIR / "src/cmd/inkd/inkd"
INK = BUILD_DIR / "src/cmd/ink/ink"
EDGE = BUILD_DIR / "src/cmd/ink-edge/ink-edge"
FIXTURES = REPO / "test/fixtures"
KEEP = os.environ.get("INK_E2E_KEEP") == "1"

GVISOR_RUNTIME = "runsc-hostnet"


def log(*args):
    print("[e2e]", *args, file=sys.stderr, flush=True)


def proc_start_time(pid):
    """The start time of a process (clock ticks since boot), or None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat[stat.rindex(")") + 2:].split()[19])


def free_port():
    """A loopback TCP port that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unique(prefix):
    """A short unique lowercase name usable as an Ink resource name."""
    return f"{prefix}{uuid.uuid4().hex[:6]}"


class Fatal(AssertionError):
    """Raised inside a wait_until callback to stop waiting at once (e.g. the service failed)."""


def wait_until(fn, timeout=30.0, interval=0.2, what=None):
    """Calls fn until it returns a truthy value (returned) or timeout; then fails the test with
    the last value or exception seen. A Fatal raised by fn fails at once."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            value = fn()
            if value:
                return value
            last = value
        except Fatal:
            raise
        except Exception as e:  # noqa: BLE001 - recorded and reported on timeout
            last = f"{type(e).__name__}: {e}"
        if time.monotonic() >= deadline:
            raise AssertionError(
                f"timed out after {timeout:.0f}s waiting for {what or fn}; last: {last!r}")
        time.sleep(interval)


def run(cmd, check=True, timeout=120, **kw):
    """subprocess.run with text output captured; raises with stdout/stderr on failure."""
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"command failed ({p.returncode}): {' '.join(map(str, cmd))}\n"
                             f"stdout: {p.stdout[-2000:]}\nstderr: {p.stderr[-2000:]}")
    return p


def podman(*args, check=True, timeout=120):
    return run(["podman", *args], check=check, timeout=timeout)


def podman_json(*args):
    return jsonlib.loads(podman(*args).stdout or "null")


def http_request(host, port, method, path, body=None, headers=None, timeout=10.0):
    """One HTTP/1.1 request; returns (status, headers dict (lowercased), body text)."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        data = body
        hdrs = dict(headers or {})
        if body is not None and not isinstance(body, (bytes, str)):
            data = jsonlib.dumps(body)
            hdrs.setdefault("Content-Type", "application/json")
        conn.request(method, path, body=data, headers=hdrs)
        resp = conn.getresponse()
        text = resp.read().decode("utf-8", "replace")
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, text
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------------
# Fixture: the echo-server image


def echo_image():
    """Builds (once per content hash, under a file lock) and returns the echo-server image tag."""
    src = FIXTURES / "echo-server"
    digest = hashlib.sha256()
    for name in ("server.c", "build-image.sh"):
        digest.update((src / name).read_bytes())
    tag = f"localhost/ink/echo:{digest.hexdigest()[:12]}"
    with open("/tmp/ink-e2e-echo-image.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if podman("image", "exists", tag, check=False).returncode != 0:
            log(f"building {tag}")
            run([str(src / "build-image.sh"), tag], timeout=300)
    return tag


# ---------------------------------------------------------------------------------------------
# Fixture: a local OCI registry (Debian's docker-registry)


class Registry:
    """docker-registry on 127.0.0.1:<free port>, storage in a temp dir, optional htpasswd auth."""

    def __init__(self, auth=False, username="user", password=None):
        self.auth = auth
        self.username = username
        self.password = password or f"pw-{uuid.uuid4().hex[:12]}"
        self.dir = Path(tempfile.mkdtemp(prefix="ink-e2e-registry-"))
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.proc = None

    def start(self):
        config = [
            "version: 0.1",
            "log:",
            "  level: warn",
            "storage:",
            "  filesystem:",
            f"    rootdirectory: {self.dir / 'data'}",
            "http:",
            f"  addr: {self.host}",
        ]
        if self.auth:
            htpasswd = run(["htpasswd", "-Bbn", self.username, self.password]).stdout
            (self.dir / "htpasswd").write_text(htpasswd)
            config += ["auth:", "  htpasswd:", "    realm: ink-e2e",
                       f"    path: {self.dir / 'htpasswd'}"]
        (self.dir / "config.yml").write_text("\n".join(config) + "\n")
        self.log_file = open(self.dir / "registry.log", "w")
        self.proc = subprocess.Popen(
            ["/usr/bin/docker-registry", "serve", str(self.dir / "config.yml")],
            stdout=self.log_file, stderr=subprocess.STDOUT, start_new_session=True)

        def up():
            if self.proc.poll() is not None:
                raise AssertionError(f"docker-registry exited: {(self.dir / 'registry.log').read_text()}")
            status, _, _ = http_request("127.0.0.1", self.port, "GET", "/v2/", timeout=2)
            return status in (200, 401)

        wait_until(up, timeout=20, what=f"registry on {self.host}")
        return self

    def push(self, local_image, repo):
        """Pushes local_image as <host>/<repo>; returns the full reference."""
        ref = f"{self.host}/{repo}"
        cmd = ["podman", "push", "--quiet", "--tls-verify=false"]
        if self.auth:
            cmd.append(f"--creds={self.username}:{self.password}")
        run(cmd + [local_image, ref], timeout=300)
        return ref

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.log_file.close()
        if not KEEP:
            shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# inkd under test


class CliResult:
    def __init__(self, args, proc):
        self.args = args
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.json = None
        if "--json" in args and self.stdout.strip():
            try:
                self.json = jsonlib.loads(self.stdout)
            except ValueError:
                self.json = None

    def __repr__(self):
        return (f"ink {' '.join(self.args)} -> rc={self.rc}\n  stdout: {self.stdout[-1500:]!r}"
                f"\n  stderr: {self.stderr[-1500:]!r}")


class Inkd:
    """One inkd process (and its edge) with its own data dir and instance name."""

    def __init__(self, name=None, extra_args=(), file_sources=False, allow_runc=True):
        for binary in (INKD, INK, EDGE):
            if not binary.exists():
                raise unittest.SkipTest(f"{binary} not built (set INK_BUILD_DIR)")
        self.name = name or unique("e2e")
        self.tmp = Path(tempfile.mkdtemp(prefix=f"ink-e2e-{self.name}-"))
        self.data_dir = self.tmp / "data"
        self.data_dir.mkdir()
        self.config_path = self.tmp / "cli-config.json"
        self.extra_args = list(extra_args)
        # file:// git sources are refused unless inkd allows their directory: a test that
        # deploys from local repositories opts in and keeps them under self.sources.
        self.sources = None
        if file_sources:
            self.sources = self.tmp / "sources"
            self.sources.mkdir()
            self.extra_args += ["--allow-file-sources", str(self.sources)]
        # runc is refused unless inkd runs with --allow-runc; many tests use runc to start fast,
        # so the harness allows it unless a test says otherwise (test_runtime_policy.py).
        if allow_runc:
            self.extra_args.append("--allow-runc")
        self.listen = "127.0.0.1:0"
        self.edge_listen = "127.0.0.1:0"
        self.proc = None
        # session id of every inkd we started → that inkd's start time (for teardown; pids wrap
        # at 32768 here, so an id alone may name another test's process later)
        self.sessions = {}
        self.known_edges = set()  # ink-edge pids seen in DATA/edge.pid
        self.env = dict(os.environ)
        self.starts = 0

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self, timeout=60):
        self.starts += 1
        self.log_path = self.tmp / f"inkd-{self.starts}.log"
        cmd = [str(INKD), "--data-dir", str(self.data_dir), "--listen", self.listen,
               "--edge-listen", self.edge_listen, "--edge-binary", str(EDGE),
               "--platform-domain", "localhost", "--instance-name", self.name, *self.extra_args]
        log(f"starting {' '.join(cmd)}")
        for stale in ("api-url", "edge-url"):
            (self.data_dir / stale).unlink(missing_ok=True)
        self._log_file = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, stdout=self._log_file, stderr=subprocess.STDOUT,
                                     start_new_session=True, env=self.env)
        self.sessions[self.proc.pid] = proc_start_time(self.proc.pid)

        def ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"inkd exited with {self.proc.returncode}:\n{self.log_tail()}")
            url_file = self.data_dir / "api-url"
            if not url_file.exists():
                return False
            self.api_url = url_file.read_text().strip()
            u = urllib.parse.urlsplit(self.api_url)
            self.api_host, self.api_port = u.hostname, u.port
            status, _, body = http_request(self.api_host, self.api_port, "GET", "/v1/health",
                                           timeout=2)
            return status == 200

        try:
            wait_until(ready, timeout=timeout, what="inkd health")
            self.edge_url = wait_until(
                lambda: (self.data_dir / "edge-url").exists()
                and (self.data_dir / "edge-url").read_text().strip(),
                timeout=timeout, what="edge-url file")
        except AssertionError:
            log(f"inkd log:\n{self.log_tail()}")
            raise
        u = urllib.parse.urlsplit(self.edge_url)
        self.edge_port = u.port
        # Later restarts reuse the same ports, as a real deployment would.
        self.listen = f"127.0.0.1:{self.api_port}"
        self.edge_listen = f"127.0.0.1:{self.edge_port}"
        token_file = self.data_dir / "admin-token"
        mode = token_file.stat().st_mode & 0o777
        if mode != 0o600:
            raise AssertionError(f"admin-token has mode {oct(mode)}, want 0600")
        self.token = token_file.read_text().strip()
        log(f"inkd {self.name} up: api {self.api_url} edge {self.edge_url} pid {self.proc.pid}")
        return self

    def kill9(self):
        """SIGKILL inkd only (not its children): simulates a crash."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self._log_file.close()

    def stop(self):
        """SIGTERM inkd and wait (then SIGKILL after 20 s)."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                log("inkd ignored SIGTERM for 20s; killing")
                self.proc.kill()
                self.proc.wait()
            self._log_file.close()

    def session_pids(self):
        """PIDs of live processes in the sessions our inkd processes led (inkd's children such as
        ink-edge and podman system service, even after inkd died)."""
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            state, sid = fields[0], int(fields[3])
            # A process that leads a session with one of our ids but is not our inkd reused
            # the id (e.g. another test's ink-edge after setsid): not ours.
            if sid == int(entry.name) and int(fields[19]) != self.sessions.get(sid):
                continue
            if sid in self.sessions and state != "Z":
                pids.append(int(entry.name))
        # ink-edge runs in its own session (so a crash of inkd leaves it serving); inkd records
        # its pid in DATA/edge.pid.
        for pid in self.recorded_edge_pids():
            if pid not in pids:
                pids.append(pid)
        return pids

    def recorded_edge_pids(self):
        try:
            pid = int((self.data_dir / "edge.pid").read_text().split()[0])
            stat = Path(f"/proc/{pid}/stat").read_text()
        except (OSError, ValueError):
            return []
        if stat[stat.rindex(")") + 2:].split()[0] == "Z":
            return []
        self.known_edges.add(pid)
        return [p for p in self.known_edges if self.is_our_edge(p)]

    def is_our_edge(self, pid):
        """True if pid is an ink-edge serving this instance's routes (not a reused pid)."""
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return False
        return str(self.data_dir).encode() in b" ".join(cmdline)

    def edge_pids(self):
        out = []
        for pid in self.session_pids():
            try:
                if os.readlink(f"/proc/{pid}/exe") == str(EDGE.resolve()):
                    out.append(pid)
            except OSError:
                pass
        return out

    def teardown(self):
        self.stop()
        for pid in self.session_pids():
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 5
        while self.session_pids() and time.monotonic() < deadline:
            time.sleep(0.1)
        for pid in self.session_pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if KEEP:
            log(f"INK_E2E_KEEP: leaving {self.tmp} and containers of {self.name}")
            return
        self.remove_podman_objects()
        self.unmount_volumes()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def volume_mounts(self):
        """Mount points under DATA/volumes (inkd's loop-mounted volumes: they outlive inkd)."""
        root = str(self.data_dir / "volumes") + "/"
        points = []
        with open("/proc/self/mountinfo") as f:
            for line in f:
                point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)),
                               line.split()[4])
                if point.startswith(root):
                    points.append(point)
        return points

    def unmount_volumes(self):
        """Unmounts the volumes this inkd mounted (after their containers are gone), so the data
        dir can be removed and no loop device stays attached."""
        for point in reversed(self.volume_mounts()):
            run(["umount", point], check=False)
            if point in self.volume_mounts():
                run(["umount", "-l", point], check=False)

    def remove_podman_objects(self):
        label = f"label=ink.instance={self.name}"
        ids = podman("ps", "-a", "-q", "--filter", label, check=False).stdout.split()
        if ids:
            podman("rm", "-f", "-t", "0", *ids, check=False)
        nets = podman("network", "ls", "-q", "--filter", label, check=False).stdout.split()
        if nets:
            bridges = []
            for net in nets:
                try:
                    bridges.append(podman_json("network", "inspect", net)[0]["network_interface"])
                except (AssertionError, LookupError, ValueError):
                    pass
            # Rules first, while the networks hold the bridge names: a name freed by the
            # removal can go at once to another test's new network, whose rules must stay.
            for bridge in bridges:
                forget_bridge_rules(bridge)
            podman("network", "rm", "-f", *nets, check=False)
        vols = podman("volume", "ls", "-q", "--filter", label, check=False).stdout.split()
        if vols:
            podman("volume", "rm", "-f", *vols, check=False)

    def log_tail(self, n=60):
        try:
            return "\n".join(self.log_path.read_text().splitlines()[-n:])
        except OSError:
            return "(no log)"

    # -- clients -----------------------------------------------------------------------------
    def api(self, method, path, body=None, token="admin", headers=None, timeout=30):
        """REST call. token="admin" uses the bootstrap token, None sends no Authorization.
        Returns (status, parsed JSON or raw text)."""
        hdrs = dict(headers or {})
        if token == "admin":
            token = self.token
        if token is not None:
            hdrs["Authorization"] = f"Bearer {token}"
        status, _, text = http_request(self.api_host, self.api_port, method, path, body, hdrs,
                                       timeout=timeout)
        try:
            return status, jsonlib.loads(text)
        except ValueError:
            return status, text

    def api_ok(self, method, path, body=None, expect=(200, 201, 202)):
        status, data = self.api(method, path, body)
        if status not in expect:
            raise AssertionError(f"{method} {path} {body!r} -> {status} {data!r}")
        return data

    def cli_env(self, config=None):
        env = {k: v for k, v in os.environ.items() if k not in ("INK_API_URL", "INK_TOKEN")}
        env["INK_CONFIG"] = str(config or self.config_path)
        env["HOME"] = str(self.tmp)  # so ~/.config of the real user is never touched
        return env

    def cli(self, *args, json=True, check=True, input=None, env=None, timeout=120, config=None):
        """Runs `ink ARGS [--json]`; returns a CliResult (.rc .stdout .stderr .json). With
        check=True a non-zero exit fails the test."""
        args = [str(a) for a in args]
        if json:
            args.append("--json")
        e = self.cli_env(config)
        e.update(env or {})
        p = subprocess.run([str(INK), *args], capture_output=True, text=True, input=input,
                           env=e, timeout=timeout)
        result = CliResult(args, p)
        if check and result.rc != 0:
            raise AssertionError(f"CLI failed: {result!r}")
        if check and json and result.json is None:
            raise AssertionError(f"CLI --json printed no JSON: {result!r}")
        return result

    def login(self, config=None):
        token_file = self.data_dir / "admin-token"
        return self.cli("login", "--api-url", self.api_url, "--token-file", token_file,
                        json=False, config=config)

    def edge_get(self, host, path="/", timeout=5.0, headers=None):
        """GET through the edge with the given Host header; returns (status, headers, body)."""
        hdrs = {"Host": host, **(headers or {})}
        return http_request("127.0.0.1", self.edge_port, "GET", path, headers=hdrs,
                            timeout=timeout)

    def service_host(self, service, project):
        return f"{service}-{project}.localhost:{self.edge_port}"

    def get_url(self, url, path="/", timeout=5.0):
        """GET a service URL (http://svc-proj.localhost:PORT) by connecting to 127.0.0.1:PORT."""
        u = urllib.parse.urlsplit(url)
        return http_request("127.0.0.1", u.port, "GET", path, headers={"Host": u.netloc},
                            timeout=timeout)

    def wait_serving(self, url, body=None, path="/", timeout=90):
        """Waits until url+path answers 200 (and contains `body` if given); returns the body."""
        def ok():
            status, _, text = self.get_url(url, path)
            if status == 200 and (body is None or body in text):
                return text
            return False
        return wait_until(ok, timeout=timeout, what=f"{url}{path} to answer 200"
                          + (f" with {body!r}" if body else ""))

    # -- objects -----------------------------------------------------------------------------
    def create_project(self, name):
        return self.api_ok("POST", "/v1/projects", {"name": name})

    def deploy(self, project, service, image, **fields):
        body = {"service": service, "image": image, **fields}
        return self.api_ok("POST", f"/v1/projects/{project}/deploy", body)

    def get_service(self, project, service):
        return self.api_ok("GET", f"/v1/projects/{project}/services/{service}")["service"]

    def wait_running(self, project, service, timeout=120):
        """Waits until the service is running with every replica healthy; returns the service."""
        def running():
            svc = self.get_service(project, service)
            if svc.get("status") == "failed":
                raise Fatal(f"service failed: {jsonlib.dumps(svc)[:2000]}")
            reps = svc.get("replicas_observed") or []
            if svc.get("status") == "running" and reps and all(r.get("healthy") for r in reps):
                return svc
            return False
        try:
            return wait_until(running, timeout=timeout, what=f"{service}/{project} running")
        except AssertionError:
            log(f"inkd log:\n{self.log_tail()}")
            raise

    def containers(self, extra_label=None, all=True):
        """podman ps (JSON) of containers labelled with this instance (and extra_label k=v)."""
        args = ["ps", "--format", "json", "--filter", f"label=ink.instance={self.name}"]
        if all:
            args.append("-a")
        if extra_label:
            args += ["--filter", f"label={extra_label}"]
        return podman_json(*args) or []

    def service_label(self, project, service):
        """Finds the label (k=v) inkd puts on the service's containers that carries the service
        id (or the service name), by inspecting one observed replica."""
        svc = self.get_service(project, service)
        reps = svc.get("replicas_observed") or []
        if not reps:
            raise AssertionError(f"no replicas observed for {service}: {svc}")
        info = podman_json("inspect", reps[0]["container_id"])[0]
        labels = info["Config"]["Labels"] or {}
        for want in (svc["id"], service):
            for k, v in labels.items():
                if v == want:
                    return f"{k}={v}"
        raise AssertionError(f"no label carries service id {svc['id']}: {labels}")


class EdgeLoad:
    """Sends GET `path` through the edge from a few threads (half keep-alive, half a connection
    per request) until stopped; counts successes, each body seen and every failure."""

    def __init__(self, port, host, threads=4, path="/"):
        self.port, self.host, self.path = port, host, path
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.ok = 0
        self.failures = []
        self.bodies = collections.Counter()
        self.threads = [threading.Thread(target=self.run, args=(i % 2 == 0,), daemon=True)
                        for i in range(threads)]

    def run(self, keep_alive):
        conn = None
        while not self.stop.is_set():
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                conn.request("GET", self.path, headers={"Host": self.host})
                resp = conn.getresponse()
                body = resp.read().decode(errors="replace").strip()
                with self.lock:
                    if resp.status == 200:
                        self.ok += 1
                        self.bodies[body] += 1
                    else:
                        self.failures.append(f"{resp.status} {body[:200]}")
                if not keep_alive or resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except Exception as e:  # noqa: BLE001 - every failure counts
                with self.lock:
                    self.failures.append(repr(e))
                if conn is not None:
                    conn.close()
                conn = None
            time.sleep(0.005)

    def snapshot(self):
        with self.lock:
            return self.ok, list(self.failures), collections.Counter(self.bodies)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=20)


class InkTestCase(unittest.TestCase):
    """One inkd per test class (started in setUpClass, logged in with the CLI)."""

    inkd = None
    inkd_args = ()
    # True: inkd allows file:// git repositories under cls.inkd.sources (--allow-file-sources).
    file_sources = False
    # True: inkd runs with --allow-runc (services may choose runtime_class runc).
    allow_runc = True
    # Extra environment variables for inkd's process (e.g. an SSH_AUTH_SOCK it must ignore).
    inkd_env = {}
    # Registries this class needs, started before inkd: e.g. ("open", "auth"). They are then
    # available as cls.open_registry / cls.auth_registry.
    registry_kinds = ()

    @classmethod
    def setUpClass(cls):
        cls.image = echo_image()
        cls.registries = []
        cls.inkd = Inkd(extra_args=cls.inkd_args, file_sources=cls.file_sources,
                        allow_runc=cls.allow_runc)
        cls.inkd.env.update(cls.inkd_env)
        try:
            for kind in cls.registry_kinds:
                r = Registry(auth=(kind == "auth")).start()
                cls.registries.append(r)
                setattr(cls, f"{kind}_registry", r)
            if os.environ.get("INK_E2E_INSECURE_CONF") == "1":
                conf = insecure_registries_conf(cls.inkd.tmp, [r.host for r in cls.registries])
                cls.inkd.env["CONTAINERS_REGISTRIES_CONF"] = str(conf)
            cls.inkd.start()
            cls.inkd.login()
        except BaseException:
            cls.tearDownClass()
            raise

    def run(self, result=None):
        """Runs the test; when it fails, prints the tail of inkd's log (what inkd saw then)."""
        bad = (lambda r: len(r.failures) + len(r.errors)) if result is not None else None
        before = bad(result) if bad else 0
        outcome = super().run(result)
        if bad and bad(result) > before and self.inkd:
            log(f"inkd log at the failure of {self.id()}:\n{self.inkd.log_tail(150)}")
        return outcome

    @classmethod
    def tearDownClass(cls):
        if cls.inkd:
            cls.inkd.teardown()
        for r in getattr(cls, "registries", []):
            r.stop()

    def ink(self, *args, **kw):
        return self.inkd.cli(*args, **kw)


def forget_bridge_rules(bridge):
    """Removes a project bridge from Ink's nftables sets (network_isolation.h): inkd removes it
    when it deletes a network itself, but teardown deletes networks behind its back, and a later
    network (anyone's) reusing the bridge name would inherit the entry. Call it before removing
    the network (see remove_podman_objects). Adding first makes the delete never fail."""
    q = '"' + bridge + '"'
    batch = (f"add element inet ink bridges {{ {q} }}\n"
             f"add element inet ink same_bridge {{ {q} . {q} }}\n"
             f"delete element inet ink bridges {{ {q} }}\n"
             f"delete element inet ink same_bridge {{ {q} . {q} }}\n")
    subprocess.run(["nft", "-f", "-"], input=batch, text=True, capture_output=True, check=False)


def isolation_rules():
    """Ink's nftables table, as `nft list table inet ink` prints it (read, never probed)."""
    return run(["nft", "list", "table", "inet", "ink"]).stdout


def assert_bridge_isolated(case, bridge):
    """Asserts that Ink's table isolates `bridge`: it is in both sets, the forward chain rejects
    169.254.0.0/16 and drops bridge-to-bridge traffic, and what a container sends to the host
    gets only replies and DNS (no traffic goes to the metadata address: the rules are read)."""
    text = isolation_rules()
    sets = {}
    for name, body in re.findall(r"set (\w+) \{(.*?)\n\t\}", text, re.S):
        sets[name] = body
    case.assertIn(f'"{bridge}"', sets.get("bridges", ""), text)
    case.assertIn(f'"{bridge}" . "{bridge}"', sets.get("same_bridge", ""), text)
    chains = dict(re.findall(r"chain (\w+) \{(.*?)\n\t\}", text, re.S))
    forward = [l.strip() for l in chains.get("forward", "").splitlines() if l.strip()]
    case.assertIn("hook forward priority filter - 10", forward[0])
    case.assertRegex(forward[1], r"iifname @bridges ip daddr 169\.254\.0\.0/16 .*reject")
    case.assertIn("iifname . oifname @same_bridge accept", forward[2])
    case.assertRegex(forward[3], r"iifname @bridges oifname @bridges .*drop")
    case.assertIn("iifname @bridges jump container_input", chains.get("input", ""))
    host_input = [l.strip() for l in chains.get("container_input", "").splitlines() if l.strip()]
    case.assertIn("ct state established,related accept", host_input[0])  # replies first
    case.assertIn("th dport 53 accept", host_input[1])
    case.assertIn("reject", host_input[-1])  # then nothing else


def insecure_registries_conf(tmp, hosts):
    """Writes <tmp>/registries.conf marking the given registries insecure; returns its path."""
    path = Path(tmp) / "registries.conf"
    text = "unqualified-search-registries = []\n"
    for h in hosts:
        text += f'[[registry]]\nlocation = "{h}"\ninsecure = true\n'
    path.write_text(text)
    return path




def wait_deployment(inkd, deployment_id, timeout=120):
    """Waits until a deployment is active or failed; returns it."""
    def done():
        dep = inkd.api_ok("GET", f"/v1/deployments/{deployment_id}")["deployment"]
        return dep if dep.get("status") in ("active", "failed") else False
    try:
        return wait_until(done, timeout=timeout, what=f"deployment {deployment_id} to finish")
    except AssertionError:
        log(f"inkd log:\n{inkd.log_tail()}")
        raise


def main(require_binaries=True):
    """Entry point of each test file. Exits 77 (CTest: skipped) when the binaries are missing."""
    missing = [str(b) for b in (INKD, INK, EDGE) if not b.exists()]
    if missing and require_binaries:
        print(f"e2e: skipped, not built: {', '.join(missing)} (set INK_BUILD_DIR)", flush=True)
        sys.exit(77)
    unittest.main(verbosity=2)
