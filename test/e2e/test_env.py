"""Service variables end to end: values set with `ink env set --file` and through the API arrive
byte-exact in the container after the automatic redeploy, and never come back out of Ink (API
responses, CLI output, events, logs, inkd's log, the database file, container labels)."""

import json
import os

import harness
from harness import InkTestCase, unique, wait_deployment, wait_until

# Values other platforms mangle: $ expansion, # comments, quotes, spaces, newlines, unicode.
NASTY = {
    "DOLLAR": "pa$$w0rd-${HOME}-$1-$(whoami)",
    "HASH": "abc#def # not a comment",
    "QUOTES": "it's \"double\" and 'single' and `back`",
    "SPACES": "  leading and trailing  ",
    "MULTILINE": "-----BEGIN KEY-----\nMIIEv9sEcReT\n-----END KEY-----",
    "EMOJI": "s3cr3t-🚀-ünïcödé-中文",
    "BACKSLASH": "C:\\new\\table \\n not-an-escape",
    "EQUALS": "postgres://u:p4ss@db:5432/app?sslmode=require&x=a=b",
}

# The same values as a .env file, CRLF line endings, with comments and `export`.
DOTENV = (
    "# production secrets\r\n"
    "DOLLAR='pa$$w0rd-${HOME}-$1-$(whoami)'\r\n"
    "HASH=\"abc#def # not a comment\"  # trailing comment\r\n"
    "export QUOTES=\"it's \\\"double\\\" and 'single' and `back`\"\r\n"
    "SPACES='  leading and trailing  '\r\n"
    "MULTILINE=\"-----BEGIN KEY-----\r\nMIIEv9sEcReT\r\n-----END KEY-----\"\r\n"
    "EMOJI=s3cr3t-🚀-ünïcödé-中文\r\n"
    "BACKSLASH='C:\\new\\table \\n not-an-escape'\r\n"
    "EQUALS=postgres://u:p4ss@db:5432/app?sslmode=require&x=a=b\r\n"
)

API_VALUES = {
    "API_TOKEN": "tok_\"quoted\" 'x' $PATH #h \n second line 🙂",
    "TRAILING_NL": "ends with newlines\n\n",
}
DOTENV_FIELD = "FROM_DOTENV=\"dotenv \\\"field\\\" $x # y\"\n"
FROM_DOTENV = 'dotenv "field" $x # y'

# Distinctive fragments that must never appear anywhere Ink reports things.
FRAGMENTS = ["pa$$w0rd", "MIIEv9sEcReT", "s3cr3t-", "p4ss@db", "tok_\"quoted", "dotenv \"field",
             "leading and trailing", "not-an-escape", "deploy-time-s3cret", "second line"]


class Env(InkTestCase):
    def setUp(self):
        self.project = unique("env")
        self.inkd.create_project(self.project)

    def env_path(self, service):
        return f"/v1/projects/{self.project}/services/{service}/env"

    def deploy_running(self, service, env=None):
        fields = {"port": 8080, "runtime_class": "runc"}
        if env is not None:
            fields["env"] = env
        out = self.inkd.deploy(self.project, service, self.image, **fields)
        wait_deployment(self.inkd, out["deployment"]["id"])
        self.inkd.wait_running(self.project, service)
        return out["url"]

    def value_in_container(self, url, name):
        status, _, text = self.inkd.get_url(url, f"/env/{name}")
        return text[:-1] if status == 200 else None  # the echo server appends "\n"

    def wait_value(self, url, name, want):
        return wait_until(lambda: self.value_in_container(url, name) == want, timeout=60,
                          what=f"{name} to reach the container byte-exact")

    def assert_no_value(self, text, where):
        for fragment in FRAGMENTS:
            self.assertNotIn(fragment, text, f"a secret value leaked into {where}")
        for value in list(NASTY.values()) + list(API_VALUES.values()) + [FROM_DOTENV]:
            self.assertNotIn(value, text, f"a secret value leaked into {where}")

    def deployments(self, service):
        return self.inkd.api_ok(
            "GET", f"/v1/projects/{self.project}/services/{service}/deployments")["deployments"]

    def test_values_arrive_byte_exact_and_never_come_back_out(self):
        url = self.deploy_running("web", env={"DEPLOY_TIME": "deploy-time-s3cret $HOME"})
        self.assertEqual(self.value_in_container(url, "DEPLOY_TIME"), "deploy-time-s3cret $HOME")

        # 1. ink env set --file: one command, values straight from disk, automatic redeploy.
        env_file = self.inkd.tmp / "prod.env"
        env_file.write_bytes(DOTENV.encode())
        before = len(self.deployments("web"))
        r = self.ink("env", "set", "web", "--project", self.project, "--file", env_file, "--wait")
        self.assertEqual(sorted(r.json["set"]), sorted(NASTY))
        self.assertTrue(r.json["redeployed"], r)
        self.assertEqual(r.json["deployment"]["status"], "active", r)
        self.assert_no_value(r.stdout + r.stderr, "ink env set --json output")
        human = self.ink("env", "set", "web", "--project", self.project, "--file", env_file,
                         json=False)
        self.assertIn("No change", human.stdout)  # same values again: no write, no rollout
        self.assert_no_value(human.stdout + human.stderr, "ink env set output")
        self.assertEqual(len(self.deployments("web")), before + 1)
        for name, value in NASTY.items():
            self.wait_value(url, name, value)
        self.assertEqual(self.value_in_container(url, "DEPLOY_TIME"), "deploy-time-s3cret $HOME")
        self.assertEqual(self.value_in_container(url, "PORT"), "8080")

        # 2. set_env through the API: a variables object plus a dotenv text field.
        status, out = self.inkd.api("PATCH", self.env_path("web"),
                                    {"variables": API_VALUES, "dotenv": DOTENV_FIELD})
        self.assertEqual(status, 200, out)
        self.assertTrue(out["redeployed"])
        self.assert_no_value(json.dumps(out, ensure_ascii=False), "the set_env response")
        self.assertEqual(wait_deployment(self.inkd, out["deployment"]["id"])["status"], "active")
        for name, value in API_VALUES.items():
            self.wait_value(url, name, value)
        self.wait_value(url, "FROM_DOTENV", FROM_DOTENV)
        self.assertEqual(self.value_in_container(url, "DOLLAR"), NASTY["DOLLAR"])

        # 3. list_env: names, masks and lengths only.
        listed = self.inkd.api_ok("GET", self.env_path("web"))
        by_name = {v["name"]: v for v in listed["variables"]}
        self.assertEqual(set(by_name), set(NASTY) | set(API_VALUES) | {"FROM_DOTENV", "DEPLOY_TIME"})
        for name, value in NASTY.items():
            self.assertEqual(by_name[name]["length"], len(value.encode()), name)
            self.assertTrue(by_name[name]["live"], by_name[name])
            self.assertEqual(set(by_name[name]["masked_value"]), {"•"})
        cli_list = self.ink("env", "list", "web", "--project", self.project, json=False)
        self.assertIn("MULTILINE", cli_list.stdout)

        # 4. Nothing Ink reports contains a value.
        svc = self.inkd.get_service(self.project, "web")
        self.assertIn("EMOJI", svc["env_names"])
        logs = self.inkd.api_ok("GET", f"/v1/projects/{self.project}/services/web/logs?tail=1000")
        reported = {
            "list_env": listed,
            "get_service (events)": svc,
            "list_services": self.inkd.api_ok("GET", f"/v1/projects/{self.project}/services"),
            "list_deployments": self.deployments("web"),
            "get_logs": logs,
            "list_operations": self.inkd.api_ok("GET", "/v1/operations"),
        }
        for where, doc in reported.items():
            self.assert_no_value(json.dumps(doc, ensure_ascii=False), where)
        for args in (["services", "get", "web"], ["deployments", "list", "web"],
                     ["logs", "web", "--tail", "1000"], ["env", "list", "web"]):
            for as_json in (True, False):
                r = self.ink(*args, "--project", self.project, json=as_json)
                self.assert_no_value(r.stdout + r.stderr, f"ink {' '.join(args)}")
        self.assert_no_value(self.inkd.log_path.read_text(errors="replace"), "inkd's log")
        for c in self.inkd.containers():
            # An earlier release's container may be removed (drained) between list and inspect.
            inspected = harness.podman("inspect", c["Id"], check=False)
            if inspected.returncode != 0:
                continue
            info = json.loads(inspected.stdout)[0]
            self.assert_no_value(json.dumps(info["Config"].get("Labels") or {},
                                            ensure_ascii=False), "container labels")

        # 5. At rest: the database holds no plaintext value (sealed with the key file).
        for suffix in ("", "-wal"):
            path = self.inkd.data_dir / f"ink.db{suffix}"
            if path.exists():
                self.assert_no_value(path.read_bytes().decode("utf-8", "replace"), path.name)
        key = self.inkd.data_dir / "secret.key"
        self.assertEqual(os.stat(key).st_mode & 0o777, 0o600)

    def test_bad_input_is_rejected_with_nothing_changed(self):
        url = self.deploy_running("api", env={"KEEP": "kept"})
        before_list = self.inkd.api_ok("GET", self.env_path("api"))
        before_deployments = len(self.deployments("api"))

        bad_requests = [
            ({"variables": {"GOOD": "fine", "9LIVES": "hunter2-one"}}, "9LIVES"),
            ({"variables": {"GOOD": "fine", "MY-VAR": "hunter2-two"}}, "MY-VAR"),
            ({"variables": {"NUM": 12345678}}, "NUM"),
            ({"variables": {"NUL": "hunter2\u0000x"}}, "NUL"),
            ({"variables": {"BIG": "h" * (64 * 1024 + 1)}}, "BIG"),
            ({"variables": {"GOOD": "fine"}, "dotenv": "A=1\nhunter2-line-without-equals\n"},
             "line 2"),
            ({"variables": {"GOOD": "x"}, "dotenv": "GOOD=y\n"}, "GOOD"),
            ({"variables": "GOOD=hunter2-as-string"}, "object"),
        ]
        for body, mention in bad_requests:
            status, out = self.inkd.api("PATCH", self.env_path("api"), body)
            self.assertEqual(status, 400, (body, out))
            message = out["error"]["message"]
            self.assertIn(mention, message)
            self.assertNotIn("hunter2", message)
            self.assertNotIn("12345678", message)
        status, out = self.inkd.api("DELETE", self.env_path("api"), {"names": ["KEEP", "NOPE"]})
        self.assertEqual(status, 404, out)
        self.assertIn("NOPE", out["error"]["message"])
        status, out = self.inkd.api("POST", f"/v1/projects/{self.project}/deploy",
                                    {"service": "api", "image": self.image,
                                     "env": {"BAD NAME": "hunter2-deploy"}})
        self.assertEqual(status, 400, out)
        self.assertNotIn("hunter2", out["error"]["message"])

        bad_file = self.inkd.tmp / "bad.env"
        bad_file.write_text("GOOD=1\nOTHER=\"hunter2 never closed\n")
        r = self.ink("env", "set", "api", "--project", self.project, "--file", bad_file,
                     json=False, check=False)
        self.assertEqual(r.rc, 2, r)
        self.assertIn("line 2", r.stderr)
        self.assertNotIn("hunter2", r.stdout + r.stderr)
        r = self.ink("env", "set", "api", "--project", self.project, "1X=hunter2", json=False,
                     check=False)
        self.assertEqual(r.rc, 2, r)
        self.assertNotIn("hunter2", r.stdout + r.stderr)

        self.assertEqual(self.inkd.api_ok("GET", self.env_path("api")), before_list)
        self.assertEqual(len(self.deployments("api")), before_deployments)
        self.assertEqual(self.value_in_container(url, "KEEP"), "kept")
        self.assertIsNone(self.value_in_container(url, "GOOD"))
        self.assertNotIn("hunter2", self.inkd.log_path.read_text(errors="replace"))

    def test_no_redeploy_restart_rollback_and_unset(self):
        url = self.deploy_running("app")
        self.assertIsNone(self.value_in_container(url, "LEVEL"))

        # Stored only: the running release keeps its own snapshot.
        r = self.ink("env", "set", "app", "--project", self.project, "LEVEL=one", "--no-redeploy")
        self.assertFalse(r.json["redeployed"])
        listed = self.inkd.api_ok("GET", self.env_path("app"))["variables"]
        self.assertEqual([(v["name"], v["live"]) for v in listed], [("LEVEL", False)])
        self.assertIsNone(self.value_in_container(url, "LEVEL"))

        # Any new deployment (here a restart) runs with the current variables.
        r = self.ink("services", "restart", "app", "--project", self.project, "--wait")
        self.wait_value(url, "LEVEL", "one")
        first = r.json["deployment"]["id"]

        r = self.ink("env", "set", "app", "--project", self.project, "LEVEL=two", "--wait")
        self.assertTrue(r.json["redeployed"])
        self.wait_value(url, "LEVEL", "two")

        # A rollback runs the old release with the variables it had.
        self.ink("rollback", "app", first, "--project", self.project, "--wait")
        self.wait_value(url, "LEVEL", "one")
        listed = self.inkd.api_ok("GET", self.env_path("app"))
        self.assertFalse(listed["variables"][0]["live"])  # the service's value is still "two"

        r = self.ink("env", "unset", "app", "LEVEL", "--project", self.project, "--wait")
        self.assertEqual(r.json["unset"], ["LEVEL"])
        wait_until(lambda: self.value_in_container(url, "LEVEL") is None, timeout=60,
                   what="LEVEL to be gone from the container")
        self.assertEqual(self.inkd.api_ok("GET", self.env_path("app"))["variables"], [])


if __name__ == "__main__":
    harness.main()
