"""`ink exec`: a one-off command in a running replica (gVisor by default) — its exit code,
stdout and stderr kept apart, stdin, a kill at the timeout, and bad input refused."""

import time

import harness
from harness import InkTestCase, unique


class Exec(InkTestCase):
    def test_exec_in_a_running_replica(self):
        project = unique("exec")
        self.ink("projects", "create", project)
        self.ink("deploy", "--image", self.image, "--project", project, "--service", "web",
                 "--port", "8080", "--wait")

        def ink_exec(*command, flags=(), input="", **kw):
            # input="": an empty pipe, since ink exec reads a stdin that is not a terminal.
            return self.ink("exec", "web", "--project", project, *flags, "--", *command,
                            json=False, check=False, input=input, **kw)

        res = ink_exec("sh", "-c", "echo to-out; echo to-err >&2; exit 3")
        self.assertEqual(res.rc, 3, res)
        self.assertEqual(res.stdout, "to-out\n", res)
        self.assertIn("to-err\n", res.stderr, res)

        # It ran inside the service's container, under gVisor (dmesg of the sandbox).
        res = ink_exec("sh", "-c", "dmesg 2>/dev/null | head -1; echo $PORT")
        self.assertEqual(res.rc, 0, res)
        self.assertIn("gVisor", res.stdout, res)
        self.assertIn("8080", res.stdout, res)

        text = "line one $HOME 'q' \"d\"\nzwei ünïcode\n"
        res = ink_exec("sh", "-c", "tr a-z A-Z", flags=("--stdin", text))
        self.assertEqual(res.rc, 0, res)
        # tr a-z A-Z maps ASCII only: the unicode bytes come back untouched.
        self.assertEqual(res.stdout, "LINE ONE $HOME 'Q' \"D\"\nZWEI üNïCODE\n", res)

        # Without --stdin, ink's own stdin (a pipe here) goes to the command.
        res = ink_exec("sh", "-c", "tr a-z A-Z", input="piped ünï\nline 2")
        self.assertEqual(res.rc, 0, res)
        self.assertEqual(res.stdout, "PIPED üNï\nLINE 2", res)
        res = ink_exec("cat", input="x" * ((1 << 20) + 1))
        self.assertEqual(res.rc, 2, res)
        self.assertIn("more than 1048576 bytes", res.stderr, res)

        t0 = time.monotonic()
        res = ink_exec("sleep", "60", flags=("--timeout", "2"))
        took = time.monotonic() - t0
        self.assertEqual(res.rc, 124, res)
        self.assertIn("killed at the timeout", res.stderr, res)
        self.assertLess(took, 20, res)
        harness.log(f"[timing] exec killed at a 2 s timeout after {took:.1f} s")

        # The JSON answer says it too.
        j = self.ink("exec", "web", "--project", project, "--timeout", "1", "--json", "--",
                     "sleep", "30", json=False, check=False, input="")
        self.assertIn('"timed_out": true', j.stdout.replace('":true', '": true'), j)

        # Bad input: a clear error (exit 1 or 2), nothing runs.
        for args, says in [
            (("exec", "nope", "--project", project, "--", "true"), "does not exist"),
            (("exec", "web", "--project", project, "--timeout", "0", "--", "true"), "timeout"),
            (("exec", "web", "--project", project, "--timeout", "601", "--", "true"), "timeout"),
            (("exec", "web", "--project", project), "COMMAND"),
        ]:
            res = self.ink(*args, json=False, check=False, input="")
            self.assertIn(res.rc, (1, 2), res)
            self.assertIn(says.lower(), res.stderr.lower(), res)
        # (Workspace scoping is covered by api_test's ExecTest: e2e has one workspace.)

if __name__ == "__main__":
    harness.main()
