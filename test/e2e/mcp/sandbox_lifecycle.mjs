// A sandbox's life through MCP with the official TypeScript SDK (run by test/e2e/test_sandboxes.py,
// not by test_mcp.py's `node --test`): create_sandbox → sandbox_exec `echo hi` → a binary file
// written and read back (larger than MCP's default 256 KiB result limit, so sandbox_read_file's
// own limit is what lets it through) → sandbox_list_files → list_sandboxes → delete_sandbox.
// Prints one JSON line of what it saw; exits non-zero on the first thing that is wrong.
//   INK_MCP_URL=http://127.0.0.1:PORT/mcp INK_TEST_TOKEN=ink_... node sandbox_lifecycle.mjs
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const url = process.env.INK_MCP_URL;
const token = process.env.INK_TEST_TOKEN;
if (!url || !token) throw new Error('set INK_MCP_URL and INK_TEST_TOKEN (test_sandboxes.py does)');

// Generous: the host is a loaded 2-core machine and a gVisor start takes a second or more there.
const options = { timeout: 120_000 };

async function call(client, name, args) {
  const result = await client.callTool({ name, arguments: args }, undefined, options);
  if (result.isError) throw new Error(`${name} failed: ${result.content?.[0]?.text}`);
  assert.deepEqual(JSON.parse(result.content[0].text), result.structuredContent,
    `${name}: the text content is the structured result`);
  return result.structuredContent;
}

const transport = new StreamableHTTPClientTransport(new URL(url), {
  requestInit: { headers: { Authorization: `Bearer ${token}` } },
});
const client = new Client({ name: 'ink-e2e-sandbox', version: '1.0.0' });
await client.connect(transport);
const seen = {};
try {
  const tools = (await client.listTools()).tools.map((t) => t.name);
  for (const name of ['create_sandbox', 'sandbox_exec', 'sandbox_write_file', 'sandbox_read_file',
    'sandbox_list_files', 'list_sandboxes', 'delete_sandbox', 'set_sandbox_timeout']) {
    assert.ok(tools.includes(name), `tools/list offers ${name}`);
  }

  const { sandbox } = await call(client, 'create_sandbox', { ttl: 600 });
  assert.match(sandbox.id, /^sbx_/);
  assert.equal(sandbox.status, 'running');
  seen.id = sandbox.id;

  const hi = await call(client, 'sandbox_exec', { sandbox: sandbox.id, command: ['echo', 'hi'] });
  assert.equal(hi.exit_code, 0);
  assert.equal(hi.stdout, 'hi\n');
  assert.equal(hi.timed_out, false);

  const bytes = randomBytes(600 * 1024);  // 600 KiB: ~800 KiB as base64, over 256 KiB
  bytes[0] = 0;
  bytes[1] = 0xff;
  const wrote = await call(client, 'sandbox_write_file', {
    sandbox: sandbox.id, path: '/tmp/mcp/blob.bin', content_base64: bytes.toString('base64'),
  });
  assert.equal(wrote.size, bytes.length);
  const read = await call(client, 'sandbox_read_file', { sandbox: sandbox.id, path: '/tmp/mcp/blob.bin' });
  const back = Buffer.from(read.content_base64, 'base64');
  assert.equal(back.length, bytes.length);
  assert.ok(back.equals(bytes), 'the bytes read back are the bytes written');
  seen.sha256 = createHash('sha256').update(back).digest('hex');

  const listed = await call(client, 'sandbox_list_files', { sandbox: sandbox.id, path: '/tmp/mcp' });
  assert.deepEqual(listed.entries.map((e) => [e.path, e.type, e.size]),
    [['blob.bin', 'file', bytes.length]]);

  const live = await call(client, 'list_sandboxes', {});
  assert.ok(live.sandboxes.some((s) => s.id === sandbox.id), 'list_sandboxes shows it');

  const deleted = await call(client, 'delete_sandbox', { sandbox: sandbox.id });
  assert.equal(deleted.deleted, true);
  const after = await call(client, 'list_sandboxes', {});
  assert.ok(!after.sandboxes.some((s) => s.id === sandbox.id), 'gone from list_sandboxes');

  // An ended sandbox is a tool error that says what happened and what to do.
  const late = await client.callTool(
    { name: 'sandbox_exec', arguments: { sandbox: sandbox.id, command: ['true'] } }, undefined, options);
  assert.equal(late.isError, true);
  assert.match(late.content[0].text, /has ended \(deleted/);
  assert.match(late.content[0].text, /create_sandbox/);
  seen.ok = true;
} finally {
  await client.close();
}
console.log(JSON.stringify(seen));
