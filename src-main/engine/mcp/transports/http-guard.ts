import { tokenMatches } from './http-token.js';

export interface RequestHead {
  method: string | undefined;
  url: string | undefined;
  host: string | undefined;
  origin: string | undefined;
  authorization: string | undefined;
}

export interface Refusal {
  status: 400 | 401 | 403 | 404 | 405;
  message: string;
}

export const MCP_PATH = '/mcp';
/** Prometheus text format; read-only, behind the same Host, Origin and token checks as /mcp. */
export const METRICS_PATH = '/metrics';

/**
 * Decides whether a request may reach the MCP endpoint, before its body is read.
 * Order matters: Host and Origin first, so a web page (DNS rebinding, or a plain cross-site fetch)
 * learns nothing, not even whether its guessed token was right.
 */
export function checkRequest(head: RequestHead, expect: { port: number; token: string }): Refusal | null {
  const hosts = [`127.0.0.1:${expect.port}`, `localhost:${expect.port}`];
  if (!head.host || !hosts.includes(head.host.toLowerCase())) {
    return {
      status: 403,
      message: `Host "${head.host ?? ''}" is not allowed: Weld answers only requests addressed to 127.0.0.1:${expect.port} or localhost:${expect.port}`,
    };
  }
  // Browsers send Origin on cross-origin requests; MCP clients that are not browsers send none.
  if (head.origin !== undefined && !hosts.some((h) => head.origin?.toLowerCase() === `http://${h}`)) {
    return { status: 403, message: `Origin "${head.origin}" is not allowed: web pages may not call Weld` };
  }
  const path = (head.url ?? '').split('?')[0];
  if (path !== MCP_PATH && path !== METRICS_PATH) {
    return { status: 404, message: `Not found: the MCP endpoint is ${MCP_PATH} (metrics: ${METRICS_PATH})` };
  }
  if (!tokenMatches(expect.token, head.authorization)) {
    return {
      status: 401,
      message:
        'Unauthorized: send "Authorization: Bearer <token>"; the token is in the http-token file of the Weld data dir (`weld config generic` prints it)',
    };
  }
  if (path === METRICS_PATH && head.method !== 'GET') {
    return { status: 405, message: `Method ${head.method} is not allowed: ${METRICS_PATH} answers GET` };
  }
  if (head.method !== 'POST' && head.method !== 'GET' && head.method !== 'DELETE') {
    return { status: 405, message: `Method ${head.method} is not allowed: use POST, GET or DELETE` };
  }
  return null;
}
