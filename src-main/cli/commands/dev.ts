import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTool, projectName } from '../../authoring/build.js';
import { type DevOutcome, DevSession } from '../../authoring/dev.js';
import { weldPaths } from '../../engine/config.js';
import { grantCommand } from '../../engine/policy/index.js';
import { componentIdFrom } from '../../engine/runtime/install.js';
import type { RequestedCapability } from '../../engine/store/components.js';
import { CliError, type Command, UsageError } from '../command.js';
import { formatCapability, formatTools } from '../component-report.js';
import { dataDir, withWeld } from '../engine.js';

/** Weld's own checkout: its devDependencies are the fallback toolchain for tool projects. */
const WELD_DIR = fileURLToPath(new URL('../..', import.meta.url));

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const clock = () => new Date().toTimeString().slice(0, 8);

function howToAllow(id: string, caps: RequestedCapability[]): string[] {
  return caps.map((c) =>
    c.target === '*'
      ? `    ${formatCapability(c)}   (from its imports: you are asked when it first uses one, or grant specific targets)`
      : `    ${formatCapability(c)}   to allow: ${grantCommand(id, c.kind, c.target, c.access)}`,
  );
}

function describe(outcome: DevOutcome, id: string): { out?: string; err?: string } {
  switch (outcome.kind) {
    case 'failed':
      return {
        err: `[${clock()}] ${outcome.stage} failed after ${seconds(outcome.ms)}:\n  ${outcome.message.replaceAll('\n', '\n  ')}\n  still watching: fix it and save\n`,
      };
    case 'unchanged':
      return { out: `[${clock()}] no change: the build is identical to the installed ${id} (${seconds(outcome.ms)})\n` };
    case 'installed': {
      const r = outcome.record;
      const lines = [
        `[${clock()}] ${outcome.first ? 'installed' : 'reinstalled'} ${id} ${r.digest.slice(0, 19)}… in ${seconds(outcome.ms)}`,
        ...formatTools(r.tools),
      ];
      const newAndUngranted = outcome.added.filter((c) =>
        outcome.ungranted.some((u) => u.kind === c.kind && u.target === c.target && u.access === c.access),
      );
      if (outcome.first && outcome.ungranted.length) {
        lines.push('  it asks for (nothing is granted yet):', ...howToAllow(id, outcome.ungranted));
      } else if (newAndUngranted.length) {
        lines.push(
          '  it now asks for more than before; its grants stay as they were and these are NOT granted:',
          ...howToAllow(id, newAndUngranted),
        );
      }
      return { out: `${lines.join('\n')}\n` };
    }
  }
}

export const dev: Command = {
  name: 'dev',
  summary: 'Rebuild a tool project on every change and reload it into Weld',
  usage: `Usage: weld dev [DIR] [--name ID]

Watches wit/, src/ and policy.yaml of a tool project (default: the current directory), rebuilds it like
\`weld build\` after each change and installs the build under one component id (default: the project
name). A running Weld (\`weld serve\` or the tray app) reloads it within a second and tells its MCP
clients the tool list changed. Grants stay as they are; what a build newly asks for is printed with the
command that grants it. A build error is printed with file and line, and dev keeps watching.
Ctrl-C stops.

  --name ID   install under this component id`,
  options: { name: { type: 'string' } },
  async run({ io, values, positionals }) {
    if (positionals.length > 1) throw new UsageError('give at most one project directory');
    const dir = resolve(positionals[0] ?? '.');
    if (!existsSync(join(dir, 'wit'))) {
      throw new CliError(`${dir} has no wit/ folder: is this a tool project? (create one with \`weld new\`)`);
    }
    let id: string;
    try {
      id = componentIdFrom(typeof values.name === 'string' ? values.name : projectName(dir));
    } catch (err) {
      throw new CliError((err as Error).message);
    }
    return withWeld(io, async (weld) => {
      const existing = weld.store.components.get(id);
      if (existing && !existing.sourceRef.startsWith('file:')) {
        throw new CliError(
          `${id} is installed from ${existing.sourceRef}; weld dev would replace it with your local build. Use --name <another id>, or \`weld remove ${id}\` first.`,
        );
      }
      const session = new DevSession(
        {
          dir,
          id,
          build: () => buildTool(dir, [WELD_DIR]),
          install: (src, o) => weld.install(src, o),
          components: weld.store.components,
          policy: weld.policy,
        },
        (outcome) => {
          const { out, err } = describe(outcome, id);
          if (out) io.stdout(out);
          if (err) io.stderr(err);
        },
        (reason) => io.stderr(`[${clock()}] ${reason}: building…\n`),
      );
      const running = existsSync(weldPaths(dataDir(io)).socket);
      io.stderr(
        `Watching ${dir} (wit/, src/, policy.yaml); each build is installed as "${id}" in ${weld.paths.home}.\n${
          running
            ? 'A running Weld serves it: it reloads each build within a second and its MCP clients see the new tools.\n'
            : 'No running Weld found: start one (weld serve --socket, or the tray app) to serve the tool to MCP clients.\n'
        }`,
      );
      session.watch();
      session.trigger('first build');
      await io.interrupted;
      if (session.building) io.stderr('Finishing the current build before stopping (Ctrl-C again to quit now)…\n');
      await session.close();
      return 0;
    });
  },
};
