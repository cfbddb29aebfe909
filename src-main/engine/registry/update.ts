import { GrantError } from '../policy/errors.js';
import { analyzeComponent, type ComponentAnalysis } from '../runtime/analyze.js';
import type { InstallResult, InstallSource } from '../runtime/install.js';
import { resolveSource } from '../runtime/sources.js';
import type { ComponentRecord, RequestedCapability } from '../store/components.js';
import type { Weld } from '../weld.js';
import { type ComponentDiff, diffComponents, needsApproval } from './component-diff.js';
import type { Registry } from './index.js';
import type { OciInspection } from './pull.js';
import { parseReference } from './reference.js';

/** An update that cannot even be looked for (not installed, not from a registry); the message is for a person. */
export class UpdateError extends Error {}

export interface UpdateCheck {
  installed: ComponentRecord;
  /** The tag looked up, e.g. `oci://host/tools/time:1.0`. */
  ref: string;
  /** The manifest the tag names now, pinned by digest. */
  available: string;
  upToDate: boolean;
  /** Present when an update is available: the verified bytes, ready to install. */
  source?: InstallSource;
  analysis?: ComponentAnalysis;
  diff?: ComponentDiff;
  /** The new version is signed by someone else (or no longer verified). */
  publisherChanged: boolean;
  /** New capabilities, new tools, changed tool descriptions or another publisher: a person must say yes. */
  needsApproval: boolean;
  /**
   * Why the available version may be older than the installed one (a rollback), or null. Installing it
   * needs `allowDowngrade`.
   */
  downgrade: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Rollback protection compares the manifests' signed creation times (`org.opencontainers.image.created`),
 * not version tags: a tag is a mutable pointer outside anything signed, and version strings need not
 * sort, while the creation time sits inside the manifest the publisher signed and always compares.
 * Without a creation time on both sides there is nothing to show the update is newer, so it counts as
 * a possible downgrade; so does an installed manifest the registry no longer serves (deleting it must
 * not switch the check off).
 */
async function downgradeReason(registry: Registry, installedRef: string, available: OciInspection): Promise<string | null> {
  let installed: OciInspection;
  try {
    installed = await registry.inspect(installedRef);
  } catch (err) {
    return `the installed version's manifest cannot be read from the registry to compare creation times (${(err as Error).message})`;
  }
  if (installed.created === null) return null;
  if (available.created === null) {
    return `the available version has no signed creation time; the installed one was created ${iso(installed.created)}`;
  }
  if (available.created < installed.created) {
    return `the available version was created ${iso(available.created)}, before the installed one (${iso(installed.created)})`;
  }
  return null;
}

type UpdateHost = Pick<Weld, 'store' | 'registry' | 'install' | 'policy'>;

/**
 * Looks the installed component's tag up again in its registry. Only the manifest and signature are
 * fetched when nothing changed; a new version is pulled by digest (so the tag cannot move between the
 * check and the install) and verified before anything about it is analysed.
 */
export async function checkUpdate(
  weld: UpdateHost,
  componentId: string,
  opts: { tag?: string; allowUnsigned?: boolean } = {},
): Promise<UpdateCheck> {
  const installed = weld.store.components.get(componentId);
  if (!installed) throw new UpdateError(`no component "${componentId}" is installed (see weld list)`);
  if (!installed.sourceRef.startsWith('oci://')) {
    throw new UpdateError(
      `${componentId} was installed from ${installed.sourceRef}, not from a registry; install a new build with \`weld install <file> --name ${componentId}\``,
    );
  }
  const pinned = parseReference(installed.sourceRef);
  const tag = opts.tag ?? installed.version ?? 'latest';
  const ref = `oci://${pinned.registry}/${pinned.repository}:${tag}`;
  parseReference(ref);
  const registry = await weld.registry();
  const inspection = await registry.inspect(ref);
  const base = { installed, ref, available: inspection.pinned, publisherChanged: false, needsApproval: false, downgrade: null };
  if (inspection.pinned === installed.sourceRef) return { ...base, upToDate: true };

  const source = await resolveSource(inspection.pinned, {
    allowUnsigned: opts.allowUnsigned,
    registry: weld.registry,
  });
  source.version = tag;
  source.name = installed.id;
  const analysis = await analyzeComponent(source.bytes, source.policyYaml);
  if (analysis.digest === installed.digest && (source.policyYaml ?? null) === installed.policy) {
    // Re-tagged or re-signed, same code and policy: nothing to install.
    return { ...base, upToDate: true };
  }
  const diff = diffComponents(
    { requested: installed.requestedCapabilities, tools: installed.tools },
    { requested: analysis.requested, tools: analysis.tools },
  );
  const publisherChanged = installed.publisher !== source.publisher || installed.signatureStatus !== source.signatureStatus;
  const downgrade = await downgradeReason(registry, installed.sourceRef, inspection);
  return {
    ...base,
    upToDate: false,
    source,
    analysis,
    diff,
    publisherChanged,
    needsApproval: needsApproval(diff) || publisherChanged || downgrade !== null,
    downgrade,
  };
}

/** Refuses (and audits) a possible rollback unless the person allowed downgrades; before asking them anything else. */
export function refuseDowngrade(weld: Pick<Weld, 'store'>, check: UpdateCheck, actor: string, allowDowngrade: boolean): void {
  if (check.downgrade === null || allowDowngrade) return;
  const detail = { from: check.installed.sourceRef, to: check.available, reason: check.downgrade };
  weld.store.recorder.audit({
    at: Date.now(),
    actor,
    action: 'component.downgrade-refused',
    subject: check.installed.id,
    detail,
  });
  throw new UpdateError(
    `not updated: this may be a rollback to an older version: ${check.downgrade}. Run with --allow-downgrade to install it anyway.`,
  );
}

export interface UpdateResult {
  result: InstallResult;
  /** Grants taken away because the new version no longer asks for them. */
  revoked: RequestedCapability[];
  /** What the new version asks for that no grant covers yet. */
  ungranted: RequestedCapability[];
}

/**
 * Installs a checked update under the same id. Grants for capabilities the new version still requests
 * stay; grants for capabilities it dropped are revoked, so an old grant cannot quietly serve a later
 * version that asks for it again. Nothing new is granted here.
 */
export async function applyUpdate(
  weld: UpdateHost,
  check: UpdateCheck,
  actor: string,
  opts: { allowDowngrade?: boolean } = {},
): Promise<UpdateResult> {
  if (!check.source || !check.diff) throw new UpdateError(`${check.installed.id} is up to date`);
  const id = check.installed.id;
  refuseDowngrade(weld, check, actor, opts.allowDowngrade ?? false);
  if (check.downgrade !== null) {
    const detail = { from: check.installed.sourceRef, to: check.available, reason: check.downgrade };
    weld.store.recorder.audit({ at: Date.now(), actor, action: 'component.downgrade-allowed', subject: id, detail });
  }
  const grantedBefore = weld.policy.requested(id).filter((c) => c.granted && c.target !== '*');
  const result = await weld.install(check.source, { id, actor });
  // The person approved this update after seeing its diff: the grants go with it to the new code.
  weld.policy.reapprove(id, actor);
  const stillAsked = new Set(check.diff.kept.concat(check.diff.added).map((c) => `${c.kind}\0${c.target}`));
  const dropped = new Set(check.diff.removed.map((c) => `${c.kind}\0${c.target}\0${c.access ?? ''}`));
  const revoked: RequestedCapability[] = [];
  for (const cap of grantedBefore) {
    if (!dropped.has(`${cap.kind}\0${cap.target}\0${cap.access ?? ''}`) || stillAsked.has(`${cap.kind}\0${cap.target}`)) continue;
    try {
      weld.policy.revoke({ componentId: id, kind: cap.kind, target: cap.target, by: actor });
      const { granted: _g, ...plain } = cap;
      revoked.push(plain);
    } catch (err) {
      // Revoked by someone else meanwhile: the outcome is the same.
      if (!(err instanceof GrantError)) throw err;
    }
  }
  const ungranted = weld.policy
    .requested(id)
    .filter((c) => !c.granted)
    .map(({ granted: _g, ...c }) => c);
  return { result, revoked, ungranted };
}
