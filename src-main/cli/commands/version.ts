import { WELD_VERSION } from '../../engine/version.js';
import type { Command } from '../command.js';

export const version: Command = {
  name: 'version',
  summary: 'Print the Weld version',
  usage: 'Usage: weld version',
  options: {},
  async run({ io }) {
    io.stdout(`weld ${WELD_VERSION} (node ${process.versions.node})\n`);
    return 0;
  },
};
