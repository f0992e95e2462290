"""inkd against slow, idle and hostile clients (issue 8, "inkd survives slow and hostile clients").

300 connections that each hold something (idle after connect, a head one byte every 2 s, an
authenticated head whose body trickles, an unauthenticated 1 GiB POST, a long-lived MCP SSE stream
or `ink logs -f` stream) stay open together while a normal client's REST calls (/v1/health, an
authenticated list), an MCP tools/list and a git info/refs each answer within 1 s. Unauthenticated
big bodies get their 401 before any body byte is sent; heads and bodies that miss their deadline
get a 408 and the connection is closed. Hostile bytes (garbage, CL+TE, a huge header, ...) get a
4xx without disturbing a keep-alive client. With a small --http-max-pending, a flood of idle
connections evicts idle strangers, never an authenticated keep-alive connection.

Everything is on loopback; one service (runc, for a log stream to follow) is deployed.
"""

import base64
import json
import resource
import socket
import threading
import time
import http.client

import harness
from harness import InkTestCase, log, unique, wait_until

HEAD_TIMEOUT = 5  # --http-head-timeout and --http-body-timeout of the inkd under test
BOUND = 1.0       # what a normal client may wait, in seconds


def raise_own_file_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def closed_now(s):
    """True if the peer closed (or reset) the connection; consumes nothing it sent."""
    try:
        s.setblocking(False)
        try:
            data = s.recv(1, socket.MSG_PEEK)
        finally:
            s.setblocking(True)
        return data == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def read_all(s, timeout):
    """Everything the peer sends until it closes or `timeout` passes; (bytes, closed)."""
    timeout = max(timeout, 0.05)
    data = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = s.recv(65536)
            if not chunk:
                return data, True
            data += chunk
    except socket.timeout:
        return data, False
    except OSError:
        return data, True
    return data, False


def read_head(s, timeout=5.0):
    """Reads until the end of a response head; returns (status, head bytes, rest)."""
    s.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/1.1 ") else None
    return status, head, rest


def status_of(data):
    return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else None


class NormalClient:
    """What a well-behaved user does, each call timed: REST, MCP and git over fresh connections."""

    def __init__(self, inkd, project):
        self.inkd = inkd
        self.project = project
        self.session = None

    def timed(self, what, fn):
        start = time.monotonic()
        result = fn()
        elapsed = time.monotonic() - start
        return what, elapsed, result

    def request(self, method, path, body=None, headers=None):
        status, hdrs, text = harness.http_request(self.inkd.api_host, self.inkd.api_port, method,
                                                  path, body=body, headers=headers, timeout=5)
        return status, hdrs, text

    def auth(self):
        return {"Authorization": f"Bearer {self.inkd.token}"}

    def mcp(self, message, session=None):
        headers = {**self.auth(), "Content-Type": "application/json",
                   "Accept": "application/json, text/event-stream"}
        if session:
            headers["Mcp-Session-Id"] = session
        return self.request("POST", "/mcp", json.dumps(message), headers)

    def mcp_session(self):
        status, hdrs, text = self.mcp({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                                       "params": {"protocolVersion": "2025-06-18",
                                                  "capabilities": {},
                                                  "clientInfo": {"name": "e2e", "version": "1"}}})
        assert status == 200, (status, text)
        session = hdrs["mcp-session-id"]
        status, _, text = self.mcp({"jsonrpc": "2.0", "method": "notifications/initialized"},
                                   session)
        assert status == 202, (status, text)
        return session

    def round(self):
        """One of each call; returns [(what, seconds)] and checks every answer."""
        if self.session is None:
            self.session = self.mcp_session()
        git_auth = base64.b64encode(f"ink:{self.inkd.token}".encode()).decode()
        calls = [
            ("GET /v1/health", lambda: self.request("GET", "/v1/health"),
             lambda r: r[0] == 200 and json.loads(r[2])["status"] in ("ok", "degraded")),
            ("GET /v1/projects (token)",
             lambda: self.request("GET", "/v1/projects", headers=self.auth()),
             lambda r: r[0] == 200 and any(p["name"] == self.project
                                           for p in json.loads(r[2])["projects"])),
            ("MCP tools/list", lambda: self.mcp({"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
                                                self.session),
             lambda r: r[0] == 200 and len(json.loads(r[2])["result"]["tools"]) > 5),
            ("git info/refs",
             lambda: self.request("GET", f"/git/{self.project}/web.git/info/refs"
                                         "?service=git-upload-pack",
                                  headers={"Authorization": f"Basic {git_auth}"}),
             lambda r: r[0] == 200 and "git-upload-pack" in r[2]),
        ]
        out = []
        for what, call, check in calls:
            name, elapsed, result = self.timed(what, call)
            assert check(result), f"{what}: unexpected answer {result[0]} {result[2][:300]!r}"
            out.append((name, elapsed))
        return out


class SlowClients(InkTestCase):
    inkd_args = ("--http-head-timeout", str(HEAD_TIMEOUT), "--http-body-timeout",
                 str(HEAD_TIMEOUT))

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        raise_own_file_limit()
        cls.project = unique("slow")
        cls.inkd.create_project(cls.project)
        out = cls.inkd.deploy(cls.project, "web", cls.image, port=8080, runtime_class="runc")
        cls.inkd.wait_serving(out["url"])

    def setUp(self):
        self.sockets = []

    def tearDown(self):
        for s in self.sockets:
            s.close()

    def open(self):
        s = connect(self.inkd.api_port)
        self.sockets.append(s)
        return s

    def assert_fast(self, client, label):
        worst = 0.0
        for what, elapsed in client.round():
            log(f"{label}: {what} answered in {elapsed * 1000:.1f} ms")
            self.assertLess(elapsed, BOUND, f"{what} took {elapsed:.2f} s {label}")
            worst = max(worst, elapsed)
        return worst

    def test_300_slow_clients_do_not_delay_a_normal_one(self):
        inkd = self.inkd
        port = inkd.api_port
        token = inkd.token
        client = NormalClient(inkd, self.project)
        self.assert_fast(client, "before the slow clients")

        # 60 unauthenticated 1 GiB POSTs (REST, MCP and git): the head alone is sent, the 401
        # must come without any body byte.
        refused = []
        big_targets = [b"POST /v1/projects", b"POST /mcp",
                       b"POST /git/" + self.project.encode() + b"/web.git/git-receive-pack"]
        for i in range(60):
            s = self.open()
            s.sendall(big_targets[i % 3] + b" HTTP/1.1\r\nHost: x\r\nContent-Type: "
                      b"application/json\r\nContent-Length: 1073741824\r\n\r\n")
            refused.append(s)
        for i, s in enumerate(refused):
            start = time.monotonic()
            status, head, _ = read_head(s, timeout=5)
            self.assertEqual(status, 401, f"{big_targets[i % 3]!r}: {head[:300]!r}")
            self.assertIn(b"www-authenticate:", head.lower())
            self.assertIn(b"connection: close", head.lower())
            self.assertLess(time.monotonic() - start, BOUND)
        # 60 long-lived streams: 50 MCP SSE streams (GET /mcp, one per session) and 10
        # `logs?follow=true` streams.
        streams = []
        for _ in range(50):
            session = client.mcp_session()
            s = self.open()
            s.sendall(b"GET /mcp HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n"
                      b"Authorization: Bearer " + token.encode() + b"\r\nMcp-Session-Id: " +
                      session.encode() + b"\r\n\r\n")
            status, head, _ = read_head(s)
            self.assertEqual(status, 200, head)
            self.assertIn(b"text/event-stream", head)
            streams.append(s)
        for _ in range(10):
            s = self.open()
            s.sendall(b"GET /v1/projects/" + self.project.encode() + b"/services/web/logs"
                      b"?follow=true HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                      token.encode() + b"\r\n\r\n")
            streams.append(s)
        opened = time.monotonic()
        # 60 idle after connect.
        idle = [self.open() for _ in range(60)]
        # 60 sending a request head one byte every 2 s.
        head_bytes = b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n"
        trickle_heads = [self.open() for _ in range(60)]
        # 60 with an authenticated head (so the body is read) and a body that trickles.
        trickle_bodies = []
        for _ in range(60):
            s = self.open()
            s.sendall(b"POST /v1/projects HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                      token.encode() + b"\r\nContent-Type: application/json\r\n"
                      b"Content-Length: 1000\r\n\r\n{")
            trickle_bodies.append(s)
        self.assertEqual(len(self.sockets), 300)

        # While all of them are open, and the trickles go on, a normal client is served at once.
        stop = threading.Event()
        sent = {"heads": 0}

        def trickle():
            position = 0
            while not stop.is_set() and position < len(head_bytes) - 1:
                for s in trickle_heads:
                    try:
                        s.send(head_bytes[position:position + 1])
                    except OSError:
                        pass
                for s in trickle_bodies:
                    try:
                        s.send(b" ")
                    except OSError:
                        pass
                position += 1
                sent["heads"] = position
                stop.wait(2)

        trickler = threading.Thread(target=trickle, daemon=True)
        trickler.start()
        try:
            worst = 0.0
            for round_ in range(3):
                worst = max(worst, self.assert_fast(client, f"beside 300 slow clients, "
                                                            f"round {round_}"))
                time.sleep(0.5)
            still_open = [s for s in idle + trickle_heads + trickle_bodies + streams
                          if not closed_now(s)]
            self.assertEqual(len(still_open), 240, "slow connections closed before their deadline")
            log(f"normal client: worst {worst * 1000:.1f} ms beside 300 slow connections "
                f"({time.monotonic() - opened:.1f} s after they opened)")

            # The deadlines: heads and bodies that did not arrive get a 408 and are closed; idle
            # connections are closed; the streams stay.
            for name, group, want in (("trickled head", trickle_heads, 408),
                                      ("trickled body", trickle_bodies, 408),
                                      ("idle", idle, None)):
                for s in group:
                    data, closed = read_all(s, HEAD_TIMEOUT + 4 - (time.monotonic() - opened))
                    self.assertTrue(closed, f"{name} connection still open after its deadline")
                    self.assertEqual(status_of(data), want, f"{name}: {data[:200]!r}")
            self.assertLess(time.monotonic() - opened, HEAD_TIMEOUT + 4)
            self.assertGreater(sent["heads"], 1, "the heads were not trickling")
        finally:
            stop.set()
            trickler.join()
        open_streams = [s for s in streams if not closed_now(s)]
        self.assertEqual(len(open_streams), 60, "long-lived streams were closed")
        self.assert_fast(client, "after the deadlines, beside 60 streams")

    def test_hostile_bytes_get_a_4xx_and_disturb_nobody(self):
        inkd = self.inkd
        # An authenticated keep-alive client, before, during and after.
        keep = http.client.HTTPConnection(inkd.api_host, inkd.api_port, timeout=5)
        auth = {"Authorization": f"Bearer {inkd.token}"}

        def keep_alive_call():
            start = time.monotonic()
            keep.request("GET", "/v1/projects", headers=auth)
            resp = keep.getresponse()
            body = resp.read()
            self.assertEqual(resp.status, 200, body)
            return time.monotonic() - start

        keep_alive_call()
        first_socket = keep.sock
        cases = [
            ("garbage", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)), 400),
            ("NUL in the request line", b"GET /v1/\x00health HTTP/1.1\r\nHost: x\r\n\r\n", 400),
            ("CL and TE", b"POST /v1/projects HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                          b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
            ("duplicate CL", b"POST /v1/projects HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                             b"Content-Length: 6\r\n\r\nhello", 400),
            ("obs-fold", b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", 400),
            ("bare LF", b"GET /v1/health HTTP/1.1\nHost: x\n\n", 400),
            ("huge header", b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100000 +
                            b"\r\n\r\n", 431),
            ("thousands of headers", b"GET /v1/health HTTP/1.1\r\nHost: x\r\n" +
                                     b"".join(b"X-%d: y\r\n" % i for i in range(2000)) +
                                     b"\r\n", 431),
            ("bad chunk size", b"POST /v1/health HTTP/1.1\r\nHost: x\r\n"
                               b"Transfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
            ("unknown coding", b"POST /v1/health HTTP/1.1\r\nHost: x\r\n"
                               b"Transfer-Encoding: gzip\r\n\r\n", 501),
            ("HTTP/2 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505),
        ]
        # Several connections per case at once, while the keep-alive client keeps calling.
        hostile = []
        for name, raw, _ in cases:
            for _ in range(5):
                s = connect(inkd.api_port)
                try:
                    s.sendall(raw)
                except OSError:
                    pass  # the server may answer and close before a large head is all sent
                hostile.append((name, s))
        elapsed = keep_alive_call()
        self.assertLess(elapsed, BOUND)
        want = {name: status for name, _, status in cases}
        try:
            for name, s in hostile:
                data, closed = read_all(s, 5)
                got = status_of(data)
                self.assertEqual(got, want[name], f"{name}: {data[:300]!r}")
                self.assertTrue(closed, f"{name}: connection left open after the error")
                body = data.partition(b"\r\n\r\n")[2]
                message = json.loads(body)["error"]["message"]
                self.assertTrue(message, name)
                log(f"{name}: {got} {message}")
        finally:
            for _, s in hostile:
                s.close()
        self.assertLess(keep_alive_call(), BOUND)
        self.assertIs(keep.sock, first_socket, "the keep-alive connection was replaced")
        keep.close()
        self.assertLess(NormalClient(inkd, self.project).round()[0][1], BOUND)


class PendingCap(InkTestCase):
    """At the cap on connections that are idle or sending a request, the flood makes room by
    closing its own members, not the connections of authenticated clients."""

    inkd_args = ("--http-max-pending", "64")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        raise_own_file_limit()

    def test_a_flood_past_the_cap_never_evicts_an_authenticated_keep_alive_connection(self):
        inkd = self.inkd
        auth = {"Authorization": f"Bearer {inkd.token}"}
        keep = [http.client.HTTPConnection(inkd.api_host, inkd.api_port, timeout=5)
                for _ in range(8)]
        for conn in keep:
            conn.request("GET", "/v1/projects", headers=auth)
            resp = conn.getresponse()
            resp.read()
            self.assertEqual(resp.status, 200)
        sockets = [conn.sock for conn in keep]
        flood = []
        try:
            # 300 idle connections, five times the cap: each new one evicts an older one.
            for i in range(300):
                flood.append(connect(inkd.api_port))
                if i % 50 == 0:
                    time.sleep(0.05)
            time.sleep(0.3)
            evicted = sum(1 for s in flood if closed_now(s))
            log(f"{evicted} of 300 idle connections were closed to stay under the cap")
            self.assertGreaterEqual(evicted, 300 - 64)
            for conn, sock in zip(keep, sockets):
                start = time.monotonic()
                conn.request("GET", "/v1/projects", headers=auth)
                resp = conn.getresponse()
                resp.read()
                self.assertEqual(resp.status, 200)
                self.assertIs(conn.sock, sock)
                self.assertLess(time.monotonic() - start, BOUND)
            # A new authenticated client is served too.
            start = time.monotonic()
            status, _ = inkd.api("GET", "/v1/projects", timeout=5)
            self.assertEqual(status, 200)
            self.assertLess(time.monotonic() - start, BOUND)
        finally:
            for s in flood:
                s.close()
            for conn in keep:
                conn.close()


if __name__ == "__main__":
    harness.main()
