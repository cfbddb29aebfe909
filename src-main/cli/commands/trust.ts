import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AuditSink } from '../../engine/registry/trust-changes.js';
import { CliError, type Command, UsageError } from '../command.js';
import { dataDir, withStore } from '../engine.js';
import { table } from '../format.js';
import { cliActor } from '../policy-cli.js';
import { registryCall } from '../registry.js';

export const trust: Command = {
  name: 'trust',
  summary: 'Manage who may sign the components you install',
  usage: `Usage: weld trust <subcommand>

  add-key <name> <public-key.pem>                       trust components signed with this key
  add-identity <name> --issuer <url> --subject <san>    trust keyless signatures by exactly this identity
  set-root <trusted_root.json>                          Sigstore trusted root for keyless signatures
  remove <name>                                         stop trusting a key or identity
  list [--json]                                         show the trust policy`,
  options: { json: { type: 'boolean' }, issuer: { type: 'string' }, subject: { type: 'string' } },
  async run({ io, values, positionals }) {
    const policy = await import('../../engine/registry/trust-policy.js');
    const changes = await import('../../engine/registry/trust-changes.js');
    const home = dataDir(io);
    // Every change to who is trusted goes into the audit log, as it does from the window.
    const audited = <T>(change: (audit: AuditSink) => T) =>
      withStore(io, (store) => registryCall(() => change((e) => store.audit.append(e))));
    const [sub, ...args] = positionals;
    switch (sub) {
      case 'add-key': {
        if (args.length !== 2) throw new UsageError('expected: add-key <name> <public-key.pem>');
        let pem: string;
        try {
          pem = readFileSync(args[1], 'utf8');
        } catch (err) {
          throw new CliError(`cannot read ${args[1]}: ${(err as NodeJS.ErrnoException).code ?? err}`);
        }
        const key = await audited((audit) => changes.trustKey(home, audit, cliActor(io), args[0], pem));
        io.stdout(`trusting key "${key.name}" (id ${key.fingerprint})\n`);
        return 0;
      }
      case 'add-identity': {
        if (args.length !== 1 || !values.issuer || !values.subject) {
          throw new UsageError('expected: add-identity <name> --issuer <url> --subject <san>');
        }
        const identity = { name: args[0], issuer: values.issuer as string, subject: values.subject as string };
        await audited((audit) => changes.trustIdentity(home, audit, cliActor(io), identity));
        io.stdout(`trusting keyless signatures by ${identity.subject} (issuer ${identity.issuer})\n`);
        return 0;
      }
      case 'set-root': {
        if (args.length !== 1) throw new UsageError('expected: set-root <trusted_root.json>');
        await registryCall(() => policy.setTrustedRoot(home, resolve(args[0])));
        io.stdout(`keyless signatures are checked against ${resolve(args[0])}\n`);
        return 0;
      }
      case 'remove': {
        if (args.length !== 1) throw new UsageError('expected: remove <name>');
        const kind = await audited((audit) => changes.untrust(home, audit, cliActor(io), args[0]));
        io.stdout(`no longer trusting ${kind} "${args[0]}"\n`);
        return 0;
      }
      case 'list': {
        const p = await registryCall(() => policy.loadTrustPolicy(home));
        if (values.json) {
          io.stdout(`${JSON.stringify(p, null, 2)}\n`);
          return 0;
        }
        if (!p.keys.length && !p.identities.length) {
          io.stdout('The trust policy is empty: signed components are refused until you trust a key (weld trust add-key).\n');
          return 0;
        }
        const rows = [
          ...p.keys.map((k) => ['key', k.name, `sha256:${k.fingerprint}`]),
          ...p.identities.map((i) => ['keyless', i.name, `${i.subject} (issuer ${i.issuer})`]),
        ];
        io.stdout(table(['KIND', 'NAME', 'IDENTITY'], rows));
        if (p.trustedRoot) io.stdout(`trusted root: ${p.trustedRoot}\n`);
        return 0;
      }
      default:
        throw new UsageError(sub ? `unknown subcommand "${sub}"` : 'expected a subcommand');
    }
  },
};
