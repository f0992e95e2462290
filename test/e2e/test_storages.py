"""Object-storage destinations end to end (issue 14): `ink storage set|list|rm` through a real
inkd, whose rclone checks each destination against a real s3rver on loopback before saving it.
A missing bucket and refused credentials are clear errors that save nothing; secrets never come
back out (CLI output, API answers, inkd's log, the database file); inkd's AWS_CA_BUNDLE (which
breaks rclone 1.60) does not reach rclone. s3rver checks access key ids, not signatures, so the
refused credentials here are an unknown key id."""

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


if __name__ == "__main__":
    harness.main()
