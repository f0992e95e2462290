"""Volume snapshots under gVisor: write, snapshot, write more, restore. The service is rolled onto
a NEW volume holding the snapshot's data, the old volume still exists with everything written
after the snapshot, the snapshot outlives its volume, retention prunes the oldest, both outcomes
are in the service's events, and bad input is refused changing nothing."""

import json

import harness
from harness import InkTestCase, unique


class Snapshots(InkTestCase):
    def volumes(self, project):
        return {v["name"]: v for v in self.ink("volumes", "list", "--project", project).json["volumes"]}

    def snapshots(self, project, *extra):
        return self.ink("volumes", "snapshots", "--project", project, *extra).json["snapshots"]

    def refused(self, *args, says):
        res = self.ink(*args, json=False, check=False, input="")
        self.assertIn(res.rc, (1, 2), res)
        self.assertIn(says.lower(), (res.stderr + res.stdout).lower(), res)
        return res

    def sh(self, project, service, script, timeout=60):
        return self.ink("exec", service, "--project", project, "--", "sh", "-c", script,
                        json=False, check=False, input="", timeout=timeout)

    def test_snapshot_write_more_restore(self):
        project = unique("snap")
        self.ink("projects", "create", project)
        self.ink("volumes", "create", "data", "--size", "64Mi", "--project", project)
        mounts = lambda name: json.dumps([{"volume": name, "mount_path": "/data"}])
        out = self.ink("deploy", "--image", self.image, "--project", project, "--service", "web",
                       "--port", "8080", "--volumes", mounts("data"), "--wait").json
        self.assertEqual(out["deployment"]["status"], "active", out)

        # Before: 8 MiB of random data with its checksum, and a marker line.
        res = self.sh(project, "web", "echo 'before $x' > /data/a.txt && "
                      "head -c 8388608 /dev/urandom > /data/blob && "
                      "md5sum /data/blob | cut -d' ' -f1")
        self.assertEqual(res.rc, 0, res)
        blob_sum = res.stdout.strip()

        taken = self.ink("volumes", "snapshot", "data", "--label", "before migration 42",
                         "--project", project).json["snapshot"]
        self.assertEqual(taken["status"], "ready", taken)
        self.assertEqual(taken["label"], "before migration 42", taken)
        self.assertGreaterEqual(taken["size_bytes"], 8 << 20, taken)
        snap_id = taken["id"]
        harness.log(f"[snapshots] {snap_id}: {taken['size_bytes'] >> 20} MiB")

        # After: the service keeps writing; none of it is in the snapshot.
        res = self.sh(project, "web", "echo 'after' >> /data/a.txt && rm /data/blob && "
                      "echo new > /data/only-after && cat /data/a.txt")
        self.assertEqual(res.stdout, "before $x\nafter\n", res)

        # Bad input: refused with what was wrong; nothing changes.
        for args, says in [
            (("volumes", "snapshot", "nope"), "nope"),
            (("volumes", "restore", snap_id, "data"), "already"),
            (("volumes", "restore", "snap_doesnotexist", "data-x"), "snap_doesnotexist"),
            (("volumes", "restore", snap_id, "Bad/Name"), "name"),
            (("volumes", "update", "data", "--snapshot-retention", "0"), "retention"),
            (("volumes", "update", "data", "--snapshot-schedule", "25:00"), "schedule"),
            (("volumes", "snapshot", "data", "--label", "x" * 101), "label"),
        ]:
            self.refused(*args, "--project", project, says=says)
        self.assertEqual(sorted(self.volumes(project)), ["data"])
        self.assertEqual([s["id"] for s in self.snapshots(project)], [snap_id])

        # Restore into a NEW volume: the service is rolled onto it and sees the snapshot's data.
        restored = self.ink("volumes", "restore", snap_id, "data-2", "--project", project,
                            "--wait", timeout=320).json
        self.assertEqual(restored["volume"]["name"], "data-2", restored)
        self.assertEqual(restored["detached"], "data", restored)
        self.assertEqual(restored["deployment"]["status"], "active", restored)
        self.assertEqual(restored["deployment"]["rollout"], "stop-then-start", restored)
        res = self.sh(project, "web", "cat /data/a.txt; md5sum /data/blob | cut -d' ' -f1; "
                      "test -e /data/only-after && echo present || echo absent")
        self.assertEqual(res.stdout.splitlines(), ["before $x", blob_sum, "absent"], res)
        vols = self.volumes(project)
        self.assertEqual(vols["data-2"]["service"], "web", vols)
        self.assertEqual(vols["data-2"]["mount_path"], "/data", vols)

        # The old volume still exists, detached, with what was written after the snapshot.
        self.assertIsNone(vols["data"]["service"], vols)
        out = self.ink("deploy", "--image", self.image, "--project", project, "--service", "old",
                       "--port", "8080", "--volumes", mounts("data"), "--wait").json
        self.assertEqual(out["deployment"]["status"], "active", out)
        res = self.sh(project, "old", "cat /data/a.txt /data/only-after")
        self.assertEqual(res.stdout, "before $x\nafter\nnew\n", res)

        # Both outcomes are events of the service the volume was attached to.
        events = self.ink("services", "get", "web", "--project", project).json["service"]["events"]
        kinds = [e["kind"] for e in events]
        self.assertIn("snapshot_taken", kinds, events)

        # Retention: with 2 kept, a third snapshot of data-2 prunes its oldest.
        self.ink("volumes", "update", "data-2", "--snapshot-retention", "2", "--project", project)
        ids = [self.ink("volumes", "snapshot", "data-2", "--project", project).json["snapshot"]["id"]
               for _ in range(3)]
        kept = [s["id"] for s in self.snapshots(project, "--volume", "data-2")]
        self.assertEqual(kept, [ids[2], ids[1]], kept)

        # A snapshot outlives its volume and can still be restored; the project stays while it
        # has snapshots.
        self.ink("services", "delete", "old", "--project", project)
        self.ink("volumes", "delete", "data", "--project", project)
        self.assertIn(snap_id, [s["id"] for s in self.snapshots(project, "--volume", "data")])
        self.ink("volumes", "restore", snap_id, "data-3", "--project", project)
        self.assertIn("data-3", self.volumes(project))
        self.ink("volumes", "delete-snapshot", snap_id, "--project", project)
        self.assertNotIn(snap_id, [s["id"] for s in self.snapshots(project)])
        # With every volume gone, the project still stays while it has snapshots.
        self.ink("services", "delete", "web", "--project", project, "--delete-volumes")
        self.ink("volumes", "delete", "data-3", "--project", project)
        self.assertEqual(self.volumes(project), {})
        self.refused("projects", "delete", project, says="snapshot")
        for snap in self.snapshots(project):
            self.ink("volumes", "delete-snapshot", snap["id"], "--project", project)
        self.ink("projects", "delete", project)


if __name__ == "__main__":
    harness.main()
