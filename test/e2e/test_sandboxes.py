"""Sandboxes end to end (issue 12): a throwaway gVisor container's life through REST, the CLI and
MCP (the official SDK: mcp/sandbox_lifecycle.mjs); exec with argv or a shell string, env, cwd,
stdin and a timeout that is reported; binary-safe files; TTL expiry and set_sandbox_timeout; 30
create/exec/delete cycles that leave no container, network or file behind; bad input refused
with a clear message and nothing changed; a 100 MB file written inside a sandbox, and reads of it
bounded (whole: refused naming the way out; a 10 MiB part: returned, over MCP too).

No timing is asserted (the host is a loaded 2-core machine); durations are logged."""

import base64
import hashlib
import json
import os
import socket
import subprocess
import time
from pathlib import Path

import harness
import sandboxes as sbx
from harness import InkTestCase, log, wait_until

MCP_DIR = Path(__file__).resolve().parent / "mcp"


class Sandboxes(InkTestCase):
    def test_rest_exec_files_and_delete(self):
        s = sbx.create(self.inkd, ttl=600)
        self.assertTrue(s["id"].startswith("sbx_"), s)
        self.assertEqual((s["status"], s["network"]), ("running", "none"), s)
        self.assertEqual(len(sbx.containers(self.inkd, s["id"])), 1)
        runtime = harness.podman("inspect", "-f", "{{.OCIRuntime}}",
                                 sbx.containers(self.inkd, s["id"])[0]).stdout.strip()
        self.assertEqual(runtime, harness.GVISOR_RUNTIME)

        # argv: no shell between the words and the program.
        status, out = sbx.exec_(self.inkd, s["id"], ["echo", "hi", "$HOME", "a b"])
        self.assertEqual(status, 200, out)
        self.assertEqual((out["exit_code"], out["stdout"], out["timed_out"]),
                         (0, "hi $HOME a b\n", False), out)
        # A shell string, with env, cwd and stdin; stdout and stderr apart; the exit code.
        out = sbx.sh(self.inkd, s["id"], 'echo "$GREETING from $(pwd)"; tr a-z A-Z; echo e >&2; '
                     "exit 7", env={"GREETING": "hello wörld"}, cwd="/tmp",
                     stdin="piped ünï\n")
        self.assertEqual(out["exit_code"], 7, out)
        self.assertEqual(out["stdout"], "hello wörld from /tmp\nPIPED üNï\n", out)
        self.assertEqual(out["stderr"], "e\n", out)
        # A command past its timeout is killed and the answer says so.
        t0 = time.monotonic()
        out = sbx.sh(self.inkd, s["id"], "echo started; sleep 60", timeout=2)
        log(f"[timing] a 2 s exec timeout answered after {time.monotonic() - t0:.1f} s")
        self.assertTrue(out["timed_out"], out)
        self.assertNotEqual(out["exit_code"], 0, out)

        # Files: every byte value survives the round trip; parents are made; the mode is kept.
        data = bytes(range(256)) * 64 + b"\x00\xff\r\n"
        status, wrote = self.inkd.api("PUT", f"/v1/sandboxes/{s['id']}/files", {
            "path": "/work/deep/er/blob.bin", "content_base64": base64.b64encode(data).decode(),
            "mode": "0750"})
        self.assertEqual(status, 200, wrote)
        self.assertEqual((wrote["size"], wrote["mode"]), (len(data), "0750"), wrote)
        status, read = self.inkd.api(
            "GET", f"/v1/sandboxes/{s['id']}/files?" + sbx.files_query("/work/deep/er/blob.bin"))
        self.assertEqual(status, 200, read)
        self.assertEqual(base64.b64decode(read["content_base64"]), data)
        self.assertEqual((read["size"], read["mode"]), (len(data), "0750"), read)
        # The bytes are really there: the sandbox's own sha256sum agrees.
        out = sbx.sh(self.inkd, s["id"], "sha256sum /work/deep/er/blob.bin")
        self.assertEqual(out["stdout"].split()[0], hashlib.sha256(data).hexdigest(), out)
        # A part of it, and text.
        status, part = self.inkd.api("GET", f"/v1/sandboxes/{s['id']}/files?" +
                                     sbx.files_query("/work/deep/er/blob.bin", offset=65,
                                                     length=3))
        self.assertEqual(base64.b64decode(part["content_base64"]), b"ABC", part)
        self.inkd.api_ok("PUT", f"/v1/sandboxes/{s['id']}/files",
                         {"path": "/work/note.txt", "content": "grüße\n"})
        status, text = self.inkd.api("GET", f"/v1/sandboxes/{s['id']}/files?" +
                                     sbx.files_query("/work/note.txt", encoding="text"))
        self.assertEqual((status, text.get("content")), (200, "grüße\n"), text)
        status, refused = self.inkd.api("GET", f"/v1/sandboxes/{s['id']}/files?" +
                                        sbx.files_query("/work/deep/er/blob.bin", encoding="text"))
        self.assertEqual(status, 409, refused)
        self.assertIn("not UTF-8", refused["error"]["message"], refused)
        status, listing = self.inkd.api("GET", f"/v1/sandboxes/{s['id']}/files/list?" +
                                        sbx.files_query("/work", depth=3))
        self.assertEqual(status, 200, listing)
        entries = {e["path"]: (e["type"], e["size"]) for e in listing["entries"]}
        self.assertEqual(entries["deep/er/blob.bin"], ("file", len(data)), entries)
        self.assertEqual(entries["note.txt"], ("file", len("grüße\n".encode())), entries)
        self.assertEqual(entries["deep"][0], "dir", entries)

        sbx.delete(self.inkd, s["id"])
        self.assertEqual(sbx.containers(self.inkd, s["id"]), [])
        self.assertIsNone(sbx.get(self.inkd, s["id"]))
        status, late = sbx.exec_(self.inkd, s["id"], ["true"])
        self.assertEqual(status, 409, late)
        self.assertIn("has ended (deleted", late["error"]["message"], late)
        status, again = self.inkd.api("DELETE", f"/v1/sandboxes/{s['id']}")
        self.assertEqual(status, 409, again)

    def test_cli_create_exec_cp_ls_rm(self):
        created = self.ink("sandbox", "create", "--ttl", "600", "--network", "on")
        sid = created.json["sandbox"]["id"]
        self.assertEqual(created.json["sandbox"]["network"], "on")
        listed = self.ink("sandbox", "ls", json=False)
        self.assertIn(sid, listed.stdout)
        res = self.ink("sandbox", "exec", sid, "--", "sh", "-c", "echo hi; exit 3", json=False,
                       check=False, input="")
        self.assertEqual((res.rc, res.stdout), (3, "hi\n"), res)
        local = self.inkd.tmp / "cli-blob.bin"
        data = os.urandom(300_000) + b"\x00" * 10
        local.write_bytes(data)
        self.ink("sandbox", "cp", str(local), f"{sid}:/tmp/in/blob.bin", json=False)
        back = self.inkd.tmp / "cli-back.bin"
        self.ink("sandbox", "cp", f"{sid}:/tmp/in/blob.bin", str(back), json=False)
        self.assertEqual(back.read_bytes(), data)
        files = self.ink("sandbox", "files", sid, "/tmp/in", json=False)
        self.assertIn("blob.bin", files.stdout)
        self.assertIn(str(len(data)), files.stdout)
        self.ink("sandbox", "timeout", sid, "--ttl", "900")
        self.ink("sandbox", "rm", sid, json=False)
        self.assertEqual(sbx.containers(self.inkd, sid), [])
        self.assertEqual(sbx.networks(self.inkd), [], "its own network went with it")
        res = self.ink("sandbox", "exec", sid, "--", "true", json=False, check=False, input="")
        self.assertNotEqual(res.rc, 0, res)
        self.assertIn("has ended", res.stderr, res)
        res = self.ink("sandbox", "rm", "sbx_nosuchthing", json=False, check=False)
        self.assertNotEqual(res.rc, 0, res)
        self.assertIn("sbx_nosuchthing", res.stderr, res)

    def test_mcp_lifecycle_with_the_sdk(self):
        from test_mcp import ensure_node_modules
        node = ensure_node_modules()
        env = dict(os.environ, INK_MCP_URL=self.inkd.api_url + "/mcp",
                   INK_TEST_TOKEN=self.inkd.token)
        proc = subprocess.run([str(node), "sandbox_lifecycle.mjs"], cwd=MCP_DIR, env=env,
                              capture_output=True, text=True, timeout=300)
        self.assertEqual(proc.returncode, 0, f"stdout: {proc.stdout}\nstderr: {proc.stderr}")
        seen = json.loads(proc.stdout.strip().splitlines()[-1])
        self.assertTrue(seen.get("ok"), seen)
        self.assertEqual(sbx.containers(self.inkd, seen["id"]), [])

    def test_ttl_expiry_and_set_sandbox_timeout(self):
        short = sbx.create(self.inkd, ttl=3)
        extended = sbx.create(self.inkd, ttl=3)
        answer = self.inkd.api_ok("POST", f"/v1/sandboxes/{extended['id']}/timeout", {"ttl": 600})
        self.assertGreater(answer["sandbox"]["expires_at"], extended["expires_at"] + 500_000)
        wait_until(lambda: not sbx.containers(self.inkd, short["id"]), timeout=60,
                   what="the reaper to destroy the expired sandbox")
        status, late = sbx.exec_(self.inkd, short["id"], ["true"])
        self.assertEqual(status, 409, late)
        self.assertIn("has ended (expired: its time to live ran out)", late["error"]["message"])
        self.assertIsNone(sbx.get(self.inkd, short["id"]))
        # The extended one lives on and still runs commands.
        self.assertEqual(sbx.get(self.inkd, extended["id"])["status"], "running")
        self.assertEqual(sbx.sh(self.inkd, extended["id"], "echo alive")["stdout"], "alive\n")
        status, refused = self.inkd.api("POST", f"/v1/sandboxes/{short['id']}/timeout",
                                        {"ttl": 600})
        self.assertEqual(status, 409, refused)
        sbx.delete(self.inkd, extended["id"])

    def test_cycles_leave_nothing_behind(self):
        before_files = sorted(str(p) for p in self.inkd.data_dir.rglob("*"))
        t0 = time.monotonic()
        for i in range(30):
            s = sbx.create(self.inkd, ttl=120, network="on" if i % 5 == 0 else "none")
            out = sbx.sh(self.inkd, s["id"], f"echo cycle {i}")
            self.assertEqual(out["stdout"], f"cycle {i}\n", out)
            sbx.delete(self.inkd, s["id"])
        log(f"[timing] 30 create/exec/delete cycles took {time.monotonic() - t0:.1f} s")
        self.assertEqual(sbx.containers(self.inkd), [])
        self.assertEqual(sbx.networks(self.inkd), [])
        self.assertEqual(self.inkd.api_ok("GET", "/v1/sandboxes")["sandboxes"], [])
        volumes = harness.podman("volume", "ls", "-q", "--filter",
                                 f"label=ink.instance={self.inkd.name}").stdout.split()
        self.assertEqual(volumes, [])
        # inkd's data dir holds no file per sandbox (the database's WAL may come and go).
        after = sorted(str(p) for p in self.inkd.data_dir.rglob("*"))
        new = [p for p in after if p not in before_files and not p.endswith(("-wal", "-shm"))]
        self.assertEqual(new, [])

    def test_bad_input_is_refused_clearly_and_changes_nothing(self):
        def refused(method, path, body, status, *words):
            got, answer = self.inkd.api(method, path, body)
            self.assertEqual(got, status, (path, body, answer))
            message = answer["error"]["message"]
            for w in words:
                self.assertIn(w, message, (body, message))

        base = "/v1/sandboxes"
        refused("POST", base, {"ttl": -1}, 400, "ttl")
        refused("POST", base, {"ttl": 10**9}, 400, "ttl")
        refused("POST", base, {"memory": "-5m"}, 400, "memory")
        refused("POST", base, {"memory": "900g"}, 400, "memory")
        refused("POST", base, {"cpu": -1}, 400, "cpu")
        refused("POST", base, {"cpu": 1000}, 400, "cpu")
        refused("POST", base, {"network": "bogus"}, 400, "network")
        refused("POST", base, {"network": "allowlist"}, 400, "not built yet")
        refused("POST", base, {"image": "UPPER/case::bad"}, 400, "not a valid reference")
        refused("POST", base, {"image": "--pull=always"}, 400, "image")
        refused("POST", base, {"tll": 5}, 400, "tll")
        refused("POST", f"{base}/sbx_nosuch/exec", {"command": ["true"]}, 404, "sbx_nosuch")
        refused("DELETE", f"{base}/sbx_nosuch", None, 404, "sbx_nosuch")
        self.assertEqual(self.inkd.api_ok("GET", base)["sandboxes"], [])
        self.assertEqual(sbx.containers(self.inkd), [])

        s = sbx.create(self.inkd, ttl=600)
        sid = s["id"]
        refused("POST", f"{base}/{sid}/exec", {"command": []}, 400, "command")
        refused("POST", f"{base}/{sid}/exec", {"command": ["true"], "timeout": 0}, 400, "timeout")
        refused("POST", f"{base}/{sid}/exec", {"command": ["true"], "cwd": "tmp"}, 400,
                "not absolute")
        refused("POST", f"{base}/{sid}/timeout", {"ttl": 0}, 400, "ttl")
        status, out = sbx.exec_(self.inkd, sid, ["no-such-program"])
        self.assertIn(status, (200, 409), out)  # a result (exit 127) or a precondition
        if status == 200:
            self.assertNotEqual(out["exit_code"], 0, out)
        files = f"{base}/{sid}/files"
        refused("PUT", files, {"path": "relative/x", "content": "a"}, 400, "absolute")
        refused("PUT", files, {"path": "/tmp/x", "content_base64": "@@not base64@@"}, 400,
                "content_base64")
        refused("PUT", files, {"path": "/tmp/x", "content": "a", "content_base64": "YQ=="}, 400,
                "not both")
        refused("PUT", files, {"path": "/tmp/x", "content": "a", "mode": "999"}, 400, "mode")
        refused("GET", files + "?" + sbx.files_query("/tmp/none-such"), None, 404, "/tmp/none-such")
        # 100 MB through the API: refused by its Content-Length (413) before a byte is read.
        self.assertEqual(self.oversized_put(files, 100 << 20), 413)
        listing = self.inkd.api_ok("GET", f"{base}/{sid}/files/list?" + sbx.files_query("/tmp"))
        self.assertNotIn("x", [e["path"] for e in listing["entries"]], "nothing was written")
        self.assertEqual(len(self.inkd.api_ok("GET", base)["sandboxes"]), 1)
        self.assertEqual(len(sbx.containers(self.inkd)), 1)
        sbx.delete(self.inkd, sid)

    def oversized_put(self, path, size):
        """Sends only the head of a PUT claiming `size` bytes; returns the status inkd answers."""
        with socket.create_connection((self.inkd.api_host, self.inkd.api_port), timeout=30) as c:
            c.sendall((f"PUT {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                       f"{self.inkd.token}\r\nContent-Type: application/json\r\n"
                       f"Content-Length: {size}\r\n\r\n").encode())
            head = c.recv(4096).decode("latin-1")
        return int(head.split()[1])

    def test_a_100_mb_file_inside_and_bounded_reads(self):
        s = sbx.create(self.inkd, ttl=600, memory="1g")
        sid = s["id"]
        size = 100 << 20
        t0 = time.monotonic()
        # A pattern (not urandom: gVisor's urandom gives short reads here) with a known hash.
        out = sbx.sh(self.inkd, sid, f"yes 0123456789abcdef | head -c {size} > /tmp/big && "
                     "sha256sum /tmp/big", timeout=300)
        log(f"[timing] writing 100 MB inside the sandbox took {time.monotonic() - t0:.1f} s")
        self.assertEqual(out["exit_code"], 0, out)
        pattern = (b"0123456789abcdef\n" * (size // 17 + 1))[:size]
        self.assertEqual(out["stdout"].split()[0], hashlib.sha256(pattern).hexdigest())
        files = f"/v1/sandboxes/{sid}/files?"
        status, whole = self.inkd.api("GET", files + sbx.files_query("/tmp/big"), timeout=120)
        self.assertIn(status, (400, 409, 413), whole)
        self.assertIn("offset", whole["error"]["message"], whole)  # it names the way out
        offset, length = 50 << 20, 10 << 20
        status, part = self.inkd.api("GET", files + sbx.files_query("/tmp/big", offset=offset,
                                                                    length=length), timeout=120)
        self.assertEqual(status, 200, str(part)[:500])
        self.assertEqual((part["size"], part["offset"], part["length"]), (size, offset, length))
        self.assertEqual(base64.b64decode(part["content_base64"]), pattern[offset:offset + length])
        status, over = self.inkd.api("GET", files + sbx.files_query("/tmp/big",
                                                                    length=length + 1))
        self.assertEqual(status, 400, over)
        sbx.delete(self.inkd, sid)


if __name__ == "__main__":
    harness.main()
