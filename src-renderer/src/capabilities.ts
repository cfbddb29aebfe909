import type { z } from 'zod';
import type { ApprovedCapability, RequestedCapability } from '../../src-preload/api.js';

export type Risk = 'low' | 'medium' | 'high';
type Capability = Pick<z.infer<typeof RequestedCapability>, 'kind' | 'target' | 'access'>;
type Approved = z.infer<typeof ApprovedCapability>;

const RANK: Record<Risk, number> = { low: 0, medium: 1, high: 2 };
const DEFAULT_PORTS: Record<string, string> = { http: '80', https: '443' };

/** Plain words for what a capability lets a tool do, as a person would say it, and how risky that is. */
export function describeCapability(c: Capability): { text: string; risk: Risk } {
  if (c.kind === 'storage') return describeStorage(c.target, c.access ?? '');
  if (c.kind === 'network') return describeNetwork(c.target);
  if (c.target === '*') return { text: 'Read environment variables it asks for (each one asked when used)', risk: 'medium' };
  return {
    text: `Read the environment variable ${c.target}`,
    risk: /TOKEN|KEY|SECRET|PASS|CRED/i.test(c.target) ? 'medium' : 'low',
  };
}

function describeStorage(target: string, access: string): { text: string; risk: Risk } {
  const writes = access.includes('write');
  const reads = access === '' || access.includes('read');
  const verb = writes && reads ? 'Read and change files' : writes ? 'Change files' : 'Read files';
  if (target === '*') return { text: `${verb} in folders it asks for (each one asked when used)`, risk: 'high' };
  const raw = target.replace(/^fs:\/\//, '');
  // `/**` (everything below) reads as the folder itself; other globs are shown as written.
  const path = raw.replace(/\/\*\*$/, '') || '/';
  const relative = !path.startsWith('/') && !path.startsWith('~');
  const shown = relative ? path.replace(/^\.\//, '') : path;
  const where = relative ? `its own folder "${shown}" (kept in Weld's data)` : shown;
  const everything = ['/', '~', '**', '~/**', '.'].includes(path);
  // Writing anywhere, or reading the whole disk or home folder, is high risk; a private folder is low.
  const risk: Risk = writes || everything ? 'high' : relative ? 'low' : 'medium';
  return { text: `${verb} in ${where}`, risk };
}

function describeNetwork(target: string): { text: string; risk: Risk } {
  if (target === '*') return { text: 'Connect to servers it asks for (each one asked when used)', risk: 'high' };
  if (/\/\d{1,3}$/.test(target) && !target.includes('://')) {
    return { text: `Connect to any address in the range ${target}`, risk: 'high' };
  }
  const m = /^(?:([a-z]+):\/\/)?(\[[^\]]+\]|[^:/]+)(?::(\d+|\*))?$/.exec(target);
  if (!m) return { text: `Connect to ${target}`, risk: 'high' };
  const [, scheme, host, explicitPort] = m;
  const port = explicitPort ?? (scheme ? DEFAULT_PORTS[scheme] : undefined);
  const anyHost = host === '*';
  const wildcard = host.startsWith('*.');
  const who = anyHost ? 'any server' : wildcard ? `any server under ${host.slice(2)}` : host;
  const text = port && port !== '*' ? `Connect to ${who} on port ${port}` : `Connect to ${who} on any port`;
  const risk: Risk = anyHost || wildcard || !port || port === '*' ? 'high' : 'medium';
  return { text, risk };
}

export const riskRank = (r: Risk): number => RANK[r];

/** Riskiest first, so the capability a person should think about most is at the top. */
export function byRisk<T extends Capability>(caps: readonly T[]): T[] {
  return [...caps].sort((a, b) => RANK[describeCapability(b).risk] - RANK[describeCapability(a).risk]);
}

/**
 * A `*` capability comes from what the component imports, not from a list in its policy: there is
 * nothing specific to allow in advance, so Weld asks when the tool touches something.
 */
export const canApproveInAdvance = (c: Capability): boolean => c.target !== '*';

/**
 * The folder a person typed in place of a requested one, as a storage target: an absolute path or one
 * under ~, meaning the folder and everything in it. Returns an error sentence for anything else.
 */
export function folderTarget(input: string): { target: string } | { error: string } {
  const text = input.trim();
  if (text === '') return { error: 'Type the folder to share, e.g. /home/you/notes or ~/notes.' };
  if (text.includes('\0')) return { error: 'A folder name cannot contain a NUL character.' };
  if (!text.startsWith('/') && text !== '~' && !text.startsWith('~/')) {
    return { error: 'Use a full path: it starts with / or ~/.' };
  }
  if (text.split('/').includes('..')) return { error: 'Write the folder without "..".' };
  const base = text.replace(/\/+$/, '') || '/';
  const glob = base === '/' ? '/**' : `${base}/**`;
  return { target: `fs://${glob}` };
}

/** The folder part of a storage target, for the text box a person edits. */
export function folderOf(target: string): string {
  return target.replace(/^fs:\/\//, '').replace(/\/\*\*$/, '') || '/';
}

/** What the one install button says. */
export function installLabel(approved: number): string {
  if (approved === 0) return 'Install without permissions';
  return `Install and allow ${approved}`;
}

/** One approval per switched-on capability, with the folder the person chose for storage. */
export function approvals(
  caps: readonly (Capability & { key: string })[],
  on: ReadonlySet<string>,
  folders: ReadonlyMap<string, string>,
): Approved[] {
  return caps
    .filter((c) => on.has(c.key) && canApproveInAdvance(c))
    .map((c) => {
      const target = c.kind === 'storage' ? (folders.get(c.key) ?? c.target) : c.target;
      const access = c.kind === 'storage' ? storageAccess(c.access) : undefined;
      return access ? { kind: c.kind, target, access } : { kind: c.kind, target };
    });
}

function storageAccess(access: string | undefined): Approved['access'] {
  const a = new Set((access ?? 'read').split(',').map((s) => s.trim()));
  if (a.has('read') && a.has('write')) return 'read,write';
  return a.has('write') ? 'write' : 'read';
}

/** The sentence a waiting request is announced with (page, tray tooltip, desktop notification). */
export function requestSentence(r: { componentId: string } & Capability): string {
  const { text } = describeCapability(r);
  return `${r.componentId} wants to ${text[0].toLowerCase()}${text.slice(1)}`;
}

/** How long until a waiting request is answered by itself (denied): "45 s", "3 min". */
export function timeLeft(expiresAt: number, now: number): string {
  const s = Math.max(0, Math.ceil((expiresAt - now) / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

/**
 * A request's buttons arm a moment after it appears, so a click meant for something else cannot answer
 * it, and only once its details have loaded (the person must see what they allow).
 */
export const ARM_MS = 700;
export function requestActionable(r: { shownAt: number; loaded: boolean; expiresAt: number }, now: number): boolean {
  return r.loaded && now - r.shownAt >= ARM_MS && now < r.expiresAt;
}
