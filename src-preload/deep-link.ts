/**
 * `weld://install?ref=oci://…` links, shared by the desktop shell (which receives them from the OS) and
 * the renderer (which receives the ref in its page hash). Any web page can open such a link, so it is
 * parsed strictly and only ever pre-fills the Install page: installing still takes the person's click.
 */

export const DEEP_LINK_SCHEME = 'weld';
const MAX_LINK = 2048;
const MAX_REF = 1024;

// oci://host[:port]/repo[/repo…][:tag][@sha256:hex], the OCI distribution grammar (lower-case repository).
const HOST = String.raw`(?:\[::1\]|[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*)(?::\d{1,5})?`;
const REPO = String.raw`[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*`;
const OCI_REF = new RegExp(`^oci://${HOST}/${REPO}(?::[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?(?:@sha256:[a-f0-9]{64})?$`);

export type DeepLink = { ok: true; ref: string } | { ok: false; reason: string };

/** Checks a component reference arriving from outside (link, page hash): oci:// only, bounded, well formed. */
export function checkInstallRef(ref: string): DeepLink {
  if (ref.length === 0) return { ok: false, reason: 'the link names no component' };
  if (ref.length > MAX_REF) return { ok: false, reason: `the component reference is longer than ${MAX_REF} characters` };
  if (!ref.startsWith('oci://')) return { ok: false, reason: 'only oci:// references can be installed from a link' };
  if (!OCI_REF.test(ref)) return { ok: false, reason: `"${ref}" is not a valid oci:// reference` };
  return { ok: true, ref };
}

/**
 * `ghcr.io/owner/tool:1.0` typed without `oci://` would be read as a relative file path: returns the
 * reference with the scheme when the text is one (its host has a dot or a port, or is localhost).
 */
export function withOciScheme(text: string): string | null {
  const ref = text.trim();
  if (ref.startsWith('oci://') || ref.startsWith('/') || ref.startsWith('.')) return null;
  const host = ref.split('/')[0];
  if (!/[.:]/.test(host) && host !== 'localhost') return null;
  return OCI_REF.test(`oci://${ref}`) ? `oci://${ref}` : null;
}

/** Parses a `weld://install?ref=oci://…` link; anything else (other actions, extra parameters) is refused. */
export function parseDeepLink(link: string): DeepLink {
  if (typeof link !== 'string' || link.length > MAX_LINK) return { ok: false, reason: 'the link is too long' };
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return { ok: false, reason: 'not a link' };
  }
  if (url.protocol !== `${DEEP_LINK_SCHEME}:`) return { ok: false, reason: `not a ${DEEP_LINK_SCHEME}:// link` };
  if (url.username || url.password || url.port || url.hash) return { ok: false, reason: 'unexpected parts in the link' };
  const action = `${url.hostname}${url.pathname}`.replace(/\/+$/, '');
  if (action !== 'install') return { ok: false, reason: `unknown link action "${action.slice(0, 40)}"` };
  const keys = [...url.searchParams.keys()];
  if (keys.length !== 1 || keys[0] !== 'ref') return { ok: false, reason: 'the link must carry exactly one parameter, ref' };
  return checkInstallRef(url.searchParams.get('ref') ?? '');
}

/** The renderer's page hash for the Install page pre-filled with a reference. */
export function installHash(ref: string): string {
  return `#install?ref=${encodeURIComponent(ref)}`;
}

/** Reads a reference back from `#install?ref=…`; null when the hash is not that or the ref is not valid. */
export function installRefFromHash(hash: string): string | null {
  const m = /^#install\?ref=([^&#]*)$/.exec(hash);
  if (!m) return null;
  let ref: string;
  try {
    ref = decodeURIComponent(m[1]);
  } catch {
    return null;
  }
  const checked = checkInstallRef(ref);
  return checked.ok ? checked.ref : null;
}

/** Finds a weld:// link among a process's arguments (Windows and Linux pass it on the command line). */
export function deepLinkInArgs(argv: readonly string[]): string | null {
  return argv.find((a) => a.startsWith(`${DEEP_LINK_SCHEME}://`)) ?? null;
}
