import { CALL_STATUSES, type CallStatus } from '../../engine/events.js';
import type { CallQuery, CallRow } from '../../engine/store/calls.js';
import { callHistoryDays, MAX_CALL_HISTORY_DAYS, pruneCallHistory, setCallHistoryDays } from '../../engine/store/retention.js';
import { type CliIo, type Command, UsageError } from '../command.js';
import { withStore } from '../engine.js';
import { isoTime } from '../format.js';
import { cliActor } from '../policy-cli.js';

const FOLLOW_POLL_MS = 300;

function line(c: CallRow): string {
  const ms = (c.durationUs / 1000).toFixed(1);
  const err = c.error ? `  ${c.error}` : '';
  return `${isoTime(c.startedAt)}  ${c.status.padEnd(9)} ${c.tool}  ${ms} ms  ${c.client ?? '-'}${err}\n`;
}

export const logs: Command = {
  name: 'logs',
  summary: 'Show recent tool calls (--follow to stream new ones)',
  usage: [
    'Usage: weld logs [--json] [--follow] [--limit N] [--tool NAME] [--status STATUS] [--search TEXT]',
    '       weld logs --keep DAYS|forever   how long calls stay in the log (default 90 days; the audit log is kept whole)',
  ].join('\n'),
  options: {
    json: { type: 'boolean' },
    follow: { type: 'boolean', short: 'f' },
    limit: { type: 'string' },
    tool: { type: 'string' },
    status: { type: 'string' },
    search: { type: 'string' },
    keep: { type: 'string' },
  },
  async run({ io, values }) {
    if (values.keep !== undefined) return keep(io, String(values.keep));
    const limit = values.limit === undefined ? 50 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100_000)
      throw new UsageError('--limit must be a whole number from 1 to 100000');
    const status = values.status as CallStatus | undefined;
    if (status !== undefined && !CALL_STATUSES.includes(status))
      throw new UsageError(`--status is one of ${CALL_STATUSES.join(', ')}`);
    // The same filters as the Live Log page: a tool's exact name, an outcome, text in tool, client, error or id.
    const filter: CallQuery = {
      tool: values.tool as string | undefined,
      status,
      text: (values.search as string | undefined)?.toLowerCase(),
    };
    const print = (c: CallRow) => io.stdout(values.json ? `${JSON.stringify(c)}\n` : line(c));
    return withStore(io, async (store) => {
      const recent = store.calls.list({ ...filter, limit }).reverse();
      for (const c of recent) print(c);
      if (!values.follow) return 0;
      // Another process (the tray app or `weld serve`) writes the calls, so follow by polling the DB.
      let after = recent.at(-1)?.startedAt ?? Date.now() - 1;
      const seen = new Set(recent.filter((c) => c.startedAt === after).map((c) => c.id));
      let stop = false;
      io.interrupted.then(() => {
        stop = true;
      });
      while (!stop) {
        await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
        const fresh = store.calls
          .list({ ...filter, afterStartedAt: after - 1, limit: 1000 })
          .reverse()
          .filter((c) => !seen.has(c.id));
        for (const c of fresh) {
          print(c);
          if (c.startedAt > after) {
            after = c.startedAt;
            seen.clear();
          }
          seen.add(c.id);
        }
      }
      return 0;
    });
  },
};

const keptFor = (days: number | null) => (days === null ? 'forever' : `for ${days} day${days === 1 ? '' : 's'}`);

async function keep(io: CliIo, value: string): Promise<number> {
  const days = value === 'forever' ? null : /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (days !== null && !(days >= 1 && days <= MAX_CALL_HISTORY_DAYS)) {
    throw new UsageError(`--keep takes a number of days from 1 to ${MAX_CALL_HISTORY_DAYS}, or "forever"`);
  }
  return withStore(io, async (store) => {
    const before = callHistoryDays(store);
    setCallHistoryDays(store, days, cliActor(io));
    const { calls } = await pruneCallHistory(store);
    io.stdout(
      `Tool calls are kept ${keptFor(days)} (before: ${keptFor(before)}). Removed ${calls} older call${calls === 1 ? '' : 's'}.\n`,
    );
    return 0;
  });
}
