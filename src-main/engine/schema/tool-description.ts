import { isOptional, successType } from './json-schema.js';
import type { ExportedFunction, WitType } from './wit-type.js';

// What a model reads about a tool whose WIT has no doc comment: the signature in words. It is made
// from the function alone (never from a file name or an install id), so `weld inspect`, `weld tools`,
// tools/list and the UI show the same text for the same component.

const INTEGER_WORDS: Record<string, string> = {
  u8: 'an integer from 0 to 255',
  u16: 'an integer from 0 to 65535',
  u32: 'an integer from 0 to 4294967295',
  u64: 'a non-negative integer (64-bit; as a decimal string above 2^53)',
  s8: 'an integer from -128 to 127',
  s16: 'an integer from -32768 to 32767',
  s32: 'an integer (32-bit)',
  s64: 'an integer (64-bit; as a decimal string beyond ±2^53)',
};

/** Lists of names are cut here: a description is read by a model on every turn. */
const MAX_NAMES = 8;

function names(items: readonly { name: string }[]): string {
  const shown = items.slice(0, MAX_NAMES).map((i) => i.name);
  return items.length > MAX_NAMES ? `${shown.join(', ')}, ...` : shown.join(', ');
}

/** `t` in words, as the JSON a caller sends or reads ("a list of strings", "a point record (fields x, y)"). */
export function typeInWords(t: WitType): string {
  switch (t.kind) {
    case 'bool':
      return 'true or false';
    case 'u8':
    case 'u16':
    case 'u32':
    case 'u64':
    case 's8':
    case 's16':
    case 's32':
    case 's64':
      return INTEGER_WORDS[t.kind]!;
    case 'f32':
    case 'f64':
      return 'a number';
    case 'char':
      return 'a single character';
    case 'string':
      return 'a string';
    case 'list':
      if (t.element.kind === 'u8') return 'bytes as base64';
      return `${t.length === undefined ? 'a list' : `a list of exactly ${t.length}`} of items, each ${typeInWords(t.element)}`;
    case 'option':
      return `${typeInWords(t.some)}, or null`;
    case 'result':
      return `{"ok": ${t.ok ? typeInWords(t.ok) : 'null'}} or {"err": ${t.err ? typeInWords(t.err) : 'null'}}`;
    case 'tuple':
      return `an array of ${t.items.length}: ${t.items.map(typeInWords).join('; ')}`;
    case 'record':
      return `${t.name ? `a ${t.name} object` : 'an object'} with ${t.fields.length === 1 ? 'field' : 'fields'} ${names(t.fields)}`;
    case 'variant':
      return `${t.name ? `a ${t.name}: ` : ''}{"tag": one of ${names(t.cases)}}`;
    case 'enum':
      return `one of ${names(t.cases)}`;
    case 'flags':
      return `a list of flags from ${names(t.flags)}`;
    case 'unsupported':
      return t.what;
  }
}

function returns(fn: ExportedFunction): string {
  const ok = successType(fn);
  const err = fn.result?.kind === 'result' ? fn.result.err : null;
  const value = ok ? `Returns ${typeInWords(ok)}` : 'Returns nothing';
  if (fn.result?.kind !== 'result') return `${value}.`;
  return `${value}; on failure, an error result${err ? ` with ${typeInWords(err)}` : ''}.`;
}

function parameterInWords(p: ExportedFunction['params'][number]): string {
  // An option may be left out; saying "or null" as well would tell the model the same thing twice.
  if (isOptional(p.type) && p.type.kind === 'option') return `${p.name} (optional): ${typeInWords(p.type.some)}`;
  return `${p.name}: ${typeInWords(p.type)}`;
}

/** The tool's description: the WIT doc comment when there is one, else the signature in words. */
export function toolDescription(fn: ExportedFunction): string {
  const docs = fn.docs.trim();
  if (docs) return docs;
  const where = fn.interface ? ` (interface ${fn.interface})` : '';
  const takes = fn.params.length ? `Takes ${fn.params.map(parameterInWords).join('; ')}.` : 'Takes no arguments.';
  return `Calls ${fn.name}${where}. ${takes} ${returns(fn)}`;
}
