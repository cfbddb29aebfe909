import type { CapabilityKind } from '../events.js';
import { type Access, parseAccess } from './access.js';
import { GrantError } from './errors.js';
import { type FsAnchors, resolveFsText } from './fs-uri.js';
import { parseNetworkTarget } from './network-rules.js';
import { ENV_KEY } from './parse.js';

export interface Target {
  kind: CapabilityKind;
  /** The one spelling stored and compared. */
  target: string;
  access: Access | '';
}

/**
 * Brings a target typed by a person, sent by an MCP client or raised by the runtime into its canonical
 * spelling, so `fs://~/notes/` and `fs:///home/me/notes` are one grant and `127.1` is `127.0.0.1`.
 * Bare absolute paths and `~/...` are accepted for storage as a convenience and become fs:// URIs.
 */
export function normalizeTarget(kind: CapabilityKind, target: string, access: string | undefined, anchors: FsAnchors): Target {
  if (typeof target !== 'string' || target.trim() === '') throw new GrantError(`a ${kind} target cannot be empty`, 'bad-target');
  const text = target.trim();
  try {
    switch (kind) {
      case 'storage': {
        const uri = text.startsWith('fs://')
          ? text
          : text.startsWith('/')
            ? `fs://${text}`
            : text.startsWith('~')
              ? `fs://${text}`
              : null;
        if (!uri)
          throw new Error(
            `"${text}" is not an fs:// URI or absolute path (relative fs://name URIs mean the component's workspace)`,
          );
        return { kind, target: resolveFsText(uri, anchors).uri, access: parseAccess(access ?? 'read') };
      }
      case 'network':
        if (access) throw new Error('network grants take no access list');
        return { kind, target: parseNetworkTarget(text).text, access: '' };
      case 'environment':
        if (access) throw new Error('environment grants take no access list');
        if (!ENV_KEY.test(text)) throw new Error(`"${text}" is not an environment key (letters, digits and _, no wildcards)`);
        return { kind, target: text, access: '' };
      default:
        throw new Error(`unknown capability kind "${kind}": use storage, network or environment`);
    }
  } catch (err) {
    if (err instanceof GrantError) throw err;
    throw new GrantError((err as Error).message, 'bad-target');
  }
}

/** Quotes a word for a POSIX shell only when it needs it, so suggested commands can be pasted as-is. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_\-./:,@=+%]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function grantCommand(componentId: string, kind: CapabilityKind, target: string, access?: string): string {
  const k = kind === 'environment' ? 'env' : kind;
  const acc = kind === 'storage' && access ? ` --access ${access}` : '';
  return `weld grant ${shellWord(componentId)} ${k} ${shellWord(target)}${acc}`;
}
