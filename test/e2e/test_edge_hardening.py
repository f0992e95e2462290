"""ink-edge against hostile clients: request smuggling, slowloris, connection floods, file limits.

Runs the real ink-edge binary standalone (`ink-edge --routes FILE`) in front of a keep-alive
backend written here that records every request it parses. The backend parses the way lenient
servers do (LF line ends, whitespace around header names, Transfer-Encoding before
Content-Length, folded lines joined), so any ambiguous bytes the edge let through would show up
as an extra request it parsed. Each smuggling attempt must give a 400, or the backend must have
parsed exactly the one request that was sent. No podman needed; everything is on loopback.
"""

import os
import resource
import socket
import subprocess
import tempfile
import threading
import time
import unittest
from pathlib import Path

import harness
from harness import EDGE, log

HOST = "web-demo.localhost"
SMUGGLED = b"GET /smuggled HTTP/1.1\r\nHost: web-demo.localhost\r\n\r\n"


class RecordingBackend:
    """A threaded keep-alive HTTP/1.1 backend that records each request it parses as
    (method, path, body). Deliberately lenient, like many application servers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(512)
        self.port = self.sock.getsockname()[1]
        self.requests = []
        self.lock = threading.Lock()
        self.stopping = False
        threading.Thread(target=self._accept, daemon=True).start()

    def seen(self):
        with self.lock:
            return list(self.requests)

    def clear(self):
        with self.lock:
            self.requests.clear()

    def stop(self):
        self.stopping = True
        self.sock.close()

    def _accept(self):
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        reader = conn.makefile("rb")
        try:
            while True:
                line = reader.readline()
                if not line:
                    return
                if not line.strip():
                    continue
                parts = line.decode("latin-1").split()
                if len(parts) < 2:
                    return
                method, path = parts[0], parts[1]
                headers = {}
                last = None
                while True:
                    h = reader.readline()
                    if not h or not h.strip():
                        break
                    text = h.decode("latin-1").rstrip("\r\n")
                    if text[:1] in (" ", "\t") and last:  # folded line: joined
                        headers[last] += " " + text.strip()
                        continue
                    name, _, value = text.partition(":")
                    last = name.strip().lower()
                    headers[last] = value.strip()
                body = b""
                if "chunked" in headers.get("transfer-encoding", "").lower():
                    while True:
                        size_line = reader.readline()
                        if not size_line:
                            return
                        size = int(size_line.split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            while reader.readline().strip():
                                pass
                            break
                        body += reader.read(size)
                        reader.readline()
                elif "content-length" in headers:
                    body = reader.read(int(headers["content-length"].split(",")[0]))
                with self.lock:
                    self.requests.append((method, path, body))
                answer = f"backend saw {method} {path} ({len(body)} body bytes)".encode()
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(answer) +
                             answer)
        except (OSError, ValueError):
            return
        finally:
            conn.close()


def read_response(sock, timeout=5.0):
    """Reads one response (Content-Length framed, or until close). Returns (status, body) or
    (None, b"") when the connection closed without an answer."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None, b""
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    status = int(head.split()[1])
    length = None
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while length is not None and len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return status, rest[:length] if length is not None else rest


def closed_by_peer(sock, timeout=3.0):
    sock.settimeout(timeout)
    try:
        while True:
            if not sock.recv(65536):
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def connect(port, source="127.0.0.1"):
    s = socket.socket()
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    return s


def get(port, path, source="127.0.0.1", timeout=5.0):
    s = connect(port, source)
    try:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        return read_response(s, timeout)
    finally:
        s.close()


class Edge:
    """ink-edge started standalone on a free port with a route file pointing at `backend_port`."""

    def __init__(self, backend_port, *flags, nofile=None):
        self.dir = tempfile.mkdtemp(prefix="ink-edge-e2e-")
        routes = Path(self.dir) / "routes.json"
        routes.write_text(
            '{"version": 1, "routes": [{"host": "%s", "service": "web", "project": "demo", '
            '"backends": [{"address": "127.0.0.1", "port": %d}]}]}' % (HOST, backend_port))
        self.stderr = open(Path(self.dir) / "edge.err", "w+")

        def limits():
            if nofile:
                resource.setrlimit(resource.RLIMIT_NOFILE, nofile)

        self.proc = subprocess.Popen(
            [str(EDGE), "--listen", "127.0.0.1:0", "--routes", str(routes), *flags],
            stdout=subprocess.PIPE, stderr=self.stderr, preexec_fn=limits, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("listening on "):
            raise AssertionError(f"ink-edge did not start: {line!r} {self.log()}")
        self.port = int(line.rsplit(":", 1)[1])

    def log(self):
        self.stderr.flush()
        return (Path(self.dir) / "edge.err").read_text()

    def cpu_seconds(self):
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        self.stderr.close()


def raise_own_file_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Smuggling(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.backend = RecordingBackend()
        cls.edge = Edge(cls.backend.port)

    @classmethod
    def tearDownClass(cls):
        cls.edge.stop()
        cls.backend.stop()

    def attempt(self, name, raw):
        """Sends one request (with a smuggled one hidden behind it) and then a normal request on
        a fresh connection, which would be the victim of a poisoned pooled upstream."""
        self.backend.clear()
        s = connect(self.edge.port)
        s.sendall(raw)
        status, body = read_response(s)
        s.close()
        victim_status, victim_body = get(self.edge.port, "/victim")
        seen = self.backend.seen()
        log(f"{name}: edge answered {status}; backend parsed {[(m, p) for m, p, _ in seen]}")
        self.assertEqual(victim_status, 200, name)
        self.assertEqual(victim_body, b"backend saw GET /victim (0 body bytes)", name)
        paths = [p for _, p, _ in seen]
        self.assertNotIn("/smuggled", paths, name)
        if status == 400:
            self.assertLessEqual(len(seen), 2, name)  # at most the head of the one request
        else:
            self.assertEqual(status, 200, name)
            self.assertEqual(paths, ["/target", "/victim"], name)
        return status

    def test_connection_content_length(self):
        self.attempt("Connection: content-length",
                     b"POST /target HTTP/1.1\r\nHost: web-demo.localhost\r\n"
                     b"Connection: content-length\r\nContent-Length: %d\r\n\r\n" % len(SMUGGLED) +
                     SMUGGLED)
        self.assertEqual(self.backend.seen()[0][2], SMUGGLED)  # forwarded as the body it was

    def test_connection_transfer_encoding(self):
        self.attempt("Connection: transfer-encoding",
                     b"POST /target HTTP/1.1\r\nHost: web-demo.localhost\r\n"
                     b"Connection: transfer-encoding\r\nTransfer-Encoding: chunked\r\n\r\n"
                     b"%x\r\n" % len(SMUGGLED) + SMUGGLED + b"\r\n0\r\n\r\n")

    def test_content_length_and_transfer_encoding(self):
        status = self.attempt("CL+TE",
                              b"POST /target HTTP/1.1\r\nHost: web-demo.localhost\r\n"
                              b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                              b"0\r\n\r\n" + SMUGGLED)
        self.assertEqual(status, 400)

    def test_duplicate_content_length(self):
        status = self.attempt("duplicate CL",
                              b"POST /target HTTP/1.1\r\nHost: web-demo.localhost\r\n"
                              b"Content-Length: 0\r\nContent-Length: %d\r\n\r\n" % len(SMUGGLED) +
                              SMUGGLED)
        self.assertEqual(status, 400)

    def test_obs_fold(self):
        status = self.attempt("obs-fold",
                              b"POST /target HTTP/1.1\r\nHost: web-demo.localhost\r\n"
                              b"Content-Length: 0\r\nX-Folded: a\r\n b\r\n\r\n" + SMUGGLED)
        self.assertEqual(status, 400)
        status = self.attempt("obs-fold Transfer-Encoding",
                              b"POST /target HTTP/1.1\r\nHost: web-demo.localhost\r\n"
                              b"Transfer-Encoding:\r\n chunked\r\nContent-Length: 0\r\n\r\n" +
                              SMUGGLED)
        self.assertEqual(status, 400)

    def test_bare_lf_chunk_lines(self):
        for name, body in [
            ("bare LF after chunk size", b"%x\n" % len(SMUGGLED) + SMUGGLED + b"\r\n0\r\n\r\n"),
            ("bare LF in chunk extension",
             b"5;x\n" + SMUGGLED + b"\r\n0\r\n\r\n"),
            ("bare LF after chunk data", b"1\r\nA\n0\r\n\r\n" + SMUGGLED),
            ("bare LF in trailer", b"0\r\nX: y\n\r\n" + SMUGGLED),
        ]:
            status = self.attempt(name,
                                  b"POST /target HTTP/1.1\r\nHost: web-demo.localhost\r\n"
                                  b"Transfer-Encoding: chunked\r\n\r\n" + body)
            self.assertEqual(status, 400, name)

    def test_bare_lf_head_and_space_before_colon(self):
        for name, raw in [
            ("bare LF head", b"POST /target HTTP/1.1\nHost: web-demo.localhost\n"
                             b"Content-Length: %d\n\n" % len(SMUGGLED) + SMUGGLED),
            ("space before colon", b"POST /target HTTP/1.1\r\nHost: web-demo.localhost\r\n"
                                   b"Content-Length : %d\r\n\r\n" % len(SMUGGLED) + SMUGGLED),
            ("absolute-form disagrees with Host",
             b"GET http://other-demo.localhost/ HTTP/1.1\r\nHost: web-demo.localhost\r\n\r\n"),
        ]:
            self.assertEqual(self.attempt(name, raw), 400, name)


class SlowAndIdleClients(unittest.TestCase):
    def test_thousand_slow_connections_do_not_starve_a_normal_client(self):
        raise_own_file_limit()
        backend = RecordingBackend()
        edge = Edge(backend.port, "--header-timeout-ms", "4000")
        slow = []
        try:
            # 1,000 connections from 10 loopback addresses (100 each, under the per-client cap):
            # half never send a byte, half send one byte of a request head every 2 s.
            for i in range(1000):
                slow.append(connect(edge.port, f"127.0.1.{10 + i % 10}"))
            for s in slow[::2]:
                s.sendall(b"G")
            cpu_before = edge.cpu_seconds()
            worst = 0.0
            for round_ in range(3):
                start = time.monotonic()
                status, body = get(edge.port, f"/normal{round_}", source="127.0.0.9", timeout=5)
                elapsed = time.monotonic() - start
                worst = max(worst, elapsed)
                self.assertEqual(status, 200)
                self.assertEqual(body, f"backend saw GET /normal{round_} (0 body bytes)".encode())
                for s in slow[::2]:
                    try:
                        s.sendall(b"E")
                    except OSError:
                        pass
                time.sleep(1)
            log(f"normal client answered in at most {worst * 1000:.1f} ms beside 1,000 slow "
                f"connections; edge CPU {edge.cpu_seconds() - cpu_before:.2f} s over the rounds")
            self.assertLess(worst, 1.0)
            # The head deadline (4 s from accept) closes all of them, idle or trickling (those
            # get a 408 first).
            deadline = time.monotonic() + 10
            open_ones = list(slow)
            while open_ones and time.monotonic() < deadline:
                open_ones = [s for s in open_ones if not _closed_now(s)]
                time.sleep(0.2)
            self.assertEqual(len(open_ones), 0, "slow connections still open after the deadline")
        finally:
            for s in slow:
                s.close()
            edge.stop()
            backend.stop()

    def test_per_client_cap_answers_503_and_others_are_served(self):
        raise_own_file_limit()
        backend = RecordingBackend()
        edge = Edge(backend.port, "--max-connections-per-client", "50")
        held = []
        try:
            for _ in range(50):
                held.append(connect(edge.port, "127.0.2.1"))
            time.sleep(0.2)
            extra = connect(edge.port, "127.0.2.1")
            status, body = read_response(extra)
            extra.close()
            self.assertEqual(status, 503)
            self.assertIn(b"too many connections from your address", body)
            status, _ = get(edge.port, "/other", source="127.0.2.2")
            self.assertEqual(status, 200)
        finally:
            for s in held:
                s.close()
            edge.stop()
            backend.stop()


def _closed_now(s):
    """True when the peer has closed `s` (whatever it sent before, e.g. a 408, is read)."""
    s.settimeout(0.001)
    try:
        while True:
            if s.recv(65536) == b"":
                return True
    except socket.timeout:
        return False
    except OSError:
        return True


class FileLimits(unittest.TestCase):
    def test_raises_soft_limit_to_hard_limit(self):
        backend = RecordingBackend()
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        edge = Edge(backend.port, nofile=(256, hard))
        try:
            limits = Path(f"/proc/{edge.proc.pid}/limits").read_text()
            line = next(l for l in limits.splitlines() if l.startswith("Max open files"))
            self.assertEqual(line.split()[3], str(hard), line)
            harness.wait_until(lambda: f"open-file limit {hard}" in edge.log(), timeout=5,
                               what="the edge to log its file limit")
        finally:
            edge.stop()
            backend.stop()

    def test_connection_limit_follows_a_low_file_limit_and_never_spins(self):
        raise_own_file_limit()
        backend = RecordingBackend()
        # Hard limit 64: the edge can serve (64 - 32 - 4) / 2 = 14 connections.
        edge = Edge(backend.port, "--max-connections", "10000", nofile=(64, 64))
        clients = []
        try:
            harness.wait_until(lambda: "serving at most 14 connections" in edge.log(), timeout=5,
                               what="the edge to log its lowered connection limit")
            for _ in range(60):
                clients.append(connect(edge.port))
            time.sleep(0.5)
            refused = 0
            for s in clients[14:]:
                status, _ = read_response(s, timeout=2)
                refused += status == 503
            self.assertGreater(refused, 30)
            cpu_before = edge.cpu_seconds()
            time.sleep(1.5)
            self.assertLess(edge.cpu_seconds() - cpu_before, 0.3)  # no busy loop
            for s in clients:
                s.close()
            clients = []
            time.sleep(0.3)
            self.assertEqual(get(edge.port, "/after")[0], 200)
        finally:
            for s in clients:
                s.close()
            edge.stop()
            backend.stop()


if __name__ == "__main__":
    if not EDGE.exists():
        print(f"e2e: skipped, not built: {EDGE} (set INK_BUILD_DIR)", flush=True)
        raise SystemExit(77)
    harness.main(require_binaries=False)
