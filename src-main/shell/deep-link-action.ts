import { installHash, parseDeepLink } from '../../src-preload/deep-link.js';

export type LinkAction =
  | { kind: 'refused'; reason: string }
  /** No window yet: load the renderer straight onto the pre-filled Install page. */
  | { kind: 'load'; hash: string }
  /** The window is open: tell the renderer, which switches to the Install page. */
  | { kind: 'send'; ref: string };

/** What the desktop shell does with a `weld://` link the OS handed it. Nothing here installs anything. */
export function linkAction(link: string, windowOpen: boolean): LinkAction {
  const parsed = parseDeepLink(link);
  if (!parsed.ok) return { kind: 'refused', reason: parsed.reason };
  return windowOpen ? { kind: 'send', ref: parsed.ref } : { kind: 'load', hash: installHash(parsed.ref) };
}
