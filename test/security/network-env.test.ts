import http from 'node:http';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CANARY_TEXT, Canary, type HostileWorld, hostileWasm, hostileWorld, text } from './hostile-engine.js';

/** A loopback HTTP server that records every request it gets. */
async function recordingServer(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return { seen, port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/**
 * Network and environment attacks. Granted: `127.0.0.1:<granted>`, the NAME `localhost:<named>`
 * (no address), and the environment key WELD_GRANTED. The `forbidden`, `named` and TCP servers must
 * never see a request or a connection.
 */
// Generous timeouts: the machine running the suite may be heavily shared, and a grant restarts the worker.
describe('network and environment attacks', { timeout: 120_000 }, () => {
  let w: HostileWorld;
  let canary: Canary;
  let granted: Awaited<ReturnType<typeof recordingServer>>;
  let forbidden: Awaited<ReturnType<typeof recordingServer>>;
  let named: Awaited<ReturnType<typeof recordingServer>>;
  let tcp: net.Server;
  let tcpPort: number;
  const tcpSeen: string[] = [];

  beforeAll(async () => {
    await hostileWasm();
    forbidden = await recordingServer((_req, res) => res.end(CANARY_TEXT));
    named = await recordingServer((_req, res) => res.end(`named ${CANARY_TEXT}`));
    granted = await recordingServer((req, res) => {
      if (req.url === '/redirect') {
        res.writeHead(302, { location: `http://127.0.0.1:${forbidden.port}/stolen` });
        res.end('moved');
      } else res.end(`granted page ${req.url}`);
    });
    tcp = net.createServer((s) => {
      tcpSeen.push('connection');
      s.on('data', (d) => tcpSeen.push(String(d)));
    });
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    tcpPort = (tcp.address() as net.AddressInfo).port;
    w = await hostileWorld({
      env: { WELD_GRANTED: 'granted value', WELD_SECRET: CANARY_TEXT, AWS_SECRET_ACCESS_KEY: CANARY_TEXT },
      grants: () => [
        { kind: 'network', target: `127.0.0.1:${granted.port}` },
        { kind: 'network', target: `localhost:${named.port}` },
        { kind: 'environment', target: 'WELD_GRANTED' },
      ],
    });
    canary = new Canary(w.base);
  }, 180_000);
  afterAll(async () => {
    await w?.close();
    await Promise.all([granted?.close(), forbidden?.close(), named?.close()]);
    tcp?.close();
  });
  afterEach(async () => {
    expect(text(await w.call('ok'))).toBe('ok');
    expect(forbidden.seen).toEqual([]);
    expect(tcpSeen).toEqual([]);
    canary.check();
  });

  it('shows the guest only the granted environment key: no Weld or test-process variables', async () => {
    const r = await w.call('list-env');
    expect(r.structuredContent).toEqual({ result: [['WELD_GRANTED', 'granted value']] });
    expect(text(r)).not.toContain(CANARY_TEXT);
    for (const key of ['WELD_SECRET', 'AWS_SECRET_ACCESS_KEY', 'PATH', 'HOME', 'WELD_HOME']) {
      const got = await w.call('get-env', { key });
      expect(got.isError).toBeFalsy();
      expect(text(got)).toBe('null');
    }
    expect(text(await w.call('get-env', { key: 'WELD_GRANTED' }))).toBe('granted value');
  });

  it('fetches from the granted host (the baseline) and records the access against the call', async () => {
    const { result, callId } = await w.traced('fetch-text', { url: `http://127.0.0.1:${granted.port}/page` });
    expect(text(result)).toBe('granted page /page');
    expect(w.events(callId)).toContainEqual(
      expect.objectContaining({ kind: 'network', decision: 'allowed', target: `http://127.0.0.1:${granted.port} (127.0.0.1)` }),
    );
  });

  it('denies HTTP to an ungranted host before any byte is sent, and says how to allow it', async () => {
    for (const url of [
      `http://127.0.0.1:${forbidden.port}/secret`,
      `http://2130706433:${forbidden.port}/secret`,
      `http://[::ffff:127.0.0.1]:${forbidden.port}/secret`,
    ]) {
      const { result, callId } = await w.traced('fetch-text', { url });
      expect(result.isError).toBe(true);
      expect(result.content[0].text).toMatch(/^fetch failed/);
      expect(text(result)).not.toContain(CANARY_TEXT);
      expect(text(result)).toContain(`To allow it: weld grant hostile network 127.0.0.1:${forbidden.port}`);
      expect(w.events(callId)).toContainEqual(expect.objectContaining({ kind: 'network', decision: 'denied' }));
    }
  });

  it('denies a granted NAME that resolves to loopback unless the address itself is granted', async () => {
    const url = `http://localhost:${named.port}/`;
    const { result, callId } = await w.traced('fetch-text', { url });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/resolves to 127\.0\.0\.1, a loopback address/);
    expect(text(result)).toContain(`To allow it: weld grant hostile network 127.0.0.1:${named.port}`);
    expect(named.seen).toEqual([]);
    expect(w.events(callId)).toContainEqual(expect.objectContaining({ kind: 'network', decision: 'denied' }));

    // The same call goes through once a person grants the address: the refusal was the rule, not the guest.
    w.weld.policy.grant({ componentId: w.componentId, kind: 'network', target: `127.0.0.1:${named.port}`, by: 'test' });
    expect(text(await w.call('fetch-text', { url }))).toBe(`named ${CANARY_TEXT}`);
    expect(named.seen).toEqual(['GET /']);
    w.weld.policy.revoke({ componentId: w.componentId, kind: 'network', target: `127.0.0.1:${named.port}`, by: 'test' });
  });

  it('hands a redirect to an ungranted host back to the guest instead of following it', async () => {
    const { result } = await w.traced('fetch-text', { url: `http://127.0.0.1:${granted.port}/redirect` });
    // The guest gets the 302 itself; following it would be a new request, checked (and denied) again.
    expect(text(result)).toBe('moved');
    const hop = await w.call('fetch-text', { url: `http://127.0.0.1:${forbidden.port}/stolen` });
    expect(hop.isError).toBe(true);
    expect(text(hop)).toContain(`weld grant hostile network 127.0.0.1:${forbidden.port}`);
  });

  it('denies raw sockets: the local TCP server sees no connection', async () => {
    for (const host of ['127.0.0.1', 'localhost']) {
      const { result, callId } = await w.traced('open-socket', { host, port: tcpPort });
      expect(result.isError).toBe(true);
      expect(result.content[0].text).toBe('resolve: access-denied');
      expect(text(result)).toMatch(/components get no raw sockets/);
      expect(w.events(callId)).toContainEqual(
        expect.objectContaining({ kind: 'network', access: 'socket', decision: 'denied', target: `dns:${host}` }),
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  });
});
