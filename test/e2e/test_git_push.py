"""Push-to-deploy: `git push` to inkd's git remote deploys the pushed branch; a webhook with a
bad signature is refused and deploys nothing, a signed one redeploys the tracked branch once: the
same delivery again (X-GitHub-Delivery, or a signed X-Ink-Timestamp) deploys nothing, also after
a restart."""

import hashlib
import hmac
import json
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import harness
from harness import InkTestCase, http_request, unique, wait_deployment, wait_until

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "apps"


def git(*args, cwd=None, check=True):
    env = {"GIT_TERMINAL_PROMPT": "0", "HOME": tempfile.gettempdir(), "PATH": "/usr/bin:/bin",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          check=check, timeout=120)


def make_repo(app, message):
    """A work tree holding a copy of a fixture app with `message` in its index.html."""
    work = Path(tempfile.mkdtemp(prefix="ink-git-"))
    shutil.copytree(FIXTURES / app, work, dirs_exist_ok=True)
    (work / "index.html").write_text(f"<!doctype html><h1>{message}</h1>\n")
    git("init", "-q", "--initial-branch=main", cwd=work)
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", message, cwd=work)
    return work


class GitPush(InkTestCase):
    file_sources = True  # the webhook test deploys a bare repository under inkd.sources

    def deployments(self, project, service):
        status, data = self.inkd.api("GET", f"/v1/projects/{project}/services/{service}/deployments")
        return data.get("deployments", []) if status == 200 else []

    def wait_new_deployment(self, project, service, known, timeout=60):
        def fresh():
            ds = [d for d in self.deployments(project, service) if d["id"] not in known]
            return ds[0] if ds else False
        return wait_until(fresh, timeout=timeout, what=f"a new deployment of {service}")

    def test_push_deploys_and_bad_token_is_refused(self):
        project = unique("push")
        self.inkd.create_project(project)
        remote = self.ink("git-remote", "site", "--project", project).json
        self.assertTrue(remote["url"].endswith(f"/git/{project}/site.git"), remote)
        authed = remote["url"].replace("http://", f"http://ink:{self.inkd.token}@")
        work = make_repo("static", "first push")

        bad = git("push", remote["url"].replace("http://", "http://ink:ink_wrong@"), "main",
                  cwd=work, check=False)
        self.assertNotEqual(bad.returncode, 0, bad.stderr)
        self.assertEqual(self.deployments(project, "site"), [])

        pushed = git("push", authed, "main", cwd=work)
        self.assertIn("Ink: deploying", pushed.stderr)
        dep = self.wait_new_deployment(project, "site", set())
        # inkd read which branch moved from the push's own command list (pkt-lines)
        wait_until(lambda: "1 ref update(s) read from the push" in self.inkd.log_path.read_text(),
                   timeout=10, what="the push's commands in inkd's log")
        done = wait_deployment(self.inkd, dep["id"], timeout=600)
        self.assertEqual(done["status"], "active", done)
        url = self.inkd.get_service(project, "site")["url"]
        self.inkd.wait_serving(url, body="first push")

        (work / "index.html").write_text("<!doctype html><h1>second push</h1>\n")
        git("commit", "-q", "-am", "second", cwd=work)
        git("push", authed, "main", cwd=work)
        dep2 = self.wait_new_deployment(project, "site", {dep["id"]})
        self.assertEqual(wait_deployment(self.inkd, dep2["id"], timeout=600)["status"], "active")
        self.inkd.wait_serving(url, body="second push")

    def test_webhook_signature(self):
        project = unique("hook")
        self.inkd.create_project(project)
        work = make_repo("static", "hooked v1")
        bare = Path(tempfile.mkdtemp(prefix="ink-bare-", dir=self.inkd.sources)) / "site.git"
        git("clone", "-q", "--bare", str(work), str(bare))
        out = self.inkd.api_ok("POST", f"/v1/projects/{project}/deploy",
                               {"service": "site", "git": f"file://{bare}", "ref": "main"})
        first = wait_deployment(self.inkd, out["deployment"]["id"], timeout=600)
        self.assertEqual(first["status"], "active", first)
        hook = self.ink("webhook", "site", "--project", project).json
        path = "/v1/hooks/git/" + hook["url"].split("/v1/hooks/git/", 1)[1]
        body = json.dumps({"ref": "refs/heads/main", "after": "0" * 40}).encode()

        def deliver(signature, payload=body, event="push", delivery=None, timestamp=None):
            headers = {"Content-Type": "application/json", "X-GitHub-Event": event,
                       "X-Hub-Signature-256": signature}
            if timestamp is None:
                headers["X-GitHub-Delivery"] = delivery or str(uuid.uuid4())
            else:
                headers["X-Ink-Timestamp"] = str(timestamp)
            return http_request(self.inkd.api_host, self.inkd.api_port, "POST", path, payload,
                                headers)

        known = {d["id"] for d in self.deployments(project, "site")}
        bad = deliver("sha256=" + "0" * 64)
        self.assertEqual(bad[0], 401, bad)
        wrong_key = "sha256=" + hmac.new(b"not-the-secret", body, hashlib.sha256).hexdigest()
        self.assertEqual(deliver(wrong_key)[0], 401)
        self.assertEqual({d["id"] for d in self.deployments(project, "site")}, known)

        good = "sha256=" + hmac.new(hook["secret"].encode(), body, hashlib.sha256).hexdigest()
        other = json.dumps({"ref": "refs/heads/feature"}).encode()
        other_sig = "sha256=" + hmac.new(hook["secret"].encode(), other, hashlib.sha256).hexdigest()
        ignored = deliver(other_sig, other)
        self.assertEqual(ignored[0], 202, ignored)
        self.assertIn("ignored", ignored[2])
        self.assertEqual({d["id"] for d in self.deployments(project, "site")}, known)

        # a new commit on the tracked branch, announced by a signed webhook, is deployed
        (work / "index.html").write_text("<!doctype html><h1>hooked v2</h1>\n")
        git("commit", "-q", "-am", "v2", cwd=work)
        git("push", "-q", str(bare), "main", cwd=work)
        delivery = str(uuid.uuid4())
        accepted = deliver(good, delivery=delivery)
        self.assertEqual(accepted[0], 202, accepted)
        dep = self.wait_new_deployment(project, "site", known)
        self.assertEqual(wait_deployment(self.inkd, dep["id"], timeout=600)["status"], "active")
        self.inkd.wait_serving(out["url"], body="hooked v2")

        # Replays: the same signed delivery again deploys nothing (200, duplicate), also after
        # inkd restarted; without a delivery id or a signed timestamp nothing is deployed.
        known = {d["id"] for d in self.deployments(project, "site")}
        replay = deliver(good, delivery=delivery)
        self.assertEqual(replay[0], 200, replay)
        self.assertEqual(json.loads(replay[2])["duplicate"], True, replay)
        self.inkd.stop()
        self.inkd.start()
        again = deliver(good, delivery=delivery)
        self.assertEqual((again[0], json.loads(again[2]).get("duplicate")), (200, True), again)
        bare_status, _, bare_body = http_request(
            self.inkd.api_host, self.inkd.api_port, "POST", path, body,
            {"Content-Type": "application/json", "X-Hub-Signature-256": good})
        self.assertEqual(bare_status, 400, bare_body)
        self.assertIn("X-GitHub-Delivery", bare_body)

        # Generic senders sign a timestamp into the HMAC: fresh once, then a replay; stale or
        # signed without the timestamp: refused.
        def stamped(ts, text=None):
            mac = hmac.new(hook["secret"].encode(), text or f"{ts}.".encode() + body,
                           hashlib.sha256)
            return "sha256=" + mac.hexdigest()
        now = int(time.time())
        self.assertEqual(deliver(stamped(now - 400), timestamp=now - 400)[0], 401)
        self.assertEqual(deliver(good, timestamp=now)[0], 401)  # timestamp not signed
        self.assertEqual({d["id"] for d in self.deployments(project, "site")}, known)
        fresh = deliver(stamped(now), timestamp=now)
        self.assertEqual(fresh[0], 202, fresh)
        dep3 = self.wait_new_deployment(project, "site", known)
        replayed = deliver(stamped(now), timestamp=now)
        self.assertEqual((replayed[0], json.loads(replayed[2]).get("duplicate")), (200, True))
        self.assertEqual(wait_deployment(self.inkd, dep3["id"], timeout=600)["status"], "active")
        self.assertEqual({d["id"] for d in self.deployments(project, "site")},
                         known | {dep3["id"]})


if __name__ == "__main__":
    harness.main()
