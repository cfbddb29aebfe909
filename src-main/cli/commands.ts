import type { Command } from './command.js';
import { audit } from './commands/audit.js';
import { build } from './commands/build.js';
import { call, tools } from './commands/call.js';
import { clients } from './commands/clients.js';
import { config } from './commands/config.js';
import { connect } from './commands/connect.js';
import { dev } from './commands/dev.js';
import { grant } from './commands/grant.js';
import { inspect } from './commands/inspect.js';
import { inspectOci } from './commands/inspect-oci.js';
import { install } from './commands/install.js';
import { keygen } from './commands/keygen.js';
import { list } from './commands/list.js';
import { logs } from './commands/logs.js';
import { newTool } from './commands/new.js';
import { policy } from './commands/policy.js';
import { publish } from './commands/publish.js';
import { remove } from './commands/remove.js';
import { requests } from './commands/requests.js';
import { revoke } from './commands/revoke.js';
import { search } from './commands/search.js';
import { secret } from './commands/secret.js';
import { serve } from './commands/serve.js';
import { trust } from './commands/trust.js';
import { update } from './commands/update.js';
import { version } from './commands/version.js';

/** Every `weld` subcommand, in the order `weld --help` shows them. */
export const COMMANDS: readonly Command[] = [
  serve,
  connect,
  clients,
  config,
  install,
  update,
  remove,
  list,
  tools,
  call,
  logs,
  audit,
  // permissions
  grant,
  revoke,
  requests,
  policy,
  secret,
  // tool authors
  newTool,
  build,
  dev,
  // registry and signing
  search,
  inspect,
  inspectOci,
  publish,
  keygen,
  trust,
  version,
];
