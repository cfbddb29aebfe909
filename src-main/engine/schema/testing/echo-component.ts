import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { transpileBytes } from '@bytecodealliance/jco-transpile';
import { componentEmbed, componentNew, parse } from '@bytecodealliance/jco-transpile/wasm-tools';

// A real component for round-trip tests, built in milliseconds: a hand-written core module that
// forwards every export `echo-x` to the host import `host-x` with the same signature. A value
// therefore crosses jco's glue four times (export params lowered, import params lifted, import
// result lowered, export result lifted), so the tests check Weld's value mapping against the real
// canonical ABI rather than against assumptions about it.

export const ECHO_WIT = `package local:echo@0.1.0;

/// Shared types.
interface types {
  /// A point on the plane.
  record point {
    /// Horizontal position.
    x: s32,
    /// Vertical position.
    y: s32,
    label: string,
  }

  /// A shape to draw.
  variant shape {
    /// A circle of this radius.
    circle(f64),
    rect(point),
    dot,
  }

  enum color { red, green, dark-blue }

  flags perms { read, write, exec-all }

  record kebab-case-record { first-name: string, is-admin: bool }
}

/// Point search.
interface api {
  use types.{point};

  /// Returns the points nearest the origin.
  nearest: func(points: list<point>, limit: option<u32>) -> list<point>;
}

interface host-api {
  use types.{point};
  nearest: func(points: list<point>, limit: option<u32>) -> list<point>;
}

/// Echoes values through the host.
world echo {
  use types.{point, shape, color, perms, kebab-case-record};
  import host-api;
  export api;
  import host-u64: func(x: u64) -> u64;
  /// Returns its argument.
  export echo-u64: func(x: u64) -> u64;
  import host-s64: func(x: s64) -> s64;
  export echo-s64: func(x: s64) -> s64;
  import host-s8: func(x: s8) -> s8;
  export echo-s8: func(x: s8) -> s8;
  import host-char: func(c: char) -> char;
  export echo-char: func(c: char) -> char;
  import host-f64: func(x: f64) -> f64;
  export echo-f64: func(x: f64) -> f64;
  import host-point: func(p: point) -> point;
  export echo-point: func(p: point) -> point;
  import host-shape: func(s: shape) -> shape;
  export echo-shape: func(s: shape) -> shape;
  import host-color: func(c: color) -> color;
  export echo-color: func(c: color) -> color;
  import host-perms: func(p: perms) -> perms;
  export echo-perms: func(p: perms) -> perms;
  import host-kebab: func(r: kebab-case-record) -> kebab-case-record;
  export echo-kebab: func(r: kebab-case-record) -> kebab-case-record;
  import host-opt: func(o: option<option<string>>) -> option<option<string>>;
  export echo-opt: func(o: option<option<string>>) -> option<option<string>>;
  import host-bytes: func(b: list<u8>) -> list<u8>;
  export echo-bytes: func(b: list<u8>) -> list<u8>;
  import host-tuple: func(t: tuple<u8, string>) -> tuple<u8, string>;
  export echo-tuple: func(t: tuple<u8, string>) -> tuple<u8, string>;
  import host-result: func(r: result<u32, string>) -> result<u32, string>;
  export echo-result: func(r: result<u32, string>) -> result<u32, string>;
  import host-divide: func(a: s32, b: s32) -> result<s32, string>;
  /// Divides a by b.
  export divide: func(a: s32, b: s32) -> result<s32, string>;
  import host-log: func(msg: string);
  export log: func(msg: string);
  /// Always traps.
  export crash: func();
}
`;

type Core = 'i32' | 'i64' | 'f64';
/** [core import module, import name, export name, flattened params, flat result or 'ret' (through memory)] */
const FORWARDS: [string, string, string, Core[], Core | 'ret' | null][] = [
  ['$root', 'host-u64', 'echo-u64', ['i64'], 'i64'],
  ['$root', 'host-s64', 'echo-s64', ['i64'], 'i64'],
  ['$root', 'host-s8', 'echo-s8', ['i32'], 'i32'],
  ['$root', 'host-char', 'echo-char', ['i32'], 'i32'],
  ['$root', 'host-f64', 'echo-f64', ['f64'], 'f64'],
  ['$root', 'host-point', 'echo-point', ['i32', 'i32', 'i32', 'i32'], 'ret'],
  ['$root', 'host-shape', 'echo-shape', ['i32', 'i64', 'i32', 'i32', 'i32'], 'ret'],
  ['$root', 'host-color', 'echo-color', ['i32'], 'i32'],
  ['$root', 'host-perms', 'echo-perms', ['i32'], 'i32'],
  ['$root', 'host-kebab', 'echo-kebab', ['i32', 'i32', 'i32'], 'ret'],
  ['$root', 'host-opt', 'echo-opt', ['i32', 'i32', 'i32', 'i32'], 'ret'],
  ['$root', 'host-bytes', 'echo-bytes', ['i32', 'i32'], 'ret'],
  ['$root', 'host-tuple', 'echo-tuple', ['i32', 'i32', 'i32'], 'ret'],
  ['$root', 'host-result', 'echo-result', ['i32', 'i32', 'i32'], 'ret'],
  ['$root', 'host-divide', 'divide', ['i32', 'i32'], 'ret'],
  ['$root', 'host-log', 'log', ['i32', 'i32'], null],
  ['local:echo/host-api@0.1.0', 'nearest', 'local:echo/api@0.1.0#nearest', ['i32', 'i32', 'i32', 'i32'], 'ret'],
];

function coreModule(): string {
  let imports = '';
  let funcs = '';
  FORWARDS.forEach(([mod, imp, exp, params, result], i) => {
    const p = params.map((t) => `(param ${t})`).join(' ');
    const args = params.map((_, j) => `local.get ${j}`).join(' ');
    if (result === 'ret') {
      // Lowered imports write multi-value results to a caller-given area; lifted exports return its address.
      imports += `(import "${mod}" "${imp}" (func $h${i} ${p} (param i32)))\n`;
      funcs += `(func (export "${exp}") ${p} (result i32) ${args} i32.const 16 call $h${i} i32.const 16)\n`;
    } else {
      const res = result ? `(result ${result})` : '';
      imports += `(import "${mod}" "${imp}" (func $h${i} ${p} ${res}))\n`;
      funcs += `(func (export "${exp}") ${p} ${res} ${args} call $h${i})\n`;
    }
  });
  return `(module
${imports}
(memory (export "memory") 1)
(global $next (mut i32) (i32.const 1024))
;; A bump allocator: the host lowers strings and lists through it.
(func (export "cabi_realloc") (param $old i32) (param $oldsz i32) (param $align i32) (param $size i32) (result i32)
  (local $p i32)
  global.get $next local.get $align i32.add i32.const 1 i32.sub i32.const 0 local.get $align i32.sub i32.and local.set $p
  local.get $p local.get $size i32.add global.set $next
  (block (loop global.get $next memory.size i32.const 16 i32.shl i32.le_u br_if 1 i32.const 1 memory.grow drop br 0))
  (if (local.get $old) (then local.get $p local.get $old local.get $oldsz memory.copy))
  local.get $p)
(func (export "crash") unreachable)
${funcs})`;
}

let built: Promise<Uint8Array> | undefined;

export function echoComponent(): Promise<Uint8Array> {
  built ??= (async () => {
    const embedded = await componentEmbed({ binary: await parse(coreModule()), witSource: ECHO_WIT, world: 'echo' });
    return componentNew(embedded);
  })();
  return built;
}

/** Host side of the echo: identity, except that a result is returned or thrown the way jco expects. */
export function echoHost(log: string[] = []) {
  const id = <T>(x: T): T => x;
  const root: Record<string, { default: (...a: never[]) => unknown }> = {};
  for (const [mod, name] of FORWARDS) if (mod === '$root') root[name] = { default: id };
  root['host-result'] = {
    default: (r: { tag: 'ok' | 'err'; val: unknown }) => {
      if (r.tag === 'err') throw r.val;
      return r.val;
    },
  };
  root['host-divide'] = {
    default: (a: number, b: number) => {
      if (b === 0) throw 'division by zero';
      return Math.trunc(a / b);
    },
  };
  root['host-log'] = { default: (msg: string) => void log.push(msg) };
  const hostApi = {
    nearest: (points: { x: number; y: number }[], limit: number | undefined) =>
      [...points].sort((a, b) => a.x * a.x + a.y * a.y - (b.x * b.x + b.y * b.y)).slice(0, limit ?? points.length),
  };
  // jco 1.x glue looks interface imports up without their version.
  return { ...root, 'local:echo/host-api': hostApi, 'local:echo/host-api@0.1.0': hostApi };
}

/** Transpiles `bytes` with the same options as the Weld runtime and instantiates it with `imports`. */
export async function instantiateTranspiled(bytes: Uint8Array, imports: object): Promise<Record<string, unknown>> {
  const { files } = await transpileBytes(bytes, { name: 'component', instantiation: 'async' });
  const dir = mkdtempSync(join(tmpdir(), 'weld-schema-'));
  try {
    for (const [name, data] of Object.entries(files)) {
      const path = join(dir, name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, data);
    }
    const glue = (await import(pathToFileURL(join(dir, 'component.js')).href)) as {
      instantiate(get: (p: string) => Promise<WebAssembly.Module>, imports: object): Promise<Record<string, unknown>>;
    };
    return await glue.instantiate((p) => WebAssembly.compile(files[p] as Uint8Array<ArrayBuffer>), imports);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
