"""Domains (issue 13): a platform subdomain is served at once; a custom domain stays pending
until its DNS holds the ownership token and points at the service (checked against a real
PowerDNS on loopback through inkd's --dns-resolver), then is served by the edge; the periodic
check verifies an apex domain by its A record without being asked; remove_domain stops serving
it; bad input is refused by the CLI with what to do and changes nothing.

Certificates: with a real ACME server (Debian's pebble, resolving through the same PowerDNS and
validating HTTP-01 against ink-edge's port), a verified custom domain gets a certificate in
DATA/tls that chains to Pebble's root (openssl verify), list_domains says so, the service's
events say when, ink-edge serves the name over HTTPS with it (curl trusting only Pebble's root)
and redirects plain HTTP there; removing the domain removes the certificate.

Renewal: Pebble issues 40-second certificates and inkd checks every second: the renewed
certificate is served to new handshakes while a keep-alive client and a stream of new
connections see no failed request; then a renewal whose HTTP-01 validation cannot connect is a
certificate_failed event with Pebble's reason, and the current certificate is still served."""

import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time
import urllib.request

import harness
from harness import InkTestCase, free_port, log, unique, wait_until

ZONE = "example.test"


class PowerDns:
    """pdns_server with the sqlite3 backend on loopback ports of this test."""

    key = "e2e-key"

    def __init__(self, tmp):
        self.dir = tmp / "pdns"
        self.dir.mkdir()
        self.dns_port = free_port()
        self.api_port = free_port()
        self.proc = None

    def start(self):
        if not shutil.which("pdns_server"):
            raise AssertionError("pdns_server missing: run scripts/prepare-host.sh")
        db = self.dir / "pdns.sqlite3"
        with open("/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql") as schema:
            subprocess.run(["sqlite3", str(db)], stdin=schema, check=True)
        conf = {"launch": "gsqlite3", "gsqlite3-database": db, "local-address": "127.0.0.1",
                "local-port": self.dns_port, "api": "yes", "api-key": self.key,
                "webserver": "yes", "webserver-address": "127.0.0.1",
                "webserver-port": self.api_port, "webserver-allow-from": "127.0.0.1",
                "socket-dir": self.dir, "daemon": "no", "guardian": "no",
                "disable-syslog": "yes", "security-poll-suffix": ""}
        (self.dir / "pdns.conf").write_text("".join(f"{k}={v}\n" for k, v in conf.items()))
        self.proc = subprocess.Popen(["pdns_server", f"--config-dir={self.dir}"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: self.api("GET", "/zones") is not None, timeout=30,
                   what="PowerDNS's API")
        self.api("POST", "/zones", {"name": ZONE + ".", "kind": "Native",
                                    "nameservers": ["ns1." + ZONE + "."]})
        return self

    def api(self, method, path, body=None):
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.api_port}/api/v1/servers/localhost{path}", method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"X-API-Key": self.key, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                text = r.read()
                return json.loads(text) if text else {}
        except OSError:
            return None

    def set(self, name, rtype, values):
        content = [f'"{v}"' if rtype == "TXT" else (v + "." if rtype == "CNAME" else v)
                   for v in values]
        out = self.api("PATCH", f"/zones/{ZONE}.", {"rrsets": [{
            "name": name + ".", "type": rtype, "ttl": 60, "changetype": "REPLACE",
            "records": [{"content": c, "disabled": False} for c in content]}]})
        assert out is not None, f"PowerDNS refused {name} {rtype}"

    def dig(self, name, rtype):
        r = subprocess.run(["dig", "@127.0.0.1", "-p", str(self.dns_port), "+short", name, rtype],
                           capture_output=True, text=True, timeout=10)
        return sorted(r.stdout.split())

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


class Pebble:
    """pebble (Debian's ACME test server) on loopback, with a CA made here for its HTTPS."""

    def __init__(self, tmp, dns_port, http01_port, validity=None):
        self.dir = tmp / "pebble"
        self.dir.mkdir()
        self.validity = validity  # seconds a certificate is valid (None: Pebble's 5 years)
        self.dns_port, self.http01_port = dns_port, http01_port
        self.api_port, self.management_port = free_port(), free_port()
        self.proc = None

    def openssl(self, *args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=self.dir)

    def start(self):
        if not shutil.which("pebble"):
            raise AssertionError("pebble missing: run scripts/prepare-host.sh")
        self.openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.key")
        self.openssl("req", "-x509", "-new", "-key", "ca.key", "-subj", "/CN=e2e pebble CA",
                     "-days", "2", "-out", "ca.pem", "-addext", "basicConstraints=critical,CA:TRUE")
        self.openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "key.pem")
        self.openssl("req", "-new", "-key", "key.pem", "-subj", "/CN=localhost", "-out", "s.csr")
        (self.dir / "ext.cnf").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
        self.openssl("x509", "-req", "-in", "s.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                     "-CAcreateserial", "-days", "2", "-extfile", "ext.cnf", "-out", "cert.pem")
        config = {"pebble": {
            "listenAddress": f"127.0.0.1:{self.api_port}",
            "managementListenAddress": f"127.0.0.1:{self.management_port}",
            "certificate": str(self.dir / "cert.pem"), "privateKey": str(self.dir / "key.pem"),
            "httpPort": self.http01_port, "tlsPort": free_port(), "ocspResponderURL": "",
            "externalAccountBindingRequired": False}}
        if self.validity:
            config["pebble"]["certificateValidityPeriod"] = self.validity
        (self.dir / "pebble.json").write_text(json.dumps(config))
        env = dict(os.environ, PEBBLE_VA_NOSLEEP="1", PEBBLE_WFE_NONCEREJECT="0",
                   PEBBLE_AUTHZREUSE="0")
        self.log = open(self.dir / "pebble.log", "w")
        self.proc = subprocess.Popen(
            ["pebble", "-config", str(self.dir / "pebble.json"), "-dnsserver",
             f"127.0.0.1:{self.dns_port}"], stdout=self.log, stderr=subprocess.STDOUT, env=env)
        wait_until(lambda: self.get(self.api_port, "/dir") is not None, timeout=30,
                   what="pebble's directory")
        return self

    def get(self, port, path):
        context = ssl.create_default_context(cafile=str(self.dir / "ca.pem"))
        try:
            with urllib.request.urlopen(f"https://127.0.0.1:{port}{path}", timeout=5,
                                        context=context) as r:
                return r.read().decode()
        except OSError:
            return None

    @property
    def directory(self):
        return f"https://127.0.0.1:{self.api_port}/dir"

    def root(self):
        return self.get(self.management_port, "/roots/0")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.log.close()


class Domains(InkTestCase):
    @classmethod
    def setUpClass(cls):
        cls.pdns = PowerDns(harness.Path(harness.tempfile.mkdtemp(prefix="ink-e2e-pdns-")))
        cls.pdns.start()
        cls.inkd_args = ("--dns-resolver", f"127.0.0.1:{cls.pdns.dns_port}",
                         "--domain-check-interval", "1")
        try:
            super().setUpClass()
            cls.project = unique("dom")
            cls.inkd.create_project(cls.project)
            out = cls.inkd.deploy(cls.project, "web", cls.image, port=8080,
                                  env={"MESSAGE": "served-by-web"})
            cls.inkd.wait_serving(out["url"], body="served-by-web")
            cls.target = f"web-{cls.project}.localhost"
        except BaseException:
            cls.pdns.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.pdns.stop()
        shutil.rmtree(cls.pdns.dir.parent, ignore_errors=True)

    def serves(self, host):
        status, _, body = self.inkd.edge_get(host)
        return status == 200 and "served-by-web" in body

    def add(self, name):
        return self.ink("domains", "add", name, "--service", "web", "--project",
                        self.project).json["domain"]

    def test_platform_subdomain_is_served_at_once(self):
        name = unique("api") + ".localhost"
        d = self.add(name)
        self.assertEqual((d["kind"], d["status"]), ("platform", "verified"))
        wait_until(lambda: self.serves(name), timeout=30, what=f"{name} served")
        listed = self.ink("domains", "list", "--project", self.project, json=False)
        self.assertIn(name, listed.stdout)

    def test_custom_domain_pending_until_dns_then_served_and_removed(self):
        name = "www." + ZONE
        res = self.ink("domains", "add", name, "--service", "web", "--project", self.project,
                       json=False)
        # The CLI prints the records to create: the CNAME target and the TXT token.
        self.assertIn(self.target, res.stdout)
        self.assertIn("_ink-challenge." + name, res.stdout)
        d = self.ink("domains", "list", "--project", self.project).json["domains"]
        d = next(x for x in d if x["name"] == name)
        self.assertEqual(d["status"], "pending_dns")
        token = next(r["value"] for r in d["records"] if r["type"] == "TXT")
        self.assertFalse(self.serves(name), "a pending domain must not be served")

        # Not yet: verify exits 1 and says what is missing.
        res = self.ink("domains", "verify", name, json=False, check=False)
        self.assertEqual(res.rc, 1, res)
        self.assertIn("does not exist", res.stdout)

        # Only the token: still pending, and the message says the CNAME is missing.
        self.pdns.set("_ink-challenge." + name, "TXT", [token])
        out = self.ink("domains", "verify", name).json
        self.assertEqual(out["domain"]["status"], "pending_dns")
        self.assertTrue(out["ownership"])
        self.assertIn("no CNAME", out["message"])

        # A CNAME elsewhere is named as such.
        self.pdns.set(name, "CNAME", ["elsewhere.example.net"])
        out = self.ink("domains", "verify", name).json
        self.assertIn("points at elsewhere.example.net", out["message"])

        self.pdns.set(name, "CNAME", [self.target])
        self.assertEqual(self.pdns.dig(name, "CNAME"), [self.target + "."])
        out = self.ink("domains", "verify", name).json
        self.assertEqual(out["domain"]["status"], "verified", out)
        wait_until(lambda: self.serves(name), timeout=30, what=f"{name} served")
        events = self.inkd.get_service(self.project, "web")["events"]
        self.assertIn("domain_verified", [e["kind"] for e in events])

        self.ink("domains", "rm", name)
        wait_until(lambda: not self.serves(name), timeout=30, what=f"{name} no longer served")
        names = [x["name"] for x in
                 self.ink("domains", "list", "--project", self.project).json["domains"]]
        self.assertNotIn(name, names)

    def test_apex_is_verified_by_the_periodic_check(self):
        d = self.add(ZONE)
        records = {r["type"]: r for r in d["records"]}
        self.assertIn("A/AAAA", records)  # an apex cannot hold a CNAME
        self.pdns.set("_ink-challenge." + ZONE, "TXT", [records["TXT"]["value"]])
        self.pdns.set(ZONE, "A", ["127.0.0.1"])

        def verified():
            listed = self.ink("domains", "list", "--project", self.project).json["domains"]
            return next(x for x in listed if x["name"] == ZONE)["status"] == "verified"
        # inkd checks every second here (--domain-check-interval 1); nobody calls verify.
        wait_until(verified, timeout=30, what="the periodic check to verify the apex")
        wait_until(lambda: self.serves(ZONE), timeout=30, what=f"{ZONE} served")

    def test_bad_input_is_refused_and_changes_nothing(self):
        before = self.ink("domains", "list", "--project", self.project).json["domains"]
        for name, words in (("*." + ZONE, "DNS-01"), ("a..b.test", "empty"),
                            (self.target, "default hostname"),
                            ("x.y.localhost", "one label"), ("db.p.internal", "private")):
            res = self.ink("domains", "add", name, "--service", "web", "--project",
                           self.project, json=False, check=False)
            self.assertNotEqual(res.rc, 0, res)
            self.assertIn(words, res.stderr, res)
        res = self.ink("domains", "add", "ok." + ZONE, "--service", "nope", "--project",
                       self.project, json=False, check=False)
        self.assertNotEqual(res.rc, 0, res)
        self.assertIn("nope", res.stderr)
        after = self.ink("domains", "list", "--project", self.project).json["domains"]
        self.assertEqual([x["name"] for x in before], [x["name"] for x in after])
        log("bad input refused:", res.stderr.strip())


class AcmeCase(InkTestCase):
    """inkd with a real Pebble and PowerDNS; a service `web` deployed."""

    validity = None
    acme_args = ()

    @classmethod
    def more_args(cls):
        """inkd flags that need the servers started first."""
        return ()

    @classmethod
    def setUpClass(cls):
        tmp = harness.Path(harness.tempfile.mkdtemp(prefix="ink-e2e-acme-"))
        cls.tmp = tmp
        cls.pdns = PowerDns(tmp).start()
        # Pebble validates HTTP-01 on the edge's own port.
        cls.edge_port = free_port()
        cls.tls_port = free_port()
        cls.pebble = Pebble(tmp, cls.pdns.dns_port, cls.edge_port, cls.validity)
        try:
            cls.pebble.start()
            cls.inkd_args = ("--dns-resolver", f"127.0.0.1:{cls.pdns.dns_port}",
                             "--acme-directory", cls.pebble.directory,
                             "--acme-ca-file", str(cls.pebble.dir / "ca.pem"),
                             "--edge-tls-port", str(cls.tls_port), *cls.acme_args,
                             *cls.more_args())
            cls.image = harness.echo_image()
            cls.registries = []
            cls.inkd = harness.Inkd(extra_args=cls.inkd_args)
            cls.inkd.edge_listen = f"127.0.0.1:{cls.edge_port}"
            cls.inkd.start()
            cls.inkd.login()
            cls.project = unique("tls")
            cls.inkd.create_project(cls.project)
            out = cls.inkd.deploy(cls.project, "web", cls.image, port=8080,
                                  env={"MESSAGE": "served-by-web"})
            # Active means routed by the edge (plain HTTP may already redirect to HTTPS when
            # a wildcard certificate covers the default hostname).
            dep = harness.wait_deployment(cls.inkd, out["deployment"]["id"])
            assert dep["status"] == "active", dep
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.inkd:
            cls.inkd.teardown()
        cls.pebble.stop()
        cls.pdns.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def domain(self, name):
        listed = self.ink("domains", "list", "--project", self.project).json["domains"]
        return next(x for x in listed if x["name"] == name)

    def add_verified(self, name):
        d = self.ink("domains", "add", name, "--service", "web", "--project",
                     self.project).json["domain"]
        token = next(r["value"] for r in d["records"] if r["type"] == "TXT")
        self.pdns.set("_ink-challenge." + name, "TXT", [token])
        self.pdns.set(name, "A", ["127.0.0.1"])  # what Pebble resolves to reach the edge
        self.assertEqual(self.ink("domains", "verify", name).json["domain"]["status"],
                         "verified")
        return d

    def wait_issued(self, name, after=0):
        def issued():
            c = self.domain(name)["certificate"]
            return c if c["status"] == "issued" and c["not_after"] > after else False
        return wait_until(issued, timeout=90, what=f"a certificate for {name}")

    def tls_context(self):
        root = self.tmp / "pebble-root.pem"
        root.write_text(self.pebble.root())
        return ssl.create_default_context(cafile=str(root))


class Certificates(AcmeCase):
    def test_a_verified_domain_gets_a_certificate_over_http01(self):
        name = "shop." + ZONE
        d = self.ink("domains", "add", name, "--service", "web", "--project",
                     self.project).json["domain"]
        self.assertEqual(d["certificate"]["status"], "none")  # not verified yet
        token = next(r["value"] for r in d["records"] if r["type"] == "TXT")
        self.pdns.set("_ink-challenge." + name, "TXT", [token])
        self.pdns.set(name, "A", ["127.0.0.1"])  # what Pebble resolves to reach the edge
        self.assertEqual(self.ink("domains", "verify", name).json["domain"]["status"],
                         "verified")

        def issued():
            c = self.domain(name)["certificate"]
            if c["status"] == "failed":
                raise AssertionError(f"certificate failed: {c}")
            return c if c["status"] == "issued" else False
        cert = wait_until(issued, timeout=60, what=f"a certificate for {name}")
        log(f"certificate of {name}: {cert}")
        self.assertEqual(self.domain(name)["url"], f"https://{name}:{self.tls_port}")
        self.assertGreater(cert["renew_at"], 0)
        pem_path = self.inkd.data_dir / "tls" / f"{name}.pem"
        self.assertEqual(pem_path.stat().st_mode & 0o777, 0o600)
        self.assertEqual((self.inkd.data_dir / "tls").stat().st_mode & 0o777, 0o700)
        pem = pem_path.read_text()
        begin = pem.index("-----BEGIN CERTIFICATE-----")
        end = pem.index("-----END CERTIFICATE-----") + len("-----END CERTIFICATE-----\n")
        work = self.tmp / "verify"
        work.mkdir(exist_ok=True)
        (work / "leaf.pem").write_text(pem[begin:end])
        (work / "chain.pem").write_text(pem[end:])
        (work / "root.pem").write_text(self.pebble.root())
        check = subprocess.run(["openssl", "verify", "-CAfile", str(work / "root.pem"),
                                "-untrusted", str(work / "chain.pem"), str(work / "leaf.pem")],
                               capture_output=True, text=True)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        san = subprocess.run(["openssl", "x509", "-in", str(work / "leaf.pem"), "-noout", "-ext",
                              "subjectAltName"], capture_output=True, text=True).stdout
        self.assertIn(f"DNS:{name}", san)
        events = self.inkd.get_service(self.project, "web")["events"]
        self.assertIn("certificate_issued", [e["kind"] for e in events])

        # ink-edge serves it over HTTPS with that chain (curl trusts only Pebble's root), and
        # plain HTTP for the name now redirects there.
        def https_ok():
            r = subprocess.run(
                ["curl", "-sS", "--max-time", "5", "--cacert", str(work / "root.pem"),
                 "--resolve", f"{name}:{self.tls_port}:127.0.0.1",
                 f"https://{name}:{self.tls_port}/"], capture_output=True, text=True)
            return r.stdout if r.returncode == 0 and "served-by-web" in r.stdout else False
        wait_until(https_ok, timeout=30, what=f"https://{name} served by ink-edge")
        status, headers, _ = self.inkd.edge_get(name, "/x?y=1")
        self.assertEqual(status, 308)
        self.assertEqual(headers.get("location"), f"https://{name}:{self.tls_port}/x?y=1")
        # The account key is sealed at rest.
        sealed = (self.inkd.data_dir / "acme" / "account.key.sealed").read_text()
        self.assertNotIn("PRIVATE KEY", sealed)

        self.ink("domains", "rm", name)
        wait_until(lambda: not pem_path.exists(), timeout=60,
                   what="the certificate removed with the domain")


class HttpsClient(http.client.HTTPSConnection):
    """HTTPS to `host` (SNI and Host) at 127.0.0.1:port."""

    def connect(self):
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class Renewal(AcmeCase):
    # Certificates valid 40 s: renewed after about 27 s (2/3), checked every second.
    validity = 40
    acme_args = ("--certificate-check-interval", "1")

    def test_renewal_swaps_without_a_failed_request_and_a_failure_keeps_the_old_one(self):
        name = "renew." + ZONE
        self.add_verified(name)
        first = self.wait_issued(name)
        context = self.tls_context()
        stop = threading.Event()
        tally = {"ok": 0, "failed": [], "certs": set()}

        def keep_alive():
            conn = HttpsClient(name, self.tls_port, context=context, timeout=5)
            while not stop.is_set():
                try:
                    conn.request("GET", "/")
                    r = conn.getresponse()
                    body = r.read().decode()
                    if r.status == 200 and "served-by-web" in body:
                        tally["ok"] += 1
                    else:
                        tally["failed"].append(f"keep-alive {r.status}")
                except (OSError, http.client.HTTPException) as e:
                    tally["failed"].append(f"keep-alive {e!r}")
                    conn.close()
                    conn = HttpsClient(name, self.tls_port, context=context, timeout=5)
                time.sleep(0.02)
            conn.close()

        def new_connections():
            while not stop.is_set():
                conn = HttpsClient(name, self.tls_port, context=context, timeout=5)
                try:
                    conn.request("GET", "/")
                    r = conn.getresponse()
                    r.read()
                    tally["certs"].add(conn.sock.getpeercert(binary_form=True))
                    if r.status == 200:
                        tally["ok"] += 1
                    else:
                        tally["failed"].append(f"new {r.status}")
                except (OSError, http.client.HTTPException) as e:
                    tally["failed"].append(f"new {e!r}")
                finally:
                    conn.close()
                time.sleep(0.1)

        def served_now():
            conn = HttpsClient(name, self.tls_port, context=context, timeout=5)
            try:
                conn.request("GET", "/")
                r = conn.getresponse()
                r.read()
                return r.status == 200, conn.sock.getpeercert(binary_form=True)
            finally:
                conn.close()

        threads = [threading.Thread(target=keep_alive), threading.Thread(target=new_connections)]
        wait_until(lambda: served_now()[0], timeout=30, what=f"https://{name} served")
        for t in threads:
            t.start()
        try:
            second = self.wait_issued(name, after=first["not_after"])
            log(f"renewed: {first['not_after']} -> {second['not_after']}")
            # New handshakes get the new certificate (the edge picks the file up within ~1 s).
            wait_until(lambda: len(tally["certs"]) >= 2, timeout=15,
                       what="a new handshake with the renewed certificate")
            time.sleep(1)
        finally:
            stop.set()
            for t in threads:
                t.join()
        log(f"during the renewal: {tally['ok']} requests ok, failed {tally['failed'][:5]}")
        self.assertEqual(tally["failed"], [])
        self.assertGreater(tally["ok"], 20)
        events = self.inkd.get_service(self.project, "web")["events"]
        self.assertTrue(any(e["kind"] == "certificate_issued" and "renewed" in e["message"]
                            for e in events), events)

        # The next renewal fails: the name now resolves where no edge listens, so Pebble's
        # HTTP-01 validation cannot connect. The failure is an event with the CA's reason, and
        # the current certificate keeps being served.
        _, serving = served_now()
        self.pdns.set(name, "A", ["127.0.0.2"])

        def failed_event():
            events = self.inkd.get_service(self.project, "web")["events"]
            return [e for e in events if e["kind"] == "certificate_failed"] or False
        failed = wait_until(failed_event, timeout=60, what="the failed renewal's event")
        log(f"failed renewal: {failed[0]['message']}")
        self.assertIn("the current certificate is still served", failed[0]["message"])
        self.assertIn("the CA said", failed[0]["message"])
        state = self.domain(name)["certificate"]
        # Past its renewal time, the renewal failing: "expiring", with the CA's reason.
        self.assertEqual(state["status"], "expiring", state)
        self.assertIn("the CA said", state["reason"])
        self.assertGreaterEqual(state["failures"], 1, state)
        ok, cert = served_now()
        self.assertTrue(ok)
        self.assertEqual(cert, serving)


class PlatformZone(AcmeCase):
    """inkd owns the zone apps.example.test in PowerDNS: the wildcard and each platform domain
    point at the edge, and one wildcard certificate over DNS-01 covers the platform's names."""

    zone = "apps." + ZONE

    @classmethod
    def more_args(cls):
        key = cls.tmp / "pdns-key"
        key.write_text(PowerDns.key + "\n")
        return ("--platform-domain", cls.zone, "--dns-api-url",
                f"http://127.0.0.1:{cls.pdns.api_port}", "--dns-api-key-file", str(key),
                "--edge-address", "127.0.0.1", "--domain-check-interval", "1")

    def rrsets(self):
        z = self.pdns.api("GET", f"/zones/{self.zone}.") or {}
        return {(r["name"].rstrip("."), r["type"]): sorted(x["content"] for x in r["records"])
                for r in z.get("rrsets", [])}

    def https(self, host):
        r = subprocess.run(
            ["curl", "-sS", "--max-time", "5", "--cacert", str(self.root), "--resolve",
             f"{host}:{self.tls_port}:127.0.0.1", f"https://{host}:{self.tls_port}/"],
            capture_output=True, text=True)
        return r.stdout if r.returncode == 0 and "served-by-web" in r.stdout else False

    def test_records_and_the_wildcard_certificate(self):
        self.root = self.tmp / "pebble-root.pem"
        self.root.write_text(self.pebble.root())
        default = f"web-{self.project}.{self.zone}"
        wait_until(lambda: self.rrsets().get((f"*.{self.zone}", "A")) == ["127.0.0.1"],
                   timeout=30, what="the wildcard record in PowerDNS")
        self.assertEqual(self.pdns.dig(default, "A"), ["127.0.0.1"])
        wildcard = self.inkd.data_dir / "tls" / f"_wildcard.{self.zone}.pem"
        wait_until(wildcard.exists, timeout=60, what="the wildcard certificate over DNS-01")
        wait_until(lambda: self.https(default), timeout=30,
                   what=f"https://{default} with the wildcard certificate")
        status, headers, _ = self.inkd.edge_get(default)
        self.assertEqual((status, headers.get("location")),
                         (308, f"https://{default}:{self.tls_port}/"))
        # The service's URL is https now, and a new deployment's INK_PUBLIC_URL too.
        https_url = f"https://{default}:{self.tls_port}"
        self.assertEqual(self.inkd.get_service(self.project, "web")["url"], https_url)
        self.ink("services", "restart", "web", "--project", self.project, "--wait")
        env = self.ink("exec", "web", "--project", self.project, "--", "printenv",
                       "INK_PUBLIC_URL", json=False, input="").stdout.strip()
        self.assertEqual(env, https_url)
        # No _acme-challenge record is left behind.
        self.assertFalse([k for k in self.rrsets() if k[0].startswith("_acme-challenge")])

        name = f"api.{self.zone}"
        d = self.add_verified_platform(name)
        self.assertEqual(d["status"], "verified")
        wait_until(lambda: self.rrsets().get((name, "A")) == ["127.0.0.1"], timeout=30,
                   what=f"{name}'s record in PowerDNS")
        wait_until(lambda: self.https(name), timeout=30, what=f"https://{name}")
        cert = self.domain(name)["certificate"]
        self.assertEqual((cert["status"], cert["covered_by"]), ("issued", f"*.{self.zone}"))

        self.ink("domains", "rm", name)
        wait_until(lambda: (name, "A") not in self.rrsets(), timeout=30,
                   what=f"{name}'s record removed")
        self.assertIn((f"*.{self.zone}", "A"), self.rrsets())

    def add_verified_platform(self, name):
        return self.ink("domains", "add", name, "--service", "web", "--project",
                        self.project).json["domain"]


if __name__ == "__main__":
    harness.main()
