"""Builds from source, end to end: real git, real podman builds, the sample apps of
test/fixtures/apps deployed from a local git repository (file://) and from a directory upload,
each answering through ink-edge; a broken build keeps the previous release; hostile input (git
option injection and remote helpers, tarballs escaping the tree, an oversized upload, a build
that prints a huge log) is refused or bounded with a clear error while the host and the other
services are unaffected.

One inkd for the file, with small limits so the bounds can be tested cheaply:
  --build-concurrency 3 --max-upload-bytes 2m --max-build-log-bytes 256k
"""

import io
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import tarfile
import threading
import time
import unittest
from pathlib import Path

from harness import (FIXTURES, InkTestCase, free_port, log, main, podman, run, unique, wait_deployment,
                     wait_until)

APPS = FIXTURES / "apps"
UPLOAD_LIMIT = 2 << 20
LOG_LIMIT = 256 << 10

# app -> text its / answers with
EXPECTED = {
    "node": "Hello from Node.js (express), built by npm run build",
    "python": "Hello from Python",
    "go": "Hello from Go",
    "static": "Hello from a static site",
    "dockerfile": "Hello from a Dockerfile app",
    "cpp": "Hello from C++",
}


def git(cwd, *args):
    return run(["git", "-C", str(cwd), "-c", "user.email=e2e@ink", "-c", "user.name=e2e",
                *args])


def make_repo(tmp, name, files_from, subdir=""):
    """A work tree with `files_from` copied in (under `subdir`), committed on main, plus a bare
    clone served over file://. Returns (work tree, file:// URL)."""
    work = Path(tmp) / f"{name}-work"
    shutil.copytree(files_from, work / subdir if subdir else work, dirs_exist_ok=True)
    run(["git", "init", "-q", "-b", "main", str(work)])
    git(work, "add", "-A")
    git(work, "commit", "-qm", "initial")
    bare = Path(tmp) / f"{name}.git"
    run(["git", "clone", "-q", "--bare", str(work), str(bare)])
    return work, f"file://{bare}"


def push(work, bare_url):
    git(work, "push", "-q", bare_url[len("file://"):], "HEAD:main")


def tar_bytes(entries):
    """A tar archive from (name, kind, data) with kind in file/symlink/hardlink/chardev."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for name, kind, data in entries:
            info = tarfile.TarInfo(name)
            if kind == "file":
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
                continue
            if kind == "symlink":
                info.type, info.linkname = tarfile.SYMTYPE, data
            elif kind == "hardlink":
                info.type, info.linkname = tarfile.LNKTYPE, data
            elif kind == "chardev":
                info.type, info.devmajor, info.devminor = tarfile.CHRTYPE, 1, 3
            t.addfile(info)
    return buf.getvalue()


class BuildPipeline(InkTestCase):
    file_sources = True
    inkd_args = ("--build-concurrency", "3", "--max-upload-bytes", str(UPLOAD_LIMIT),
                 "--max-build-log-bytes", str(LOG_LIMIT), "--build-timeout", "900")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = cls.inkd.sources
        cls.project = unique("bld")
        cls.inkd.create_project(cls.project)
        cls.deployed = {}  # service -> deployment id of its first build
        cls.repos = {}  # app -> (work tree, file:// URL)

    # -- helpers --------------------------------------------------------------------------------
    def deploy(self, service, expect=(202,), **fields):
        status, data = self.inkd.api("POST", f"/v1/projects/{self.project}/deploy",
                                     {"service": service, "runtime_class": "runc", **fields})
        self.assertIn(status, expect, data)
        return data

    def serve_text(self, service):
        status, _, body = self.inkd.edge_get(self.inkd.service_host(service, self.project))
        return status, body

    def build_log(self, deployment, tail=100000):
        return self.inkd.api_ok("GET", f"/v1/deployments/{deployment}/build-logs?tail={tail}")

    def assert_refused(self, fields, words, status=400):
        before = {s["name"] for s in self.inkd.api_ok(
            "GET", f"/v1/projects/{self.project}/services")["services"]}
        code, data = self.inkd.api("POST", f"/v1/projects/{self.project}/deploy",
                                   {"service": unique("evil"), **fields})
        self.assertEqual(code, status, data)
        message = data["error"]["message"]
        for w in words:
            self.assertIn(w, message)
        after = {s["name"] for s in self.inkd.api_ok(
            "GET", f"/v1/projects/{self.project}/services")["services"]}
        self.assertEqual(before, after, "a refused deploy created a service")
        return message

    def upload(self, data, content_type="application/x-tar"):
        return self.inkd.api("POST", "/v1/archives", data,
                             headers={"Content-Type": content_type})

    # -- tests (numbered: later ones reuse the services of test_1) -------------------------------
    def test_1_sample_apps_from_git_and_directory_upload(self):
        """Six stacks built at once (3 at a time): node/go/static from file:// git (static from
        a subdirectory with `path`), python/dockerfile/cpp uploaded with `ink deploy DIR`."""
        started = time.monotonic()
        deployments = {}
        for app in ("node", "go"):
            work, url = make_repo(self.tmp, app, APPS / app)
            self.repos[app] = (work, url)
            deployments[app] = self.deploy(app, git=url, ref="main")["deployment"]["id"]
        _, static_url = make_repo(self.tmp, "static", APPS / "static", subdir="site")
        deployments["static"] = self.deploy("static", git=static_url,
                                            path="site")["deployment"]["id"]
        for app in ("python", "dockerfile", "cpp"):
            src = self.tmp / f"{app}-dir"
            shutil.copytree(APPS / app, src)
            if app == "python":  # .inkignore keeps a file out of the upload
                (src / "secret.txt").write_text("do not upload\n")
                (src / ".inkignore").write_text("secret.txt\n")
            out = self.ink("deploy", src, "--project", self.project, "--service", app,
                           "--runtime", "runc")
            self.assertIn("packed", out.stderr)
            deployments[app] = out.json["deployment"]["id"]
        # While they build: the queue and the build logs are visible.
        some = self.inkd.api_ok("GET", f"/v1/deployments/{deployments['cpp']}")["deployment"]
        self.assertIn(some["status"], ("pending", "building", "deploying", "active"), some)
        for app, dep in deployments.items():
            final = wait_deployment(self.inkd, dep, timeout=600)
            if final["status"] != "active":
                status, logs = self.inkd.api(
                    "GET", f"/v1/deployments/{dep}/build-logs?tail=60")
                tail = "\n".join(logs["lines"]) if status == 200 else f"(no build log: {logs})"
                self.fail(f"{app}: {final['message']}\n--- build log ---\n{tail}")
            self.assertTrue(final["image"].startswith("localhost/ink/build/"), final)
            self.deployed[app] = dep
        log(f"six apps built and active in {time.monotonic() - started:.0f}s")
        for app in deployments:
            body = wait_until(lambda: (lambda r: r[0] == 200 and r[1])(self.serve_text(app)),
                              timeout=60, what=f"{app} through the edge")
            self.assertIn(EXPECTED[app], body, app)
        # The build log and the plan are kept; the plan names the stack.
        logs = self.build_log(deployments["node"])
        text = "\n".join(logs["lines"])
        self.assertIn("[ink] plan: provider node", text)
        self.assertIn("STEP", text)
        self.assertFalse(logs["building"])
        # FROM debian:bookworm with no registry in reach: Ink's own base image, and it says so.
        text = "\n".join(self.build_log(deployments["dockerfile"])["lines"])
        self.assertIn("FROM debian:bookworm is built from localhost/ink/base:bookworm", text)
        plan_file = self.inkd.data_dir / "builds" / f"{deployments['go']}.plan.json"
        self.assertEqual(json.loads(plan_file.read_text())["plan"]["provider"], "go")
        # .inkignore: the file never reached the image.
        image = self.inkd.api_ok("GET", f"/v1/deployments/{deployments['python']}")[
            "deployment"]["image"]
        listing = podman("run", "--rm", "--runtime", "crun", "--entrypoint", "ls", image,
                         "-a", "/app").stdout
        self.assertIn("main.py", listing)
        self.assertNotIn("secret.txt", listing)
        # Images are tagged with the deployment and labelled with the instance and service
        # (labels that stay the same between builds, so an unchanged source is a cache hit).
        self.assertTrue(image.endswith(":" + deployments["python"]), image)
        labels = json.loads(podman("image", "inspect", image).stdout)[0]["Labels"]
        self.assertEqual(labels["ink.instance"], self.inkd.name)
        self.assertTrue(labels["ink.service"].startswith("svc_"), labels)
        self.assertNotIn("ink.deployment", labels)
        # CLI: ink logs --build and ink plan.
        out = self.ink("logs", "--build", deployments["static"], json=False)
        self.assertIn("provider static", out.stdout)
        plan = self.ink("plan", APPS / "python", "--project", self.project)
        self.assertEqual(plan.json["plan"]["provider"], "python")

    def test_2_broken_build_keeps_the_previous_release(self):
        if "node" not in self.deployed:
            self.skipTest("needs the node service of test_1")
        work, url = self.repos["node"]
        (work / "build.js").write_text("const x = ;\n")  # a syntax error in the build step
        git(work, "commit", "-qam", "break the build")
        push(work, url)
        dep = self.deploy("node", git=url)["deployment"]["id"]
        final = wait_deployment(self.inkd, dep, timeout=300)
        self.assertEqual(final["status"], "failed", final)
        self.assertIn("podman build failed at step", final["message"])
        self.assertIn("SyntaxError", final["message"])  # the log tail is in the message
        status, body = self.serve_text("node")
        self.assertEqual(status, 200)
        self.assertIn(EXPECTED["node"], body)
        svc = self.inkd.get_service(self.project, "node")
        self.assertEqual(svc["active_deployment_id"], self.deployed["node"])
        # ink deploy --wait says why, with exit code 1.
        res = self.ink("deploy", "--git", url, "--project", self.project, "--service", "node",
                       "--runtime", "runc", "--wait", json=False, check=False, timeout=300)
        self.assertEqual(res.rc, 1, res)
        self.assertIn("SyntaxError", res.stderr)
        self.assertIn("building", res.stderr)  # build progress was printed

    def test_3_hostile_git_urls_are_refused_before_git_runs(self):
        marker = Path("/tmp") / unique("ink-pwned-")
        self.assert_refused({"git": f"--upload-pack=touch {marker}"}, ["option"])
        self.assert_refused({"git": "ext::sh -c touch% " + str(marker)}, ["git URL"])
        self.assert_refused({"git": "ext::touch"}, ["remote helper"])
        self.assert_refused({"git": "fd::3"}, ["remote helper"])
        self.assert_refused({"git": "http://example.com/repo.git"}, ["scheme"])
        self.assert_refused({"git": "file:///tmp/x", "ref": "--upload-pack=touch"}, ["ref"])
        self.assert_refused({"git": "file:///tmp/x", "path": "../../etc"}, ["'..'"])
        self.assert_refused({"image": self.image, "git": "file:///tmp/x"}, ["exactly one"])
        # Ink's own data directory (other workspaces' repositories, the database, the key).
        data = self.inkd.data_dir
        for url in (f"file://{data}", f"file://{data}/git/../builds",
                    f"file:///tmp/../{str(data).lstrip('/')}/git/prj_someoneelse/x.git"):
            self.assert_refused({"git": url}, ["data directory", "git-remote"], status=403)
        # A host repository outside the directory inkd allows (--allow-file-sources), also when
        # reached through "..", a %-escape git would decode, or a symbolic link.
        outside = self.inkd.tmp / "outside"
        _, outside_url = make_repo(outside, "static", APPS / "static")
        (self.tmp / "link-out").symlink_to(outside)
        for url in (outside_url, f"file://{self.tmp}/../outside/static.git",
                    f"file://{self.tmp}/%2e%2e/outside/static.git",
                    f"file://{self.tmp}/link-out/static.git"):
            self.assert_refused({"git": url}, ["outside the host directories", str(self.tmp),
                                               "--allow-file-sources"], status=403)
        self.assertFalse(marker.exists())

    def test_3b_unreadable_git_sources_are_refused_at_once(self):
        """No such repository, ref or host: deploy answers 400 at once (git ls-remote with a
        short deadline, before anything is written) and creates nothing."""
        _, url = make_repo(self.tmp, unique("probe"), APPS / "static")
        closed = free_port()  # nothing listens there: loopback only, refused at once
        cases = [
            ({"git": f"file://{self.tmp}/no-such-repo.git"},
             ["is not a git repository Ink can read"]),
            ({"git": url, "ref": "no-such-branch"},
             ["ref 'no-such-branch' does not exist in", "check the branch, tag or commit"]),
            ({"git": f"https://127.0.0.1:{closed}/team/app.git"},
             ["cannot be reached", "check the URL"]),
            ({"git": f"ssh://git@127.0.0.1:{closed}/team/app.git"},
             ["cannot be reached", "check the URL"]),
        ]
        db = self.inkd.data_dir / "ink.db"
        def rows():
            con = sqlite3.connect(db)
            try:
                return [con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                        for t in ("projects", "services", "deployments")]
            finally:
                con.close()
        before = rows()
        for fields, words in cases:
            started = time.monotonic()
            self.assert_refused(fields, words)
            self.assertLess(time.monotonic() - started, 10, fields)
        self.assertEqual(rows(), before, "a refused deploy wrote a project, service or deployment")
        # The same repository at a ref that exists is accepted (the check is no blanket refusal).
        service = unique("probeok")
        out = self.deploy(service, git=url, ref="main")
        final = wait_deployment(self.inkd, out["deployment"]["id"], timeout=300)
        self.assertEqual(final["status"], "active", final["message"])
        self.inkd.api_ok("DELETE", f"/v1/projects/{self.project}/services/{service}")

    def test_4_hostile_tarballs_are_refused(self):
        cases = [
            ([("../evil.txt", "file", b"x")], "'..'"),
            ([("/tmp/evil.txt", "file", b"x")], "absolute"),
            ([("passwd", "symlink", "/etc/passwd")], "outside the source tree"),
            ([("up", "symlink", "../../../etc")], "outside the source tree"),
            ([("null", "chardev", None)], "device"),
            ([("h", "hardlink", "../../etc/passwd")], "'..'"),
        ]
        for entries, words in cases:
            status, data = self.upload(tar_bytes(entries))
            self.assertEqual(status, 400, (entries, data))
            self.assertIn(words, data["error"]["message"], entries)
        status, data = self.upload(b"this is not a tarball" * 100)
        self.assertEqual(status, 400, data)
        self.assertIn("not a tar archive", data["error"]["message"])
        # A symlink that escapes only when resolved is caught when the build unpacks it.
        status, data = self.upload(tar_bytes([("s", "symlink", "."), ("t", "symlink", "s/.."),
                                              ("index.html", "file", b"<p>hi</p>")]))
        self.assertEqual(status, 201, data)
        dep = self.deploy(unique("chain"), archive_id=data["archive"]["id"])["deployment"]["id"]
        final = wait_deployment(self.inkd, dep, timeout=120)
        self.assertEqual(final["status"], "failed", final)
        self.assertIn("outside the source tree", final["message"])
        # Archives are scoped: an unknown id is a 404 at deploy time, nothing created.
        self.assert_refused({"archive_id": "arc_doesnotexist1"}, ["does not exist"], status=404)
        archives = list((self.inkd.data_dir / "archives").glob("*.partial"))
        self.assertEqual(archives, [])

    def test_5_oversized_upload_stops_at_the_limit(self):
        # Announced too large: refused before a byte of the body is read.
        with socket.create_connection((self.inkd.api_host, self.inkd.api_port), timeout=20) as s:
            s.sendall((f"POST /v1/archives HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                       f"{self.inkd.token}\r\nContent-Length: {50 << 20}\r\n\r\n").encode())
            reply = b""
            while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
                got = s.recv(65536)
                if not got:
                    break
                reply += got
        self.assertIn(b" 413 ", reply.split(b"\r\n")[0], reply)
        self.assertIn(b"upload limit", reply)
        # Chunked (no length): the server reads up to the limit, answers 413 and stops reading.
        sent, reply = 0, b""
        with socket.create_connection((self.inkd.api_host, self.inkd.api_port), timeout=20) as s:
            s.sendall((f"POST /v1/archives HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                       f"{self.inkd.token}\r\nTransfer-Encoding: chunked\r\n\r\n").encode())
            chunk = b"%x\r\n" % 65536 + b"y" * 65536 + b"\r\n"
            try:
                while sent < 200 << 20:  # 200 MiB offered
                    s.sendall(chunk)
                    sent += 65536
            except OSError:
                pass
            try:
                while True:
                    got = s.recv(65536)
                    if not got:
                        break
                    reply += got
            except OSError:
                pass
        log(f"oversized chunked upload: {sent >> 20} MiB sent before the server closed")
        self.assertLess(sent, 40 << 20, "the server kept reading past the limit")
        if reply:
            self.assertIn(b"413", reply.split(b"\r\n")[0])
        self.assertEqual(list((self.inkd.data_dir / "archives").glob("*.partial")), [])
        # inkd still answers.
        self.inkd.api_ok("GET", "/v1/health")

    def test_6_a_huge_build_log_is_bounded(self):
        src = self.tmp / "loud"
        shutil.copytree(APPS / "dockerfile", src)
        dockerfile = (src / "Dockerfile").read_text().replace(
            "COPY www /srv/www",
            # A token unique to this run, so a cached layer from an earlier run cannot skip the step.
            f"RUN echo {unique('run')} && "
            "yes 'a line of build output that goes on and on' | head -c 40000000\n"
            "COPY www /srv/www")
        (src / "Dockerfile").write_text(dockerfile)
        out = self.ink("deploy", src, "--project", self.project, "--service", "loud",
                       "--runtime", "runc", "--wait", timeout=600)
        dep = out.json["deployment"]["id"]
        path = self.inkd.data_dir / "builds" / f"{dep}.log"
        size = path.stat().st_size
        log(f"40 MB of build output left a log of {size} bytes")
        self.assertLess(size, LOG_LIMIT + 1024)
        text = path.read_text()
        self.assertIn("bytes of build log omitted", text)
        self.assertIn("[ink] built localhost/ink/build/", text)  # the tail is kept
        seen = []

        def serves():
            status, body = self.serve_text("loud")
            seen.append((status, body[:200]))
            return status == 200 and body

        body = wait_until(serves, timeout=30, what=f"loud through the edge (saw {seen[-3:]})")
        self.assertIn(EXPECTED["dockerfile"], body)

    def test_7_other_services_were_never_disturbed(self):
        if not self.deployed:
            self.skipTest("needs the services of test_1")
        for app in self.deployed:
            status, body = self.serve_text(app)
            self.assertEqual(status, 200, app)
            self.assertIn(EXPECTED[app], body, app)


    def test_8_every_sample_app_both_ways(self):
        """test_1 deploys each sample app one way; here each goes the other way (node/go/static
        uploaded as a directory, python/dockerfile/cpp from file:// git), so every app is shown
        from a local git repo and from a directory upload. Same sources: the layer cache keeps
        this quick."""
        deployments = {}
        for app in ("python", "dockerfile", "cpp"):
            _, url = make_repo(self.tmp, f"{app}-both", APPS / app)
            deployments[app] = self.deploy(f"{app}-git", git=url, ref="main")["deployment"]["id"]
        for app in ("node", "go", "static"):
            src = self.tmp / f"{app}-both-dir"
            shutil.copytree(APPS / app, src)
            out = self.ink("deploy", src, "--project", self.project, "--service", f"{app}-dir",
                           "--runtime", "runc")
            deployments[app] = out.json["deployment"]["id"]
        for app, dep in deployments.items():
            final = wait_deployment(self.inkd, dep, timeout=600)
            self.assertEqual(final["status"], "active", f"{app}: {final['message']}")
        for app in deployments:
            service = f"{app}-git" if app in ("python", "dockerfile", "cpp") else f"{app}-dir"
            body = wait_until(lambda: (lambda r: r[0] == 200 and r[1])(self.serve_text(service)),
                              timeout=60, what=f"{service} through the edge")
            self.assertIn(EXPECTED[app], body, service)

    def test_9_a_deleted_services_images_go_with_it(self):
        """Deleting a service removes its build images once its containers are gone: the next
        build's clean-up sweeps images whose service no longer exists."""
        if not self.deployed:
            self.skipTest("needs the services of test_1")
        victim = "python-git" if "python" in self.deployed else next(iter(self.deployed))
        sid = self.inkd.api_ok("GET", f"/v1/projects/{self.project}/services/{victim}")
        sid = sid["service"]["id"]
        repo = f"localhost/ink/build/{sid}"

        def images():
            # Another test removing an image while podman lists them makes the listing fail
            # with "image not known" (podman reads each image it filters): list again.
            for _ in range(10):
                p = podman("images", "--format", "{{.Repository}}:{{.Tag}}", "--filter",
                           f"label=ink.instance={self.inkd.name}", check=False)
                if p.returncode == 0:
                    return [ref for ref in p.stdout.split() if ref.startswith(repo + ":")]
                self.assertIn("image not known", p.stderr, p.stderr)
                time.sleep(0.5)
            self.fail("podman images kept failing: " + p.stderr)

        self.assertTrue(images(), f"{victim} has no image to begin with")
        self.inkd.api_ok("DELETE", f"/v1/projects/{self.project}/services/{victim}")
        wait_until(lambda: not self.inkd.containers(all=True, extra_label=f"ink.service={sid}"),
                   timeout=60, what=f"{victim}'s containers to go")
        src = self.tmp / "static-sweep"
        shutil.copytree(APPS / "static", src)
        out = self.ink("deploy", src, "--project", self.project, "--service", "sweeper",
                       "--runtime", "runc")
        final = wait_deployment(self.inkd, out.json["deployment"]["id"], timeout=300)
        self.assertEqual(final["status"], "active", final["message"])
        wait_until(lambda: not images(), timeout=180, interval=2,
                   what=f"{repo} images to be removed")


if __name__ == "__main__":
    main()
