import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { FsAnchors } from '../src-main/engine/policy/fs-uri.js';
import { normalizeTarget } from '../src-main/engine/policy/targets.js';
import type { Grant } from '../src-main/engine/policy/types.js';
import type { ComponentRecord } from '../src-main/engine/store/components.js';

export const REPO = resolve(import.meta.dirname, '..');
export const WELD_BIN = join(REPO, 'bin', 'weld.js');

/** A tool result's text, as the client shows it. */
export const resultText = (r: Record<string, unknown>): string =>
  ((r.content ?? []) as { text: string }[]).map((c) => c.text).join('\n');

/** A fresh WELD_HOME per test, removed afterwards. */
export function tempHome(prefix = 'weld-test-'): { home: string; cleanup: () => void } {
  const home = mkdtempSync(join(tmpdir(), prefix));
  return { home, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real built `weld` binary as a user would. */
export async function runWeld(
  args: string[],
  home: string,
  opts: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [WELD_BIN, ...args], {
      env: { ...process.env, WELD_HOME: home, ...opts.env },
      timeout: opts.timeoutMs ?? 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** `weld <args>` that must succeed: a failure names the command and shows its output. */
export async function weldOk(home: string, args: string[], timeoutMs = 120_000): Promise<CliResult> {
  const r = await runWeld(args, home, { timeoutMs });
  if (r.code !== 0) throw new Error(`weld ${args.join(' ')} exited ${r.code}\n${r.stdout}${r.stderr}`);
  return r;
}

/** `weld serve --stdio` on this data dir, started the way an MCP client starts its server. */
export function serveStdio(home: string): StdioClientTransport {
  return new StdioClientTransport({
    command: process.execPath,
    args: [WELD_BIN, 'serve', '--stdio'],
    env: { ...(process.env as Record<string, string>), WELD_HOME: home },
    stderr: 'pipe',
  });
}

/** A realistic installed component row, for tests that need something in the list. */
export function sampleComponent(overrides: Partial<ComponentRecord> = {}): ComponentRecord {
  return {
    id: 'fetch-notes',
    digest: `sha256:${'ab'.repeat(32)}`,
    sourceRef: 'oci://ghcr.io/example/fetch-notes:1.2.0',
    name: 'fetch-notes',
    version: '1.2.0',
    signatureStatus: 'verified',
    publisher: 'https://github.com/example/fetch-notes/.github/workflows/release.yml@refs/tags/v1.2.0',
    requestedCapabilities: [
      { kind: 'storage', target: 'fs://~/Documents/notes/**', access: 'read', source: 'policy' },
      { kind: 'network', target: 'api.github.com:443', source: 'policy' },
      { kind: 'environment', target: 'GITHUB_TOKEN', source: 'wit' },
    ],
    tools: [
      {
        name: 'search-notes',
        export: 'search-notes',
        description: 'Search your notes for a phrase',
        inputSchema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
      },
      { name: 'fetch-issue', export: 'fetch-issue', description: 'Fetch a GitHub issue', inputSchema: { type: 'object' } },
    ],
    wit: '',
    policy: null,
    enabled: true,
    installedAt: Date.UTC(2026, 10, 20, 9, 30),
    ...overrides,
  };
}

/** A standing grant of `notes` in its canonical spelling, for checker tests that need no engine. */
export function testGrant(
  anchors: FsAnchors,
  kind: Grant['kind'],
  target: string,
  access?: string,
  extra: Partial<Grant> = {},
): Grant {
  const t = normalizeTarget(kind, target, access, anchors);
  return {
    id: 'g1',
    componentId: 'notes',
    kind,
    target: t.target,
    access: t.access,
    scope: 'always',
    decidedBy: 'ann',
    decidedAt: 0,
    expiresAt: null,
    callId: null,
    digest: null,
    signer: null,
    ...extra,
  };
}

/** The WASI error-code a host call fails with ('ok' when it returns), as the glue sees a thrown value. */
export function wasiCode(fn: () => unknown): unknown {
  try {
    fn();
    return 'ok';
  } catch (err) {
    if (err instanceof Error) throw err;
    return err;
  }
}
