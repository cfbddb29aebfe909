import { componentLimitFromEnv } from '../runtime/component-file.js';
import { loadCredentials } from './credentials.js';
import { RegistryError } from './errors.js';
import { OciClient, type OciLimits } from './oci-client.js';
import { type PublishResult, publishComponent } from './publish.js';
import { inspectOci, type OciInspection, type PulledComponent, pullVerified } from './pull.js';
import { parseReference } from './reference.js';
import type { SigningMethod } from './sign.js';
import { loadTrustPolicy, type TrustOnce, withTrustedOnce } from './trust-policy.js';

export type { OciInspection, PublishResult, PulledComponent, SigningMethod, TrustOnce };
export { RegistryError };

export interface RegistryOptions {
  home: string;
  /** Read for WELD_MAX_COMPONENT_MB, which overrides the 64 MiB cap on a component layer. */
  env?: Record<string, string | undefined>;
  fetch?: typeof fetch;
  limits?: Partial<OciLimits>;
  timeoutMs?: number;
}

/** Everything between an `oci://` reference and verified component bytes. */
export interface Registry {
  /** `trustOnce` adds one signer for this operation only (a person's "trust for this install"). */
  inspect(ref: string, opts?: { trustOnce?: TrustOnce }): Promise<OciInspection>;
  pullVerified(ref: string, opts?: { allowUnsigned?: boolean; trustOnce?: TrustOnce }): Promise<PulledComponent>;
  publish(input: { ref: string; wasm: Uint8Array; policyYaml: string | null; signing: SigningMethod }): Promise<PublishResult>;
  listTags(ref: string): Promise<string[]>;
}

/**
 * Credentials and the trust policy are re-read on every operation: the user may have run
 * `weld trust add-key` in another process since the engine started.
 */
export function createRegistry(opts: RegistryOptions): Registry {
  const blob = componentLimit(opts.env ?? {});
  const limits = { ...(blob ? { blob } : {}), ...opts.limits };
  const client = () =>
    new OciClient({ fetch: opts.fetch, credentials: loadCredentials(opts.home), limits, timeoutMs: opts.timeoutMs });
  const deps = (once?: TrustOnce) => ({ client: client(), trust: withTrustedOnce(loadTrustPolicy(opts.home), once) });
  return {
    inspect: async (ref, o = {}) => inspectOci(parseReference(ref), deps(o.trustOnce)),
    pullVerified: async (ref, o = {}) => pullVerified(parseReference(ref), o, deps(o.trustOnce)),
    publish: async (input) => publishComponent(client(), { ...input, ref: parseReference(input.ref) }),
    listTags: async (ref) => {
      const r = parseReference(ref);
      return client().listTags({ registry: r.registry, repository: r.repository });
    },
  };
}

function componentLimit(env: Record<string, string | undefined>): number | undefined {
  try {
    return componentLimitFromEnv(env);
  } catch (err) {
    throw new RegistryError('bad-input', (err as Error).message);
  }
}
