import { readFileSync } from 'node:fs';
import { CliError, type Command, UsageError } from '../command.js';
import { openRegistry, registryCall } from '../registry.js';

function readInput(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new CliError(`cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
}

export const publish: Command = {
  name: 'publish',
  summary: 'Push a signed component to an OCI registry',
  usage: `Usage: weld publish <component.wasm> <oci://host/repo:tag> [--policy policy.yaml] (--key key.pem | --keyless)

  --key <file>         sign with this ECDSA P-256 private key (weld keygen)
  --keyless            sign with a Fulcio certificate for an OIDC identity, logged in Rekor; needs
                       --fulcio-url/--rekor-url (or WELD_FULCIO_URL/WELD_REKOR_URL) and the OIDC
                       token in SIGSTORE_ID_TOKEN
  --policy <file>      policy-mcp-rs YAML shipped as a layer beside the component
  --json               print the result as JSON

Registry logins come from registry-credentials.json in the data dir.`,
  options: {
    key: { type: 'string' },
    keyless: { type: 'boolean' },
    'fulcio-url': { type: 'string' },
    'rekor-url': { type: 'string' },
    policy: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run({ io, values, positionals }) {
    const [file, ref, ...extra] = positionals;
    if (!file || !ref || extra.length) throw new UsageError('expected a component file and an oci:// reference');
    if (Boolean(values.key) === Boolean(values.keyless)) throw new UsageError('choose one of --key <file> or --keyless');
    let signing: import('../../engine/registry/index.js').SigningMethod;
    if (values.key) {
      signing = { kind: 'key', privateKeyPem: readInput(values.key as string, 'key').toString('utf8') };
    } else {
      const fulcioUrl = (values['fulcio-url'] as string | undefined) ?? io.env.WELD_FULCIO_URL;
      const rekorUrl = (values['rekor-url'] as string | undefined) ?? io.env.WELD_REKOR_URL;
      const identityToken = io.env.SIGSTORE_ID_TOKEN;
      if (!fulcioUrl || !rekorUrl) throw new UsageError('--keyless needs a Fulcio and a Rekor URL');
      if (!identityToken) throw new UsageError('--keyless needs an OIDC identity token in SIGSTORE_ID_TOKEN');
      signing = { kind: 'keyless', fulcioUrl, rekorUrl, identityToken };
    }
    const wasm = readInput(file, 'component');
    const policyYaml = values.policy ? readInput(values.policy as string, 'policy').toString('utf8') : null;
    const registry = await openRegistry(io);
    const result = await registryCall(() => registry.publish({ ref, wasm, policyYaml, signing }));
    if (values.json) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    else
      io.stdout(
        `published ${result.reference}\n  digest:    ${result.digest}\n  pinned:    ${result.pinned}\n  signature: ${result.signature.digest}\n`,
      );
    return 0;
  },
};
