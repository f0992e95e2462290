#!/usr/bin/env python3
"""Postgres template benchmark (issue 10, "Measure"): deploy to healthy, then pgbench inside Ink
(gVisor) beside the same PostgreSQL 15 run directly on the host, in the same run.

  bench/postgres/run.sh [--rounds 3] [--duration 30] [--clients 4] [--threads 2] [--scale 10]
                        [--cached 3] [--variants tcp,tcp-async,unix,rootfs]

1. Deploy to healthy. Starts its own inkd (temp data dir, port-0 listeners, instance name
   bench-<random>, the e2e harness's Inkd) with a copy of the repository's templates/ in which
   the postgres Dockerfile gets one extra line after FROM: `ARG INK_BENCH_COLD=<random>`. An ARG
   in scope is part of every later RUN step's cache key, so the first deploy builds every step
   of the template (apt-get install postgresql-15 from the mirror) whatever earlier builds left
   in the host's shared layer cache, and nothing of anyone else is evicted. "cold" =
   `ink deploy --template postgres --service pg --wait` with that context; "cached" = the same
   command for new services pgc1..pgcN while pg still runs (every build step a cache hit of the
   cold build's layers), each deleted after it is timed. Both are timed from the command's start
   to its exit (deployment active: the TCP health check on 5432 passed, which the entrypoint
   opens only after initdb).
2. pgbench. Host side: a PostgreSQL 15 cluster from /usr/lib/postgresql/15/bin, initdb'd in a
   temp dir exactly as the template's entrypoint does (scram for TCP, UTF8, C.UTF-8), started
   as the postgres user on a free loopback port; default postgresql.conf on both sides. Ink
   side: the template's server, deployed with --cpu <nproc> so no CPU quota applies that the
   host cluster does not have (512Mi memory as in the template). Variants (each run on both
   sides, interleaved, the order alternating every round):
     tcp        pgbench on the host (the same /usr/bin/pgbench for both) over TCP: to the Ink
                container's address on its project network (no edge, no tunnel: host kernel ->
                bridge -> the container's network namespace, where runsc --network=host uses
                the kernel's stack) and to 127.0.0.1 for the host cluster.
     tcp-async  as tcp with synchronous_commit=off on both (ALTER SYSTEM + reload): a commit no
                longer waits for the WAL fsync, which separates the fsync cost.
     unix       pgbench beside its server over the Unix socket: inside the Ink container
                through `ink exec` (so pgbench runs under gVisor too), on the host directly.
     rootfs     as tcp, against a second Ink service (pgroot) whose data dir is in the
                container's root filesystem (PGDATA overridden), not on the template's volume:
                separates the volume mount's file access from the rest of gVisor.
   `pgbench -i -s SCALE` once per side, then per run `pgbench -c C -j T -T D` (the default
   TPC-B-like script; pgbench vacuums and truncates history first). Reported: TPS (without
   initial connection time) and average latency, median and spread over the rounds, and the
   ratio host / Ink of the median TPS.
3. Where the data dir lives: `ink volumes list` after the deploy and the mount of
   /var/lib/postgresql/data as the container sees it.
Everything started is stopped by PID (inkd's session, the host postmaster) and everything
created removed (containers/networks/volumes labelled with the instance, the temp dirs).
"""
import argparse
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "test/e2e"))
import harness  # noqa: E402  (Inkd: own data dir, free ports, teardown by PID and label)

PGBIN = Path("/usr/lib/postgresql/15/bin")
PGBENCH = shutil.which("pgbench") or "/usr/bin/pgbench"
PROJECT = "bench"


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def ms_since(t0):
    return (time.monotonic() - t0) * 1000.0


def parse_pgbench(text):
    tps = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", text)
    lat = re.search(r"latency average = ([0-9.]+) ms", text)
    if not tps or not lat:
        raise AssertionError(f"pgbench printed no result:\n{text[-2000:]}")
    return float(tps.group(1)), float(lat.group(1))


class HostPostgres:
    """A PostgreSQL 15 cluster in a temp dir, run as the postgres user on a free loopback port."""

    def __init__(self, tmp, password):
        self.dir = Path(tmp) / "hostpg"
        self.data = self.dir / "data"
        self.sock = self.dir / "sock"
        self.port = harness.free_port()
        self.password = password
        self.proc = None
        user = pwd.getpwnam("postgres")
        self.uid, self.gid = user.pw_uid, user.pw_gid

    def _as_postgres(self, cmd, **kw):
        return subprocess.run(cmd, user=self.uid, group=self.gid, extra_groups=[],
                              capture_output=True, text=True, check=True, **kw)

    def start(self):
        self.sock.mkdir(parents=True)
        os.chmod(self.dir.parent, 0o755)
        for p in (self.dir, self.sock):
            os.chown(p, self.uid, self.gid)
        pwfile = self.dir / "pw"
        pwfile.write_text(self.password + "\n")
        os.chown(pwfile, self.uid, self.gid)
        # As templates/postgres/entrypoint.sh does it.
        self._as_postgres([str(PGBIN / "initdb"), "-D", str(self.data), "-U", "postgres",
                           f"--pwfile={pwfile}", "-E", "UTF8", "--locale=C.UTF-8",
                           "--auth-local=trust", "--auth-host=scram-sha-256"])
        pwfile.unlink()
        self.proc = subprocess.Popen(
            [str(PGBIN / "postgres"), "-D", str(self.data), "-c", "listen_addresses=127.0.0.1",
             "-c", f"port={self.port}", "-c", f"unix_socket_directories={self.sock}"],
            user=self.uid, group=self.gid, extra_groups=[], start_new_session=True,
            stdout=open(self.dir / "postgres.log", "w"), stderr=subprocess.STDOUT)
        harness.wait_until(lambda: self.psql("select 1", check=False).returncode == 0,
                           timeout=30, what="host postgres")
        self.psql("create database app")

    def psql(self, sql, check=True):
        return subprocess.run([str(PGBIN / "psql"), "-h", str(self.sock), "-p", str(self.port),
                               "-U", "postgres", "-tAc", sql, "postgres"],
                              capture_output=True, text=True, check=check)

    def version(self):
        return self.psql("show server_version").stdout.strip()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # fast shutdown of this postmaster, by PID
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class InkPostgres:
    def __init__(self, inkd, service):
        self.inkd, self.service = inkd, service

    def exec(self, *cmd, timeout=120):
        res = self.inkd.cli("exec", self.service, "--project", PROJECT, "--timeout",
                            str(timeout), "--json", "--", *cmd, json=False, check=False,
                            timeout=timeout + 30)
        try:
            out = json.loads(res.stdout)
        except ValueError:
            raise AssertionError(f"exec {cmd} in {self.service}: {res!r}")
        if out.get("exit_code") != 0:
            raise AssertionError(f"exec {cmd} in {self.service}: {out}")
        return out["stdout"]

    def psql(self, sql):
        return self.exec("psql", "-h", "/var/run/postgresql", "-U", "postgres", "-tAc", sql,
                         "postgres")

    def address(self):
        """The container's address on its project network (inkd's observed replica)."""
        reps = self.inkd.get_service(PROJECT, self.service).get("replicas_observed") or []
        if not reps:
            raise AssertionError(f"no running replica of {self.service}")
        nets = harness.podman_json("inspect", reps[0]["container_id"])[0]["NetworkSettings"]
        return next(n["IPAddress"] for n in nets["Networks"].values() if n.get("IPAddress"))


def deploy(inkd, service, cpu, *extra):
    t0 = time.monotonic()
    res = inkd.cli("deploy", "--template", "postgres", "--project", PROJECT, "--service",
                   service, "--cpu", str(cpu), *extra, "--wait", "--timeout", "1200s",
                   json=False, check=False, timeout=1300)
    elapsed = ms_since(t0)
    if res.rc != 0:
        raise AssertionError(f"deploy of {service} failed: {res!r}\n{inkd.log_tail()}")
    return elapsed


def delete_service(inkd, service):
    inkd.cli("services", "delete", service, "--project", PROJECT, json=False, check=False)


def volumes(inkd):
    res = inkd.cli("volumes", "list", "--project", PROJECT, check=False)
    if res.rc != 0 or res.json is None:
        return []
    return res.json.get("volumes", res.json if isinstance(res.json, list) else [])


def delete_volumes(inkd):
    """Volumes the template made for this instance (once deploy_template creates them)."""
    for v in volumes(inkd):
        name = v.get("name")
        if name:
            harness.wait_until(
                lambda: inkd.cli("volumes", "delete", name, "--project", PROJECT,
                                 check=False).rc == 0,
                timeout=60, interval=1, what=f"delete of volume {name}")


def pgbench_args(a):
    return ["-c", str(a.clients), "-j", str(a.threads), "-T", str(a.duration)]


def run_pgbench_host(a, host, port, password, db="app"):
    env = dict(os.environ, PGPASSWORD=password)
    p = subprocess.run([PGBENCH, "-h", host, "-p", str(port), "-U", "postgres",
                        *pgbench_args(a), db], capture_output=True, text=True, env=env,
                       timeout=a.duration + 300)
    if p.returncode != 0:
        raise AssertionError(f"pgbench against {host}:{port}: {p.stderr[-2000:]}")
    return parse_pgbench(p.stdout)


def init_pgbench_host(a, host, port, password):
    env = dict(os.environ, PGPASSWORD=password)
    t0 = time.monotonic()
    subprocess.run([PGBENCH, "-i", "-q", "-s", str(a.scale), "-h", host, "-p", str(port), "-U",
                    "postgres", "app"], capture_output=True, text=True, env=env, check=True,
                   timeout=1800)
    return ms_since(t0)


def set_sync_commit(side, value):
    side.psql(f"alter system set synchronous_commit = {value}")
    side.psql("select pg_reload_conf()")


def stats(values):
    return statistics.median(values), min(values), max(values)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=30, help="seconds per pgbench run")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--scale", type=int, default=10)
    ap.add_argument("--cached", type=int, default=3, help="cached deploys to time")
    ap.add_argument("--cpu", default=str(os.cpu_count() or 1),
                    help="--cpu of the Ink postgres (default: every core, as the host cluster)")
    ap.add_argument("--variants", default="tcp,tcp-async,unix,rootfs")
    ap.add_argument("--no-cold", action="store_true",
                    help="no cache-busting ARG: the first deploy may hit earlier builds' layers")
    a = ap.parse_args()
    variants = a.variants.split(",")
    for v in variants:
        if v not in ("tcp", "tcp-async", "unix", "rootfs"):
            ap.error(f"unknown variant {v!r} (tcp, tcp-async, unix, rootfs)")
    for tool in (PGBENCH, PGBIN / "initdb", PGBIN / "postgres", PGBIN / "psql"):
        if not os.access(tool, os.X_OK):
            sys.exit(f"missing {tool} (apt-get install postgresql-15 postgresql-client-15)")

    tmp = Path(tempfile.mkdtemp(prefix="ink-bench-pg-"))
    templates = tmp / "templates"
    shutil.copytree(REPO / "templates", templates)
    if not a.no_cold:
        dockerfile = templates / "postgres/Dockerfile"
        lines = dockerfile.read_text().splitlines(keepends=True)
        i = next(n for n, l in enumerate(lines) if l.startswith("FROM "))
        lines.insert(i + 1, f"ARG INK_BENCH_COLD={secrets.token_hex(8)}\n")
        dockerfile.write_text("".join(lines))

    inkd = harness.Inkd(name=harness.unique("bench"), extra_args=["--templates", str(templates)])
    host = pgroot = None
    results = {}
    try:
        inkd.start()
        inkd.login()
        inkd.cli("projects", "create", PROJECT, json=False)
        log(f"load average at start: {os.getloadavg()}")

        # 1. deploy to healthy
        cold_ms = deploy(inkd, "pg", a.cpu)
        build_log = "".join(p.read_text(errors="replace")
                            for p in (inkd.data_dir / "builds").glob("*.log"))
        cold_steps = (len(re.findall(r"^STEP \d+/\d+", build_log, re.M)),
                      len(re.findall(r"Using cache", build_log)))
        log(f"cold deploy: {cold_ms:.0f} ms; build log: {cold_steps[0]} steps, "
            f"{cold_steps[1]} of them from the cache")
        cached = []
        for i in range(1, a.cached + 1):
            ms = deploy(inkd, f"pgc{i}", a.cpu)
            cached.append(ms)
            log(f"cached deploy pgc{i}: {ms:.0f} ms")
            delete_service(inkd, f"pgc{i}")
        if "rootfs" in variants:
            # The same server with its data dir in the container's root filesystem (no volume).
            deploy(inkd, "pgroot", a.cpu, "--env", f"PGDATA={ROOTFS_PGDATA}")
        vols = volumes(inkd)
        pg = InkPostgres(inkd, "pg")
        mount = pg.exec("sh", "-c", "grep ' /var/lib/postgresql/data ' /proc/mounts || "
                        "echo '(no mount: the container root filesystem)'").strip()
        log(f"volumes after deploy: {json.dumps(vols)}")
        log(f"data dir mount in the container: {mount}")

        # 2. pgbench
        password = pg.exec("printenv", "PGPASSWORD").strip()
        ink_ip = pg.address()
        host = HostPostgres(tmp, password)
        host.start()
        log(f"host postgres {host.version()} on 127.0.0.1:{host.port}; "
            f"ink postgres {pg.psql('show server_version').strip()} on {ink_ip}:5432")
        ink_init = init_pgbench_host(a, ink_ip, 5432, password)
        if "rootfs" in variants:
            pgroot = InkPostgres(inkd, "pgroot")
            root_password = pgroot.exec("printenv", "PGPASSWORD").strip()
            root_ip = pgroot.address()
            root_mount = pgroot.exec("sh", "-c", f"grep -c ' {ROOTFS_PGDATA} ' /proc/mounts "
                                     "|| true").strip()
            log(f"pgroot on {root_ip}: data dir {ROOTFS_PGDATA}, mounts on it: {root_mount}")
            init_pgbench_host(a, root_ip, 5432, root_password)
        host_init = init_pgbench_host(a, "127.0.0.1", host.port, password)
        log(f"pgbench -i -s {a.scale}: ink {ink_init:.0f} ms, host {host_init:.0f} ms")

        def run(side, variant):
            if variant == "unix":
                if side == "ink":
                    out = pg.exec(PGBENCH_IN_IMAGE, "-h", "/var/run/postgresql", "-U",
                                  "postgres", *pgbench_args(a), "app",
                                  timeout=a.duration + 300)
                    return parse_pgbench(out)
                return run_pgbench_host(a, str(host.sock), host.port, password)
            if side == "ink" and variant == "rootfs":
                return run_pgbench_host(a, root_ip, 5432, root_password)
            if side == "ink":
                return run_pgbench_host(a, ink_ip, 5432, password)
            return run_pgbench_host(a, "127.0.0.1", host.port, password)

        for variant in variants:
            sync = "off" if variant == "tcp-async" else "on"
            set_sync_commit(pgroot if variant == "rootfs" else pg, sync)
            set_sync_commit(host, sync)
            for r in range(a.rounds):
                order = ("ink", "host") if r % 2 == 0 else ("host", "ink")
                for side in order:
                    tps, lat = run(side, variant)
                    results.setdefault((variant, side), []).append((tps, lat))
                    log(f"{variant} round {r + 1} {side}: {tps:.1f} tps, {lat:.3f} ms "
                        f"(load {os.getloadavg()[0]:.1f})")

        # report
        print(f"\nPostgres template, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
              f"load average at the end {os.getloadavg()}")
        print(f"cold build: {cold_steps[0]} steps, {cold_steps[1]} from the cache")
        print(f"deploy to healthy: cold {cold_ms / 1000:.1f} s; cached "
              + " / ".join(f"{c / 1000:.1f}" for c in cached) + " s"
              + (f" (median {statistics.median(cached) / 1000:.1f})" if cached else ""))
        print(f"data dir: volumes {json.dumps(vols)}; mount: {mount}")
        print(f"pgbench -i -s {a.scale}: ink {ink_init / 1000:.1f} s, host {host_init / 1000:.1f} s")
        print(f"pgbench {' '.join(pgbench_args(a))} (default TPC-B-like), {a.rounds} rounds\n")
        print("| variant | side | TPS median (min-max) | latency avg ms median (min-max) | "
              "host/Ink TPS |")
        print("|---|---|---|---|---|")
        for variant in variants:
            med = {}
            for side in ("ink", "host"):
                runs = results[(variant, side)]
                t, l = stats([x[0] for x in runs]), stats([x[1] for x in runs])
                med[side] = t[0]
                ratio = f"{med['host'] / med['ink']:.2f}" if side == "host" else ""
                print(f"| {variant} | {side} | {t[0]:.0f} ({t[1]:.0f}-{t[2]:.0f}) | "
                      f"{l[0]:.2f} ({l[1]:.2f}-{l[2]:.2f}) | {ratio} |")
    finally:
        if host:
            host.stop()
        try:
            for s in ("pg", "pgroot", *(f"pgc{i}" for i in range(1, a.cached + 1))):
                delete_service(inkd, s)
            delete_volumes(inkd)
        except Exception as e:  # teardown below still removes containers by label
            log(f"cleanup through the API: {e}")
        inkd.teardown()
        remove_images(inkd.name)
        shutil.rmtree(tmp, ignore_errors=True)


def remove_images(instance):
    """The images this run built (tagged and intermediate, all labelled ink.instance=INSTANCE;
    the cache-busting ARG makes every layer after FROM this run's own), under the host's
    image-store lock as inkd's GC takes it (scripts/prune-test-images.sh)."""
    lock = os.environ.get("INK_IMAGE_STORE_LOCK") or (
        "/run/lock/ink-image-store.lock" if os.access("/run/lock", os.W_OK)
        else os.path.join(tempfile.gettempdir(), "ink-image-store.lock"))
    label = f"label=ink.instance={instance}"
    script = ('ids=$(podman images -q --filter "$1"); [ -z "$ids" ] || podman rmi -f $ids; '
              'podman image prune -f --filter "$1"')
    p = subprocess.run(["flock", "-w", "120", lock, "sh", "-c", script, "sh", label],
                       capture_output=True, text=True)
    left = harness.podman("images", "-a", "-q", "--filter", label, check=False).stdout.split()
    if p.returncode != 0 or left:
        log(f"images of {instance} left behind ({len(left)}): {p.stderr[-500:]}")


PGBENCH_IN_IMAGE = "/usr/lib/postgresql/15/bin/pgbench"
ROOTFS_PGDATA = "/var/lib/postgresql/rootfs-pgdata"

if __name__ == "__main__":
    main()
