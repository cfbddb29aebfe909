export type Access = 'read' | 'write' | 'read,write';

/** Storage access in its one canonical spelling, from a list or a comma-separated string. */
export function parseAccess(input: readonly string[] | string): Access {
  const parts = (typeof input === 'string' ? input.split(',') : [...input]).map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) throw new Error('access must name read, write or both');
  for (const p of parts)
    if (p !== 'read' && p !== 'write') throw new Error(`unknown access "${p}": use read, write or read,write`);
  const read = parts.includes('read');
  const write = parts.includes('write');
  return read && write ? 'read,write' : read ? 'read' : 'write';
}

export function accessIncludes(granted: string, wanted: 'read' | 'write'): boolean {
  return granted.split(',').includes(wanted);
}

export function accessUnion(a: string, b: string): Access {
  return parseAccess([...a.split(','), ...b.split(',')].filter(Boolean));
}

/** What remains of `a` after taking `b` away, or null when nothing remains. */
export function accessMinus(a: string, b: string): Access | null {
  const left = a.split(',').filter((x) => x && !b.split(',').includes(x));
  return left.length ? parseAccess(left) : null;
}
