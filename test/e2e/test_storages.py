"""Object-storage destinations end to end (issue 14): `ink storage set|list|rm` through a real
inkd, whose rclone checks each destination against a real s3rver on loopback before saving it.
A missing bucket and refused credentials are clear errors that save nothing; secrets never come
back out (CLI output, API answers, inkd's log, the database file); inkd's AWS_CA_BUNDLE (which
breaks rclone 1.60) does not reach rclone. s3rver checks access key ids, not signatures, so the
refused credentials here are an unknown key id."""

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import harness
from harness import InkTestCase, free_port, log, wait_until

S3RVER_DIR = Path(os.environ.get("INK_S3RVER_DIR", "/var/cache/ink/s3rver"))
SECRET = "s3rver-secret-Zq7-never-shown"


class S3rver:
    """s3rver@3.7.1 (npm, installed by prepare-host) on a free loopback port, with bucket bk1."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="ink-s3rver-"))
        self.port = free_port()
        self.proc = None

    def start(self):
        binary = S3RVER_DIR / "node_modules" / ".bin" / "s3rver"
        if not binary.exists():
            raise AssertionError(f"{binary} is missing: run scripts/prepare-host.sh")
        (self.dir / "data").mkdir()
        self.log = open(self.dir / "s3rver.log", "w")
        self.proc = subprocess.Popen(
            ["node", str(binary), "-d", str(self.dir / "data"), "-a", "127.0.0.1", "-p",
             str(self.port), "--configure-bucket", "bk1"],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(lambda: "listening" in (self.dir / "s3rver.log").read_text(), timeout=30,
                   what="s3rver to listen")
        return self

    def stop(self):
        if self.proc:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def objects(self):
        return sorted(str(p.relative_to(self.dir / "data")) for p in (self.dir / "data").rglob("*")
                      if p.is_file())


class StoragesTest(InkTestCase):
    # inkd's own environment carries AWS_CA_BUNDLE, as on this host: rclone must not see it.
    inkd_env = {"AWS_CA_BUNDLE": "/etc/ssl/certs/ca-certificates.crt"}

    @classmethod
    def setUpClass(cls):
        cls.s3 = S3rver().start()
        try:
            super().setUpClass()
        except BaseException:
            cls.s3.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.s3.stop()

    def endpoint(self):
        return f"http://127.0.0.1:{self.s3.port}"

    def set_storage(self, name, bucket="bk1", key_id="S3RVER", prefix="ink/e2e", secrets=True,
                    must_succeed=True):
        args = ["storage", "set", name, "--provider", "s3", "--bucket", bucket, "--prefix",
                prefix, "--endpoint", self.endpoint(), "--path-style"]
        text = None
        if secrets:
            args += ["--secrets-file", "-"]
            text = f"access_key_id={key_id}\nsecret_access_key='{SECRET}'\n"
        return self.ink(*args, input=text, check=must_succeed)

    def listed(self):
        return self.ink("storage", "list").json["storages"]

    def test_set_list_replace_delete_never_show_secrets(self):
        before = self.s3.objects()
        r = self.set_storage("offsite")
        self.assertTrue(r.json["created"])
        self.assertEqual(r.json["storage"]["prefix"], "ink/e2e")
        listed = self.listed()
        self.assertEqual([s["name"] for s in listed], ["offsite"])
        self.assertEqual(listed[0]["secrets_set"], ["access_key_id", "secret_access_key"])
        self.assertEqual(listed[0]["endpoint"], self.endpoint())
        table = self.ink("storage", "list", json=False).stdout
        self.assertIn("offsite", table)
        self.assertIn("bk1/ink/e2e", table)

        # A replace without secrets keeps the stored ones (and is checked with them).
        r = self.set_storage("offsite", prefix="ink/other", secrets=False)
        self.assertFalse(r.json["created"])
        self.assertEqual(self.listed()[0]["prefix"], "ink/other")

        api = self.inkd.api_ok("GET", "/v1/storages")
        for text in (str(api), table, r.stdout, r.stderr, self.inkd.log_tail(2000)):
            self.assertNotIn(SECRET, text)
        db = b"".join(p.read_bytes() for p in self.inkd.data_dir.glob("ink.db*"))
        self.assertNotIn(SECRET.encode(), db)

        self.ink("storage", "rm", "offsite", json=False)
        self.assertEqual(self.listed(), [])
        # Ink never writes to the bucket for a destination's own sake.
        self.assertEqual(self.s3.objects(), before)

    def test_missing_bucket_and_refused_credentials_save_nothing(self):
        r = self.set_storage("nobucket", bucket="no-such-bucket", must_succeed=False)
        self.assertNotEqual(r.rc, 0, r)
        self.assertIn("bucket 'no-such-bucket' does not exist", r.stderr)
        self.assertIn("was not saved", r.stderr)

        r = self.set_storage("badkey", key_id="WRONGKEY", must_succeed=False)
        self.assertNotEqual(r.rc, 0, r)
        self.assertIn("refused the credentials", r.stderr)
        self.assertNotIn(SECRET, r.stderr)

        r = self.ink("storage", "set", "dots", "--provider", "s3", "--bucket", "bk1", "--prefix",
                     "a/../b", "--endpoint", self.endpoint(), "--secrets-file", "-",
                     input=f"access_key_id=S3RVER\nsecret_access_key={SECRET}\n", check=False)
        self.assertNotEqual(r.rc, 0, r)
        self.assertIn("'..'", r.stderr)
        names = [s["name"] for s in self.listed()]
        self.assertNotIn("nobucket", names)
        self.assertNotIn("badkey", names)
        self.assertNotIn("dots", names)
        log("refusals:", r.stderr.strip())

    def test_backup_list_restore_and_refuse_a_corrupted_object(self):
        """backup_volume → list_backups → restore_backup into a new volume: the files are
        byte-identical; the bucket then has a good backup; an object changed in the bucket is
        refused on restore and leaves no volume behind."""
        project = harness.unique("bkp")
        self.ink("projects", "create", project)
        self.set_storage("vault", prefix="ink/backups")
        self.addCleanup(lambda: self.ink("storage", "rm", "vault", check=False))
        self.ink("volumes", "create", "data", "--size", "64Mi", "--project", project)
        mounts = lambda name: json.dumps([{"volume": name, "mount_path": "/data"}])
        out = self.ink("deploy", "--image", self.image, "--project", project, "--service", "web",
                       "--port", "8080", "--volumes", mounts("data"), "--wait").json
        self.assertEqual(out["deployment"]["status"], "active", out)

        def sh(service, script):
            return self.ink("exec", service, "--project", project, "--", "sh", "-c", script,
                            json=False, check=False, input="", timeout=60)

        sums = "cd /data && find . -type f | sort | xargs md5sum"
        res = sh("web", "mkdir -p /data/d/e && echo hello > /data/a.txt && "
                 "head -c 6000000 /dev/urandom > /data/d/e/blob && " + sums)
        self.assertEqual(res.rc, 0, res)
        before = res.stdout

        made = self.ink("backups", "create", "data", "--storage", "vault",
                        "--project", project, timeout=300).json
        self.assertEqual(made["status"], "good", made)
        bid = made["backup"]["id"]
        self.assertEqual(made["backup"]["encryption"], "secretstream-xchacha20poly1305", made)
        log("[backups]", bid, made["backup"]["data"]["size_bytes"], "bytes")
        listed = self.ink("backups", "list", "--storage", "vault").json["backups"]
        self.assertEqual([(b["id"], b["status"]) for b in listed], [(bid, "good")], listed)
        table = self.ink("backups", "list", "--storage", "vault", "--project", project,
                         "--volume", "data", json=False).stdout
        self.assertIn(bid, table)
        # The local snapshot taken for the upload is gone; the service saw the outcome.
        snaps = self.ink("volumes", "snapshots", "--project", project).json["snapshots"]
        self.assertEqual(snaps, [], snaps)
        events = self.ink("services", "get", "web", "--project", project).json["service"]["events"]
        self.assertIn("backup_made", [e["kind"] for e in events], events)
        # Encrypted client-side: the bucket never holds the plaintext.
        data_files = [p for p in (self.s3.dir / "data").rglob("*") if p.is_file()
                      and p.name == bid + ".data._S3rver_object"]
        self.assertEqual(len(data_files), 1, data_files)
        self.assertNotIn(b"hello\n", data_files[0].read_bytes())

        restored = self.ink("backups", "restore", bid, "data-2", "--storage", "vault",
                            "--project", project, timeout=300).json
        self.assertEqual(restored["volume"]["name"], "data-2", restored)
        out = self.ink("deploy", "--image", self.image, "--project", project, "--service", "check",
                       "--port", "8080", "--volumes", mounts("data-2"), "--wait").json
        self.assertEqual(out["deployment"]["status"], "active", out)
        self.assertEqual(sh("check", sums).stdout, before)

        # One byte changed in the bucket: refused before any volume is made.
        blob = bytearray(data_files[0].read_bytes())
        blob[len(blob) // 2] ^= 0xFF
        data_files[0].write_bytes(bytes(blob))
        res = self.ink("backups", "restore", bid, "data-3", "--storage", "vault",
                       "--project", project, check=False, json=False, timeout=300)
        self.assertNotEqual(res.rc, 0, res)
        self.assertIn(bid, res.stderr)
        self.assertIn("nothing was restored", res.stderr)
        log("[backups] corrupted:", res.stderr.strip())
        names = [v["name"] for v in self.ink("volumes", "list", "--project", project).json["volumes"]]
        self.assertNotIn("data-3", names)
        leftovers = [p.name for p in (self.inkd.data_dir / "snapshots").glob("*")]
        self.assertEqual(leftovers, [], leftovers)

        # Bad input is refused clearly.
        for args, says in [
            (("backups", "restore", "bkp_nope", "data-4", "--storage", "vault"), "bkp_nope"),
            (("backups", "restore", bid, "data", "--storage", "vault"), "already exists"),
            (("backups", "create", "data", "--storage", "nope"), "nope"),
            (("backups", "create", "nope", "--storage", "vault"), "nope"),
        ]:
            res = self.ink(*args, "--project", project, check=False, json=False)
            self.assertNotEqual(res.rc, 0, res)
            self.assertIn(says, res.stderr, res)


if __name__ == "__main__":
    harness.main()
