import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempHome } from '../../../test/helpers.js';
import { EventBus } from '../events.js';
import { openStore } from '../store/index.js';
import type { Recorder } from '../store/recorder.js';
import { createDispatcher } from './dispatch.js';
import { ToolTable, textResult } from './tool-table.js';

const recorder = {
  call: async () => {},
  capability: async () => {},
  audit: async () => {},
  admit: () => undefined,
} as unknown as Recorder;

function dispatcher() {
  const tools = new ToolTable();
  tools.add([
    {
      name: 'now',
      description: 'time',
      inputSchema: {
        type: 'object',
        properties: {
          offset: { anyOf: [{ type: 'integer', minimum: -720, maximum: 840 }, { type: 'null' }] },
          label: { type: 'string' },
        },
        required: ['offset'],
        additionalProperties: false,
      },
      componentId: null,
      invoke: async (args) => textResult(JSON.stringify(args)),
    },
  ]);
  return createDispatcher({ tools, events: new EventBus(), recorder });
}

describe('argument validation messages', () => {
  const call = (args: unknown) => dispatcher().call({ tool: 'now', args, client: null });

  it('names the field and the types an optional value accepts, once', async () => {
    await expect(call({ offset: 'x' })).rejects.toThrow(
      /^Invalid arguments for tool "now": field "offset" must be integer or null$/,
    );
  });

  it('names missing, unknown and out-of-range fields', async () => {
    await expect(call({})).rejects.toThrow(/missing required field "offset"/);
    await expect(call({ offset: 1, colour: 'red' })).rejects.toThrow(/unknown field "colour"/);
    await expect(call({ offset: 9999 })).rejects.toThrow(/field "offset" must be <= 840 or null/);
  });

  it('passes valid arguments through unchanged', async () => {
    const r = await call({ offset: null, label: 'x' });
    expect(r.content[0].text).toBe('{"offset":null,"label":"x"}');
  });
});

describe('calls refused by argument validation', () => {
  it('are in the call log with status invalid, the reason and the masked arguments', async () => {
    const { home, cleanup } = tempHome('weld-invalid-');
    const store = openStore(join(home, 'weld.db'));
    try {
      const tools = new ToolTable();
      tools.add([
        {
          name: 'login',
          description: 'log in',
          inputSchema: {
            type: 'object',
            properties: { user: { type: 'string' }, password: { type: 'string' } },
            required: ['user'],
          },
          componentId: null,
          invoke: async () => textResult('ok'),
        },
      ]);
      const events = new EventBus();
      const finished: string[] = [];
      events.on('call.finished', (e) => finished.push(e.status));
      const d = createDispatcher({ tools, events, recorder: store.recorder });
      await expect(d.call({ tool: 'login', args: { password: 'hunter2' }, client: 'claude-ai' })).rejects.toThrow(
        /missing required field "user"/,
      );
      const [row] = store.calls.list({ status: 'invalid' });
      expect(row).toMatchObject({ tool: 'login', client: 'claude-ai', status: 'invalid' });
      expect(row.error).toMatch(/missing required field "user"/);
      expect(JSON.stringify(row)).not.toContain('hunter2');
      expect(finished).toEqual(['invalid']);
    } finally {
      store.close();
      cleanup();
    }
  });
});
