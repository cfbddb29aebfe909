import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { tokenPath } from '../src-main/engine/mcp/transports/http-token.js';
import { openStore } from '../src-main/engine/store/index.js';
import { type BenchSection, percentile } from './lib.js';

const WELD = join(import.meta.dirname, '..', 'bin', 'weld.js');
const CALLS_IN_LOG = 300_000;
const SEARCHES = 5;

/** A data dir whose call log is as long as a busy month of an agent's calls. */
function homeWithLongLog(): string {
  const home = mkdtempSync(join(tmpdir(), 'weld-bench-ui-'));
  const store = openStore(join(home, 'weld.db'));
  const insert = store.db.prepare(
    "INSERT INTO calls (id, tool, client, args_size, args_hash, status, started_at, duration_us) VALUES (?, 'add', 'bench/1', 0, 'h', 'ok', ?, 1)",
  );
  const now = Date.now();
  store.db.transaction(() => {
    for (let i = 0; i < CALLS_IN_LOG; i++) insert.run(`c${i}`, now - CALLS_IN_LOG + i);
  })();
  store.close();
  return home;
}

async function serve(home: string): Promise<{ child: ChildProcess; ui: URL; mcp: URL }> {
  const child = spawn(process.execPath, [WELD, 'serve', '--ui', '--http', '0'], {
    env: { ...process.env, WELD_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let ui: string | undefined;
  let mcp: string | undefined;
  await new Promise<void>((resolve, reject) => {
    const done = () => ui && mcp && resolve();
    createInterface({ input: child.stdout! }).on('line', (l) => {
      ui ??= /^Weld UI: (\S+)$/.exec(l)?.[1];
      done();
    });
    createInterface({ input: child.stderr! }).on('line', (l) => {
      mcp ??= /serving MCP on (http:\/\/\S+\/mcp)/.exec(l)?.[1];
      done();
    });
    child.once('exit', (code) => reject(new Error(`weld serve exited ${code}`)));
  });
  return { child, ui: new URL(ui!), mcp: new URL(mcp!) };
}

/** Milliseconds per tools/call (a built-in tool over HTTP) for as long as `busy` says. */
async function callsWhile(client: Client, busy: () => boolean): Promise<number[]> {
  const out: number[] = [];
  do {
    const t0 = performance.now();
    await client.callTool({ name: 'list-components', arguments: {} });
    out.push(performance.now() - t0);
  } while (busy());
  return out.sort((a, b) => a - b);
}

/**
 * Tool calls while a person searches a long call log in the UI: the search runs on the store reader's
 * thread, so calls should keep their pace. Compared with the same calls when nobody searches.
 */
export async function uiReadsBench(): Promise<BenchSection> {
  const home = homeWithLongLog();
  const { child, ui, mcp } = await serve(home);
  try {
    const client = new Client({ name: 'bench', version: '1' });
    const headers = { authorization: `Bearer ${readFileSync(tokenPath(home), 'utf8').trim()}` };
    await client.connect(new StreamableHTTPClientTransport(mcp, { requestInit: { headers } }));
    const search = () =>
      fetch(new URL('/api/calls.list', ui), {
        method: 'POST',
        headers: { authorization: `Bearer ${ui.searchParams.get('token')}`, 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'matches nothing' }),
      }).then((r) => r.json());
    await search();
    let n = 0;
    const idle = await callsWhile(client, () => ++n < 300);
    let searching = true;
    const t0 = performance.now();
    const searches = (async () => {
      for (let i = 0; i < SEARCHES; i++) await search();
      searching = false;
    })();
    const during = await callsWhile(client, () => searching);
    await searches;
    const searchMs = (performance.now() - t0) / SEARCHES;
    await client.close();
    return {
      title: 'UI searches and tool calls',
      rows: [
        {
          metric: 'tools/call p50 while the UI searches (vs nobody searching)',
          unit: 'ms',
          weld: percentile(during, 50),
          baseline: percentile(idle, 50),
        },
        {
          metric: 'slowest tools/call while the UI searches (vs nobody searching)',
          unit: 'ms',
          weld: during.at(-1)!,
          baseline: idle.at(-1)!,
        },
      ],
      notes: [
        `\`weld serve --ui --http 0\` with ${CALLS_IN_LOG.toLocaleString('en')} calls in its log; an MCP client calls \`list-components\` over HTTP in a loop while the UI API runs ${SEARCHES} searches that match nothing (${searchMs.toFixed(0)} ms each, on the store reader's thread); ${during.length} calls were answered meanwhile. Before the reader thread a search held every call (measured once, on a 717,000-call log: 6 calls got through five searches, p50 536 ms).`,
      ],
    };
  } finally {
    await new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGTERM');
    });
    rmSync(home, { recursive: true, force: true });
  }
}
