import { grantCommand } from '../../engine/policy/index.js';
import type { ComponentDiff } from '../../engine/registry/component-diff.js';
import { applyUpdate, checkUpdate, refuseDowngrade, type UpdateCheck, UpdateError } from '../../engine/registry/update.js';
import { SourceError } from '../../engine/runtime/sources.js';
import type { RequestedCapability } from '../../engine/store/components.js';
import type { Weld } from '../../engine/weld.js';
import { CliError, type CliIo, type Command, UsageError } from '../command.js';
import { formatCapability } from '../component-report.js';
import { withWeld } from '../engine.js';
import { registryCall } from '../registry.js';

const short = (digest: string) => `${digest.slice(0, 19)}…`;

function who(publisher: string | null, status: string): string {
  return status === 'verified' ? `signed by ${publisher}` : `NOT VERIFIED (${status})`;
}

function diffLines(d: ComponentDiff, granted: Set<string>, componentId: string): string[] {
  const key = (c: RequestedCapability) => `${c.kind}\0${c.target}\0${c.access ?? ''}`;
  const lines = ['requests:'];
  for (const c of d.added) {
    const hint = c.target === '*' ? '' : `; to allow: ${grantCommand(componentId, c.kind, c.target, c.access)}`;
    lines.push(`  + ${formatCapability(c)}   NEW, not granted${hint}`);
  }
  const stillAsked = new Set([...d.added, ...d.kept].map((c) => `${c.kind}\0${c.target}`));
  for (const c of d.removed) {
    const revoked = granted.has(key(c)) && !stillAsked.has(`${c.kind}\0${c.target}`);
    lines.push(`  - ${formatCapability(c)}   no longer requested${revoked ? '; its grant will be revoked' : ''}`);
  }
  for (const c of d.kept) lines.push(`    ${formatCapability(c)}   ${granted.has(key(c)) ? 'granted, kept' : 'not granted'}`);
  if (lines.length === 1) lines.push('  none');
  const t = d.tools;
  if (t.added.length + t.removed.length + t.changed.length) {
    lines.push('tools:');
    for (const x of t.added) lines.push(`  + ${x.name}: ${x.description}`);
    for (const x of t.removed) lines.push(`  - ${x.name}`);
    for (const x of t.changed) {
      lines.push(`  ~ ${x.name}: ${x.changes.join(' and ')} changed`);
      if (x.changes.includes('name')) lines.push(`      was named: ${x.before.name}`);
      if (x.changes.includes('description')) {
        lines.push(`      was: ${x.before.description}`, `      now: ${x.after.description}`);
      }
    }
  }
  return lines;
}

function report(check: UpdateCheck, granted: Set<string>): string {
  const { installed, source, diff } = check;
  if (!source || !diff) return '';
  return `${[
    `${installed.id}: ${check.ref}`,
    `  installed  ${short(installed.sourceRef.split('@')[1] ?? installed.digest)}  ${who(installed.publisher, installed.signatureStatus)}`,
    `  available  ${short(check.available.split('@')[1])}  ${who(source.publisher, source.signatureStatus)}${check.publisherChanged ? '   PUBLISHER CHANGED' : ''}`,
    ...(check.downgrade ? [`  POSSIBLE ROLLBACK: ${check.downgrade}`] : []),
    ...diffLines(diff, granted, installed.id),
  ].join('\n')}\n`;
}

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** Checks one component and installs its update when allowed; text goes to io, the JSON form is returned. */
async function updateOne(io: CliIo, weld: Weld, id: string, values: Values): Promise<{ code: number; json: unknown }> {
  const check = await registryCall(() =>
    checkUpdate(weld, id, {
      tag: values.tag as string | undefined,
      allowUnsigned: Boolean(values['allow-unsigned']),
    }),
  ).catch((err: unknown) => {
    if (err instanceof UpdateError || err instanceof SourceError) throw new CliError(err.message);
    if (err instanceof Error && /cannot read the component/.test(err.message)) throw new CliError(err.message);
    throw err;
  });
  const summary = {
    id,
    ref: check.ref,
    installed: check.installed.sourceRef,
    available: check.available,
    upToDate: check.upToDate,
    needsApproval: check.needsApproval,
    publisherChanged: check.publisherChanged,
    downgrade: check.downgrade,
    diff: check.diff ?? null,
  };
  if (check.upToDate) {
    if (!values.json) io.stdout(`${id} is up to date (${check.ref} is ${short(check.available.split('@')[1])})\n`);
    return { code: 0, json: { ...summary, updated: false } };
  }
  const granted = new Set(
    weld.policy
      .requested(id)
      .filter((c) => c.granted)
      .map((c) => `${c.kind}\0${c.target}\0${c.access ?? ''}`),
  );
  if (!values.json) io.stdout(report(check, granted));
  const allowDowngrade = Boolean(values['allow-downgrade']);
  try {
    refuseDowngrade(weld, check, 'cli', allowDowngrade);
  } catch (err) {
    if (err instanceof UpdateError) throw new CliError(err.message);
    throw err;
  }

  if (!values.yes) {
    if (io.confirm) {
      if (!(await io.confirm(`Update ${id} to ${short(check.available.split('@')[1])}?`))) {
        io.stderr(`${id} not updated\n`);
        return { code: 1, json: { ...summary, updated: false } };
      }
    } else if (check.needsApproval) {
      const why = check.downgrade
        ? 'is older than the installed one'
        : check.publisherChanged
          ? 'has another publisher'
          : 'asks for more or describes its tools differently';
      throw new CliError(
        `not updated: the new version ${why} (see above). Run \`weld update ${id} --yes${check.downgrade ? ' --allow-downgrade' : ''}\` to accept it.`,
      );
    }
  }
  let outcome: Awaited<ReturnType<typeof applyUpdate>>;
  try {
    outcome = await applyUpdate(weld, check, 'cli', { allowDowngrade });
  } catch (err) {
    throw new CliError(`not updated: ${err instanceof Error ? err.message : String(err)}`);
  }
  const json = { ...summary, updated: true, revoked: outcome.revoked, ungranted: outcome.ungranted };
  if (values.json) return { code: 0, json };
  io.stdout(`${id} ${check.downgrade ? 'downgraded' : 'updated'} to ${check.available}\n`);
  for (const c of outcome.revoked) io.stdout(`revoked: ${formatCapability(c)}\n`);
  const askable = outcome.ungranted.filter((c) => c.target !== '*');
  if (askable.length) {
    io.stdout('Not granted (the tool is denied these until you allow them):\n');
    for (const c of askable) io.stdout(`  ${grantCommand(id, c.kind, c.target, c.access)}\n`);
  }
  return { code: 0, json };
}

export const update: Command = {
  name: 'update',
  summary: 'Update a component from its registry, showing what it asks for that it did not before',
  usage: `Usage: weld update [component] [--tag TAG] [--yes] [--allow-unsigned] [--json]

Looks the component's tag up again in the registry it came from (without a component: every component
installed from a registry), verifies the new version's signature, and shows the difference: capabilities
added and removed, tools added, removed or re-described.
Grants of capabilities the new version still asks for are kept; grants of ones it dropped are revoked;
nothing new is granted. At a terminal you are asked before it installs. Without a terminal it installs
only when nothing new is asked for, unless --yes.

  --tag TAG           move to another tag (default: the tag it was installed from)
  --yes               install without asking, even when it asks for more
  --allow-unsigned    accept a new version whose signature is missing or untrusted (audited)
  --allow-downgrade   install a version whose signed creation time is older than the installed one's,
                      or that cannot be shown to be newer (audited); refused otherwise, even with --yes
  --json              print the check and the outcome as JSON`,
  options: {
    tag: { type: 'string' },
    yes: { type: 'boolean' },
    'allow-downgrade': { type: 'boolean' },
    'allow-unsigned': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run({ io, values, positionals }) {
    if (positionals.length > 1) throw new UsageError('expected at most one component id (see weld list)');
    if (positionals.length === 0 && values.tag !== undefined) throw new UsageError('--tag needs a component id');
    return withWeld(io, async (weld) => {
      if (positionals.length === 1) {
        const { code, json } = await updateOne(io, weld, positionals[0], values);
        if (values.json) io.stdout(`${JSON.stringify(json, null, 2)}\n`);
        return code;
      }
      const ids = weld.store.components
        .list()
        .filter((c) => c.sourceRef.startsWith('oci://'))
        .map((c) => c.id);
      if (!ids.length && !values.json) io.stdout('No component was installed from a registry; nothing to update.\n');
      let code = 0;
      const all: unknown[] = [];
      for (const id of ids) {
        try {
          const one = await updateOne(io, weld, id, values);
          code = Math.max(code, one.code);
          all.push(one.json);
        } catch (err) {
          if (!(err instanceof CliError)) throw err;
          io.stderr(`weld update ${id}: ${err.message}\n`);
          all.push({ id, error: err.message });
          code = 1;
        }
      }
      if (values.json) io.stdout(`${JSON.stringify(all, null, 2)}\n`);
      return code;
    });
  },
};
