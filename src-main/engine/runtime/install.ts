import type { EventBus } from '../events.js';
import type { ToolTable } from '../mcp/tool-table.js';
import type { ComponentRecord, ComponentStore, SignatureStatus, ToolDescriptor } from '../store/components.js';
import type { Recorder } from '../store/recorder.js';
import type { ComponentAnalysis } from './analyze.js';
import type { ComponentRuntime } from './component-runtime.js';
import { transpileToCache } from './transpile-cache.js';

export interface InstallSource {
  bytes: Uint8Array;
  /** `file:///...` or `oci://...`. */
  sourceRef: string;
  /** Suggested name (file name or repository); the component id derives from it. */
  name: string;
  policyYaml: string | null;
  signatureStatus: SignatureStatus;
  publisher: string | null;
  version?: string | null;
}

export interface InstallResult {
  record: ComponentRecord;
  analysis: ComponentAnalysis;
  /** Same digest already installed: nothing was done. */
  unchanged: boolean;
  /** The previous version this install replaced. */
  replaced?: ComponentRecord;
}

export interface InstallDeps {
  cacheRoot: string;
  components: ComponentStore;
  tools: ToolTable;
  runtime: ComponentRuntime;
  events: EventBus;
  recorder: Recorder;
}

const ID_MAX = 64;

/** A component id from a file or repository name: lowercase letters, digits and dashes. */
export function componentIdFrom(name: string): string {
  const base = name
    .replace(/^.*[/\\]/, '')
    .replace(/(\.component)?\.wasm$/i, '')
    .replace(/[:@].*$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, ID_MAX);
  if (!base) throw new Error(`cannot make a component id from "${name}"; pass --name`);
  return base;
}

/** The name a tool gets when another component already uses its own: `<id>-<tool>`. */
export const collisionName = (id: string, tool: string): string => `${id}-${tool}`.slice(0, 128);

/**
 * Tool names are unique across components. A name another component already uses gets this
 * component's id as a prefix (collisionName); resolved here, at install, never at call time.
 */
export function resolveToolNames(id: string, tools: ToolDescriptor[], taken: (name: string) => boolean): ToolDescriptor[] {
  return tools.map((t) => {
    if (!taken(t.name)) return t;
    const name = collisionName(id, t.name);
    if (taken(name)) throw new Error(`tool "${t.name}" of ${id} collides with an installed tool, and so does "${name}"`);
    return { ...t, name };
  });
}

export async function installComponent(
  deps: InstallDeps,
  src: InstallSource,
  opts: { id?: string; actor: string; newOnly?: boolean },
): Promise<InstallResult> {
  // The component parser loads with the first install: a server serving installed tools never needs it.
  const { analyzeComponent } = await import('./analyze.js');
  const id = opts.id ? componentIdFrom(opts.id) : componentIdFrom(src.name);
  const previous = deps.components.get(id);
  if (previous && opts.newOnly) throw new Error(`"${id}" is already installed, and this may only add new components`);
  // New code that comes without a policy keeps the installed one: dropping it would drop its deny rules.
  const policyYaml = src.policyYaml ?? previous?.policy ?? null;
  const analysis = await analyzeComponent(src.bytes, policyYaml);
  const same = deps.components.getByDigest(analysis.digest);
  // One installed copy per code: a second id would serve the same tools twice under other names. An
  // explicit id (install --name, an update of that component) that finds the code elsewhere is refused.
  if (same && same.id !== id && opts.id) {
    throw new Error(
      `this code (${analysis.digest.slice(0, 19)}…) is already installed as "${same.id}"; ` +
        `Weld keeps one copy of each component: use "${same.id}", or remove it to install the code as "${id}"`,
    );
  }
  // The same code with another policy under the same id (an edited policy.yaml) is an update.
  const newPolicy = same?.id === id && same.policy !== policyYaml;
  if (same && !newPolicy) return { record: same, analysis, unchanged: true };

  const own = new Set(previous?.tools.map((t) => t.name));
  const tools = resolveToolNames(id, analysis.tools, (n) => deps.tools.has(n) && !own.has(n));
  await transpileToCache(deps.cacheRoot, analysis.digest, src.bytes, analysis.world.exports);

  const record: ComponentRecord = {
    id,
    digest: analysis.digest,
    sourceRef: src.sourceRef,
    name: id,
    version: src.version ?? null,
    signatureStatus: src.signatureStatus,
    publisher: src.publisher,
    requestedCapabilities: analysis.requested,
    tools,
    wit: analysis.wit,
    policy: policyYaml,
    enabled: true,
    installedAt: Date.now(),
  };
  // The previous version serves until the new one is loaded, and comes back if loading fails.
  deps.components.put(record);
  try {
    deps.runtime.load(record);
  } catch (err) {
    rollBack(deps, record, previous);
    throw err;
  }
  if (previous && previous.digest !== record.digest) deps.runtime.purge(previous);
  deps.recorder.audit({
    at: record.installedAt,
    actor: opts.actor,
    action: previous ? 'component.updated' : 'component.installed',
    subject: id,
    detail: {
      digest: record.digest,
      source: record.sourceRef,
      signature: record.signatureStatus,
      previous: previous?.digest ?? null,
    },
  });
  deps.events.emit('components.changed', { componentId: id, change: previous ? 'updated' : 'installed' });
  return { record, analysis, unchanged: false, replaced: previous };
}

/** An install that did not happen is audited too: who tried what, and why it was refused. */
export function auditRefusedInstall(
  recorder: Recorder,
  r: { actor: string; id?: string; source: string; name: string; reason: string },
): void {
  let subject = r.id ?? r.name;
  try {
    subject = componentIdFrom(subject);
  } catch {
    // Not a usable id (that may be why it was refused): the name as given identifies the attempt.
  }
  recorder.audit({
    at: Date.now(),
    actor: r.actor,
    action: 'component.install-refused',
    subject: subject.slice(0, ID_MAX) || '(unnamed)',
    detail: { source: r.source.slice(0, 2048), reason: r.reason.slice(0, 2048) },
  });
}

/** Puts back what was installed before a failed install, as if it had never started. */
function rollBack(deps: InstallDeps, failed: ComponentRecord, previous: ComponentRecord | undefined): void {
  if (previous) {
    deps.components.put(previous);
    deps.runtime.load(previous);
  } else deps.components.remove(failed.id);
  if (failed.digest !== previous?.digest) deps.runtime.purge(failed);
}

export function removeComponent(deps: InstallDeps, id: string, actor: string): ComponentRecord {
  const record = deps.components.get(id);
  if (!record) throw new Error(`no component "${id}" is installed (see weld list)`);
  deps.runtime.purge(record);
  deps.components.remove(id);
  deps.recorder.audit({ at: Date.now(), actor, action: 'component.removed', subject: id, detail: { digest: record.digest } });
  deps.events.emit('components.changed', { componentId: id, change: 'removed' });
  return record;
}
