import { isAbsolute } from 'node:path';
import type { z } from 'zod';
import type { ApprovedCapability, InstallSourceInput } from '../../src-preload/api.js';
import { withOciScheme } from '../../src-preload/deep-link.js';
import { normalizeTarget } from '../engine/policy/index.js';
import { keyFingerprint, parsePublicKey } from '../engine/registry/keys.js';
import { analyzeComponent } from '../engine/runtime/analyze.js';
import { componentIdFrom, type InstallSource } from '../engine/runtime/install.js';
import type { ComponentRecord } from '../engine/store/components.js';
import { type ApiContext, ApiError, type Handlers } from './context.js';
import { asApiError, engineCall, sentence } from './errors.js';
import { toGrantInfo } from './grants.js';
import { uiState } from './ui-state.js';

type SourceInput = z.output<typeof InstallSourceInput>;
type Approved = z.output<typeof ApprovedCapability>;

async function readSource(source: SourceInput, ctx: ApiContext): Promise<InstallSource> {
  if (source.kind === 'upload') {
    const bytes = Buffer.from(source.wasmBase64, 'base64');
    return {
      bytes,
      sourceRef: `upload:${source.fileName}`,
      name: source.fileName,
      policyYaml: source.policyYaml ?? null,
      signatureStatus: 'local',
      publisher: null,
    };
  }
  // Any scheme goes on to resolveSource, which names the ones it supports.
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(source.ref) && !isAbsolute(source.ref)) {
    throw new ApiError('bad-input', relativeRefProblem(source.ref));
  }
  const src = await engineCall(() =>
    ctx.weld.source(source.ref, { allowUnsigned: source.allowUnsigned, trustOnce: source.trustOnce }),
  );
  // A policy the person picked replaces the one the artifact ships (as `weld install --policy` does).
  return source.policyYaml === undefined ? src : { ...src, policyYaml: source.policyYaml };
}

/**
 * A relative path would be read from wherever Weld was started, which the person cannot see (and the
 * error would show Weld's working directory). A registry reference typed without `oci://` looks like one.
 */
function relativeRefProblem(ref: string): string {
  const oci = withOciScheme(ref);
  if (oci) return `"${ref}" looks like a registry reference: write it as ${oci}`;
  return 'Give the full path of the component file (starting with /), or a registry reference starting with oci://.';
}

/**
 * Checks what the person approved before anything is installed, so a mistyped folder leaves nothing
 * half done. The real grant resolves `~` and relative paths against the component's own anchors.
 */
function checkApproval(a: Approved): void {
  if (a.target === '*') {
    throw new ApiError(
      'bad-input',
      `"Any ${a.kind === 'environment' ? 'variable' : a.kind === 'network' ? 'host' : 'file'}" cannot be allowed in advance; Weld asks when the tool needs something specific.`,
    );
  }
  try {
    normalizeTarget(a.kind, a.target, a.access, { home: '/', workspace: '/' });
  } catch (err) {
    throw new ApiError('bad-input', `Cannot allow ${a.kind} "${a.target}": ${sentence((err as Error).message)}`);
  }
}

export const installHandlers: Handlers<'components.analyze' | 'components.install'> = {
  'components.analyze': async ({ source }, ctx) => {
    const src = await readSource(source, ctx);
    let id: string;
    try {
      id = componentIdFrom(src.name);
    } catch (err) {
      throw new ApiError('bad-input', sentence((err as Error).message));
    }
    const analysis = await analyzeComponent(src.bytes, src.policyYaml).catch((err: unknown) => {
      const e = asApiError(err);
      // Everything analysis rejects is about the file the person chose, not about Weld.
      throw e instanceof ApiError
        ? e
        : new ApiError('bad-input', `This component cannot be installed: ${sentence(String((err as Error).message ?? err))}`);
    });
    const components = ctx.weld.store.components;
    const same = components.getByDigest(analysis.digest);
    const existing: ComponentRecord | undefined = components.get(id);
    const trustedOnce = source.kind === 'ref' && src.signatureStatus === 'verified' ? source.trustOnce : undefined;
    const previewId = uiState(ctx.weld).previews.add(src, analysis.digest, trustedOnce);
    return {
      previewId,
      id: same?.id ?? id,
      name: analysis.world.world || id,
      version: src.version ?? null,
      sourceRef: src.sourceRef,
      digest: analysis.digest,
      size: analysis.size,
      signatureStatus: src.signatureStatus,
      publisher: src.publisher,
      hasPolicy: src.policyYaml !== null,
      tools: analysis.tools,
      requestedCapabilities: analysis.requested,
      alreadyInstalledAs: same?.id ?? null,
      replacesDigest: !same && existing ? existing.digest : null,
    };
  },

  'components.install': async ({ previewId, approve }, ctx) => {
    const previews = uiState(ctx.weld).previews;
    const preview = previews.get(previewId);
    if (!preview) {
      throw new ApiError('not-found', 'This install preview has expired or was already used. Check the component again.');
    }
    for (const a of approve) checkApproval(a);
    let result: Awaited<ReturnType<typeof ctx.weld.install>>;
    try {
      result = await ctx.weld.install(preview.source, { actor: ctx.actor });
    } catch (err) {
      const e = asApiError(err);
      throw e instanceof ApiError ? e : new ApiError('bad-input', `Not installed: ${sentence((err as Error).message)}`);
    }
    previews.delete(previewId);
    const { record } = result;
    if (preview.trustedOnce && !result.unchanged) {
      // The person trusted this signer for this install only: the audit log keeps who it was.
      const once = preview.trustedOnce;
      ctx.weld.store.audit.append([
        {
          at: Date.now(),
          actor: ctx.actor,
          action: 'trust.once',
          subject: record.id,
          detail: {
            digest: record.digest,
            ...(once.kind === 'key'
              ? { fingerprint: keyFingerprint(parsePublicKey(once.publicKeyPem, 'the public key')) }
              : { issuer: once.issuer, subject: once.subject }),
          },
        },
      ]);
    }
    const granted = [];
    for (const a of approve) {
      try {
        granted.push(
          ctx.weld.policy.grant({
            componentId: record.id,
            kind: a.kind,
            target: a.target,
            access: a.access,
            scope: 'always',
            by: ctx.actor,
          }),
        );
      } catch (err) {
        throw new ApiError(
          'bad-input',
          `${record.id} is installed, but "${a.target}" could not be allowed: ${sentence((err as Error).message)} Allow it from the Tools page.`,
        );
      }
    }
    const { wit: _w, policy: _p, ...component } = ctx.weld.store.components.get(record.id) ?? record;
    return { component, unchanged: result.unchanged, granted: granted.map(toGrantInfo) };
  },
};
