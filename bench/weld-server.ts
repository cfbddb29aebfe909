// Weld's endpoints in their own process, for bench/transports.bench.ts: the real engine (dispatcher,
// argument validation, events, batched audit recorder) serving an in-process JS `add` tool equal to the
// baseline's. Usage: tsx bench/weld-server.ts socket PATH | http PORT
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../src-main/engine/log.js';
import { textResult } from '../src-main/engine/mcp/tool-table.js';
import { startEndpoints } from '../src-main/engine/mcp/transports/endpoints.js';
import { createWeld } from '../src-main/engine/weld.js';

const [mode, arg] = process.argv.slice(2);
const home = mkdtempSync(join(tmpdir(), 'weld-bench-'));
const weld = await createWeld({ home, logger: silentLogger });
weld.tools.add([
  {
    name: 'add',
    description: 'Add two integers',
    inputSchema: { type: 'object', properties: { a: { type: 'integer' }, b: { type: 'integer' } }, required: ['a', 'b'] },
    componentId: null,
    async invoke(args) {
      const sum = ((args.a as number) + (args.b as number)) | 0;
      return textResult(String(sum), { value: sum });
    },
  },
]);
const endpoints = await startEndpoints(weld, mode === 'socket' ? { socket: arg } : { http: Number(arg) });
process.stderr.write(`listening ${endpoints.socketPath ?? endpoints.httpUrl} ${endpoints.token ?? ''}\n`);
process.once('SIGTERM', async () => {
  await endpoints.close();
  await weld.stop();
  rmSync(home, { recursive: true, force: true });
  process.exit(0);
});
