"""Where sources may come from, end to end.

- file:// git URLs: an inkd started without --allow-file-sources refuses every host path (403
  naming the path and the flag), while the workspace's own push remote still deploys.
- ssh: a private repository served by a real sshd on 127.0.0.1 (started by this test with its
  own config, host key and authorized_keys) is fetched with the workspace's deploy key only.
  Before the key exists deploy is refused at once (its source check, git ls-remote, cannot log
  in) although the server also authorizes a key held by an ssh-agent that inkd's environment
  points at (SSH_AUTH_SOCK) and any key in root's ~/.ssh: Ink never offers them. After `ink
  deploy-key create` and adding the public key the app builds and serves. The private key is
  never returned and not stored in plaintext; the server's host key is remembered per
  workspace, and a changed host key makes the next deploy a 400 naming it.
"""

import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import harness
from harness import FIXTURES, InkTestCase, free_port, run, unique, wait_deployment, wait_until

SSHD = "/usr/sbin/sshd"


def git(cwd, *args):
    return run(["git", "-C", str(cwd), "-c", "user.email=e2e@ink", "-c", "user.name=e2e", *args])


def static_repo(parent, message):
    """A bare repository holding the static fixture app with `message` in index.html."""
    work = Path(parent) / "work"
    shutil.copytree(FIXTURES / "apps" / "static", work)
    (work / "index.html").write_text(f"<!doctype html><h1>{message}</h1>\n")
    run(["git", "init", "-q", "-b", "main", str(work)])
    git(work, "add", "-A")
    git(work, "commit", "-qm", message)
    bare = Path(parent) / "app.git"
    run(["git", "clone", "-q", "--bare", str(work), str(bare)])
    return bare


class Sshd:
    """An sshd on 127.0.0.1:<free port> with its own config, host key and authorized_keys."""

    def __init__(self, tmp):
        self.dir = Path(tmp) / "sshd"
        self.dir.mkdir()
        self.authorized = self.dir / "authorized_keys"
        self.authorized.write_text("")
        self.port = free_port()
        self.proc = None
        self.new_host_key()

    def new_host_key(self):
        key = self.dir / "host_ed25519"
        key.unlink(missing_ok=True)
        Path(str(key) + ".pub").unlink(missing_ok=True)
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)])

    def authorize(self, public_key):
        with open(self.authorized, "a") as f:
            f.write(public_key.strip() + "\n")

    def start(self):
        Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege separation directory
        config = self.dir / "sshd_config"
        config.write_text(
            f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {self.dir}/host_ed25519\n"
            f"PidFile {self.dir}/sshd.pid\nAuthorizedKeysFile {self.authorized}\n"
            "PubkeyAuthentication yes\nPasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n"
            "StrictModes no\nUsePAM no\nAllowUsers root\nLogLevel VERBOSE\n")
        self.log = open(self.dir / "sshd.log", "a")
        self.proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        wait_until(lambda: self._listening(), timeout=10, what="sshd listening")

    def _listening(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"sshd exited: {(self.dir / 'sshd.log').read_text()[-2000:]}")
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", self.port)) == 0

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        if self.proc:
            self.log.close()
        self.proc = None

    def log_text(self):
        return (self.dir / "sshd.log").read_text()


class FileSourcesRefusedByDefault(InkTestCase):
    """No --allow-file-sources: host paths are refused, the push remote still deploys."""

    def test_file_urls_need_the_admins_flag(self):
        project = unique("pol")
        self.inkd.create_project(project)
        bare = static_repo(tempfile.mkdtemp(prefix="ink-pol-", dir=self.inkd.tmp), "host path")
        for url in (f"file://{bare}", "file:///etc", f"file://{self.inkd.tmp}/../../etc"):
            status, data = self.inkd.api("POST", f"/v1/projects/{project}/deploy",
                                         {"service": "web", "git": url})
            self.assertEqual(status, 403, (url, data))
            message = data["error"]["message"]
            self.assertIn("--allow-file-sources", message)
            self.assertIn("git-remote", message)
        status, data = self.inkd.api("GET", f"/v1/projects/{project}/services")
        self.assertEqual(data["services"], [], "a refused deploy created a service")
        # scp-like URLs cannot smuggle ssh options either
        for url in ("git@-oProxyCommand=touch:repo", "-oProxyCommand=x@host:repo"):
            status, data = self.inkd.api("POST", f"/v1/projects/{project}/deploy",
                                         {"service": "web", "git": url})
            self.assertEqual(status, 400, (url, data))


class SshDeployKey(InkTestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(SSHD):
            raise harness.unittest.SkipTest("sshd missing: run scripts/prepare-host.sh")
        cls.agent = None
        tmp = tempfile.mkdtemp(prefix="ink-ssh-e2e-")
        cls.tmp = Path(tmp)
        # An ssh-agent holding a key the server authorizes, visible in inkd's environment.
        agent_sock = cls.tmp / "agent.sock"
        cls.agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(agent_sock)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(agent_sock.exists, timeout=10, what="ssh-agent socket")
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(cls.tmp / "agent_key")])
        run(["ssh-add", str(cls.tmp / "agent_key")], env={"SSH_AUTH_SOCK": str(agent_sock),
                                                           "PATH": "/usr/bin:/bin"})
        cls.sshd = Sshd(tmp)
        cls.sshd.authorize((cls.tmp / "agent_key.pub").read_text())
        for name in ("id_ed25519.pub", "id_rsa.pub", "id_ecdsa.pub"):
            own = Path("/root/.ssh") / name  # root's own keys, if any: read, never changed
            if own.exists():
                cls.sshd.authorize(own.read_text())
        cls.sshd.start()
        cls.repo = static_repo(tmp, "over ssh")
        cls.url = f"ssh://root@127.0.0.1:{cls.sshd.port}{cls.repo}"
        cls.inkd_env = {"SSH_AUTH_SOCK": str(agent_sock)}
        try:
            super().setUpClass()
        except BaseException:
            cls.cleanup_fixtures()
            raise

    @classmethod
    def cleanup_fixtures(cls):
        if getattr(cls, "sshd", None):
            cls.sshd.stop()
        if cls.agent and cls.agent.poll() is None:
            cls.agent.terminate()
            cls.agent.wait(10)
        if not harness.KEEP:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.cleanup_fixtures()

    def deploy(self, project, service="web"):
        out = self.inkd.api_ok("POST", f"/v1/projects/{project}/deploy",
                               {"service": service, "git": self.url, "ref": "main"})
        return out, wait_deployment(self.inkd, out["deployment"]["id"], timeout=600)

    def refused(self, project, service="web"):
        """A deploy that deploy's source check (git ls-remote over ssh) refuses at once: the
        400's message; nothing is written."""
        before = self.inkd.api_ok("GET", f"/v1/projects/{project}/services")["services"]
        status, data = self.inkd.api("POST", f"/v1/projects/{project}/deploy",
                                     {"service": service, "git": self.url, "ref": "main"})
        self.assertEqual(status, 400, data)
        after = self.inkd.api_ok("GET", f"/v1/projects/{project}/services")["services"]
        self.assertEqual([s["active_deployment_id"] for s in after],
                         [s["active_deployment_id"] for s in before])
        return data["error"]["message"]

    def test_only_the_workspaces_deploy_key_is_used(self):
        project = unique("ssh")
        self.inkd.create_project(project)

        # 1. No deploy key: refused at once, although the agent's and root's keys would be
        #    accepted; no service is created.
        message = self.refused(project)
        self.assertIn("deploy-key create", message)
        self.assertEqual(self.inkd.api_ok("GET", f"/v1/projects/{project}/services")["services"],
                         [])
        self.assertNotIn("Accepted publickey", self.sshd.log_text())

        # 2. The deploy key: created once, public half only, sealed at rest.
        created = self.ink("deploy-key", "create").json["deploy_key"]
        self.assertTrue(created["public_key"].startswith("ssh-ed25519 "), created)
        self.assertTrue(created["fingerprint"].startswith("SHA256:"), created)
        again = self.ink("deploy-key", "create", check=False)
        self.assertNotEqual(again.rc, 0, again)
        self.assertIn("already has a deploy key", again.stderr)
        shown = self.ink("deploy-key", "show").json["deploy_key"]
        self.assertEqual(shown["public_key"], created["public_key"])
        self.assertNotIn("PRIVATE", str(shown))
        db = sqlite3.connect(self.inkd.data_dir / "ink.db")
        rows = db.execute("SELECT sealed_private_key FROM deploy_keys").fetchall()
        db.close()
        self.assertEqual(len(rows), 1)
        self.assertNotIn("PRIVATE KEY", rows[0][0])

        # 3. Authorized on the server: the app builds from ssh and serves.
        self.sshd.authorize(created["public_key"])
        out, done = self.deploy(project)
        self.assertEqual(done["status"], "active", (done, self.build_log(done["id"])[-3000:]))
        self.inkd.wait_serving(out["url"], body="over ssh")
        self.assertIn("Accepted publickey", self.sshd.log_text())
        # Two logins with the deploy key: deploy's source check (ls-remote) and the fetch.
        self.assertEqual(self.sshd.log_text().count("Accepted publickey"), 2)
        self.assertEqual(list((self.inkd.data_dir / "builds" / "work").glob("*/ssh/deploy_key")),
                         [], "the deploy key file outlived the fetch")
        known = list((self.inkd.data_dir / "ssh").glob("wsp_*/known_hosts"))
        self.assertEqual(len(known), 1, known)  # Ink's own, per workspace
        self.assertIn(f"[127.0.0.1]:{self.sshd.port}", known[0].read_text())

        # 4. The server's host key changes: the next deploy is refused at once, nothing else
        #    changes.
        self.sshd.stop()
        self.sshd.new_host_key()
        self.sshd.start()
        self.assertIn("host key", self.refused(project))
        self.inkd.wait_serving(out["url"], body="over ssh")  # the old release still serves

    def build_log(self, deployment):
        return "\n".join(self.inkd.api_ok(
            "GET", f"/v1/deployments/{deployment}/build-logs?tail=500")["lines"])


if __name__ == "__main__":
    harness.main()
