"""Metrics history survives an inkd restart (issue 11): minute points of the last 30 days are
kept in DATA/metrics/coarse.journal, so get_metrics over 24h after a restart still shows the
minutes sampled before it (the 10 s ring of the last hour is memory only and starts empty)."""

import time

import harness
from harness import InkTestCase, log, unique, wait_until


class MetricsHistory(InkTestCase):
    inkd_args = ("--metrics-interval", "1")

    def metrics(self, window):
        return self.inkd.api_ok(
            "GET", f"/v1/projects/{self.project}/services/web/metrics?window={window}&series=true")

    def test_minutes_survive_a_restart(self):
        self.project = unique("hist")
        self.inkd.create_project(self.project)
        out = self.inkd.deploy(self.project, "web", self.image, port=8080)
        self.inkd.wait_serving(out["url"])
        started = time.monotonic()

        # A closed minute and the open one: two points over 24h (up to two minutes of sampling).
        def closed_minute():
            m = self.metrics("24h")
            return m if m["points"] >= 2 else False
        before = wait_until(closed_minute, timeout=150, what="a closed minute of samples")
        closed = before["series"]["at"][:-1]  # the last point is the minute still open
        log(f"before restart after {time.monotonic() - started:.0f}s: minutes {closed}")

        self.inkd.stop()
        self.inkd.start()
        after = self.metrics("24h")
        log(f"after restart: {after['points']} points at {after['series']['at']}")
        for at in closed:
            self.assertIn(at, after["series"]["at"], after)
        # The fine ring (windows up to 1h) is memory only: it restarts empty or nearly so.
        self.assertLessEqual(self.metrics("5m")["points"], 5)
        # The journal is where the history lives, mode 0600 like the rest of inkd's state.
        journal = self.inkd.data_dir / "metrics" / "coarse.journal"
        self.assertTrue(journal.exists())
        self.assertEqual(journal.stat().st_mode & 0o077, 0, oct(journal.stat().st_mode))


if __name__ == "__main__":
    harness.main()
