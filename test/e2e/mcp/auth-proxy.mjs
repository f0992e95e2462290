// A loopback HTTP proxy that adds `Authorization: Bearer <token>` to requests that carry none
// and streams everything else through unchanged (Host, Origin, bodies, SSE responses). The MCP
// conformance suite sends no credentials; Ink's /mcp requires them, so the suite talks to Ink
// through this proxy. Usage as a module: startAuthProxy(targetUrl, token) → {url, close}.
import http from 'node:http';

export function startAuthProxy(target, token) {
  const upstream = new URL(target);
  const server = http.createServer((req, res) => {
    const headers = { ...req.headers };
    if (!headers.authorization) headers.authorization = `Bearer ${token}`;
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers },
      (answer) => {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', (e) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy: ${e.message}`);
    });
    res.on('close', () => forward.destroy());
    req.pipe(forward);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
      });
    });
  });
}
