import type { RequestedCapability, ToolDescriptor } from '../store/components.js';

export interface ToolChange {
  name: string;
  /** What differs: the name a model calls it by, the text it reads, or the arguments it sends. */
  changes: ('name' | 'description' | 'input schema')[];
  before: ToolDescriptor;
  after: ToolDescriptor;
}

export interface ComponentDiff {
  /** Requested by the new version and not by the old one. */
  added: RequestedCapability[];
  /** Requested by the old version only. */
  removed: RequestedCapability[];
  /** Requested by both. */
  kept: RequestedCapability[];
  tools: { added: ToolDescriptor[]; removed: ToolDescriptor[]; changed: ToolChange[] };
}

/** One capability as a person reads it: the same kind, target and access is the same request. */
export function capabilityKey(c: Pick<RequestedCapability, 'kind' | 'target' | 'access'>): string {
  return `${c.kind}\0${c.target}\0${c.access ?? ''}`;
}

export function diffRequested(
  before: RequestedCapability[],
  after: RequestedCapability[],
): Pick<ComponentDiff, 'added' | 'removed' | 'kept'> {
  const old = new Set(before.map(capabilityKey));
  const now = new Set(after.map(capabilityKey));
  return {
    added: after.filter((c) => !old.has(capabilityKey(c))),
    removed: before.filter((c) => !now.has(capabilityKey(c))),
    kept: after.filter((c) => old.has(capabilityKey(c))),
  };
}

/** Tools are matched by the export they run, so a renamed-on-collision tool is still the same tool. */
export function diffTools(before: ToolDescriptor[], after: ToolDescriptor[]): ComponentDiff['tools'] {
  const old = new Map(before.map((t) => [t.export, t]));
  const now = new Map(after.map((t) => [t.export, t]));
  const changed: ToolChange[] = [];
  for (const t of after) {
    const prev = old.get(t.export);
    if (!prev) continue;
    const changes: ToolChange['changes'] = [];
    if (prev.name !== t.name) changes.push('name');
    if (prev.description !== t.description) changes.push('description');
    if (JSON.stringify(prev.inputSchema) !== JSON.stringify(t.inputSchema)) changes.push('input schema');
    if (changes.length) changed.push({ name: t.name, changes, before: prev, after: t });
  }
  return {
    added: after.filter((t) => !old.has(t.export)),
    removed: before.filter((t) => !now.has(t.export)),
    changed,
  };
}

export function diffComponents(
  before: { requested: RequestedCapability[]; tools: ToolDescriptor[] },
  after: { requested: RequestedCapability[]; tools: ToolDescriptor[] },
): ComponentDiff {
  return { ...diffRequested(before.requested, after.requested), tools: diffTools(before.tools, after.tools) };
}

/**
 * Whether a person must approve the new version again: it asks for something new, or a tool now tells
 * the model something else or offers new tools (a "rug pull": same name, new behaviour, no new grant).
 */
export function needsApproval(d: ComponentDiff): boolean {
  // A renamed tool counts too: a model finds it under another name, possibly one another tool had.
  return (
    d.added.length > 0 ||
    d.tools.added.length > 0 ||
    d.tools.changed.some((c) => c.changes.includes('description') || c.changes.includes('name'))
  );
}
