import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { type LoggingMessageNotification, LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveStdio, tempHome } from '../helpers.js';
import { installHostileWithCli } from '../security/hostile-engine.js';

// The guest asks for OPENWEATHER_API_KEY the way Wassette's get-weather does; nobody set it. Making a
// 50 MiB string takes the guest a while on a busy 2-core machine, hence the long timeout.
const POLICY = `version: "1.0"
permissions:
  environment:
    allow:
      - key: OPENWEATHER_API_KEY
  resources:
    limits:
      timeout: 5m
`;

/**
 * Tool results as the official SDK client sees them through `weld serve --stdio`: a trap says what the
 * guest printed, and a huge result is refused with a clear error while the client stays connected.
 */
describe('tool results seen by the SDK client', { timeout: 600_000 }, () => {
  let home: ReturnType<typeof tempHome>;
  let client: Client;
  let closed = false;
  const logged: LoggingMessageNotification['params'][] = [];

  beforeAll(async () => {
    home = tempHome();
    await installHostileWithCli(home.home, POLICY);
    const transport = serveStdio(home.home);
    // Weld's own log lines go to this pipe: read them, or a full pipe would stall the server.
    transport.stderr?.on('data', () => {});
    client = new Client({ name: 'results-test', version: '1.0.0' });
    client.onclose = () => {
      closed = true;
    };
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      logged.push(n.params);
    });
    await client.connect(transport);
    // Building the fixture (once per source hash) takes minutes when every core is busy.
  }, 420_000);
  afterAll(async () => {
    await client?.close();
    home?.cleanup();
  });

  const call = (name: string, args: Record<string, unknown> = {}) =>
    client.callTool({ name, arguments: args }, undefined, { timeout: 300_000 });
  const textOf = (r: Awaited<ReturnType<typeof call>>) => (r.content as { text: string }[]).map((c) => c.text).join('\n');

  it('a trap returns the guest message from stderr and says how to provide the missing key', async () => {
    const r = await call('fail-loudly', { message: 'expected a string, received [object]' });
    expect(r.isError).toBe(true);
    const text = textOf(r);
    expect(text).toMatch(/^The component failed: /);
    expect(text).toContain(
      "The component's last output on stderr:\nstarting the risky part\nexpected a string, received [object]",
    );
    expect(text).toContain('Not set for this component: OPENWEATHER_API_KEY');
    expect(text).toContain('weld secret set hostile OPENWEATHER_API_KEY');
    expect(textOf(await call('ok'))).toBe('ok');
  });

  it('sends the guest stderr of a call to the client as log messages, at the level it chose', async () => {
    logged.length = 0;
    await client.setLoggingLevel('info');
    await call('fail-loudly', { message: 'first run' });
    // Notifications come before the result on the same stream, so they are all here now.
    // Then the exception and its stack, as the guest's runtime printed them.
    expect(logged.slice(0, 3)).toEqual([
      { level: 'info', logger: 'hostile', data: 'starting the risky part' },
      { level: 'info', logger: 'hostile', data: 'first run' },
      { level: 'info', logger: 'hostile', data: 'gave up: first run' },
    ]);
    logged.length = 0;
    await client.setLoggingLevel('error');
    await call('fail-loudly', { message: 'second run' });
    expect(logged).toEqual([]);
    await client.setLoggingLevel('info');
  });

  it('returns a plain string once, without structuredContent or an outputSchema', async () => {
    const r = await call('big-result', { mib: 1 });
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toBeUndefined();
    expect(r.content).toHaveLength(1);
    expect(textOf(r)).toHaveLength(1024 * 1024);
    const { tools } = await client.listTools();
    expect(tools.find((t) => t.name === 'big-result')?.outputSchema).toBeUndefined();
  });

  it.each([5, 50])(
    'a %i MiB result is refused with a clear error, and the client stays connected for its next call',
    async (mib) => {
      const r = await call('big-result', { mib });
      expect(r.isError).toBe(true);
      expect(textOf(r)).toMatch(new RegExp(`^The result was ${mib}\\.0 MiB, over the 4 MiB limit for one tool result`));
      expect(textOf(r)).toContain('resources.limits.result');
      expect(closed).toBe(false);
      expect(textOf(await call('ok'))).toBe('ok');
    },
  );
});
