export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses one `WWW-Authenticate` challenge such as
 * `Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull"`.
 * Registries send a single challenge; anything else is returned as null.
 */
export function parseChallenge(header: string | null): Challenge | null {
  if (!header) return null;
  const m = /^\s*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)(?:\s+(.*))?$/.exec(header);
  if (!m) return null;
  const params: Record<string, string> = {};
  const rest = m[2] ?? '';
  const param = /\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))\s*(?:,|$)/y;
  let pos = 0;
  while (pos < rest.length) {
    param.lastIndex = pos;
    const p = param.exec(rest);
    if (!p) return null;
    params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3];
    pos = param.lastIndex;
  }
  return { scheme: m[1].toLowerCase(), params };
}
