// Streamable HTTP at the wire: what a misbehaving or hostile client gets, session lifecycle,
// resumption with Last-Event-ID, cancellation, and bad tool arguments that create nothing.
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';

import { EventSourceParserStream } from 'eventsource-parser/stream';

import {
  IMAGE, MCP_URL, TOKEN, call, connectHttp, rawInitialize, rawPost, unique,
} from './helpers.mjs';

async function session() {
  const init = await rawInitialize();
  assert.equal(init.status, 200, init.text);
  assert.match(init.session, /^[a-z2-7]{40,}$/, 'random session id');
  const headers = { 'Mcp-Session-Id': init.session, 'MCP-Protocol-Version': '2025-11-25' };
  const initialized = await rawPost({ jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
  assert.equal(initialized.status, 202);
  return headers;
}

// POSTs a body of `bytes` with Expect: 100-continue (sent only if the server asks for it, as
// curl does for large bodies) and returns the status.
function oversizedPostStatus(bytes) {
  const url = new URL(MCP_URL);
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(bytes) } });
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: url.hostname, port: url.port, path: url.pathname, method: 'POST',
      headers: {
        'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body),
        Accept: 'application/json, text/event-stream', Authorization: `Bearer ${TOKEN}`,
        Expect: '100-continue',
      },
    }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('continue', () => req.end(body));
    req.on('error', reject);
  });
}

// Reads SSE events from a fetch Response until `stop(event)` is true or the stream ends.
async function readEvents(response, stop = () => false) {
  const reader = response.body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream())
    .getReader();
  const events = [];
  while (true) {
    const { value, done } = await reader.read();
    if (done) break;
    events.push(value);
    if (stop(value)) {
      await reader.cancel();
      break;
    }
  }
  return events;
}

test('transport-level errors', async () => {
  const malformed = await rawPost('{"jsonrpc": "2.0", "id": 1, "method": ');
  assert.equal(malformed.status, 400);
  assert.equal(malformed.json.error.code, -32700);

  const batch = await rawPost([{ jsonrpc: '2.0', id: 1, method: 'ping' }]);
  assert.equal(batch.status, 400);
  assert.equal(batch.json.error.code, -32600);
  assert.match(batch.json.error.message, /batch/i);

  // Past the largest operation's request limit (sandbox_write_file: 10 MiB as base64).
  assert.equal(await oversizedPostStatus(32 << 20), 413);

  const headers = await session();
  const wrongVersion = await rawPost({ jsonrpc: '2.0', id: 2, method: 'ping' },
    { ...headers, 'MCP-Protocol-Version': '2099-01-01' });
  assert.equal(wrongVersion.status, 400);
  assert.match(wrongVersion.json.error.message, /2099-01-01/);
  for (const version of ['2025-11-25', '2025-06-18', '2025-03-26']) {
    const ok = await rawPost({ jsonrpc: '2.0', id: 3, method: 'ping' }, { ...headers, 'MCP-Protocol-Version': version });
    assert.equal(ok.status, 200, version);
    assert.deepEqual(ok.json.result, {});
  }
  const noSession = await rawPost({ jsonrpc: '2.0', id: 4, method: 'ping' });
  assert.equal(noSession.status, 400);
  const unknown = await rawPost({ jsonrpc: '2.0', id: 5, method: 'ping' }, { 'Mcp-Session-Id': 'nosuchsession' });
  assert.equal(unknown.status, 404);
  const notJson = await rawPost('{}', { 'Content-Type': 'text/plain' });
  assert.equal(notJson.status, 415);
});

test('origin and authentication', async () => {
  const body = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } };
  const foreign = await rawPost(body, { Origin: 'http://evil.example.com' });
  assert.equal(foreign.status, 403);
  const sneaky = await rawPost(body, { Origin: 'http://web-demo.localhost:8080' });
  assert.equal(sneaky.status, 403, 'a deployed app on *.localhost is not a trusted origin');
  const loopback = await rawPost(body, { Origin: 'http://127.0.0.1:3000' });
  assert.equal(loopback.status, 200);

  const missing = await rawPost(body, { Authorization: '' });
  assert.equal(missing.status, 401);
  const challenge = missing.headers.get('www-authenticate');
  const m = /^Bearer resource_metadata="([^"]+)"$/.exec(challenge);
  assert.ok(m, challenge);
  const metadata = await (await fetch(m[1])).json();
  assert.equal(metadata.resource, MCP_URL);
  assert.deepEqual(metadata.bearer_methods_supported, ['header']);
  const root = await fetch(new URL('/.well-known/oauth-protected-resource', MCP_URL));
  assert.equal(root.status, 200);

  const wrong = await rawPost(body, { Authorization: 'Bearer ink_not_a_real_token' });
  assert.equal(wrong.status, 401);
  assert.ok(wrong.headers.get('www-authenticate'));
  await assert.rejects(connectHttp({ token: 'ink_wrong' }), /401|Unauthorized|token/i);
});

test('session lifecycle and GET streams', async () => {
  const headers = await session();
  const noAccept = await fetch(MCP_URL, { headers: { ...headers, Authorization: `Bearer ${TOKEN}`, Accept: 'application/json' } });
  assert.equal(noAccept.status, 406);
  const controller = new AbortController();
  const first = await fetch(MCP_URL, { signal: controller.signal, headers: { ...headers, Authorization: `Bearer ${TOKEN}`, Accept: 'text/event-stream' } });
  assert.equal(first.status, 200);
  assert.equal(first.headers.get('content-type'), 'text/event-stream');
  assert.equal(first.headers.get('x-accel-buffering'), 'no');
  const second = await fetch(MCP_URL, { headers: { ...headers, Authorization: `Bearer ${TOKEN}`, Accept: 'text/event-stream' } });
  assert.equal(second.status, 409);
  controller.abort();

  const del = await fetch(MCP_URL, { method: 'DELETE', headers: { ...headers, Authorization: `Bearer ${TOKEN}` } });
  assert.equal(del.status, 200);
  const after = await rawPost({ jsonrpc: '2.0', id: 9, method: 'ping' }, headers);
  assert.equal(after.status, 404);
});

test('bad tool arguments are tool errors and create nothing', async () => {
  const { client, close } = await connectHttp();
  try {
    const name = unique('neg');
    const extra = await client.callTool({ name: 'create_project', arguments: { name, nmae: 'typo' } });
    assert.equal(extra.isError, true);
    assert.match(extra.content[0].text, /unknown field 'nmae'/);
    const missing = await client.callTool({ name: 'create_project', arguments: {} });
    assert.equal(missing.isError, true);
    assert.match(missing.content[0].text, /missing required field 'name'/);
    const wrongType = await client.callTool({ name: 'create_project', arguments: { name: 42 } });
    assert.equal(wrongType.isError, true);
    assert.match(wrongType.content[0].text, /name must be a string/);
    const badName = await client.callTool({ name: 'create_project', arguments: { name: 'Bad Name!' } });
    assert.equal(badName.isError, true);
    const projects = await call(client, 'list_projects');
    assert.ok(!projects.projects.some((p) => p.name === name || p.name === 'Bad Name!'));

    await call(client, 'create_project', { name });
    const badPort = await client.callTool({ name: 'deploy', arguments: { project: name, service: 'web', image: IMAGE, port: '8080' } });
    assert.equal(badPort.isError, true);
    assert.match(badPort.content[0].text, /port must be an integer/);
    const badImage = await client.callTool({ name: 'deploy', arguments: { project: name, service: 'web', image: 'localhost/ink/does-not-exist:1' } });
    assert.equal(badImage.isError, true);
    const services = await call(client, 'list_services', { project: name });
    assert.deepEqual(services.services, []);

    await assert.rejects(client.callTool({ name: 'no_such_tool', arguments: {} }), (e) => e.code === -32602);
    await call(client, 'delete_project', { project: name });
  } finally {
    await close();
  }
});

test('a cut SSE stream resumes with Last-Event-ID; cancellation stops a wait', { timeout: 120000 }, async () => {
  const { client, close } = await connectHttp();
  const project = unique('resume');
  try {
    await call(client, 'create_project', { name: project });
    // A health check that never answers (the echo server sleeps 100 s on /sleep) keeps the
    // second release "deploying" for the controller's health timeout (60 s).
    const first = await call(client, 'deploy', { project, service: 'stuck', image: IMAGE, runtime_class: 'runc' });
    await call(client, 'get_deployment', { deployment: first.deployment.id, wait: 60 });
    const stuck = await call(client, 'update_service', { project, service: 'stuck', health_check_path: '/sleep?ms=100000' });
    const deployment = stuck.deployment.id;
    const headers = await session();
    const auth = { Authorization: `Bearer ${TOKEN}` };

    // 1. Resume: read the priming event, drop the connection, come back with Last-Event-ID.
    const controller = new AbortController();
    const post = await fetch(MCP_URL, {
      method: 'POST',
      signal: controller.signal,
      headers: { ...headers, ...auth, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 'w1', method: 'tools/call', params: { name: 'get_deployment', arguments: { deployment, wait: 3 }, _meta: { progressToken: 'tok' } } }),
    });
    assert.equal(post.headers.get('content-type'), 'text/event-stream');
    const firstEvents = await readEvents(post, () => true);
    assert.equal(firstEvents.length, 1);
    assert.equal(firstEvents[0].data, '', 'the stream opens with a priming event');
    assert.match(firstEvents[0].id, /^\d+-\d+$/);
    controller.abort();
    const resumed = await fetch(MCP_URL, {
      headers: { ...headers, ...auth, Accept: 'text/event-stream', 'Last-Event-ID': firstEvents[0].id },
    });
    assert.equal(resumed.status, 200);
    const rest = await readEvents(resumed);
    const messages = rest.filter((e) => e.data).map((e) => JSON.parse(e.data));
    const progress = messages.filter((m) => m.method === 'notifications/progress');
    assert.ok(progress.length >= 1);
    assert.equal(progress[0].params.progressToken, 'tok');
    const response = messages.find((m) => m.id === 'w1');
    assert.ok(response, JSON.stringify(messages));
    assert.equal(response.result.structuredContent.finished, false);

    // 2. Cancellation: the wait stops early and no response is sent.
    const started = Date.now();
    const longPost = fetch(MCP_URL, {
      method: 'POST',
      headers: { ...headers, ...auth, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 77, method: 'tools/call', params: { name: 'get_deployment', arguments: { deployment, wait: 60 } } }),
    });
    await new Promise((r) => setTimeout(r, 700));
    const cancel = await rawPost({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 77, reason: 'test' } }, headers);
    assert.equal(cancel.status, 202);
    const events = await readEvents(await longPost);
    assert.ok(Date.now() - started < 15000, 'the cancelled wait ended early');
    assert.ok(!events.some((e) => e.data && JSON.parse(e.data).id === 77), 'no response after cancel');
  } finally {
    await call(client, 'delete_project', { project }).catch(() => {});
    await close();
  }
});
