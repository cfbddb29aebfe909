import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AuthProxy {
  url: string;
  close(): Promise<void>;
}

/**
 * Forwards every request to Weld's HTTP endpoint with its bearer token added, the one thing the
 * conformance runner cannot send (it connects to a bare URL). Everything else passes through as the
 * runner sent it: a Host or Origin naming the proxy is rewritten to name Weld, any other one (the
 * DNS-rebinding scenario's evil.example.com) reaches Weld unchanged, so Weld's own checks answer it.
 */
export async function startAuthProxy(target: string, token: string): Promise<AuthProxy> {
  const to = new URL(target);
  let self = '';
  const server = createServer((req, res) => {
    const headers = { ...req.headers, authorization: `Bearer ${token}` };
    const rewrite = (value: string | undefined, prefix: string) =>
      value === `${prefix}127.0.0.1:${self}` || value === `${prefix}localhost:${self}` ? `${prefix}${to.host}` : value;
    headers.host = rewrite(req.headers.host, '');
    if (req.headers.origin !== undefined) headers.origin = rewrite(req.headers.origin, 'http://');
    const upstream = request({ host: to.hostname, port: to.port, path: req.url, method: req.method, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy: ${err.message}`);
    });
    // The runner ends an SSE stream by dropping its connection: pass that on so Weld sees it too.
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  self = String((server.address() as AddressInfo).port);
  return {
    url: `http://127.0.0.1:${self}${to.pathname}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
