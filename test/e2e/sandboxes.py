"""Helpers of the sandbox end-to-end tests (test_sandboxes.py, test_sandbox_isolation.py): REST
calls for a sandbox's life, the podman objects a sandbox leaves, and a second tenant.

Calls are generous with time: a gVisor start on a loaded 2-core host can take seconds."""

import hashlib
import secrets
import sqlite3
import time
import urllib.parse

from harness import podman

CALL_TIMEOUT = 120


def create(inkd, token="admin", expect=201, **fields):
    """POST /v1/sandboxes; returns the sandbox (or, with expect other than 201, (status, body))."""
    status, body = inkd.api("POST", "/v1/sandboxes", fields, token=token, timeout=CALL_TIMEOUT)
    if expect != 201:
        return status, body
    if status != 201:
        raise AssertionError(f"create_sandbox {fields!r} -> {status} {body!r}")
    return body["sandbox"]


def exec_(inkd, sandbox_id, command, token="admin", **fields):
    """POST /v1/sandboxes/ID/exec; returns (status, body)."""
    return inkd.api("POST", f"/v1/sandboxes/{sandbox_id}/exec", {"command": command, **fields},
                    token=token, timeout=CALL_TIMEOUT)


def sh(inkd, sandbox_id, script, token="admin", **fields):
    """Runs `sh -c SCRIPT`; returns the exec answer, failing the test on a non-200."""
    status, body = exec_(inkd, sandbox_id, ["sh", "-c", script], token=token, **fields)
    if status != 200:
        raise AssertionError(f"exec {script!r} in {sandbox_id} -> {status} {body!r}")
    return body


def bash(inkd, sandbox_id, script, **fields):
    """Runs `bash -c SCRIPT` (bash has /dev/tcp); returns the exec answer."""
    status, body = exec_(inkd, sandbox_id, ["bash", "-c", script], **fields)
    if status != 200:
        raise AssertionError(f"exec {script!r} in {sandbox_id} -> {status} {body!r}")
    return body


def delete(inkd, sandbox_id, token="admin"):
    status, body = inkd.api("DELETE", f"/v1/sandboxes/{sandbox_id}", token=token,
                            timeout=CALL_TIMEOUT)
    if status != 200 or body.get("deleted") is not True:
        raise AssertionError(f"delete_sandbox {sandbox_id} -> {status} {body!r}")


def get(inkd, sandbox_id):
    """The sandbox as list_sandboxes shows it, or None when it is not live."""
    live = inkd.api_ok("GET", "/v1/sandboxes")["sandboxes"]
    return next((s for s in live if s["id"] == sandbox_id), None)


def files_query(path, **params):
    return urllib.parse.urlencode({"path": path, **params})


def containers(inkd, sandbox_id=None):
    """Ids of podman containers (any state) of this inkd labelled as sandboxes (or as one)."""
    label = f"ink.sandbox={sandbox_id}" if sandbox_id else "ink.sandbox"
    return podman("ps", "-a", "-q", "--filter", f"label=ink.instance={inkd.name}", "--filter",
                  f"label={label}").stdout.split()


def networks(inkd):
    return podman("network", "ls", "-q", "--filter", f"label=ink.instance={inkd.name}",
                  "--filter", "label=ink.sandbox").stdout.split()


def add_tenant(inkd, name):
    """A second workspace with a token of its own; returns the token. There is no operation that
    creates a workspace yet (one inkd has one tenant), so the rows go in as inkd's bootstrap
    writes them: a workspace and a token stored as its SHA-256 (inkd reads tokens per request)."""
    token = "ink_" + secrets.token_hex(20)
    now = int(time.time() * 1000)
    db = sqlite3.connect(inkd.data_dir / "ink.db", timeout=30)
    try:
        ws = "ws_" + secrets.token_hex(8)
        db.execute("INSERT INTO workspaces (id, name, created_at) VALUES (?, ?, ?)", (ws, name, now))
        db.execute("INSERT INTO api_tokens (id, workspace_id, name, hash, created_at) "
                   "VALUES (?, ?, ?, ?, ?)",
                   ("tok_" + secrets.token_hex(8), ws, "admin",
                    hashlib.sha256(token.encode()).hexdigest(), now))
        db.commit()
    finally:
        db.close()
    return token
