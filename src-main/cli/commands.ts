import type { Command } from './command.js';
import { audit } from './commands/audit.js';
import { build } from './commands/build.js';
import { list } from './commands/list.js';
import { logs } from './commands/logs.js';
import { newTool } from './commands/new.js';
import { serve } from './commands/serve.js';
import { version } from './commands/version.js';

/** Every `weld` subcommand, in the order `weld --help` shows them. */
export const COMMANDS: readonly Command[] = [serve, list, logs, audit, newTool, build, version];
