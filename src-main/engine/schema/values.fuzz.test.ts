import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArgumentError, fromGuest, toGuest } from './values.js';
import { PRIMITIVES, type PrimitiveKind, type WitType } from './wit-type.js';

// Bounded so `npm test` stays quick; fast-check prints the seed of any failure, which replays it.
const RUNS = { numRuns: 100 };

const kebab = fc.stringMatching(/^[a-z][a-z0-9]{0,6}(-[a-z][a-z0-9]{0,4}){0,2}$/);
/** Distinct kebab names that also stay distinct as jco's camelCase names. */
const names = (min: number) =>
  fc.uniqueArray(kebab, { minLength: min, maxLength: 4, selector: (n) => n.replaceAll('-', '').toLowerCase() });

const witType: fc.Arbitrary<WitType> = fc.letrec<{ t: WitType }>((tie) => ({
  t: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...([...PRIMITIVES] as PrimitiveKind[])).map((kind) => ({ kind }) as WitType),
    tie('t').map((element) => ({ kind: 'list', element }) as WitType),
    fc.constant({ kind: 'list', element: { kind: 'u8' } } as WitType),
    tie('t').map((some) => ({ kind: 'option', some }) as WitType),
    fc
      .record({ ok: fc.option(tie('t')), err: fc.option(tie('t')) })
      .map(({ ok, err }) => ({ kind: 'result', ok, err }) as WitType),
    fc.array(tie('t'), { minLength: 1, maxLength: 3 }).map((items) => ({ kind: 'tuple', items }) as WitType),
    names(1).chain((ns) =>
      fc
        .tuple(...ns.map(() => tie('t')))
        .map((ts) => ({ kind: 'record', fields: ns.map((name, i) => ({ name, type: ts[i] })) }) as WitType),
    ),
    names(1).chain((ns) =>
      fc
        .tuple(...ns.map(() => fc.option(tie('t'))))
        .map((ts) => ({ kind: 'variant', cases: ns.map((name, i) => ({ name, type: ts[i] })) }) as WitType),
    ),
    names(1).map((ns) => ({ kind: 'enum', cases: ns.map((name) => ({ name })) }) as WitType),
    names(0).map((ns) => ({ kind: 'flags', flags: ns.map((name) => ({ name })) }) as WitType),
  ),
})).t;

/** A JSON value that fits `t`, in the form a client sends it (and fromGuest gives back). */
function fitting(t: WitType): fc.Arbitrary<unknown> {
  switch (t.kind) {
    case 'bool':
      return fc.boolean();
    case 'u8':
      return fc.integer({ min: 0, max: 255 });
    case 'u16':
      return fc.integer({ min: 0, max: 65535 });
    case 'u32':
      return fc.integer({ min: 0, max: 4294967295 });
    case 's8':
      return fc.integer({ min: -128, max: 127 });
    case 's16':
      return fc.integer({ min: -32768, max: 32767 });
    case 's32':
      return fc.integer({ min: -2147483648, max: 2147483647 });
    case 'u64':
    case 's64': {
      const [min, max] = t.kind === 'u64' ? [0n, 2n ** 64n - 1n] : [-(2n ** 63n), 2n ** 63n - 1n];
      return fc
        .bigInt({ min, max })
        .map((n) => (n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString()));
    }
    case 'f32':
    case 'f64':
      // Arguments are plain numbers ({"type":"number"}); only results spell non-finite values as strings.
      return fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0));
    case 'char':
      return fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 });
    case 'string':
      return fc.string({ unit: 'binary', maxLength: 20 });
    case 'list':
      if (t.element.kind === 'u8') return fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b).toString('base64'));
      return fc.array(fitting(t.element), { maxLength: 3 });
    case 'option':
      // An option of an option is spelled with tags, so `null` and "some null" stay apart.
      if (t.some.kind === 'option')
        return fc.oneof(
          fc.constant({ tag: 'none' }),
          fitting(t.some).map((val) => ({ tag: 'some', val })),
        );
      return fc.oneof(fc.constant(null), fitting(t.some));
    case 'result':
      return fc.oneof(
        (t.ok ? fitting(t.ok) : fc.constant(null)).map((ok) => ({ ok })),
        (t.err ? fitting(t.err) : fc.constant(null)).map((err) => ({ err })),
      );
    case 'tuple':
      return fc.tuple(...t.items.map(fitting));
    case 'record':
      return fc
        .tuple(...t.fields.map((f) => fitting(f.type)))
        .map((vs) => Object.fromEntries(t.fields.map((f, i) => [f.name, vs[i]])));
    case 'variant':
      return fc.oneof(
        ...t.cases.map((c) => (c.type ? fitting(c.type).map((val) => ({ tag: c.name, val })) : fc.constant({ tag: c.name }))),
      );
    case 'enum':
      return fc.constantFrom(...t.cases.map((c) => c.name));
    case 'flags':
      return fc.subarray(t.flags.map((f) => f.name));
    case 'unsupported':
      return fc.constant(null);
  }
}

/** Any JSON a client could send, including the shapes the mapper looks for, wrongly filled. */
const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.record({ tag: fc.oneof(kebab, fc.jsonValue({ maxDepth: 1 })), val: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: [] }),
  fc.record({ ok: fc.jsonValue({ maxDepth: 2 }), err: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: [] }),
  fc.constantFrom('NaN', '-0', '00', '1e3', '18446744073709551616', '-9223372036854775809', '====', '\ud800', '__proto__'),
  fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'toString', 'tag', 'val'), fc.jsonValue({ maxDepth: 1 })),
);

describe('argument mapper under random types and values', { timeout: 120_000 }, () => {
  it('maps every value that fits its type, and maps it back to the same JSON', () => {
    fc.assert(
      fc.property(
        witType.chain((t) => fc.tuple(fc.constant(t), fitting(t))),
        ([t, v]) => {
          const guest = toGuest(t, v, 'arg');
          expect(fromGuest(t, guest)).toEqual(v);
        },
      ),
      RUNS,
    );
  });

  it('refuses anything else with an ArgumentError naming the path, never another error or a stack', () => {
    fc.assert(
      fc.property(witType, hostileJson, (t, v) => {
        try {
          toGuest(t, v, 'arg');
        } catch (err) {
          expect(err).toBeInstanceOf(ArgumentError);
          const message = (err as Error).message;
          expect(message.startsWith('arg')).toBe(true);
          expect(message).not.toMatch(/\n\s+at |\.[jt]s:\d+/);
          expect(message.length).toBeLessThan(2048);
        }
      }),
      RUNS,
    );
  });

  it('refuses a 64-bit integer spelled with a million digits at once, without parsing it', () => {
    const started = performance.now();
    expect(() => toGuest({ kind: 'u64' }, '9'.repeat(1_000_000), 'n')).toThrow(ArgumentError);
    expect(() => toGuest({ kind: 's64' }, `-${'1'.repeat(1_000_000)}`, 'n')).toThrow(ArgumentError);
    // Parsing it as a BigInt took ~1 s here; a bounded check takes microseconds.
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('keeps an error about a huge property name short', () => {
    const t: WitType = { kind: 'record', fields: [{ name: 'a', type: { kind: 'bool' } }] };
    expect(() => toGuest(t, { a: true, ['x'.repeat(100_000)]: 1 }, 'arg')).toThrow(ArgumentError);
    try {
      toGuest(t, { a: true, ['x'.repeat(100_000)]: 1 }, 'arg');
    } catch (err) {
      expect((err as Error).message.length).toBeLessThan(300);
    }
  });
});
