import { describe, expect, it } from 'vitest';
import { EventBus } from '../events.js';
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
