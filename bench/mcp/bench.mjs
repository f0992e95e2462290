// MCP latency and catalog size: run by bench/mcp/run.sh with INK_MCP_URL and INK_TEST_TOKEN.
// One session of the official TypeScript SDK client over Streamable HTTP: N tools/list calls,
// then N list_services calls (read-only tool, one project with one running service); prints
// p50/p99/mean in ms, and the size of the whole tools/list result in bytes and in tokens
// (bytes/4, and the @anthropic-ai/tokenizer count).
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../../test/e2e/mcp/package.json'));
const { Client } = require('@modelcontextprotocol/sdk/client/index.js');
const { StreamableHTTPClientTransport } = require('@modelcontextprotocol/sdk/client/streamableHttp.js');
const { countTokens } = require('@anthropic-ai/tokenizer');

const N = Number(process.env.CALLS ?? 1000);
const project = process.env.INK_BENCH_PROJECT;

function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return `p50 ${at(0.5).toFixed(2)} ms, p99 ${at(0.99).toFixed(2)} ms, mean ${mean.toFixed(2)} ms`;
}

async function time(fn) {
  const samples = [];
  for (let i = 0; i < 20; i++) await fn();  // warm-up
  for (let i = 0; i < N; i++) {
    const start = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return samples;
}

const transport = new StreamableHTTPClientTransport(new URL(process.env.INK_MCP_URL), {
  requestInit: { headers: { Authorization: `Bearer ${process.env.INK_TEST_TOKEN}` } },
});
const client = new Client({ name: 'ink-bench', version: '1.0.0' });
await client.connect(transport);

const list = await client.listTools();
const catalog = JSON.stringify(list);
console.log(`tools: ${list.tools.length} (${list.tools.map((t) => t.name).join(', ')})`);
console.log(`tools/list result: ${Buffer.byteLength(catalog)} bytes, ~${Math.round(Buffer.byteLength(catalog) / 4)} tokens (bytes/4), ${countTokens(catalog)} tokens (@anthropic-ai/tokenizer)`);
const perTool = list.tools
  .map((t) => [t.name, countTokens(JSON.stringify(t))])
  .sort((a, b) => b[1] - a[1]);
console.log(`largest tools (tokens): ${perTool.slice(0, 5).map(([n, c]) => `${n} ${c}`).join(', ')}`);

console.log(`tools/list x${N}: ${stats(await time(() => client.listTools()))}`);
const args = { name: 'list_services', arguments: { project } };
const check = await client.callTool(args);
if (check.isError || check.structuredContent.services.length !== 1) {
  throw new Error(`list_services did not answer as expected: ${JSON.stringify(check)}`);
}
console.log(`tools/call list_services x${N}: ${stats(await time(() => client.callTool(args)))}`);

// The same two requests as raw JSON-RPC POSTs (fetch, keep-alive) on the same session: the
// server's share without the SDK client's work (it compiles output-schema validators on every
// tools/list).
const headers = {
  'Content-Type': 'application/json',
  Accept: 'application/json, text/event-stream',
  Authorization: `Bearer ${process.env.INK_TEST_TOKEN}`,
  'Mcp-Session-Id': transport.sessionId,
  'MCP-Protocol-Version': '2025-11-25',
};
let id = 1000000;
const raw = async (method, params) => {
  const res = await fetch(process.env.INK_MCP_URL, {
    method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: id++, method, params }),
  });
  const body = await res.json();
  if (!body.result) throw new Error(JSON.stringify(body));
};
console.log(`raw POST tools/list x${N}: ${stats(await time(() => raw('tools/list', {})))}`);
console.log(`raw POST tools/call list_services x${N}: ${stats(await time(() => raw('tools/call', args)))}`);
await client.close();
