import type { Command } from './command.js';

/**
 * A subcommand as `weld --help` lists it. Its module, and everything that module imports, loads only
 * when it runs: `weld serve` must not pay for the registry, sigstore, the build tooling or the web UI.
 * The name and summary are the command's own (commands.test.ts checks they agree).
 */
export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Command>;
}

/** Every `weld` subcommand, in the order `weld --help` shows them. */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'serve',
    summary: 'Run the MCP server headless (stdio, Unix socket, localhost HTTP) and/or the web UI',
    load: async () => {
      // A component's thread boots while the engine loads: the longest step of a cold start, started first.
      (await import('../engine/runtime/worker-pool.js')).prebootRuntimeWorker();
      return (await import('./commands/serve.js')).serve;
    },
  },
  {
    name: 'connect',
    summary: 'Bridge stdio to the running Weld (for clients that only spawn stdio servers)',
    load: async () => (await import('./commands/connect.js')).connect,
  },
  {
    name: 'clients',
    summary: 'List the MCP clients found on this machine and whether they use Weld',
    load: async () => (await import('./commands/clients.js')).clients,
  },
  {
    name: 'config',
    summary: "Print or write Weld's entry in an MCP client's config",
    load: async () => (await import('./commands/config.js')).config,
  },
  {
    name: 'doctor',
    summary: 'Check that Weld runs and that your MCP clients reach it, with a fix for each problem',
    load: async () => (await import('./commands/doctor.js')).doctor,
  },
  {
    name: 'install',
    summary: 'Install a component from a file or an OCI registry',
    load: async () => (await import('./commands/install.js')).install,
  },
  {
    name: 'update',
    summary: 'Update a component from its registry, showing what it asks for that it did not before',
    load: async () => (await import('./commands/update.js')).update,
  },
  {
    name: 'remove',
    summary: 'Remove an installed component, its grants and its cached code',
    load: async () => (await import('./commands/remove.js')).remove,
  },
  {
    name: 'list',
    summary: 'List installed components and their tools',
    load: async () => (await import('./commands/list.js')).list,
  },
  {
    name: 'tools',
    summary: 'List the tools Weld serves, with their arguments',
    load: async () => (await import('./commands/call.js')).tools,
  },
  {
    name: 'call',
    summary: 'Call a tool from the terminal',
    load: async () => (await import('./commands/call.js')).call,
  },
  {
    name: 'logs',
    summary: 'Show recent tool calls (--follow to stream new ones)',
    load: async () => (await import('./commands/logs.js')).logs,
  },
  {
    name: 'audit',
    summary: 'Show the hash-chained audit log; --verify checks it has not been edited',
    load: async () => (await import('./commands/audit.js')).audit,
  },
  // permissions
  {
    name: 'grant',
    summary: 'Let a component use a path, host or environment variable',
    load: async () => (await import('./commands/grant.js')).grant,
  },
  {
    name: 'revoke',
    summary: 'Take a granted path, host or environment variable away from a component',
    load: async () => (await import('./commands/revoke.js')).revoke,
  },
  {
    name: 'reapprove',
    summary: 'Give the grants of a replaced component back to its new code',
    load: async () => (await import('./commands/reapprove.js')).reapprove,
  },
  {
    name: 'requests',
    summary: 'List capability requests waiting for you, and allow or deny them',
    load: async () => (await import('./commands/requests.js')).requests,
  },
  {
    name: 'policy',
    summary: "Show a component's requests and grants, or export them as a policy file",
    load: async () => (await import('./commands/policy.js')).policy,
  },
  {
    name: 'secret',
    summary: 'Store API keys and other secrets a component reads as environment variables',
    load: async () => (await import('./commands/secret.js')).secret,
  },
  // tool authors
  {
    name: 'new',
    summary: 'Create a new tool project: a WIT world, a plain function, a policy and a test',
    load: async () => (await import('./commands/new.js')).newTool,
  },
  {
    name: 'build',
    summary: 'Build a tool project into a WebAssembly component and show its tools and requests',
    load: async () => (await import('./commands/build.js')).build,
  },
  {
    name: 'dev',
    summary: 'Rebuild a tool project on every change and reload it into Weld',
    load: async () => (await import('./commands/dev.js')).dev,
  },
  // registry and signing
  {
    name: 'search',
    summary: 'Search the component catalog',
    load: async () => (await import('./commands/search.js')).search,
  },
  {
    name: 'inspect',
    summary: 'Show the tools, input schemas and requested capabilities of a component without installing it',
    load: async () => (await import('./commands/inspect.js')).inspect,
  },
  {
    name: 'inspect-oci',
    summary: 'Show publisher, digest, size and signature of a component in a registry',
    load: async () => (await import('./commands/inspect-oci.js')).inspectOci,
  },
  {
    name: 'publish',
    summary: 'Push a signed component to an OCI registry',
    load: async () => (await import('./commands/publish.js')).publish,
  },
  {
    name: 'keygen',
    summary: 'Create an ECDSA P-256 key pair for signing components',
    load: async () => (await import('./commands/keygen.js')).keygen,
  },
  {
    name: 'trust',
    summary: 'Manage who may sign the components you install',
    load: async () => (await import('./commands/trust.js')).trust,
  },
  {
    name: 'sources',
    summary: 'Folders from which MCP clients may add components without asking you',
    load: async () => (await import('./commands/sources.js')).sources,
  },
  {
    name: 'version',
    summary: 'Print the Weld version',
    load: async () => (await import('./commands/version.js')).version,
  },
];
