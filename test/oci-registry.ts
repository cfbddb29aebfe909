import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REGISTRY_BIN = '/usr/bin/docker-registry';
export const registryMissing = existsSync(REGISTRY_BIN) ? null : `Debian docker-registry is not installed (${REGISTRY_BIN})`;
export const skopeoMissing = existsSync('/usr/bin/skopeo') ? null : 'Debian skopeo is not installed (/usr/bin/skopeo)';
for (const reason of [registryMissing, skopeoMissing])
  if (reason) console.warn(`skipping registry tests that need it: ${reason}`);

export interface TestRegistry {
  /** host:port, as used in oci:// references. */
  host: string;
  port: number;
  /** The filesystem storage root, for tests that tamper with stored blobs. */
  storage: string;
  blobPath(digest: string): string;
  stop(): Promise<void>;
}

/** Starts Debian's docker-registry (distribution 2.8) on a free loopback port with a temp storage dir. */
export async function startRegistry(): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'weld-registry-'));
  const storage = join(dir, 'data');
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    `version: 0.1
log: { level: info }
storage:
  filesystem: { rootdirectory: ${storage} }
  delete: { enabled: true }
http: { addr: "127.0.0.1:0", secret: weld-test }
`,
  );
  const child = spawn(REGISTRY_BIN, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await new Promise<number>((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`docker-registry did not start in 10 s:\n${log}`)), 10_000);
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`docker-registry exited with ${code}:\n${log}`));
    });
  });
  // Keep draining its log so the pipe never fills up and blocks the registry.
  child.stdout?.resume();
  child.stderr?.resume();
  return {
    host: `127.0.0.1:${port}`,
    port,
    storage,
    blobPath: (digest) => {
      const hex = digest.slice('sha256:'.length);
      return join(storage, 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
    },
    stop: () => stopChild(child).then(() => rmSync(dir, { recursive: true, force: true })),
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export interface ProxyRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

/**
 * A hostile or picky registry in front of the real one: `intercept` may answer a request itself
 * (return true after writing the response); otherwise the request is forwarded unchanged.
 */
export async function startProxy(
  target: string,
  intercept: (req: ProxyRequest, res: import('node:http').ServerResponse) => boolean | Promise<boolean>,
): Promise<{ host: string; close: () => Promise<void> }> {
  const server: Server = createServer(async (req, res) => {
    try {
      const info = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers };
      if (await intercept(info, res)) return;
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const headers = { ...req.headers } as Record<string, string>;
      delete headers.host;
      delete headers.authorization;
      const upstream = await fetch(`http://${target}${info.path}`, {
        method: info.method,
        headers,
        body: chunks.length ? Buffer.concat(chunks) : undefined,
        redirect: 'manual',
      });
      const out: Record<string, string> = {};
      upstream.headers.forEach((v, k) => {
        if (k === 'location') out[k] = v.replace(target, (req.headers.host as string) ?? target);
        else if (k !== 'content-encoding' && k !== 'transfer-encoding') out[k] = v;
      });
      res.writeHead(upstream.status, out);
      res.end(Buffer.from(await upstream.arrayBuffer()));
    } catch (err) {
      res.writeHead(502).end(String(err));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port with nothing listening on it. */
export async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
