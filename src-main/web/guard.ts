import { timingSafeEqual } from 'node:crypto';

/**
 * Request checks for the localhost web UI. Pure functions of the request's headers, so each attack
 * (DNS rebinding, cross-site requests, token guessing) is tested on its own.
 */

/** DNS rebinding: a page on evil.example resolving to 127.0.0.1 still sends Host: evil.example. */
export function hostAllowed(host: string | undefined, port: number): boolean {
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

/** Browsers send Origin on cross-site fetches and on every POST; absent means a non-browser client. */
export function originAllowed(origin: string | undefined, port: number): boolean {
  return origin === undefined || origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
}

export function tokenMatches(given: string | null | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The token from `Authorization: Bearer …`, else from `?token=` (EventSource cannot set headers). */
export function requestToken(authorization: string | undefined, url: URL): string | null {
  const m = /^Bearer ([A-Za-z0-9_-]+)$/.exec(authorization ?? '');
  return m ? m[1] : url.searchParams.get('token');
}

/**
 * Scripts only from this origin, no inline script, nothing framed, nothing posted elsewhere. Inline
 * styles stay allowed: Radix's dialog scroll lock injects a <style> element, and styles cannot run code.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
