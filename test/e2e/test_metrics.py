"""Metrics (issue 11): what get_metrics, `ink metrics` and /metrics show of real workloads.

Services built by Ink from test/fixtures/metrics-app (a perl app on Ink's local base image),
with inkd sampling every second (--metrics-interval 1):
  burn  MODE=burn, --cpu 0.5 (gVisor): two processes spin; get_metrics shows about 0.5 cores
        (0.2-0.65: less when the host is saturated) against a limit of 0.5, and the "CPU at ..%
        of its limit" hint when it is at 90% of it
  hog   MODE=hog, --memory 48m (runc): grows 2 MiB every 250 ms; memory rises, then the kernel
        kills it: an oom_killed (or crashed) event in list_events, and get_metrics counts it
  net   MODE=idle: 200 downloads of 100 KB through the edge raise its tx bytes/s, and the
        edge's request counters: at least 200 requests, 200 of them 2xx, with latencies
Then /metrics (admin token as bearer) lists the three services and inkd itself, and
`promtool check metrics` accepts it; without a token it is a 401.
"""

import shutil
import subprocess
import time

import harness
from harness import InkTestCase, http_request, log, unique, wait_until

APP = harness.FIXTURES / "metrics-app"


class Metrics(InkTestCase):
    inkd_args = ("--metrics-interval", "1")

    def metrics(self, service, **query):
        q = "&".join(f"{k}={v}" for k, v in query.items())
        return self.inkd.api_ok(
            "GET", f"/v1/projects/{self.project}/services/{service}/metrics?{q}")

    def deploy(self, service, *flags):
        out = self.ink("deploy", self.src, "--project", self.project, "--service", service,
                       *flags, "--wait", timeout=300)
        self.assertEqual(out.json["deployment"]["status"], "active", out.json)

    def test_metrics(self):
        started = time.monotonic()
        self.project = unique("metrics")
        self.inkd.create_project(self.project)
        self.src = self.inkd.tmp / "metrics-app"
        shutil.copytree(APP, self.src)
        self.deploy("burn", "--env", "MODE=burn", "--cpu", "0.5")
        self.deploy("hog", "--env", "MODE=hog", "--memory", "48m", "--runtime", "runc")
        self.deploy("net", "--env", "MODE=idle")
        log(f"deployed in {time.monotonic() - started:.1f}s")

        # Network: 20 MB out through the edge (100 KB answers: 1 MB ones came back cut at
        # 169,577 bytes through the edge; left for the edge's owner).
        # A rate needs two readings: wait until the sampler has net's baseline (under CI load a
        # sampling pass can take seconds), so the downloads fall inside a sampled interval.
        wait_until(lambda: self.metrics("net", window="5m")["points"] >= 1, timeout=60,
                   what="a first sample of net")
        host = self.inkd.service_host("net", self.project)
        received = 0
        for _ in range(200):
            status, _, body = self.inkd.edge_get(host, "/bytes/100000", timeout=20)
            self.assertEqual(status, 200)
            received += len(body)
        log(f"net: received {received} bytes through the edge")

        # CPU: a few seconds of samples at the limit.
        def burning():
            m = self.metrics("burn", window="5m")
            return m if m["points"] >= 5 else False
        burn = wait_until(burning, timeout=60, what="5 samples of burn")
        log(f"burn: {burn['cpu']} hints {burn['hints']}")
        cores = burn["cpu"]["cores"]
        self.assertEqual(burn["cpu"]["limit_cores"], 0.5)
        # The limit is a ceiling: on a host saturated by other work (CI runs e2e tests side by
        # side on 2 cores) the burner gets less than it, so the floor is lower than the limit
        # and the hint (given at 90% of the limit) is asserted when the figures call for it.
        self.assertGreaterEqual(cores["p50"], 0.2, burn)
        self.assertLessEqual(cores["max"], 0.65, burn)
        at_limit = max(cores["p95"], cores["current"]) >= 0.9 * 0.5
        self.assertEqual(any("CPU at" in h for h in burn["hints"]), at_limit, burn)

        # Memory: rising, then killed at the limit.
        def oom_event():
            events = self.inkd.api_ok(
                "GET", f"/v1/projects/{self.project}/events?service=hog&kind=oom_killed,crashed")
            return events["events"] or False
        events = wait_until(oom_event, timeout=90, what="hog's OOM event")
        log(f"hog events: {[(e['kind'], e['message']) for e in events]}")
        hog = self.metrics("hog", window="5m", series="true")
        log(f"hog: memory {hog['memory']} oom_kills {hog['oom_kills']} hints {hog['hints']}")
        self.assertEqual(hog["memory"]["limit_bytes"], 48 << 20)
        memory = hog["series"]["memory_bytes"]
        self.assertGreater(max(memory), 20 << 20, memory)
        self.assertLess(min(memory), max(memory) / 2, memory)  # it rose
        self.assertGreaterEqual(hog["oom_kills"] + hog["restarts"], 1, hog)
        if any(e["kind"] == "oom_killed" for e in events):
            self.assertGreaterEqual(hog["oom_kills"], 1, hog)

        # The interval holding the downloads is sampled at the next pass.
        def net_sent():
            m = self.metrics("net", window="5m")
            return m if m["network"]["tx_bytes_per_s"]["max"] > 100_000 else False
        net = wait_until(net_sent, timeout=60, what="net's tx bytes/s after 20 MB out")
        log(f"net: {net['network']} requests {net['requests']}")
        # The edge counts each request per service (edge-stats.json, written every second and
        # read by the sampler's next pass): all 200 downloads, with latencies.
        def net_counted():
            m = self.metrics("net", window="5m")
            if m["requests"]["total"] < 200:
                raise ValueError(f"requests so far: {m['requests']}")
            return m
        net = wait_until(net_counted, timeout=30, what="net's 200 requests counted by the edge")
        log(f"net: requests {net['requests']}")
        self.assertGreaterEqual(net["requests"]["status"]["2xx"], 200, net)
        self.assertIn("latency_ms", net["requests"])

        # Bad input changes nothing and says what to give.
        status, err = self.inkd.api(
            "GET", f"/v1/projects/{self.project}/services/burn/metrics?window=1y")
        self.assertEqual(status, 400, err)
        self.assertIn("24h", err["error"]["message"])
        status, err = self.inkd.api("GET", f"/v1/projects/{self.project}/services/nope/metrics")
        self.assertEqual(status, 404, err)

        # The CLI: a chart and the hints; --json is the operation's answer.
        chart = self.ink("metrics", "burn", "--project", self.project, "--window", "5m",
                         json=False)
        log("ink metrics burn:\n" + chart.stdout)
        self.assertIn("CPU ", chart.stdout)
        self.assertIn("(limit 0.50 cores)", chart.stdout)
        self.assertTrue(any(c in chart.stdout for c in "▁▂▃▄▅▆▇█"), chart.stdout)
        # Hints are printed under the chart: hog's OOM kills give one whatever the host's load.
        hog_chart = self.ink("metrics", "hog", "--project", self.project, "--window", "5m",
                             json=False).stdout
        log("ink metrics hog:\n" + hog_chart)
        self.assertIn("hint: ", hog_chart)
        self.assertTrue("OOM kill" in hog_chart or "restart" in hog_chart, hog_chart)
        as_json = self.ink("metrics", "burn", "--project", self.project)
        self.assertEqual(as_json.json["service"], "burn")

        # get_cost: burn reserves 0.5 cores and inkd's default 512m; at the default prices
        # ($20 per vCPU-month, $10 per GiB-month) that is $10 + $5 a month; measured CPU is
        # what it burned. Too few minutes sampled for a suggestion: the note says so.
        cost = self.ink("cost", "burn", "--project", self.project, "--window", "1h").json
        log(f"ink cost burn: {cost}")
        row = cost["services"][0]
        self.assertEqual(row["service"], "burn")
        self.assertAlmostEqual(row["reserved"]["monthly_by_resource"]["cpu"], 10.0, places=2)
        self.assertAlmostEqual(row["reserved"]["monthly_by_resource"]["memory"], 5.0, places=2)
        self.assertGreater(row["measured"]["monthly_by_resource"]["cpu"], 0.3 * 20 * 0.5, row)
        self.assertLessEqual(row["measured"]["monthly_by_resource"]["cpu"], 0.65 * 20, row)
        self.assertIn("suggestions need 10 min", row["note"])
        table = self.ink("cost", "--project", self.project, json=False).stdout
        log("ink cost:\n" + table)
        for service in ("burn", "hog", "net"):
            self.assertIn(service, table)
        self.assertIn("Total: reserved $", table)
        status, err = self.inkd.api("GET", f"/v1/projects/{self.project}/cost?window=forever")
        self.assertEqual(status, 400, err)

        # /metrics: Prometheus text, with the bearer token; promtool accepts it.
        status, _, text = http_request(self.inkd.api_host, self.inkd.api_port, "GET", "/metrics",
                                       headers={"Authorization": f"Bearer {self.inkd.token}"})
        self.assertEqual(status, 200, text)
        for service in ("burn", "hog", "net"):
            self.assertIn(f'ink_service_cpu_cores{{project="{self.project}",service="{service}"}}',
                          text)
        self.assertIn("ink_process_resident_memory_bytes ", text)
        self.assertIn("ink_process_cpu_seconds_total ", text)
        promtool = shutil.which("promtool")
        self.assertTrue(promtool, "promtool missing: scripts/prepare-host.sh installs prometheus")
        check = subprocess.run([promtool, "check", "metrics"], input=text,
                               capture_output=True, text=True, timeout=30)
        log(f"promtool: rc={check.returncode} {check.stdout.strip()} {check.stderr.strip()}")
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        status, _, _ = http_request(self.inkd.api_host, self.inkd.api_port, "GET", "/metrics")
        self.assertEqual(status, 401)
        log(f"test_metrics took {time.monotonic() - started:.1f}s")


if __name__ == "__main__":
    harness.main()
