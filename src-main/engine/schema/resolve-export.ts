import { jsName } from './jco-names.js';
import { type ExportedFunction, exportPath } from './wit-type.js';

type GuestFunction = (...args: unknown[]) => unknown;

function looseKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** `obj[name]`, else the one key that equals it ignoring case and punctuation (jco suffixes names that clash with JS keywords). */
function lookup(obj: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(obj, name)) return obj[name];
  const want = looseKey(name);
  const matches = Object.keys(obj).filter((k) => looseKey(k) === want);
  return matches.length === 1 ? obj[matches[0]!] : undefined;
}

/**
 * The glue function for `fn` in what jco's `instantiate()` returned: world functions are camelCase
 * properties; an interface's functions sit in an object under its full name (`ns:pkg/iface@1.0.0`)
 * and, in current jco, also under its short camelCase name.
 */
export function resolveExport(moduleExports: Record<string, unknown>, fn: ExportedFunction): GuestFunction {
  let container: unknown = moduleExports;
  if (fn.interface !== null) {
    const unversioned = fn.interface.replace(/@[^@/]*$/, '');
    const short = unversioned.slice(unversioned.lastIndexOf('/') + 1).replace(/^[^:]*:/, '');
    container = moduleExports[fn.interface] ?? moduleExports[unversioned] ?? lookup(moduleExports, jsName(short));
    if (typeof container !== 'object' || container === null) {
      throw new Error(`the component's bindings have no interface ${fn.interface}`);
    }
  }
  const f = lookup(container as Record<string, unknown>, jsName(fn.name));
  if (typeof f !== 'function') throw new Error(`the component's bindings have no function ${exportPath(fn)}`);
  return f as GuestFunction;
}
