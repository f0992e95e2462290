#!/usr/bin/env python3
"""What the gVisor gap of bench.py is made of: the template's PostgreSQL with its data dir on a
bind mount (as an Ink volume is mounted), run by plain podman outside Ink under three runtimes,
pgbench from the host to the container's address, interleaved rounds.

  python3 bench/postgres/file_access.py [--rounds 3] [--duration 20] [--clients 4] [--threads 2]

  runsc shared     runsc exactly as Ink's runsc-hostnet wrapper runs it (--network=host
                   --platform=ptrace); bind mounts get runsc's default --file-access-mounts=shared
                   (9p, cache=remote_revalidating: every access revalidated with the gofer)
  runsc exclusive  the same plus --file-access-mounts=exclusive (the sentry caches the mount as
                   it does the root filesystem; right when nothing outside writes the directory,
                   as for a volume with one service)
  crun             no gVisor: the same container, bind mount and network under crun
  ... on loop ext4 the data dir is a loop-mounted ext4 image instead of a plain directory of the
                   host's ext4, made as Ink's volume host makes a volume (mkfs.ext4 -m 0, mount
                   -o loop,nodev,nosuid)
  (each also with synchronous_commit=off, to separate the fsync cost)

The image is built from templates/postgres with `podman build` (tag localhost/ink-bench/pg:<id>,
layers from the shared cache where they exist); the runtime wrappers live in a temp dir (the
host's runsc-hostnet is not touched). Containers, the tag and the temp dirs are removed at exit.
"""
import argparse
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402
from bench import harness, log  # noqa: E402

WRAPPER = """#!/bin/sh
args=""
for a in "$@"; do
  [ "$a" = "--tty" ] && continue
  args="$args '$(printf '%s' "$a" | sed "s/'/'\\\\\\\\''/g")'"
done
eval "exec /usr/bin/runsc --network=host --platform=ptrace {flags} $args"
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=20)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--scale", type=int, default=10)
    a = ap.parse_args()
    nonce = secrets.token_hex(4)
    tmp = Path(tempfile.mkdtemp(prefix="ink-bench-fa-"))
    image = f"localhost/ink-bench/pg:{nonce}"
    password = secrets.token_hex(12)
    runtimes = {}
    for name, flags in (("runsc shared", ""), ("runsc exclusive", "--file-access-mounts=exclusive")):
        w = tmp / name.replace(" ", "-")
        w.write_text(WRAPPER.format(flags=flags))
        w.chmod(0o755)
        runtimes[name] = str(w)
    runtimes["crun"] = "crun"
    configs = [("runsc shared", "dir"), ("runsc exclusive", "dir"), ("crun", "dir"),
               ("runsc shared", "loop"), ("crun", "loop")]
    mounts = []
    names = []
    try:
        harness.run(["podman", "build", "-q", "-t", image, str(bench.REPO / "templates/postgres")],
                    timeout=1200)
        ips = {}
        for runtime, storage in configs:
            rt = f"{runtime}, {'plain dir' if storage == 'dir' else 'loop ext4'}"
            slug = f"{runtime}-{storage}".replace(" ", "-")
            data = tmp / ("data-" + slug)
            data.mkdir()
            if storage == "loop":
                img = tmp / f"{slug}.img"
                with open(img, "wb") as f:
                    f.truncate(1 << 30)
                harness.run(["mkfs.ext4", "-q", "-F", "-m", "0", str(img)])
                harness.run(["mount", "-t", "ext4", "-o", "loop,nodev,nosuid", str(img),
                             str(data)])
                mounts.append(data)
            data.chmod(0o777)
            cname = f"ink-bench-fa-{nonce}-{slug}"
            names.append(cname)
            harness.podman("run", "-d", "--name", cname, "--runtime", runtimes[runtime],
                           "--memory", "512m",
                           "-e", f"PGPASSWORD={password}", "-e", "PGDATABASE=app",
                           "-v", f"{data}:/var/lib/postgresql/data", image)
            ip = harness.podman_json("inspect", cname)[0]["NetworkSettings"]["IPAddress"]

            def up(ip=ip):
                try:
                    socket.create_connection((ip, 5432), timeout=1).close()
                    return True
                except OSError:
                    return False
            harness.wait_until(up, timeout=120, what=f"postgres under {rt}")
            ips[rt] = ip
            ms = bench.init_pgbench_host(a, ip, 5432, password)
            log(f"{rt}: {ip}, pgbench -i -s {a.scale} {ms:.0f} ms")
        results = {}
        for sync in ("on", "off"):
            for rt, ip in ips.items():
                subprocess.run([str(bench.PGBIN / "psql"), "-h", ip, "-U", "postgres", "-c",
                                f"alter system set synchronous_commit = {sync}", "-c",
                                "select pg_reload_conf()", "app"], check=True,
                               capture_output=True, env=dict(os.environ, PGPASSWORD=password))
            for r in range(a.rounds):
                order = list(ips) if r % 2 == 0 else list(reversed(ips))
                for rt in order:
                    tps, lat = bench.run_pgbench_host(a, ips[rt], 5432, password)
                    results.setdefault((rt, sync), []).append((tps, lat))
                    log(f"sync={sync} round {r + 1} {rt}: {tps:.1f} tps {lat:.3f} ms "
                        f"(load {os.getloadavg()[0]:.1f})")
        print(f"\nbind-mounted data dir, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
              f"pgbench {' '.join(bench.pgbench_args(a))}, {a.rounds} rounds, load at the end "
              f"{os.getloadavg()}\n")
        print("| runtime | synchronous_commit | TPS median (min-max) | latency avg ms median |")
        print("|---|---|---|---|")
        for (rt, sync), runs in results.items():
            t = bench.stats([x[0] for x in runs])
            print(f"| {rt} | {sync} | {t[0]:.0f} ({t[1]:.0f}-{t[2]:.0f}) | "
                  f"{statistics.median(x[1] for x in runs):.2f} |")
    finally:
        if names:
            harness.podman("rm", "-f", "-t", "0", *names, check=False)
        harness.podman("rmi", image, check=False)
        for m in mounts:
            harness.run(["umount", str(m)], check=False)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
