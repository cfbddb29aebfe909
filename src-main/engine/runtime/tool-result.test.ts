import { describe, expect, it } from 'vitest';
import type { ExportedFunction, WitType } from '../schema/index.js';
import type { CallOutcome } from './instance.js';
import { stderrTail, TEXT_RENDERING_BYTES, toToolResult } from './tool-result.js';

const fn = (result: WitType | null): ExportedFunction => ({ interface: null, name: 'f', params: [], result, docs: '' });
const ok = (value: unknown): CallOutcome => ({ outcome: { kind: 'ok', value }, stdout: '', stderr: '', dropped: 0 });
const ctx = { componentId: 'weather', requestedKeys: [], providedKeys: [] };
const list: WitType = { kind: 'list', element: { kind: 'string' } };

describe('tool results', () => {
  it('sends a structured result once as structuredContent, with its JSON as text cut at 32 KiB', () => {
    const small = toToolResult(ok(['a', 'b']), fn(list), ctx);
    expect(small).toEqual({ content: [{ type: 'text', text: '["a","b"]' }], structuredContent: { result: ['a', 'b'] } });
    const many = Array.from({ length: 20_000 }, (_, i) => `item ${i}`);
    const big = toToolResult(ok(many), fn(list), ctx);
    expect(big.structuredContent).toEqual({ result: many });
    const text = big.content[0]!.text;
    expect(text.length).toBeLessThan(TEXT_RENDERING_BYTES + 200);
    expect(text).toMatch(/\n\[\.\.\. cut at 32 KiB of \d+\.\d KiB of JSON: structuredContent has the whole result\]$/);
  });

  it('refuses a result over the limit with its size and how to raise the limit', () => {
    const r = toToolResult(ok('x'.repeat(3000)), fn({ kind: 'string' }), { ...ctx, resultBytes: 2048 });
    expect(r.isError).toBe(true);
    expect(r.content[0]!.text).toMatch(/^The result was 2\.9 KiB, over the 2 KiB limit for one tool result/);
    expect(r.content[0]!.text).toContain('resources.limits.result');
  });

  it("names the keys a failed call's component asks for and nobody set, with the command that sets each", () => {
    const failed: CallOutcome = {
      outcome: { kind: 'error', payload: 'OPENWEATHER_API_KEY is not set' },
      stdout: '',
      stderr: '',
      dropped: 0,
    };
    const r = toToolResult(failed, fn({ kind: 'result', ok: { kind: 'string' }, err: { kind: 'string' } }), {
      componentId: 'weather',
      requestedKeys: ['OPENWEATHER_API_KEY', 'UNITS'],
      providedKeys: ['UNITS'],
    });
    expect(r.content[0]!.text).toBe(
      [
        'OPENWEATHER_API_KEY is not set',
        '',
        'Not set for this component: OPENWEATHER_API_KEY. It may have failed for want of it. A person can provide it with:',
        '  weld secret set weather OPENWEATHER_API_KEY',
        '(a key also needs a grant: `weld grant weather env KEY`, or in the Weld app).',
      ].join('\n'),
    );
  });

  it('quotes at most the last 20 lines and 4 KiB of stderr', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n');
    expect(stderrTail(lines).split('\n')).toEqual(['...', ...Array.from({ length: 20 }, (_, i) => `line ${i + 80}`)]);
    const long = stderrTail('y'.repeat(10_000));
    expect(long).toHaveLength(4 * 1024 + 3);
    expect(stderrTail('  \n')).toBe('');
  });

  it("leaves out the line SpiderMonkey prints on every trap, keeping the guest's own message", () => {
    const printed =
      'expected a string, received [object]\nStack:\n  f@initializer.js:1:1\n\nRedirecting call to abort() to mozalloc_abort\n';
    expect(stderrTail(printed)).toBe('expected a string, received [object]\nStack:\n  f@initializer.js:1:1');
    expect(stderrTail('Redirecting call to abort() to mozalloc_abort\n')).toBe('');
  });
});
