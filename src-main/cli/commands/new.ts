import { resolve } from 'node:path';
import { scaffold, type ToolLang } from '../../authoring/scaffold.js';
import { CliError, type Command, UsageError } from '../command.js';

export const newTool: Command = {
  name: 'new',
  summary: 'Create a new tool project: a WIT world, a plain function, a policy and a test',
  usage: `Usage: weld new <name> [--lang ts|js] [--dir DIR]

  --lang   source language (default ts; TypeScript is type-stripped before componentizing)
  --dir    where to create it (default ./<name>)`,
  options: { lang: { type: 'string' }, dir: { type: 'string' } },
  async run({ io, values, positionals }) {
    const [name, ...extra] = positionals;
    if (!name || extra.length) throw new UsageError('give exactly one tool name');
    const lang = (values.lang ?? 'ts') as string;
    if (lang !== 'ts' && lang !== 'js') throw new UsageError('--lang must be ts or js');
    const dir = resolve(typeof values.dir === 'string' ? values.dir : name);
    let files: string[];
    try {
      files = scaffold(dir, name, lang as ToolLang);
    } catch (err) {
      throw new CliError((err as Error).message);
    }
    io.stdout(`Created ${dir}\n${files.map((f) => `  ${f}`).join('\n')}\n\nNext:\n  cd ${dir}\n  npm install\n  weld build\n`);
    return 0;
  },
};
