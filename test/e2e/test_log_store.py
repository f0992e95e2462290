"""The log store under a flood (issue 11): a service printing 50,000 lines/s for 10 s.

One service, built by Ink from test/fixtures/log-flood (a perl app, Ink's local base image),
rolled out three times by env changes (each a new deployment that replaces the replica):
  A  FLOOD_TO=null   50,000 lines/s to /dev/null: the loop rate without any log collection
  B  FLOOD_TO=stdout the same flood to stdout: collected by conmon and Ink's collector
  C  FLOOD_SECONDS=0 quiet: B's replica is gone, its lines must still be in the store

inkd runs with --log-max-bytes 512k and --log-rate 10000 (burst 10000), so the flood both
overfills the store (about 100,000 lines of ~60 bytes are stored) and goes over the rate (about
40,000 lines/s are dropped and counted).

Always asserted: the service's store stays within 512 KiB plus one segment (64 KiB); get_logs
and `ink logs` show the drop count; regex, substring and cursor paging return exactly the
lines emitted; `ink logs -f` shows a new line (within 5 s; within 1 s with INK_E2E_TIMING=1);
B's lines are still there after C replaced it and after an inkd restart; inkd's budget over the
flood window of B: CPU at most 0.25 of a core on average and peak RSS (VmHWM) at most 64 MiB (measured:
0.04-0.05 cores, 26 MiB).

With INK_E2E_TIMING=1 also: B's loop rate is within 10% of A's, and -f within 1 s. On 2 busy
cores (CI runs every e2e file side by side) the loop rate of one 10-s run moves by more than
10% on its own, so by default the ratio is logged, not asserted.
"""

import os
import queue
import shutil
import subprocess
import threading
import time
from pathlib import Path

import harness
from harness import INK, InkTestCase, log, podman_json, unique, wait_until

FLOOD_APP = harness.FIXTURES / "log-flood"
MAX_BYTES = 512 << 10
SEGMENT_BYTES = 64 << 10
CPU_BUDGET_CORES = 0.25
RSS_BUDGET_KIB = 64 << 10
TIMING = os.environ.get("INK_E2E_TIMING") == "1"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pid):
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def status_kib(pid, key):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {key} in /proc/{pid}/status")


def parse_rate(text):
    return {k: float(v) for k, v in (p.split("=") for p in text.split())}


class LogStore(InkTestCase):
    inkd_args = ("--log-max-bytes", "512k", "--log-rate", "10000", "--log-burst", "10000")

    def logs(self, **query):
        q = "&".join(f"{k}={v}" for k, v in query.items())
        return self.inkd.api_ok(
            "GET", f"/v1/projects/{self.project}/services/flood/logs?{q}")

    def rate_of(self, deployment):
        """Waits for deployment's replica to finish its flood; returns its /rate numbers."""
        host = self.inkd.service_host("flood", self.project)

        def done():
            svc = self.inkd.get_service(self.project, "flood")
            if svc.get("active_deployment_id") != deployment:
                return False
            status, _, body = self.inkd.edge_get(host, "/rate")
            return status == 200 and "spins_per_s" in body and parse_rate(body)
        return wait_until(done, timeout=60, what=f"{deployment}'s flood to finish")

    def set_env(self, *pairs):
        out = self.ink("env", "set", "flood", *pairs, "--project", self.project, "--wait",
                       timeout=180)
        svc = self.inkd.wait_running(self.project, "flood")
        return svc["active_deployment_id"]

    def emit(self, tag, n):
        status, _, _ = self.inkd.edge_get(self.inkd.service_host("flood", self.project),
                                          f"/emit/{tag}/{n}")
        self.assertEqual(status, 200)

    def test_flood(self):
        started = time.monotonic()
        self.project = unique("logs")
        self.inkd.create_project(self.project)
        src = self.inkd.tmp / "log-flood"
        shutil.copytree(FLOOD_APP, src)
        out = self.ink("deploy", src, "--project", self.project, "--service", "flood",
                       "--env", "FLOOD_TO=null", "--wait", timeout=300)
        dep_a = out.json["deployment"]["id"]
        self.inkd.wait_running(self.project, "flood")
        without = self.rate_of(dep_a)
        log(f"A (to /dev/null): {without} after {time.monotonic() - started:.1f}s")

        # B: the same flood, collected. inkd's CPU and peak RSS over its flood window.
        pid = self.inkd.proc.pid
        ticks_before = cpu_ticks(pid)
        window_start = time.monotonic()
        dep_b = self.set_env("FLOOD_TO=stdout")
        with_collection = self.rate_of(dep_b)
        window = time.monotonic() - window_start
        cpu = (cpu_ticks(pid) - ticks_before) / CLOCK_TICKS / window
        rss_peak = status_kib(pid, "VmHWM")
        log(f"B (to stdout): {with_collection}; inkd over {window:.1f}s: {cpu:.2f} cores, "
            f"peak RSS {rss_peak} KiB, RSS now {status_kib(pid, 'VmRSS')} KiB")
        ratio = with_collection["spins_per_s"] / without["spins_per_s"]
        log(f"loop rate with collection / without: {ratio:.3f}")
        self.assertGreater(with_collection["lines_per_s"], 49000, with_collection)
        self.assertLessEqual(cpu, CPU_BUDGET_CORES)
        self.assertLessEqual(rss_peak, RSS_BUDGET_KIB)
        if TIMING:
            self.assertGreaterEqual(ratio, 0.9, (without, with_collection))

        # podman's own log file of the replica is rotated (inkd --container-log-max, 16m by
        # default): the flood wrote ~50 MB through it.
        rep = self.inkd.get_service(self.project, "flood")["replicas_observed"][0]
        log_path = podman_json("inspect", rep["container_id"])[0]["HostConfig"]["LogConfig"]["Path"]
        ctr_log = os.path.getsize(log_path)
        log(f"podman's log file {log_path}: {ctr_log} bytes")
        self.assertLessEqual(ctr_log, 17 << 20)

        # The store stayed within its bound, and the drops are counted and shown.
        svc_id = self.inkd.get_service(self.project, "flood")["id"]
        store_dir = self.inkd.data_dir / "logs" / svc_id

        def flood_stored():
            page = self.logs(tail=3)
            return page if page["dropped_total"] > 0 and any(
                l["text"].startswith("flood 49") for l in page["lines"]) else False
        try:
            page = wait_until(flood_stored, timeout=20, what="the flood in the store")
        except AssertionError:
            log(f"last page: {self.logs(tail=3)}\n{self.inkd.log_tail()}")
            raise
        stored = sum(f.stat().st_size for f in store_dir.iterdir())
        log(f"store {store_dir.name}: {stored} bytes, dropped_total {page['dropped_total']}")
        self.assertLessEqual(stored, MAX_BYTES + SEGMENT_BYTES)
        # 50,000/s for 10 s against 10,000/s (burst 10,000): about 390,000 lines dropped, all
        # counted, though the oldest segments went with their drop notes (the store keeps their
        # count).
        self.assertGreater(page["dropped_total"], 300000, page)
        notes = self.logs(tail=2000, filter="lines%20dropped")["lines"]
        self.assertTrue(notes and all(l["stream"] == "ink" for l in notes), notes[:3])
        plain = self.ink("logs", "flood", "--project", self.project, "--tail", "2000",
                         "--filter", "lines dropped", json=False).stdout
        self.assertIn("lines dropped: this replica logged faster than its rate limit", plain)

        # Exact search and paging over lines the app prints on request.
        cursor = self.logs(tail=1)["next_cursor"]
        tag = unique("t")
        self.emit(tag, 30)
        want = [f"{tag}-{i}" for i in range(1, 31)]

        def texts(**query):
            # A drop note passes every filter (the lines it stands for might have matched); the
            # flood's notes are older than the cursor but within tail.
            return [l["text"] for l in self.logs(**query)["lines"] if l["stream"] != "ink"]
        wait_until(lambda: texts(filter=f"{tag}-30") == [f"{tag}-30"], timeout=10,
                   what="the emitted lines")
        self.assertEqual(texts(filter=tag, tail=100), want)
        self.assertEqual(texts(filter=f"{tag}-1", tail=100),
                         [f"{tag}-1"] + [f"{tag}-{i}" for i in range(10, 20)])
        self.assertEqual(texts(regex=f"^{tag}-[0-9]*7$", tail=100),
                         [f"{tag}-7", f"{tag}-17", f"{tag}-27"])
        self.assertEqual(texts(regex=f"^{tag}-(2[5-9]|30)$", tail=3),
                         [f"{tag}-28", f"{tag}-29", f"{tag}-30"])
        paged, pages = [], 0
        while True:
            page = self.logs(cursor=cursor, tail=7)
            pages += 1
            paged += [l["text"] for l in page["lines"]]  # no drop notes after the cursor
            if not page["lines"]:
                break
            cursor = page["next_cursor"]
        self.assertEqual(paged, want)  # nothing else was printed after the cursor
        self.assertEqual(pages, 6)  # 7+7+7+7+2, then an empty page
        cli = self.ink("logs", "flood", "--project", self.project, "--regex",
                       f"^{tag}-3[0-9]?$").json["lines"]
        self.assertEqual([l["text"] for l in cli if l["stream"] != "ink"],
                         [f"{tag}-3", f"{tag}-30"])

        # ink logs -f: a line printed after following started.
        follow = subprocess.Popen([str(INK), "logs", "flood", "--project", self.project,
                                   "--tail", "1", "-f"], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, env=self.inkd.cli_env())
        lines_q = queue.Queue()
        threading.Thread(target=lambda: [lines_q.put((time.monotonic(), l))
                                         for l in follow.stdout], daemon=True).start()
        try:
            time.sleep(1)  # following has started (the first line, the current tail, arrives)
            late = unique("late")
            sent = time.monotonic()
            self.emit(late, 1)
            seen = None
            while seen is None and time.monotonic() < sent + 10:
                try:
                    at, line = lines_q.get(timeout=1)
                    if f"{late}-1" in line:
                        seen = at - sent
                except queue.Empty:
                    pass
            log(f"logs -f showed a new line after {seen}s")
            self.assertIsNotNone(seen, "logs -f never showed the new line")
            self.assertLess(seen, 1.0 if TIMING else 5.0)
        finally:
            follow.terminate()
            follow.wait(10)

        # C replaces B's replica: B's lines are kept, labelled with their deployment.
        dep_c = self.set_env("FLOOD_SECONDS=0")
        self.assertNotEqual(dep_c, dep_b)
        kept = [l for l in self.logs(filter=tag, tail=100)["lines"] if l["stream"] != "ink"]
        self.assertEqual([l["text"] for l in kept], want)
        self.assertTrue(all(l["replica"] == f"0@{dep_b}" for l in kept), kept[:2])
        by_deployment = self.inkd.api_ok(
            "GET", f"/v1/deployments/{dep_b}/logs?filter={tag}&tail=100")["runtime_log"]
        self.assertEqual([l["text"] for l in by_deployment["lines"] if l["stream"] != "ink"], want)

        # ... and after an inkd restart.
        self.inkd.stop()
        self.inkd.start()
        self.assertEqual(texts(filter=tag, tail=100), want)
        self.assertLessEqual(sum(f.stat().st_size for f in store_dir.iterdir()),
                             MAX_BYTES + SEGMENT_BYTES)
        log(f"test_flood took {time.monotonic() - started:.1f}s")


if __name__ == "__main__":
    harness.main()
