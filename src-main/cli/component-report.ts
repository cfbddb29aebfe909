import type { ComponentAnalysis } from '../engine/runtime/analyze.js';
import type { RequestedCapability, ToolDescriptor } from '../engine/store/components.js';

function schemaLine(schema: Record<string, unknown>): string {
  const props = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const parts = Object.entries(props).map(([name, s]) => `${name}${required.has(name) ? '' : '?'}: ${typeName(s)}`);
  return `(${parts.join(', ')})`;
}

function typeName(s: Record<string, unknown>): string {
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (Array.isArray(s.type)) return s.type.join(' | ');
  if (typeof s.type === 'string') {
    if (s.type === 'array' && s.items && typeof s.items === 'object') return `${typeName(s.items as Record<string, unknown>)}[]`;
    return s.type;
  }
  const alternatives = (s.oneOf ?? s.anyOf) as Record<string, unknown>[] | undefined;
  if (Array.isArray(alternatives)) {
    const names = [...new Set(alternatives.map(typeName))];
    return names.length <= 3 ? names.join(' | ') : 'variant';
  }
  return 'any';
}

export function formatTools(tools: ToolDescriptor[]): string[] {
  if (!tools.length) return ['  (none: the component exports no functions)'];
  return tools.flatMap((t) => [`  ${t.name}${schemaLine(t.inputSchema)}`, `      ${t.description}`]);
}

export function formatCapability(c: RequestedCapability): string {
  const access = c.access ? ` (${c.access})` : '';
  return `${c.kind.padEnd(11)} ${c.target}${access}  [from ${c.source}]`;
}

export function formatCapabilities(caps: RequestedCapability[]): string[] {
  return caps.length ? caps.map((c) => `  ${formatCapability(c)}`) : ['  none'];
}

/** The report `weld install`, `weld inspect` and `weld build` print about a component. */
export function formatAnalysis(a: ComponentAnalysis, extra: [string, string][] = []): string {
  return `${[
    ...extra.map(([k, v]) => `${`${k}:`.padEnd(11)}${v}`),
    `${'digest:'.padEnd(11)}${a.digest}`,
    `${'size:'.padEnd(11)}${(a.size / 1e6).toFixed(1)} MB`,
    'tools:',
    ...formatTools(a.tools),
    'requests:',
    ...formatCapabilities(a.requested),
  ].join('\n')}\n`;
}
