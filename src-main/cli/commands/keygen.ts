import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CliError, type Command } from '../command.js';

export const keygen: Command = {
  name: 'keygen',
  summary: 'Create an ECDSA P-256 key pair for signing components',
  usage: `Usage: weld keygen [--out <dir>] [--name <base>]

  --out <dir>     where to write <base>.key (private, mode 0600) and <base>.pub (default: current dir;
                  created owner-only when missing)
  --name <base>   file name base (default: weld)

Publish with: weld publish tool.wasm oci://host/repo:tag --key <base>.key
Let others trust it with: weld trust add-key <name> <base>.pub`,
  options: { out: { type: 'string' }, name: { type: 'string' } },
  async run({ io, values }) {
    const { generateSigningKeyPair } = await import('../../engine/registry/keys.js');
    const base = (values.name as string | undefined) ?? 'weld';
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(base)) throw new CliError(`bad --name "${base}": letters, digits, . _ -`);
    const dir = resolve((values.out as string | undefined) ?? '.');
    const keyPath = resolve(dir, `${base}.key`);
    const pubPath = resolve(dir, `${base}.pub`);
    const pair = generateSigningKeyPair();
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      // 'wx': never overwrite an existing key; losing a signing key cannot be undone.
      writeFileSync(keyPath, pair.privateKeyPem, { mode: 0o600, flag: 'wx' });
      writeFileSync(pubPath, pair.publicKeyPem, { mode: 0o644, flag: 'wx' });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new CliError(
        e.code === 'EEXIST' ? `${e.path} already exists; not overwriting a key` : `cannot write the key: ${e.message}`,
      );
    }
    io.stdout(`private key: ${keyPath}\npublic key:  ${pubPath}\n`);
    return 0;
  },
};
