import ipaddr from 'ipaddr.js';

type Addr = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Network targets in grants and policies:
 *   host rules  `api.example.com`, `*.example.com`, `*`, with an optional `:port` (or `:*`) and an
 *               optional scheme (`https://api.example.com`); a host that is an IP literal in any spelling
 *               (`127.1`, `0x7f000001`, `[::ffff:127.0.0.1]`) becomes an address rule.
 *   cidr rules  `10.0.0.0/8`, `fd00::/8`.
 * No port means any port. No scheme means http or https; raw sockets (tcp/udp) need a rule that names
 * that scheme, so an HTTP grant never opens a raw connection.
 */
export type Scheme = 'http' | 'https' | 'tcp' | 'udp';
export const SCHEMES: readonly Scheme[] = ['http', 'https', 'tcp', 'udp'];
const DEFAULT_PORT: Record<Scheme, number | null> = { http: 80, https: 443, tcp: null, udp: null };

export type NetworkRule =
  | {
      type: 'name';
      scheme: Scheme | null;
      name: string;
      wildcard: 'none' | 'subdomains' | 'any';
      port: number | null;
      text: string;
    }
  | { type: 'address'; scheme: Scheme | null; addr: Addr; port: number | null; text: string }
  | { type: 'cidr'; addr: Addr; bits: number; text: string };

/** Accepts what a person types after `weld grant <c> network`: a host[:port] or a cidr. */
export function parseNetworkTarget(text: string): NetworkRule {
  if (typeof text !== 'string' || text.trim() === '') throw new Error('a network target cannot be empty');
  const t = text.trim();
  if (!t.includes('://') && /\/\d{1,3}$/.test(t)) return parseCidr(t);
  return parseHostRule(t);
}

export function parseCidr(text: string): NetworkRule {
  let parsed: [Addr, number];
  try {
    parsed = ipaddr.parseCIDR(text.trim());
  } catch {
    throw new Error(`"${text}" is not a CIDR range (e.g. "10.0.0.0/8", "fd00::/8")`);
  }
  let [addr, bits] = parsed;
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    addr = (addr as ipaddr.IPv6).toIPv4Address();
    bits -= 96;
  }
  const network = networkAddress(addr, bits);
  return { type: 'cidr', addr: network, bits, text: `${network.toString()}/${bits}` };
}

function networkAddress(addr: Addr, bits: number): Addr {
  const bytes = addr.toByteArray();
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    bytes[i] &= (0xff << (8 - keep)) & 0xff;
  }
  return ipaddr.fromByteArray(bytes);
}

export function parseHostRule(text: string): NetworkRule {
  let rest = text.trim();
  let scheme: Scheme | null = null;
  const sep = rest.indexOf('://');
  if (sep >= 0) {
    const s = rest.slice(0, sep).toLowerCase();
    if (!SCHEMES.includes(s as Scheme)) throw new Error(`"${text}": scheme "${s}" is not one of ${SCHEMES.join(', ')}`);
    scheme = s as Scheme;
    rest = rest.slice(sep + 3);
    if (rest.endsWith('/')) rest = rest.slice(0, -1);
  }
  if (/[/?#@\s]/.test(rest)) throw new Error(`"${text}" must be host[:port] only, without a path, query or user`);
  let hostPart: string;
  let portPart: string | null = null;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw new Error(`"${text}": missing "]" after the IPv6 address`);
    hostPart = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after) {
      if (!after.startsWith(':')) throw new Error(`"${text}": expected ":port" after "]"`);
      portPart = after.slice(1);
    }
    if (!ipaddr.IPv6.isValid(hostPart)) throw new Error(`"${text}": "${hostPart}" is not an IPv6 address`);
  } else if ((rest.match(/:/g) ?? []).length > 1) {
    hostPart = rest;
    if (!ipaddr.IPv6.isValid(hostPart))
      throw new Error(`"${text}" is not a valid host (IPv6 with a port is written [addr]:port)`);
  } else {
    const colon = rest.lastIndexOf(':');
    hostPart = colon >= 0 ? rest.slice(0, colon) : rest;
    portPart = colon >= 0 ? rest.slice(colon + 1) : null;
  }
  const port = portPart === null || portPart === '*' ? null : parsePort(portPart, text);
  if (scheme && scheme !== 'http' && scheme !== 'https' && port === null) {
    throw new Error(`"${text}": a ${scheme}:// rule must name a port`);
  }
  const suffix = port === null ? '' : `:${port}`;
  const prefix = scheme ? `${scheme}://` : '';

  const addr = parseAddress(hostPart);
  if (addr) {
    const shown = addr.kind() === 'ipv6' ? `[${addr.toString()}]` : addr.toString();
    return { type: 'address', scheme, addr, port, text: `${prefix}${shown}${suffix}` };
  }
  const lower = hostPart.toLowerCase().replace(/\.$/, '');
  if (lower === '*') return { type: 'name', scheme, name: '', wildcard: 'any', port, text: `${prefix}*${suffix}` };
  if (lower.startsWith('*.')) {
    const name = validName(lower.slice(2), text);
    return { type: 'name', scheme, name, wildcard: 'subdomains', port, text: `${prefix}*.${name}${suffix}` };
  }
  if (lower.includes('*')) throw new Error(`"${text}": a wildcard must be the whole first label, as in "*.example.com"`);
  const name = validName(lower, text);
  return { type: 'name', scheme, name, wildcard: 'none', port, text: `${prefix}${name}${suffix}` };
}

function parsePort(s: string, text: string): number {
  if (!/^\d{1,5}$/.test(s)) throw new Error(`"${text}": port "${s}" is not a number`);
  const n = Number(s);
  if (n < 1 || n > 65535) throw new Error(`"${text}": port ${n} is outside 1-65535`);
  return n;
}

function validName(name: string, text: string): string {
  let ascii: string;
  try {
    // The URL parser applies IDNA (unicode -> punycode) the same way the guest's request URL will be parsed.
    ascii = new URL(`http://${name}/`).hostname;
  } catch {
    throw new Error(`"${text}": "${name}" is not a valid host name`);
  }
  if (parseAddress(ascii)) throw new Error(`"${text}": "${name}" is an IP address spelled as a name; write it as an address`);
  if (ascii.length > 253 || !/^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/.test(ascii)) {
    throw new Error(`"${text}": "${name}" is not a valid host name`);
  }
  return ascii;
}

/**
 * Parses an IP literal in every spelling a URL parser or a socket accepts (decimal, octal, hex, short
 * IPv4 forms, IPv4-mapped IPv6) into one address; IPv4-mapped IPv6 becomes IPv4 so both compare equal.
 */
export function parseAddress(host: string): Addr | null {
  let h = host.trim();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.includes('%')) return null; // zone ids are link-local only and never granted by name
  // Cheap shape tests first: ipaddr's validators throw internally, which costs microseconds per name.
  if (/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) && ipaddr.IPv4.isValidFourPartDecimal(h)) return ipaddr.IPv4.parse(h);
  if (h.includes(':')) return ipaddr.IPv6.isValid(h) ? ipaddr.process(h) : null;
  if (!/^[0-9a-fx.]+$/i.test(h)) return null;
  try {
    const normalized = new URL(`http://${h}/`).hostname;
    return ipaddr.IPv4.isValidFourPartDecimal(normalized) ? ipaddr.IPv4.parse(normalized) : null;
  } catch {
    return null;
  }
}

export function sameAddress(a: Addr, b: Addr): boolean {
  return a.kind() === b.kind() && a.toNormalizedString() === b.toNormalizedString();
}

export function inCidr(a: Addr, rule: { addr: Addr; bits: number }): boolean {
  return a.kind() === rule.addr.kind() && a.match(rule.addr, rule.bits);
}

/** Loopback, private, link-local, CGNAT, unique-local, multicast, reserved...: anything not public unicast. */
export function isNonPublic(a: Addr): boolean {
  return a.range() !== 'unicast';
}

export interface Destination {
  scheme: string;
  /** Lowercased host name without trailing dot, or null when the URL host is an IP literal. */
  name: string | null;
  addr: Addr | null;
  port: number | null;
}

export function destinationOf(url: URL): Destination {
  const scheme = url.protocol.replace(/:$/, '').toLowerCase();
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  const addr = parseAddress(host);
  const port = url.port ? Number(url.port) : (DEFAULT_PORT[scheme as Scheme] ?? null);
  return { scheme, name: addr ? null : host, addr, port };
}

function schemeMatches(rule: Scheme | null, scheme: string): boolean {
  return rule === null ? scheme === 'http' || scheme === 'https' : rule === scheme;
}

function nameMatches(rule: Extract<NetworkRule, { type: 'name' }>, name: string): boolean {
  if (rule.wildcard === 'any') return true;
  if (rule.wildcard === 'subdomains') return name.endsWith(`.${rule.name}`);
  return name === rule.name;
}

/** Does the rule cover the destination by its host (name or literal address), scheme and port? */
export function ruleCoversHost(rule: NetworkRule, d: Destination): boolean {
  if (rule.type === 'cidr') return d.addr !== null && inCidr(d.addr, rule);
  if (!schemeMatches(rule.scheme, d.scheme)) return false;
  if (rule.port !== null && rule.port !== d.port) return false;
  if (rule.type === 'address') return d.addr !== null && sameAddress(rule.addr, d.addr);
  // `*` covers literal addresses too; the non-public check that follows still applies to them.
  if (d.name === null) return rule.wildcard === 'any';
  return nameMatches(rule, d.name);
}

/** Does the rule cover this address itself (an address or cidr rule)? Used for resolved IPs. */
export function ruleCoversAddress(rule: NetworkRule, addr: Addr, d: Destination): boolean {
  if (rule.type === 'cidr') return inCidr(addr, rule);
  if (rule.type === 'address') {
    return sameAddress(rule.addr, addr) && schemeMatches(rule.scheme, d.scheme) && (rule.port === null || rule.port === d.port);
  }
  return false;
}
