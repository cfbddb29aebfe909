import { CliError, type CliIo, type Command, UsageError } from '../command.js';
import { cliActor, policyCall, withPolicy } from '../policy-cli.js';

export const secret: Command = {
  name: 'secret',
  summary: 'Store API keys and other secrets a component reads as environment variables',
  usage: `Usage: weld secret set <component> <KEY>      value from stdin, or a hidden prompt in a terminal
       weld secret list <component>
       weld secret remove <component> <KEY>

A secret is passed to the component only for keys granted with \`weld grant <component> env <KEY>\`.
Values are never taken from the command line (it ends up in shell history and process lists).`,
  options: {},
  async run({ io, positionals }) {
    const [sub, componentId, key, ...extra] = positionals;
    if (extra.length) throw new UsageError(`unexpected "${extra[0]}"`);
    if (!componentId) throw new UsageError('expected: set|list|remove <component>');
    if ((sub === 'set' || sub === 'remove') && !key) throw new UsageError(`expected: ${sub} <component> <KEY>`);
    if (sub === 'list' && key) throw new UsageError('expected: list <component>');
    if (sub !== 'set' && sub !== 'list' && sub !== 'remove')
      throw new UsageError(sub ? `unknown subcommand "${sub}"` : 'expected a subcommand');
    const value = sub === 'set' ? await readValue(io, `Value for ${key}: `) : '';
    return withPolicy(io, (weld) =>
      policyCall(() => {
        if (!weld.store.components.get(componentId))
          throw new CliError(`no component "${componentId}" is installed (see \`weld list\`)`);
        const store = weld.policy.secrets;
        // The key name is recorded, never the value.
        const audit = (action: string) =>
          weld.store.audit.append([{ at: Date.now(), actor: cliActor(io), action, subject: componentId, detail: { key } }]);
        try {
          if (sub === 'list') {
            const keys = store.keys(componentId);
            io.stdout(keys.length ? `${keys.join('\n')}\n` : `No secrets are set for ${componentId}.\n`);
            return 0;
          }
          if (sub === 'remove') {
            if (!store.remove(componentId, key)) throw new CliError(`${componentId} has no secret ${key}`);
            audit('secret.remove');
            io.stdout(`Removed secret ${key} of ${componentId}\n`);
            return 0;
          }
          store.set(componentId, key, value);
          audit('secret.set');
        } catch (err) {
          if (err instanceof CliError) throw err;
          throw new CliError((err as Error).message);
        }
        io.stdout(`Stored secret ${key} for ${componentId} (${store.cipher.description})\n`);
        if (!weld.policy.grants(componentId).some((g) => g.kind === 'environment' && g.target === key)) {
          io.stderr(`Note: ${componentId} cannot read it until you run: weld grant ${componentId} env ${key}\n`);
        }
        return 0;
      }),
    );
  },
};

async function readValue(io: CliIo, prompt: string): Promise<string> {
  const stdin = process.stdin;
  const raw = stdin.isTTY ? await hiddenPrompt(io, prompt) : await readAll();
  const value = raw.replace(/\r?\n$/, '');
  if (value === '') throw new CliError('the secret value is empty (pipe it on stdin or type it at the prompt)');
  return value;
}

function readAll(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    process.stdin.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 1024 * 1024) {
        reject(new CliError('the secret value on stdin is larger than 1 MiB'));
        process.stdin.destroy();
        return;
      }
      chunks.push(c);
    });
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

/** Reads a line without echoing it, so the value is not left on the screen. */
function hiddenPrompt(io: CliIo, prompt: string): Promise<string> {
  const stdin = process.stdin;
  io.stderr(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  let value = '';
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      io.stderr('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003' || ch === '\u0004') return done(new CliError('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}
