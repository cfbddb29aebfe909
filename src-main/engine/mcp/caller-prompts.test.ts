import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { type ElicitRequestFormParams, ElicitRequestSchema, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { resultText, sampleComponent, tempHome } from '../../../test/helpers.js';
import { silentLogger } from '../log.js';
import type { PendingRequest } from '../policy/index.js';
import { createWeld, type Weld } from '../weld.js';
import { setPromptClient } from './prompt-clients.js';
import { textResult } from './tool-table.js';
import { type Endpoints, startEndpoints } from './transports/endpoints.js';

interface Asked {
  params: ElicitRequestFormParams;
  answer(result: ElicitResult): void;
}

/**
 * A real engine with one in-process tool, `touch`, whose call needs `api.github.com:443` for the
 * component fetch-notes (nothing granted): the held request goes through the same policy path as a
 * component's. Clients are the SDK's own, connected in memory.
 */
async function world(opts: { requestTimeoutMs?: number } = {}) {
  const home = tempHome();
  const warnings: string[] = [];
  const logger = { ...silentLogger, warn: (msg: string) => void warnings.push(msg) };
  const weld = await createWeld({ home: home.home, logger, requestTimeoutMs: opts.requestTimeoutMs ?? 30_000 });
  weld.store.components.put(sampleComponent());
  weld.tools.add([
    {
      name: 'touch',
      description: 'Connects to api.github.com for fetch-notes',
      inputSchema: { type: 'object' },
      componentId: 'fetch-notes',
      async invoke(_args, ctx) {
        const v = await weld.policy.request({
          componentId: 'fetch-notes',
          callId: ctx.callId,
          kind: 'network',
          target: 'api.github.com:443',
          access: '',
        });
        return textResult(v.decision === 'allowed' ? `allowed: ${v.rule}` : `denied: ${v.decision === 'denied' ? v.reason : ''}`);
      },
    },
  ]);
  const clients: Client[] = [];
  let endpoints: Endpoints | undefined;
  /** An SDK client (in memory, or over Streamable HTTP); with `elicitation` it declares form elicitation and queues what it is asked. */
  async function connect(name: string, elicitation: boolean, via: 'memory' | 'http' = 'memory') {
    const asked: Asked[] = [];
    let clientSide: Transport;
    if (via === 'http') {
      endpoints ??= await startEndpoints(weld, { http: 0 });
      clientSide = new StreamableHTTPClientTransport(new URL(endpoints.httpUrl as string), {
        requestInit: { headers: { Authorization: `Bearer ${endpoints.token}` } },
      });
    } else {
      const [c, serverSide] = InMemoryTransport.createLinkedPair();
      await weld.createMcpServer().connect(serverSide);
      clientSide = c;
    }
    const client = new Client({ name, version: '1.0.0' }, { capabilities: elicitation ? { elicitation: { form: {} } } : {} });
    if (elicitation) {
      client.setRequestHandler(
        ElicitRequestSchema,
        (req) => new Promise<ElicitResult>((answer) => asked.push({ params: req.params as ElicitRequestFormParams, answer })),
      );
    }
    await client.connect(clientSide);
    clients.push(client);
    return { client, asked, call: () => client.callTool({ name: 'touch', arguments: {} }) };
  }
  return {
    weld,
    warnings,
    connect,
    trust: (name: string) => setPromptClient(weld.store, name, true, 'user:test'),
    async close() {
      for (const c of clients) await c.close();
      await endpoints?.close();
      await weld.stop();
      home.cleanup();
    },
  };
}

let w: Awaited<ReturnType<typeof world>> | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

async function waitFor<T>(get: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = get();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const pending = (weld: Weld): Promise<PendingRequest> => waitFor(() => weld.policy.pending()[0], 'a pending request');
const auditOf = (weld: Weld, action: string) => {
  weld.store.recorder.flush();
  return weld.store.audit.search().filter((e) => e.action === action);
};

describe('permission prompts through MCP elicitation', { timeout: 30_000 }, () => {
  it('asks the trusted client that made the call, in the Requests page words, and its "once" lets that call finish', async () => {
    w = await world();
    w.trust('claude-ai');
    const c = await w.connect('claude-ai', true);
    const call = c.call();
    const asked = await waitFor(() => c.asked[0], 'an elicitation');
    expect(asked.params.message).toContain('Weld is holding a call of touch from claude-ai');
    expect(asked.params.message).toContain('fetch-notes wants to connect to api.github.com on port 443');
    expect(asked.params.message).toContain('Risk: medium. Component: fetch-notes. Request: network api.github.com:443.');
    // Once or session, never always: permanent grants are made in Weld itself.
    const allow = asked.params.requestedSchema.properties.allow as { oneOf: { const: string }[] };
    expect(allow.oneOf.map((o) => o.const)).toEqual(['once', 'session']);
    asked.answer({ action: 'accept', content: { allow: 'once' } });
    expect(resultText(await call)).toMatch(/^allowed: once grant by client:claude-ai/);
    expect(auditOf(w.weld, 'policy.decide')).toContainEqual(
      expect.objectContaining({
        actor: 'client:claude-ai',
        detail: expect.objectContaining({ answer: 'once', channel: 'elicitation' }),
      }),
    );
    // Once means this call: the next one asks again.
    const next = c.call();
    const again = await waitFor(() => c.asked[1], 'a second elicitation');
    again.answer({ action: 'accept', content: { allow: 'session' } });
    expect(resultText(await next)).toMatch(/^allowed: session grant by client:claude-ai/);
  });

  it('over Streamable HTTP the question travels with the held call, and the answer comes back as a POST', async () => {
    w = await world();
    w.trust('claude-ai');
    const c = await w.connect('claude-ai', true, 'http');
    const call = c.call();
    (await waitFor(() => c.asked[0], 'an elicitation')).answer({ action: 'accept', content: { allow: 'once' } });
    expect(resultText(await call)).toMatch(/^allowed: once grant by client:claude-ai/);
  });

  it('a decline leaves the request open in the window, where the person can still allow it', async () => {
    w = await world();
    w.trust('claude-ai');
    const undo = w.weld.policy.addDecider('test-window');
    const c = await w.connect('claude-ai', true);
    const call = c.call();
    (await waitFor(() => c.asked[0], 'an elicitation')).answer({ action: 'decline' });
    await waitFor(() => auditOf(w?.weld as Weld, 'policy.prompt-declined')[0], 'the decline in the audit log');
    const req = await pending(w.weld);
    expect(req.status).toBe('pending');
    w.weld.policy.decide(req.id, 'once', 'user:desktop', 'window');
    expect(resultText(await call)).toMatch(/^allowed: once grant by user:desktop/);
    undo();
  });

  it('a decline with nobody else to ask denies the call at once, recorded as the client answering', async () => {
    w = await world();
    w.trust('claude-ai');
    const c = await w.connect('claude-ai', true);
    const call = c.call();
    (await waitFor(() => c.asked[0], 'an elicitation')).answer({ action: 'decline' });
    expect(resultText(await call)).toMatch(/^denied: network api\.github\.com:443 was denied by client:claude-ai/);
    expect(auditOf(w.weld, 'policy.decide')[0]).toMatchObject({
      actor: 'client:claude-ai',
      detail: { answer: 'deny', channel: 'elicitation' },
    });
  });

  it('a cancel, or no answer at all, leaves the request open until it expires', async () => {
    w = await world({ requestTimeoutMs: 1500 });
    w.trust('claude-ai');
    const undo = w.weld.policy.addDecider('test-window');
    const c = await w.connect('claude-ai', true);
    const cancelled = c.call();
    (await waitFor(() => c.asked[0], 'an elicitation')).answer({ action: 'cancel' });
    await waitFor(() => auditOf(w?.weld as Weld, 'policy.prompt-declined')[0], 'the cancel in the audit log');
    expect((await pending(w.weld)).status).toBe('pending');
    expect(resultText(await cancelled)).toMatch(/not granted: no answer within 2 s/);
    // The client never answers: the request expires as it would with only the window open.
    const silent = c.call();
    await waitFor(() => c.asked[1], 'a second elicitation');
    expect(resultText(await silent)).toMatch(/not granted: no answer within 2 s/);
    expect(w.weld.policy.pending()).toEqual([]);
    undo();
  });

  it('an accept without a choice of once or session grants nothing and leaves the request open', async () => {
    w = await world();
    w.trust('claude-ai');
    const c = await w.connect('claude-ai', true);
    const call = c.call();
    (await waitFor(() => c.asked[0], 'an elicitation')).answer({ action: 'accept' });
    await waitFor(() => w?.warnings.find((m) => m.includes('without a choice')), 'the answer to be refused');
    const req = await pending(w.weld);
    w.weld.policy.decide(req.id, 'deny', 'user:desktop', 'window');
    expect(resultText(await call)).toMatch(/was denied by user:desktop/);
    expect(auditOf(w.weld, 'policy.decide').map((e) => e.actor)).toEqual(['user:desktop']);
  });

  it('a client that is not trusted to ask is never sent an elicitation, and with nobody present the call is denied', async () => {
    w = await world();
    w.trust('some-other-client');
    const c = await w.connect('cursor', true);
    expect(resultText(await c.call())).toMatch(
      /no one is here to approve it \(no Weld window or prompt is open; cursor could ask you itself after `weld clients trust-prompts cursor`\)/,
    );
    expect(c.asked).toEqual([]);
  });

  it('with two trusted clients connected, only the one that made the call is asked', async () => {
    w = await world();
    w.trust('claude-ai');
    w.trust('vscode');
    const a = await w.connect('claude-ai', true);
    const b = await w.connect('vscode', true);
    const call = b.call();
    (await waitFor(() => b.asked[0], 'an elicitation to the caller')).answer({ action: 'accept', content: { allow: 'once' } });
    expect(resultText(await call)).toMatch(/by client:vscode/);
    expect(a.asked).toEqual([]);
  });

  it('an answer that arrives after the person answered in the window is ignored and audited as late', async () => {
    w = await world();
    w.trust('claude-ai');
    const undo = w.weld.policy.addDecider('test-window');
    const c = await w.connect('claude-ai', true);
    const call = c.call();
    const asked = await waitFor(() => c.asked[0], 'an elicitation');
    const req = await pending(w.weld);
    w.weld.policy.decide(req.id, 'deny', 'user:desktop', 'window');
    expect(resultText(await call)).toMatch(/was denied by user:desktop/);
    asked.answer({ action: 'accept', content: { allow: 'session' } });
    const late = await waitFor(() => auditOf(w?.weld as Weld, 'policy.late-answer')[0], 'the late answer in the audit log');
    expect(late).toMatchObject({
      actor: 'client:claude-ai',
      detail: { requestId: req.id, channel: 'elicitation', answer: 'session', decidedBy: 'user:desktop', status: 'denied' },
    });
    expect(w.weld.policy.grants('fetch-notes')).toEqual([]);
    undo();
  });

  it('a grant the model asks for through MCP is never confirmed by elicitation: it waits for a person in Weld', async () => {
    w = await world();
    w.trust('claude-ai');
    const c = await w.connect('claude-ai', true);
    const r = await c.client.callTool({
      name: 'grant-network-permission',
      arguments: { component_id: 'fetch-notes', details: { host: 'api.github.com' } },
    });
    expect(r.isError).toBeFalsy();
    expect(w.weld.policy.pending()).toHaveLength(1);
    expect(c.asked).toEqual([]);
  });
});
