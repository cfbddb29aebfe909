import type { Command } from '../command.js';
import { packageRootOf, runChecks } from '../doctor/checks.js';
import { dataDir } from '../engine.js';
import { platformInfo } from '../mcp-clients/endpoint.js';

const MARK = { ok: '✓', warn: '!', fail: '✗' } as const;

export const doctor: Command = {
  name: 'doctor',
  summary: 'Check that Weld runs and that your MCP clients reach it, with a fix for each problem',
  usage: `Usage: weld doctor [--json]

Checks Node, the data dir, whether Weld is running and its socket answers, each MCP client's Weld
entry (does its command exist?), the weld command on PATH, Electron and Chromium.
Exit status 1 when something must be fixed (✗); ! marks advice.`,
  options: { json: { type: 'boolean' } },
  async run({ io, values }) {
    const findings = await runChecks({
      home: dataDir(io),
      platform: platformInfo(io),
      packageRoot: packageRootOf(process.argv[1]),
    });
    if (values.json) io.stdout(`${JSON.stringify(findings, null, 2)}\n`);
    else {
      for (const f of findings)
        io.stdout(`${MARK[f.level]} ${f.what}\n${f.fix && f.level !== 'ok' ? `    fix: ${f.fix}\n` : ''}`);
    }
    return findings.some((f) => f.level === 'fail') ? 1 : 0;
  },
};
