import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { NdjsonTransport } from '../src-main/engine/mcp/transports/ndjson-transport.js';
import { type BenchRow, type BenchSection, callLatency, percentile } from './lib.js';

const N = 3000;
const ARGS = { a: 2, b: 40 };

interface Running {
  /** The socket path or HTTP URL, then the bearer token if any. */
  address: string;
  token?: string;
  stop(): Promise<void>;
}

async function start(command: string[], mode: 'socket' | 'http', arg: string): Promise<Running> {
  const child: ChildProcess = spawn(process.execPath, [...command, mode, arg], { stdio: ['ignore', 'ignore', 'pipe'] });
  const line = await new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d) => {
      err += d;
      const m = /listening (.*)\n/.exec(err);
      if (m) resolve(m[1].trim());
    });
    child.once('exit', (code) => reject(new Error(`${command.join(' ')} exited ${code}: ${err}`)));
  });
  const [address, token] = line.split(' ');
  return {
    address: mode === 'http' && !address.startsWith('http') ? `http://127.0.0.1:${address}/mcp` : address,
    token,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

const weldServer = ['--import', 'tsx', join(import.meta.dirname, 'weld-server.ts')];
const baselineServer = [join(import.meta.dirname, 'baseline-server.mjs')];

async function connectSocket(path: string): Promise<Client> {
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(new NdjsonTransport(createConnection(path)));
  return client;
}

async function connectHttp(url: string, token?: string): Promise<Client> {
  const client = new Client({ name: 'bench', version: '1' });
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

/** 50 clients, each making 200 sequential calls at once: wall time and errors. */
async function manyClients(connect: () => Promise<Client>): Promise<{ ms: number; errors: number }> {
  const clients = await Promise.all(Array.from({ length: 50 }, connect));
  let errors = 0;
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (c) => {
      for (let i = 0; i < 200; i++) {
        try {
          const r = await c.callTool({ name: 'add', arguments: ARGS });
          if ((r.structuredContent as { value?: number })?.value !== 42) errors += 1;
        } catch {
          errors += 1;
        }
      }
    }),
  );
  const ms = performance.now() - t0;
  await Promise.all(clients.map((c) => c.close()));
  return { ms, errors };
}

const ROUNDS = 6;

/**
 * Weld and the baseline measured in alternating rounds, both servers up at once, so a burst of load
 * from elsewhere on the machine hits both sides alike instead of skewing one of them.
 */
async function compare(weld: () => Promise<Client>, baseline: () => Promise<Client>) {
  const clients = [await weld(), await baseline()];
  const lat: number[][] = [[], []];
  const many: { ms: number; errors: number }[][] = [[], []];
  for (let round = 0; round < ROUNDS; round++) {
    for (const side of [0, 1]) {
      lat[side].push(...(await callLatency(clients[side], 'add', ARGS, N / ROUNDS)));
      if (round % 2 === 0) many[side].push(await manyClients(side === 0 ? weld : baseline));
    }
  }
  await Promise.all(clients.map((c) => c.close()));
  const summary = (side: number) => {
    const sorted = lat[side].sort((a, b) => a - b);
    const ms = many[side].map((m) => m.ms).sort((a, b) => a - b);
    return {
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      many: { ms: percentile(ms, 50), errors: many[side].reduce((n, m) => n + m.errors, 0) },
    };
  };
  return [summary(0), summary(1)] as const;
}

/**
 * Socket and Streamable HTTP tools/call latency: Weld's full call path (validation, dispatcher, events,
 * audit row) with an in-process `add` tool, against the plain SDK baseline server's `add` on the same
 * transport, each server in its own process, the same client code for both.
 */
export async function transportsBench(): Promise<BenchSection> {
  const dir = mkdtempSync(join(tmpdir(), 'weld-bench-sock-'));
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  try {
    const weldSock = await start(weldServer, 'socket', join(dir, 'weld.sock'));
    const baseSock = await start(baselineServer, 'socket', join(dir, 'base.sock'));
    const [weldS, baseS] = await compare(
      () => connectSocket(weldSock.address),
      () => connectSocket(baseSock.address),
    );
    await Promise.all([weldSock.stop(), baseSock.stop()]);

    const stdioClient = new Client({ name: 'bench', version: '1' });
    await stdioClient.connect(new StdioClientTransport({ command: process.execPath, args: [...baselineServer, 'stdio'] }));
    const stdioLat = await callLatency(stdioClient, 'add', ARGS, N);
    await stdioClient.close();

    const weldHttp = await start(weldServer, 'http', '0');
    const baseHttp = await start(baselineServer, 'http', '0');
    const [weldH, baseH] = await compare(
      () => connectHttp(weldHttp.address, weldHttp.token),
      () => connectHttp(baseHttp.address),
    );
    await Promise.all([weldHttp.stop(), baseHttp.stop()]);

    rows.push(
      { metric: 'socket tools/call p50', unit: 'us', weld: weldS.p50, baseline: baseS.p50, target: { max: 1.5 } },
      { metric: 'socket tools/call p99', unit: 'us', weld: weldS.p99, baseline: baseS.p99 },
      {
        metric: 'socket tools/call p50 vs baseline stdio',
        unit: 'us',
        weld: weldS.p50,
        baseline: percentile(stdioLat, 50),
        target: { max: 1.5 },
      },
      { metric: 'socket 50 clients x 200 calls', unit: 'ms', weld: weldS.many.ms, baseline: baseS.many.ms },
      { metric: 'HTTP tools/call p50', unit: 'us', weld: weldH.p50, baseline: baseH.p50, target: { max: 1.5 } },
      { metric: 'HTTP tools/call p99', unit: 'us', weld: weldH.p99, baseline: baseH.p99 },
      { metric: 'HTTP 50 clients x 200 calls', unit: 'ms', weld: weldH.many.ms, baseline: baseH.many.ms },
    );
    notes.push(
      `Errors in 50 clients x 200 calls: Weld socket ${weldS.many.errors}, baseline socket ${baseS.many.errors}, ` +
        `Weld HTTP ${weldH.many.errors}, baseline HTTP ${baseH.many.errors} (target: 0).`,
      `Latency: ${N} sequential calls by one client, in ${ROUNDS} rounds alternating with the baseline (each round after ` +
        `200 warm-up calls); 50 x 200: median of ${ROUNDS / 2} alternating runs, errors summed. Weld HTTP answers as SSE (so progress ` +
        'can stream) with a bearer token check; the baseline answers plain JSON without auth.',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { title: 'MCP transports: socket and HTTP', rows, notes };
}
