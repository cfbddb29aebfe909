import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditStore } from '../src-main/engine/store/audit.js';
import { openDatabase } from '../src-main/engine/store/db.js';
import { buildComponent, exampleDir } from './fixtures/build.js';
import { resultText, runWeld, serveStdio, tempHome, weldOk } from './helpers.js';

/** Kill-at-a-random-moment runs in the suite; WELD_CRASH_RUNS=20 for the 20-in-a-row check. */
const RUNS = Number(process.env.WELD_CRASH_RUNS ?? 3);
const FILES = 64;
const IN_FLIGHT = 8;

/** The args hash Weld stores for a call (sha256 of the arguments' JSON), so the test can find its row. */
const argsHash = (args: Record<string, unknown>) => createHash('sha256').update(JSON.stringify(args)).digest('hex');

interface RunReport {
  acknowledged: number;
  missingCalls: number;
  missingReads: number;
  auditOk: boolean;
  integrity: string;
}

/**
 * The promise of issue 21, tested the way it breaks: a real `weld serve --stdio` under a stream of
 * read-file calls (each a guest file read, so a call row plus a capability event) is SIGKILLed at a
 * random moment. Every result the client received must have its call row and its file read in the
 * store afterwards, the audit chain must verify, and Weld must open the database as it is.
 */
describe('nothing acknowledged is lost when Weld is killed', { timeout: 600_000 }, () => {
  let home: ReturnType<typeof tempHome>;
  let base: string;

  beforeAll(async () => {
    const wasm = await buildComponent(exampleDir('read-file'));
    home = tempHome();
    base = realpathSync(mkdtempSync(join(tmpdir(), 'weld-crash-')));
    await weldOk(home.home, [
      'install',
      wasm,
      '--name',
      'read-file',
      '--policy',
      join(exampleDir('read-file'), 'policy.yaml'),
      '--yes',
    ]);
    await weldOk(home.home, ['grant', 'read-file', 'storage', `fs://${base}`, '--access', 'read']);
  });

  afterAll(() => {
    home?.cleanup();
    if (base) rmSync(base, { recursive: true, force: true });
  });

  async function crashOnce(run: number): Promise<RunReport> {
    // Files of their own per run, so this run's calls are told apart from earlier runs' by their arguments.
    const dir = join(base, `run-${run}`);
    mkdirSync(dir);
    for (let f = 0; f < FILES; f++) writeFileSync(join(dir, `f${f}.txt`), `run ${run} file ${f}`);

    const transport = serveStdio(home.home);
    transport.stderr?.on('data', () => {}); // Weld's log is not looked at here; keep its pipe from filling up.
    const client = new Client({ name: 'crash-test', version: '1.0.0' });
    await client.connect(transport);
    const closed = new Promise<void>((resolve) => {
      client.onclose = resolve;
    });

    const acked = new Map<number, number>(); // file -> results received
    let total = 0;
    let next = 0;
    let reachedFloor: () => void = () => {};
    const floor = new Promise<void>((resolve) => {
      reachedFloor = resolve;
    });
    const floorCalls = 20 + Math.floor(Math.random() * 1500);
    const loop = async () => {
      for (;;) {
        const f = next++ % FILES;
        const path = join(dir, `f${f}.txt`);
        let text: string;
        try {
          text = resultText(await client.callTool({ name: 'read-file', arguments: { path } }));
        } catch {
          return; // the connection died with Weld
        }
        expect(text).toBe(`run ${run} file ${f}`);
        acked.set(f, (acked.get(f) ?? 0) + 1);
        if (++total >= floorCalls) reachedFloor();
      }
    };
    const loops = Array.from({ length: IN_FLIGHT }, loop);
    // A random moment: after a random number of answered calls, plus a random part of a scheduler tick.
    await floor;
    await new Promise((r) => setTimeout(r, Math.random() * 100));
    process.kill(transport.pid as number, 'SIGKILL');
    await Promise.all([...loops, closed]);

    // Weld's own open path: no repair, no refusal.
    const db = openDatabase(join(home.home, 'weld.db'));
    try {
      const integrity = db.pragma('integrity_check', { simple: true }) as string;
      const audit = createAuditStore(db);
      const rowsOf = db.prepare<[string], { id: string }>("SELECT id FROM calls WHERE args_hash = ? AND status = 'ok'");
      const readOf = db.prepare<[string, string], { n: number }>(
        "SELECT count(*) AS n FROM capability_events WHERE call_id = ? AND kind = 'storage' AND decision = 'allowed' AND target = ?",
      );
      let missingCalls = 0;
      let missingReads = 0;
      for (const [f, n] of acked) {
        const path = join(dir, `f${f}.txt`);
        const rows = rowsOf.all(argsHash({ path }));
        missingCalls += Math.max(0, n - rows.length);
        const withRead = rows.filter((r) => readOf.get(r.id, `fs://${path}`)?.n).length;
        missingReads += Math.max(0, n - withRead);
      }
      return { acknowledged: total, missingCalls, missingReads, auditOk: audit.verify().ok, integrity };
    } finally {
      db.close();
    }
  }

  it(`keeps every answered call and its file read across ${RUNS} SIGKILLs at random moments`, async () => {
    const reports: RunReport[] = [];
    for (let run = 0; run < RUNS; run++) {
      const report = await crashOnce(run);
      reports.push(report);
      expect(report, `run ${run + 1} of ${RUNS}`).toMatchObject({
        missingCalls: 0,
        missingReads: 0,
        auditOk: true,
        integrity: 'ok',
      });
    }
    if (process.env.WELD_CRASH_RUNS) console.log(JSON.stringify(reports));
    // The CLI agrees: the chain verifies as a person would check it.
    const verify = await runWeld(['audit', '--verify'], home.home);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  });

  it('refuses a damaged database at start with the file and what to do, and leaves it as it was', async () => {
    const damaged = tempHome();
    try {
      const db = join(damaged.home, 'weld.db');
      const bytes = Buffer.concat([readFileSync(join(home.home, 'weld.db')).subarray(0, 100), Buffer.alloc(4096, 7)]);
      writeFileSync(db, bytes);
      const r = await runWeld(['serve', '--stdio'], damaged.home);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(db);
      expect(r.stderr).toMatch(/damaged \(truncated.*Weld did not touch it\. Move it aside \(or restore a backup\)/);
      expect(readFileSync(db).equals(bytes)).toBe(true);
    } finally {
      damaged.cleanup();
    }
  });
});
