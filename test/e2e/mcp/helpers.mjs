// Shared setup of the MCP end-to-end tests: where inkd is (from test_mcp.py's environment) and
// clients of the official MCP TypeScript SDK over Streamable HTTP and over `ink mcp` (stdio).
import http from 'node:http';
import { randomBytes } from 'node:crypto';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

function need(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run these tests through test/e2e/test_mcp.py`);
  return value;
}

export const MCP_URL = need('INK_MCP_URL');
export const TOKEN = need('INK_TEST_TOKEN');
export const EDGE_PORT = Number(need('INK_EDGE_PORT'));
export const INK_BIN = need('INK_BIN');
export const IMAGE = need('INK_TEST_IMAGE');

export function unique(prefix) {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

// An SDK client over Streamable HTTP with the bearer token.
export async function connectHttp(options = {}) {
  const transport = new StreamableHTTPClientTransport(new URL(MCP_URL), {
    requestInit: { headers: { Authorization: `Bearer ${options.token ?? TOKEN}` } },
  });
  const client = new Client({ name: 'ink-e2e-http', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport, close: () => client.close() };
}

// An SDK client that launches `ink mcp` as an agent would ({"command": "ink", "args": ["mcp"]}).
export async function connectStdio() {
  const transport = new StdioClientTransport({
    command: INK_BIN,
    args: ['mcp'],
    env: {
      PATH: process.env.PATH,
      HOME: need('INK_TEST_HOME'),
      INK_CONFIG: need('INK_CLI_CONFIG'),
    },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk) => (stderr += chunk));
  const client = new Client({ name: 'ink-e2e-stdio', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport, close: () => client.close(), stderr: () => stderr };
}

// Calls a tool and returns its structuredContent; fails with the tool's text on isError.
export async function call(client, name, args = {}, options = {}) {
  const result = await client.callTool({ name, arguments: args }, undefined, options);
  if (result.isError) throw new Error(`${name} failed: ${result.content?.[0]?.text}`);
  return result.structuredContent;
}

// GET through ink-edge: connects to 127.0.0.1:EDGE_PORT with the service's Host header.
export function edgeGet(url, path = '/') {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: Number(u.port || 80), path, method: 'GET', headers: { Host: u.host } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

export async function waitFor(what, fn, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

// A raw POST to /mcp (for the negative tests), returning status, headers and parsed body.
export async function rawPost(body, headers = {}) {
  const res = await fetch(MCP_URL, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      Authorization: `Bearer ${TOKEN}`,
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, headers: res.headers, text, json };
}

export async function rawInitialize(version = '2025-11-25') {
  const r = await rawPost({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  });
  return { ...r, session: r.headers.get('mcp-session-id') };
}
