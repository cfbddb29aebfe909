import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { limitsComponent } from './fixtures/wat-components.js';
import { runWeld, tempHome, WELD_BIN } from './helpers.js';

/**
 * Every module `weld serve` loads before it answers is on the cold path of every MCP client that spawns
 * it (issue 4). This records what the built server actually loads through a module resolve hook and
 * reads the bundled chunks' source markers, so code that drags the registry, sigstore, the transpiler
 * or the web UI back into serving fails here rather than only in the bench.
 */
/** `node --import` code that appends every module URL the process (and its worker threads) resolves to `log`. */
function recordLoads(log: string): string {
  const hook = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, r.url + '\\n');
  return r;
}`;
  const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`;
  return `data:text/javascript,${encodeURIComponent(register)}`;
}

/** Source paths (as the bundle names them, or as package paths) that serving installed tools must not load. */
const NOT_ON_THE_COLD_PATH = [
  'src-main/engine/registry/index.ts',
  'src-main/engine/registry/oci-client.ts',
  'src-main/engine/registry/verify.ts',
  'src-main/engine/registry/sign.ts',
  '@sigstore/',
  '@bytecodealliance/jco-transpile',
  'src-main/engine/runtime/analyze.ts',
  'src-main/web/',
  'src-main/api/',
  'src-main/engine/mcp/transports/http-endpoint.ts',
  '@modelcontextprotocol/sdk/dist/esm/server/streamableHttp.js',
  'src-main/authoring/',
  'src-main/cli/commands/install.ts',
];

let home: string;
let cleanup: () => void;
beforeEach(() => ({ home, cleanup } = tempHome()));
afterEach(() => cleanup());

describe('weld serve --stdio cold path', () => {
  it('serves an installed tool without loading the registry, sigstore, the transpiler or the web UI', async () => {
    const wasm = join(home, 'limits.wasm');
    writeFileSync(wasm, await limitsComponent());
    expect((await runWeld(['install', wasm], home)).code).toBe(0);

    const loaded = join(home, 'loaded.txt');
    writeFileSync(loaded, '');
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', recordLoads(loaded), WELD_BIN, 'serve', '--stdio'],
      env: { ...(process.env as Record<string, string>), WELD_HOME: home },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'cold-path-test', version: '1' });
    await client.connect(transport);
    const res = await client.callTool({ name: 'add', arguments: { a: 2, b: 40 } });
    expect(res.content).toEqual([{ type: 'text', text: '42' }]);
    await client.close();

    const urls = [...new Set(readFileSync(loaded, 'utf8').split('\n').filter(Boolean))];
    // The hook saw the server load (the CLI entry and at least one engine chunk), so an empty list is not a pass.
    expect(urls.some((u) => u.endsWith('/out/main/cli.js'))).toBe(true);
    const sources = urls.flatMap((url) => {
      if (!url.startsWith('file:')) return [];
      const path = fileURLToPath(url);
      if (!path.includes(`${join('out', 'main')}`)) return [path];
      // A bundled chunk names the source files it holds in `// path` comments.
      return [path, ...Array.from(readFileSync(path, 'utf8').matchAll(/^\/\/ (\S+)$/gm), (m) => m[1])];
    });
    expect(sources.some((s) => s.includes('src-main/engine/weld.ts'))).toBe(true);
    for (const forbidden of NOT_ON_THE_COLD_PATH) {
      expect(
        sources.filter((s) => s.includes(forbidden)),
        forbidden,
      ).toEqual([]);
    }
  });
});
