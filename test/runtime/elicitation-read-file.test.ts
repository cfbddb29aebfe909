import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { type ElicitRequestFormParams, ElicitRequestSchema, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildComponent, exampleDir } from '../fixtures/build.js';
import { resultText, serveStdio, tempHome, weldOk } from '../helpers.js';

/**
 * The person works in their MCP client only: no Weld window, no `weld requests watch`. read-file asks
 * for a folder nobody granted; the client was trusted to ask (`weld clients trust-prompts`), so the
 * held call is put to it as an elicitation and its answer decides.
 */
describe('asking the person inside their MCP client', { timeout: 120_000 }, () => {
  let home: ReturnType<typeof tempHome>;
  let base: string;
  let client: Client;
  const asked: ElicitRequestFormParams[] = [];
  let reply: (params: ElicitRequestFormParams) => ElicitResult = () => ({ action: 'cancel' });

  const weld = (...args: string[]) => weldOk(home.home, args);

  beforeAll(async () => {
    const wasm = await buildComponent(exampleDir('read-file'));
    home = tempHome();
    base = realpathSync(mkdtempSync(join(tmpdir(), 'weld-elicit-')));
    mkdirSync(join(base, 'notes'));
    writeFileSync(join(base, 'notes', 'todo.txt'), 'water the plants');
    mkdirSync(join(base, 'other'));
    writeFileSync(join(base, 'other', 'list.txt'), 'milk');
    const policy = join(base, 'policy.yaml');
    writeFileSync(
      policy,
      `version: "1.0"\ndescription: "reads notes"\npermissions:\n  storage:\n    allow:\n      - uri: "fs://${base}/notes/**"\n        access: [read]\n      - uri: "fs://${base}/other/**"\n        access: [read]\n`,
    );
    // Installed without --yes: it asks for the folder, nothing is granted.
    await weld('install', wasm, '--name', 'read-file', '--policy', policy);
    const trusted = await weld('clients', 'trust-prompts', 'notes-app');
    expect(trusted.stdout).toMatch(/^notes-app may now ask you for permissions/);
    expect((await weld('clients', 'trust-prompts')).stdout).toBe('notes-app\n');

    client = new Client({ name: 'notes-app', version: '2.1.0' }, { capabilities: { elicitation: { form: {} } } });
    client.setRequestHandler(ElicitRequestSchema, (req) => {
      const params = req.params as ElicitRequestFormParams;
      asked.push(params);
      return reply(params);
    });
    await client.connect(serveStdio(home.home));
  }, 240_000);
  afterAll(async () => {
    await client?.close();
    home?.cleanup();
    if (base) rmSync(base, { recursive: true, force: true });
  });

  it('an ungranted folder raises an elicitation; "once" lets that call finish and the next call asks again', async () => {
    reply = () => ({ action: 'accept', content: { allow: 'once' } });
    const first = await client.callTool({ name: 'read-file', arguments: { path: `${base}/notes/todo.txt` } });
    expect(first.isError, resultText(first)).toBeFalsy();
    expect(resultText(first)).toBe('water the plants');
    expect(asked).toHaveLength(1);
    expect(asked[0].message).toContain(
      `Weld is holding a call of read-file from notes-app: read-file wants to read files in ${base}/notes`,
    );
    expect(asked[0].message).toContain('Risk: medium.');

    // Once was for that call: the next one asks again, and this time the person declines.
    reply = () => ({ action: 'decline' });
    const second = await client.callTool({ name: 'read-file', arguments: { path: `${base}/notes/todo.txt` } });
    expect(asked).toHaveLength(2);
    expect(second.isError).toBe(true);
    expect(resultText(second)).toMatch(/was denied by client:notes-app/);

    // Who answered, through which channel: the audit log, as `weld audit` shows it.
    const audit = (await weld('audit', '--json')).stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { actor: string; action: string; detail: Record<string, unknown> });
    const answers = audit.filter((e) => e.action === 'policy.decide');
    expect(answers.map((e) => [e.actor, e.detail.answer, e.detail.channel])).toEqual(
      expect.arrayContaining([
        ['client:notes-app', 'once', 'elicitation'],
        ['client:notes-app', 'deny', 'elicitation'],
      ]),
    );
    expect(audit).toContainEqual(
      expect.objectContaining({ action: 'settings.changed', detail: { client: 'notes-app', mayAsk: true } }),
    );
  });

  it('after untrust-prompts the client is not asked any more, and with nobody present the call is denied', async () => {
    expect((await weld('clients', 'untrust-prompts', 'notes-app')).stdout).toMatch(/no client is trusted to ask/);
    const before = asked.length;
    // Another folder: the denial above is remembered for notes/ by the running instance.
    const r = await client.callTool({ name: 'read-file', arguments: { path: `${base}/other/list.txt` } });
    expect(r.isError).toBe(true);
    expect(resultText(r)).toMatch(/no one is here to approve it/);
    expect(asked).toHaveLength(before);
  });
});
