import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CapabilityKind, EventBus } from '../events.js';
import { type Logger, silentLogger } from '../log.js';
import type { AuditEntry } from '../store/audit.js';
import { createRequestStore, type RequestRow } from '../store/capability-requests.js';
import { watchDbChanges } from '../store/change-watch.js';
import type { ComponentRecord, RequestedCapability } from '../store/components.js';
import { createGrantStore, type GrantRow } from '../store/grants.js';
import type { Store } from '../store/index.js';
import { accessMinus, accessUnion } from './access.js';
import { type CompiledRules, compileRules, makeChecker } from './checker.js';
import { GrantError } from './errors.js';
import { exportPolicyYaml } from './export.js';
import { escapeGlob, type FsAnchors, normalizeHostPath, resolveFsText, unescapeGlob } from './fs-uri.js';
import { type Policy, parsePolicy } from './parse.js';
import { HOST_PATHS } from './path-rules.js';
import { buildPlan, protectedDirs, protectedGlobs, protectedSubtrees } from './plan.js';
import { SecretStore } from './secrets.js';
import { refuseSystemPath } from './system-paths.js';
import { grantCommand, normalizeTarget } from './targets.js';
import type {
  Answer,
  CapabilityChecker,
  Grant,
  GrantInput,
  GrantScope,
  PendingRequest,
  PromptChannel,
  RevokeInput,
  RuntimeRequest,
  SandboxPlan,
  Verdict,
} from './types.js';

export interface PolicyEngineOptions {
  store: Store;
  events: EventBus;
  /** Weld's data dir: never reachable by a component; holds workspaces and secrets. */
  dataDir: string;
  /** The home directory `fs://~/` means. */
  userHome: string;
  /** Environment granted keys are read from (at call time). */
  env: Record<string, string | undefined>;
  secrets?: SecretStore;
  /** How long a held call waits for a person (default 60 s). */
  requestTimeoutMs?: number;
  /** How long a request made through MCP stays open (default 24 h). */
  askTtlMs?: number;
  /** How often to look for decisions and grant changes made by other Weld processes (default 500 ms). */
  pollMs?: number;
  /** Another way to reach a person about a held call: the MCP client that made it, when trusted to ask. */
  prompt?: PromptChannel;
  logger?: Logger;
  now?: () => number;
}

export type AskResult = { status: 'granted'; rule: string } | { status: 'pending'; request: PendingRequest };

export interface RevokeResult {
  /** Grants removed outright. */
  removed: Grant[];
  /** Storage grants that kept part of their access. */
  narrowed: Grant[];
}

export interface PolicyEngine {
  /** This engine's id: session grants and held requests belong to it. */
  readonly session: string;
  readonly secrets: SecretStore;
  plan(componentId: string): SandboxPlan;
  /** `callId` lets once grants made for that call apply. */
  checker(componentId: string, callId?: string | null): CapabilityChecker;
  /**
   * Just-in-time: a guest touched something not granted. Holds until a person answers via decide(),
   * or denies after the timeout, or at once when nobody can answer (no decider registered here or in
   * another Weld process). Records the decision in the audit log.
   */
  request(r: RuntimeRequest): Promise<Verdict>;
  /** A grant asked for by a tool or model: becomes a pending request a person must confirm. */
  ask(r: { componentId: string; kind: CapabilityKind; target: string; access?: string; by: string }): AskResult;
  /** `channel` (window, cli, notification, elicitation) is how the answer reached Weld, for the audit log. */
  decide(requestId: string, answer: Answer, by: string, channel?: string): PendingRequest;
  pending(componentId?: string): PendingRequest[];
  getRequest(requestId: string): PendingRequest | undefined;
  grant(g: GrantInput): Grant;
  revoke(r: RevokeInput): RevokeResult;
  grants(componentId: string): Grant[];
  /** Grants given to other code (or another signer) under this id: they apply only once re-approved. */
  suspended(componentId: string): Grant[];
  /** A person re-approves the suspended grants for the code installed now. Returns how many. */
  reapprove(componentId: string, by: string): number;
  /** What the component asks for (policy and WIT imports), each marked with whether a grant covers it. */
  requested(componentId: string): (RequestedCapability & { granted: boolean })[];
  /**
   * Grants (always) every request in the component's list that names a concrete target: what
   * `weld install --yes` does after showing the list to the person. `*` entries from WIT imports name
   * nothing to grant and are returned in `skipped`.
   */
  approveRequested(componentId: string, by: string): { granted: Grant[]; skipped: RequestedCapability[] };
  reset(componentId: string, by: string): number;
  exportPolicy(componentId: string): string;
  /** Say that a person is here to answer requests (GUI open, interactive prompt). Returns the undo. */
  addDecider(name: string): () => void;
  hasDecider(): boolean;
  /** Picks up changes made by other processes now instead of at the next poll. */
  sync(): void;
  close(): void;
}

const DECIDER_FRESH_MS = 10_000;

const waited = (ms: number) => (ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`);
const HEARTBEAT_MS = 3_000;

export function createPolicyEngine(opts: PolicyEngineOptions): PolicyEngine {
  const { store, events } = opts;
  const db = store.db;
  const now = opts.now ?? Date.now;
  const logger = opts.logger ?? silentLogger;
  const timeoutMs = opts.requestTimeoutMs ?? 60_000;
  const askTtlMs = opts.askTtlMs ?? 24 * 3_600_000;
  const session = randomUUID();
  const secrets = opts.secrets ?? new SecretStore(join(opts.dataDir, 'secrets'));
  const grantRows = createGrantStore(db);
  const requests = createRequestStore(db);

  const sessionGrants = new Map<string, Grant[]>();
  let onceGrants: Grant[] = [];
  let gen = 0;
  const persisted = new Map<string, Grant[]>();
  const compiled = new Map<string, { gen: number; rules: CompiledRules }>();
  const policies = new Map<string, Policy | null>();
  const waiters = new Map<string, { resolve: ((v: Verdict) => void)[]; timer: NodeJS.Timeout }>();
  const applied = new Set<string>();
  const foreignPending = new Set<string>();
  const deciders = new Set<symbol>();
  let lastVersion = dataVersion();
  let lastBeat = 0;
  let lastDecidedScan = now();
  let closed = false;

  const anchors = (componentId: string): FsAnchors => ({
    home: opts.userHome,
    workspace: join(opts.dataDir, 'workspaces', componentId),
  });

  function dataVersion(): number {
    return db.pragma('data_version', { simple: true }) as number;
  }

  function component(componentId: string): ComponentRecord {
    const c = typeof componentId === 'string' ? store.components.get(componentId) : undefined;
    if (!c) throw new GrantError(`no component "${componentId}" is installed (see \`weld list\`)`, 'not-installed');
    return c;
  }

  function policyOf(c: ComponentRecord): Policy | null {
    if (!c.policy) return null;
    const key = `${c.id}\0${c.policy}`;
    if (!policies.has(key)) policies.set(key, parsePolicy(c.policy));
    return policies.get(key) ?? null;
  }

  function fromRow(r: GrantRow): Grant {
    return { ...r, id: `g${r.id}`, callId: null };
  }

  function storedGrants(componentId: string): Grant[] {
    let g = persisted.get(componentId);
    if (!g) {
      g = grantRows.of(componentId).map(fromRow);
      persisted.set(componentId, g);
    }
    return g;
  }

  function changed(componentId: string | null): void {
    gen += 1;
    persisted.clear();
    scheduleExpiry();
    if (componentId) events.emit('grants.changed', { componentId });
  }

  /** What a grant made now is bound to: the code and signer installed under the id. */
  function codeOf(componentId: string): { digest: string | null; signer: string | null } {
    const c = store.components.get(componentId);
    return { digest: c?.digest ?? null, signer: c?.publisher ?? null };
  }

  /**
   * An expiring grant must stop working the moment it expires, also in an instance started before:
   * a timer on the earliest expiry announces the change, and the runtime rebuilds that sandbox.
   */
  let expiryTimer: NodeJS.Timeout | undefined;
  /** Stored and session grants with an end date: the ones the expiry timer watches. */
  const expiring = (): Grant[] =>
    [...grantRows.list().map(fromRow), ...[...sessionGrants.values()].flat()].filter((g) => g.expiresAt !== null);
  function scheduleExpiry(): void {
    if (closed) return;
    clearTimeout(expiryTimer);
    const t = now();
    let next = Number.POSITIVE_INFINITY;
    for (const g of expiring()) {
      if (g.expiresAt !== null && g.expiresAt > t) next = Math.min(next, g.expiresAt);
    }
    if (next === Number.POSITIVE_INFINITY) return;
    // setTimeout holds at most 2^31-1 ms; a later expiry is looked at again then.
    expiryTimer = setTimeout(expireDue, Math.min(next - t, 2 ** 31 - 1) + 1);
    expiryTimer.unref();
  }

  let lastExpiryScan = now();
  function expireDue(): void {
    const t = now();
    const due = new Map<string, Grant[]>();
    for (const g of expiring()) {
      if (g.expiresAt !== null && g.expiresAt > lastExpiryScan && g.expiresAt <= t)
        due.set(g.componentId, [...(due.get(g.componentId) ?? []), g]);
    }
    lastExpiryScan = t;
    for (const [componentId, grants] of due) {
      audit({
        actor: 'weld:expiry',
        action: 'policy.expired',
        subject: componentId,
        detail: { grants: grants.map((g) => ({ id: g.id, kind: g.kind, target: g.target, expiresAt: g.expiresAt })) },
      });
      changed(componentId);
    }
    if (due.size === 0) scheduleExpiry();
  }

  /** Every grant of the component that is not a once grant, whichever code it was given to. */
  function allStanding(componentId: string): Grant[] {
    return [...storedGrants(componentId), ...(sessionGrants.get(componentId) ?? [])];
  }

  const boundTo = (c: ComponentRecord | undefined) => (g: Grant) =>
    c !== undefined && g.digest === c.digest && g.signer === (c.publisher ?? null);

  /** The grants that apply: those given to the code (and signer) installed now. */
  function standing(componentId: string): Grant[] {
    return allStanding(componentId).filter(boundTo(store.components.get(componentId)));
  }

  function rulesFor(componentId: string, callId: string | null): CompiledRules {
    const cached = compiled.get(componentId);
    const once = onceGrants.length
      ? onceGrants.filter((g) => g.componentId === componentId && (g.callId === null || g.callId === callId))
      : [];
    if (cached && cached.gen === gen && once.length === 0) return cached.rules;
    const c = store.components.get(componentId);
    const rules = compileRules({
      componentId,
      grants: c ? [...standing(componentId), ...once.filter(boundTo(c))] : [],
      policy: c ? policyOf(c) : null,
      anchors: anchors(componentId),
      protectedGlobs: protectedGlobs(opts.dataDir, componentId),
    });
    if (once.length === 0) compiled.set(componentId, { gen, rules });
    return rules;
  }

  function audit(e: Omit<AuditEntry, 'at'>): void {
    store.audit.append([{ ...e, at: now() }]);
  }

  function toPending(r: RequestRow): PendingRequest {
    return {
      id: r.id,
      componentId: r.componentId,
      callId: r.callId,
      kind: r.kind,
      target: r.target,
      access: r.access,
      origin: r.origin,
      requestedBy: r.requestedBy,
      requestedAt: r.requestedAt,
      expiresAt: r.expiresAt,
      status: r.status,
      scope: r.scope,
      decidedBy: r.decidedBy,
      decidedAt: r.decidedAt,
      suggestedScope: r.origin === 'mcp' ? 'always' : 'once',
    };
  }

  function checkBy(by: string): string {
    if (typeof by !== 'string' || by.trim() === '' || by.length > 200)
      throw new GrantError('who decided must be named (1-200 characters)', 'bad-input');
    return by.trim();
  }

  function newRequestId(): string {
    return randomBytes(5).toString('hex');
  }

  /** Makes a decided request's grant real in this process (session/once grants live here only). */
  function applyDecision(r: RequestRow): Grant | null {
    if (applied.has(r.id)) return null;
    applied.add(r.id);
    if (r.status !== 'allowed' || !r.scope) return null;
    if (r.scope === 'always') {
      changed(r.componentId);
      return null;
    }
    const g: Grant = {
      id: `${r.scope === 'once' ? 'o' : 's'}-${r.id}`,
      componentId: r.componentId,
      kind: r.kind,
      target: r.target,
      access: r.access,
      scope: r.scope,
      decidedBy: r.decidedBy ?? 'unknown',
      decidedAt: r.decidedAt ?? now(),
      expiresAt: null,
      callId: r.callId,
      ...codeOf(r.componentId),
    };
    if (r.scope === 'once') onceGrants.push(g);
    else addSessionGrant(g);
    changed(r.componentId);
    return g;
  }

  function addSessionGrant(g: Grant): void {
    const list = (sessionGrants.get(g.componentId) ?? []).filter((x) => !(x.kind === g.kind && x.target === g.target));
    const prior = (sessionGrants.get(g.componentId) ?? []).find((x) => x.kind === g.kind && x.target === g.target);
    const merged = prior && g.kind === 'storage' ? { ...g, access: accessUnion(prior.access, g.access) } : g;
    sessionGrants.set(g.componentId, [...list, merged]);
  }

  function verdictOf(r: RequestRow): Verdict {
    if (r.status === 'allowed') return { decision: 'allowed', rule: `${r.scope} grant by ${r.decidedBy} (request ${r.id})` };
    const what = `${r.kind} ${r.target}${r.access ? ` (${r.access})` : ''}`;
    const why =
      r.status === 'expired'
        ? `${what} was not granted: no answer within ${waited(r.expiresAt - r.requestedAt)}`
        : `${what} was denied by ${r.decidedBy}`;
    return {
      decision: 'denied',
      reason: why,
      grantCommand: grantCommand(r.componentId, r.kind, r.target, r.access || undefined),
    };
  }

  function finish(r: RequestRow): void {
    applyDecision(r);
    const w = waiters.get(r.id);
    if (!w) return;
    waiters.delete(r.id);
    clearTimeout(w.timer);
    // The runtime records the use it then makes or refuses (one capability event per attempt); the
    // decision itself is in the audit log.
    const verdict = verdictOf(r);
    for (const resolve of w.resolve) resolve(verdict);
  }

  function decided(r: RequestRow, by: string): void {
    events.emit('capability.decided', {
      requestId: r.id,
      callId: r.callId,
      componentId: r.componentId,
      kind: r.kind,
      target: r.target,
      decision: r.status === 'allowed' ? 'allowed' : 'denied',
      by,
    });
  }

  function expire(id: string, reason: string): void {
    const at = now();
    const won = requests.decide({ id, status: 'expired', scope: null, decidedBy: reason, decidedAt: at });
    const row = requests.get(id);
    if (!row) return;
    if (won) {
      audit({
        actor: reason,
        action: 'policy.decide',
        subject: row.componentId,
        detail: { requestId: id, kind: row.kind, target: row.target, access: row.access, answer: 'deny', callId: row.callId },
      });
      decided(row, reason);
    }
    finish(row);
  }

  /** A grant inside Weld's data dir or a system tree could never take effect (deny wins); say so instead of storing it. */
  function refuseDataDir(componentId: string, target: string): void {
    const base = resolveFsText(target, anchors(componentId)).base;
    refuseSystemPath(target, base);
    const data = opts.dataDir.replace(/\/+$/, '');
    const own = anchors(componentId).workspace;
    if (HOST_PATHS.inside(data, base) && !HOST_PATHS.inside(own, base)) {
      throw new GrantError(
        `${target} is inside Weld's data directory (grants, secrets, audit), which no component can use; ` +
          `relative fs:// URIs name the component's own workspace (${own})`,
        'bad-target',
      );
    }
  }

  /** The database refused a write: deny the held call anyway rather than leave it hanging. */
  function failClosed(id: string, err: unknown): void {
    logger.error('could not record a capability decision; denying', { requestId: id, err: String(err) });
    const w = waiters.get(id);
    if (!w) return;
    waiters.delete(id);
    clearTimeout(w.timer);
    for (const resolve of w.resolve)
      resolve({ decision: 'denied', reason: `Weld could not record the request (${String(err)})`, grantCommand: '' });
  }

  function sync(): void {
    if (closed) return;
    const t = now();
    if (deciders.size && t - lastBeat >= HEARTBEAT_MS) beat();
    const v = dataVersion();
    if (v === lastVersion) return;
    lastVersion = v;
    // Another process wrote: grants may have changed under us.
    const before = new Map<string, string>();
    for (const [id, g] of persisted) before.set(id, JSON.stringify(g));
    changed(null);
    const touched = new Set<string>();
    for (const r of grantRows.list()) touched.add(r.componentId);
    for (const id of before.keys()) touched.add(id);
    for (const id of touched) {
      if (before.get(id) !== JSON.stringify(storedGrants(id))) events.emit('grants.changed', { componentId: id });
    }
    for (const r of requests.decidedFor(session, lastDecidedScan - 60_000)) {
      if (!applied.has(r.id) || waiters.has(r.id)) {
        if (!applied.has(r.id) && r.status !== 'expired') decided(r, r.decidedBy ?? 'unknown');
        finish(r);
      }
    }
    lastDecidedScan = t;
    // Requests held by other Weld processes: tell this process's UI about them.
    const open = new Set<string>();
    for (const r of requests.pending(t)) {
      if (r.holder === session) continue;
      open.add(r.id);
      if (!foreignPending.has(r.id)) {
        foreignPending.add(r.id);
        events.emit('capability.requested', {
          requestId: r.id,
          callId: r.callId,
          componentId: r.componentId,
          kind: r.kind,
          target: r.target,
          access: r.access,
        });
      }
    }
    for (const id of foreignPending) {
      if (open.has(id)) continue;
      foreignPending.delete(id);
      const r = requests.get(id);
      if (r && r.status !== 'pending') decided(r, r.decidedBy ?? 'unknown');
    }
  }

  function beat(): void {
    lastBeat = now();
    db.prepare(
      `INSERT INTO policy_deciders (session, name, pid, seen_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (session) DO UPDATE SET seen_at = excluded.seen_at`,
    ).run(session, 'weld', process.pid, lastBeat);
  }

  const trySync = () => {
    try {
      sync();
    } catch (err) {
      logger.warn('policy sync failed; will retry', { err: String(err) });
    }
  };
  // Another process's commit (a person answering from the CLI or a window) is noticed at once; the
  // poll is the fallback where file watching misses it, and keeps the presence heartbeat going.
  const unwatch = db.memory ? () => {} : watchDbChanges(db.name, trySync);
  const poll = setInterval(trySync, opts.pollMs ?? 500);
  poll.unref();

  const offFinished = events.on('call.finished', ({ callId }) => {
    // A call cancelled (or crashed) while held leaves its request behind: nobody waits for that answer,
    // so take the prompt away instead of asking a person about a call that no longer exists.
    for (const id of [...waiters.keys()]) {
      if (requests.get(id)?.callId === callId) expire(id, 'weld:call-ended');
    }
    if (onceGrants.some((g) => g.callId === callId)) {
      onceGrants = onceGrants.filter((g) => g.callId !== callId);
      changed(null);
    }
  });
  const offComponents = events.on('components.changed', ({ componentId, change }) => {
    if (change === 'removed') {
      sessionGrants.delete(componentId);
      onceGrants = onceGrants.filter((g) => g.componentId !== componentId);
    }
    // New code under the id: the grants bound to the old code stop applying now.
    changed(null);
  });

  async function requestInner(r: RuntimeRequest): Promise<Verdict> {
    const deny = (reason: string, command = ''): Verdict => ({ decision: 'denied', reason, grantCommand: command });
    let c: ComponentRecord;
    let t: ReturnType<typeof normalizeTarget>;
    try {
      c = component(r.componentId);
      // The runtime names a real path: escape it so a file called `*` is never a grant of everything.
      // The runtime may send the path bare or as `fs://<real path>`; either way it is literal.
      const target =
        r.kind === 'storage'
          ? `fs://${escapeGlob(normalizeHostPath(r.target.startsWith('fs://') ? r.target.slice(5) : r.target))}`
          : r.target;
      t = normalizeTarget(r.kind, target, r.kind === 'storage' ? r.access || 'read' : undefined, anchors(r.componentId));
    } catch (err) {
      return deny((err as Error).message);
    }
    // Narrow grants (a glob, one file) mount their directory without access, so the runtime asks about
    // paths that are in fact granted: answer those from the grants without troubling a person.
    if (t.kind !== 'network') {
      const check = engine.checker(c.id, r.callId);
      const pre =
        t.kind === 'storage'
          ? check.storage(unescapeGlob(t.target.slice(5)), t.access === 'write' ? 'write' : 'read')
          : check.env(t.target);
      if (pre.decision !== 'ask') return pre;
    }
    const command = grantCommand(c.id, t.kind, t.target, t.access || undefined);
    const what = `${t.kind} ${t.target}${t.access ? ` (${t.access})` : ''}`;
    if (!engine.hasDecider() && !opts.prompt?.reaches(r.callId)) {
      audit({
        actor: 'weld:headless',
        action: 'policy.decide',
        subject: c.id,
        detail: { requestId: null, kind: t.kind, target: t.target, access: t.access, answer: 'deny', callId: r.callId },
      });
      events.emit('capability.decided', {
        requestId: null,
        callId: r.callId,
        componentId: c.id,
        kind: t.kind,
        target: t.target,
        decision: 'denied',
        by: 'weld:headless',
      });
      const hint = opts.prompt?.hint(r.callId);
      return deny(
        `${what} is not granted, and no one is here to approve it (no Weld window or prompt is open${hint ? `; ${hint}` : ''})`,
        command,
      );
    }
    const t0 = now();
    const open = requests.findOpen(c.id, t.kind, t.target, t.access, t0);
    if (open && open.holder === session && waiters.has(open.id)) {
      return new Promise<Verdict>((resolve) => waiters.get(open.id)?.resolve.push(resolve));
    }
    const row = {
      id: newRequestId(),
      componentId: c.id,
      callId: r.callId,
      kind: t.kind,
      target: t.target,
      access: t.access,
      origin: 'runtime' as const,
      requestedBy: c.id,
      requestedAt: t0,
      expiresAt: t0 + timeoutMs,
      holder: session,
    };
    const record = db.transaction(() => {
      requests.insert(row);
      store.audit.appendInTx([
        {
          at: t0,
          actor: `component:${c.id}`,
          action: 'policy.request',
          subject: c.id,
          detail: { requestId: row.id, kind: t.kind, target: t.target, access: t.access, origin: 'runtime', callId: r.callId },
        },
      ]);
    });
    try {
      record.immediate();
    } catch (err) {
      logger.error('could not record a capability request; denying', { componentId: c.id, err: String(err) });
      return deny(`Weld could not record the request for ${what} (${String(err)})`, command);
    }
    return new Promise<Verdict>((resolve) => {
      const timer = setTimeout(() => {
        try {
          expire(row.id, 'weld:timeout');
        } catch (err) {
          failClosed(row.id, err);
        }
      }, timeoutMs);
      timer.unref();
      waiters.set(row.id, { resolve: [resolve], timer });
      events.emit('capability.requested', {
        requestId: row.id,
        callId: r.callId,
        componentId: c.id,
        kind: t.kind,
        target: t.target,
        access: t.access,
      });
      askPrompt(row.id);
    });
  }

  /** Puts a held call's request to its caller too; only requestInner calls it, never ask() (model-made grants). */
  function askPrompt(id: string): void {
    const row = opts.prompt && requests.get(id);
    if (!row) return;
    try {
      opts.prompt?.ask(toPending(row));
    } catch (err) {
      logger.warn('could not ask the calling client; the other channels still can', { requestId: id, err: String(err) });
    }
  }

  const engine: PolicyEngine = {
    session,
    secrets,

    plan(componentId) {
      sync();
      const c = component(componentId);
      const t = now();
      const grants = standing(componentId).filter((g) => g.expiresAt === null || g.expiresAt > t);
      const a = anchors(componentId);
      const plan = buildPlan({
        grants,
        requested: c.requestedCapabilities,
        policy: policyOf(c),
        anchors: a,
        protectedGlobs: protectedSubtrees(opts.dataDir, componentId),
        protectedExact: protectedDirs(opts.dataDir, componentId),
        envValue: (key) => {
          try {
            return secrets.get(componentId, key) ?? opts.env[key];
          } catch (err) {
            logger.error('cannot read a secret; the key is left unset', { componentId, key, err: (err as Error).message });
            return undefined;
          }
        },
      });
      for (const m of plan.mounts) {
        if (m.hostPath === a.workspace || m.hostPath.startsWith(`${a.workspace}/`))
          mkdirSync(m.hostPath, { recursive: true, mode: 0o700 });
      }
      return plan;
    },

    checker(componentId, callId = null) {
      return makeChecker({
        rules: () => rulesFor(componentId, callId),
        now,
        used: (g) => {
          if (g.scope === 'once' && g.callId === null) {
            onceGrants = onceGrants.filter((x) => x !== g);
            changed(null);
          }
        },
      });
    },

    async request(r) {
      try {
        return await requestInner(r);
      } catch (err) {
        // A held call must always get an answer: any failure here is a denial, never a hang or a throw.
        logger.error('capability request failed; denying', { componentId: r.componentId, err: String(err) });
        return { decision: 'denied', reason: `Weld could not process the request (${String(err)})`, grantCommand: '' };
      }
    },

    ask(r) {
      const by = checkBy(r.by);
      const c = component(r.componentId);
      const t = normalizeTarget(r.kind, r.target, r.access, anchors(c.id));
      if (t.kind === 'storage') refuseDataDir(c.id, t.target);
      const existing = standing(c.id).find(
        (g) => g.kind === t.kind && g.target === t.target && (t.kind !== 'storage' || accessMinus(t.access, g.access) === null),
      );
      if (existing && (existing.expiresAt === null || existing.expiresAt > now())) {
        return { status: 'granted', rule: `${existing.scope} grant ${existing.id} by ${existing.decidedBy}` };
      }
      const t0 = now();
      const open = requests.findOpen(c.id, t.kind, t.target, t.access, t0);
      if (open) return { status: 'pending', request: toPending(open) };
      const row = {
        id: newRequestId(),
        componentId: c.id,
        callId: null,
        kind: t.kind,
        target: t.target,
        access: t.access,
        origin: 'mcp' as const,
        requestedBy: by,
        requestedAt: t0,
        expiresAt: t0 + askTtlMs,
        holder: session,
      };
      db.transaction(() => {
        requests.insert(row);
        store.audit.appendInTx([
          {
            at: t0,
            actor: by,
            action: 'policy.request',
            subject: c.id,
            detail: { requestId: row.id, kind: t.kind, target: t.target, access: t.access, origin: 'mcp', callId: null },
          },
        ]);
      }).immediate();
      events.emit('capability.requested', {
        requestId: row.id,
        callId: null,
        componentId: c.id,
        kind: t.kind,
        target: t.target,
        access: t.access,
      });
      return { status: 'pending', request: toPending(requests.get(row.id) as RequestRow) };
    },

    decide(requestId, answer, byRaw, channel) {
      const by = checkBy(byRaw);
      if (!['once', 'session', 'always', 'deny'].includes(answer)) {
        throw new GrantError(`unknown answer "${answer}": use once, session, always or deny`, 'bad-input');
      }
      const row = typeof requestId === 'string' ? requests.get(requestId) : undefined;
      if (!row) throw new GrantError(`no capability request "${requestId}" (see \`weld requests\`)`, 'not-found');
      const t = now();
      if (row.status !== 'pending') {
        throw new GrantError(
          `request ${row.id} was already ${row.status === 'expired' ? 'expired' : row.status} by ${row.decidedBy}`,
          'already-decided',
        );
      }
      if (row.expiresAt <= t) {
        expire(row.id, 'weld:timeout');
        throw new GrantError(`request ${row.id} expired before it was answered`, 'already-decided');
      }
      const scope: GrantScope | null = answer === 'deny' ? null : answer;
      db.transaction(() => {
        const won = requests.decide({ id: row.id, status: scope ? 'allowed' : 'denied', scope, decidedBy: by, decidedAt: t });
        if (!won) throw new GrantError(`request ${row.id} was answered by someone else just now`, 'already-decided');
        if (scope === 'always') {
          const prior = grantRows.get(row.componentId, row.kind, row.target);
          grantRows.put({
            componentId: row.componentId,
            kind: row.kind,
            target: row.target,
            access: prior && row.kind === 'storage' ? accessUnion(prior.access, row.access) : row.access,
            decidedBy: by,
            decidedAt: t,
            expiresAt: null,
            ...codeOf(row.componentId),
          });
        }
        store.audit.appendInTx([
          {
            at: t,
            actor: by,
            action: 'policy.decide',
            subject: row.componentId,
            detail: {
              requestId: row.id,
              kind: row.kind,
              target: row.target,
              access: row.access,
              answer,
              origin: row.origin,
              callId: row.callId,
              ...(channel ? { channel } : {}),
            },
          },
        ]);
      }).immediate();
      const after = requests.get(row.id) as RequestRow;
      decided(after, by);
      if (after.holder === session) finish(after);
      else if (scope === 'always') changed(after.componentId);
      return toPending(after);
    },

    pending(componentId) {
      return requests
        .pending(now())
        .filter((r) => componentId === undefined || r.componentId === componentId)
        .map(toPending);
    },

    getRequest(requestId) {
      const r = requests.get(requestId);
      return r && toPending(r);
    },

    grant(input) {
      const by = checkBy(input.by);
      const c = component(input.componentId);
      const t = normalizeTarget(input.kind, input.target, input.access, anchors(c.id));
      if (t.kind === 'storage') refuseDataDir(c.id, t.target);
      const scope = input.scope ?? 'always';
      if (!['once', 'session', 'always'].includes(scope)) throw new GrantError(`unknown scope "${scope}"`, 'bad-input');
      const t0 = now();
      const expiresAt = input.expiresAt ?? null;
      if (expiresAt !== null && (!Number.isFinite(expiresAt) || expiresAt <= t0))
        throw new GrantError('the expiry must be in the future', 'bad-input');
      let g: Grant;
      const entry = (grantId: string): AuditEntry => ({
        at: t0,
        actor: by,
        action: 'policy.grant',
        subject: c.id,
        detail: { grantId, kind: t.kind, target: t.target, access: t.access, scope, expiresAt },
      });
      if (scope === 'always') {
        g = db
          .transaction(() => {
            const stored = fromRow(
              grantRows.put({
                componentId: c.id,
                kind: t.kind,
                target: t.target,
                access: t.access,
                decidedBy: by,
                decidedAt: t0,
                expiresAt,
                digest: c.digest,
                signer: c.publisher ?? null,
              }),
            );
            store.audit.appendInTx([entry(stored.id)]);
            return stored;
          })
          .immediate();
      } else {
        g = {
          id: `${scope === 'once' ? 'o' : 's'}-${newRequestId()}`,
          componentId: c.id,
          kind: t.kind,
          target: t.target,
          access: t.access,
          scope,
          decidedBy: by,
          decidedAt: t0,
          expiresAt,
          callId: input.callId ?? null,
          digest: c.digest,
          signer: c.publisher ?? null,
        };
        if (scope === 'once') onceGrants.push(g);
        else addSessionGrant(g);
        audit(entry(g.id));
      }
      changed(c.id);
      return g;
    },

    revoke(input) {
      const by = checkBy(input.by);
      const c = component(input.componentId);
      const t = normalizeTarget(
        input.kind,
        input.target,
        input.kind === 'storage' ? (input.access ?? 'read') : undefined,
        anchors(c.id),
      );
      const take = input.kind === 'storage' && input.access !== undefined ? t.access : null;
      const result: RevokeResult = { removed: [], narrowed: [] };
      const same = (g: Grant) => g.kind === t.kind && g.target === t.target;
      db.transaction(() => {
        const row = grantRows.get(c.id, t.kind, t.target);
        if (row) {
          const left = take ? accessMinus(row.access, take) : null;
          if (left) {
            grantRows.setAccess(row.id, left);
            result.narrowed.push({ ...fromRow(row), access: left });
          } else {
            grantRows.remove(row.id);
            result.removed.push(fromRow(row));
          }
        }
        const keep = (g: Grant): Grant | null => {
          if (!same(g)) return g;
          const left = take ? accessMinus(g.access, take) : null;
          if (left) {
            const n = { ...g, access: left };
            result.narrowed.push(n);
            return n;
          }
          result.removed.push(g);
          return null;
        };
        sessionGrants.set(
          c.id,
          (sessionGrants.get(c.id) ?? []).map(keep).filter((g): g is Grant => g !== null),
        );
        onceGrants = onceGrants.map((g) => (g.componentId === c.id ? keep(g) : g)).filter((g): g is Grant => g !== null);
        if (result.removed.length + result.narrowed.length === 0) {
          const have = standing(c.id).map((g) => `${g.kind} ${g.target}`);
          throw new GrantError(
            `${c.id} has no ${t.kind} grant for ${t.target}${have.length ? `; its grants: ${have.join(', ')}` : '; it has no grants'}`,
            'not-found',
          );
        }
        store.audit.appendInTx([
          {
            at: now(),
            actor: by,
            action: 'policy.revoke',
            subject: c.id,
            detail: {
              kind: t.kind,
              target: t.target,
              access: take,
              removed: result.removed.map((g) => g.id),
              narrowed: result.narrowed.map((g) => g.id),
            },
          },
        ]);
      }).immediate();
      changed(c.id);
      return result;
    },

    grants(componentId) {
      sync();
      const c = component(componentId);
      return [...standing(componentId), ...onceGrants.filter((g) => g.componentId === componentId && boundTo(c)(g))];
    },

    suspended(componentId) {
      sync();
      const c = component(componentId);
      return allStanding(componentId).filter((g) => !boundTo(c)(g));
    },

    reapprove(componentId, byRaw) {
      const by = checkBy(byRaw);
      const c = component(componentId);
      const signer = c.publisher ?? null;
      const moved = engine.suspended(c.id);
      if (moved.length === 0) return 0;
      db.transaction(() => {
        grantRows.rebind(c.id, c.digest, signer);
        store.audit.appendInTx([
          {
            at: now(),
            actor: by,
            action: 'policy.reapprove',
            subject: c.id,
            detail: {
              digest: c.digest,
              signer,
              grants: moved.map((g) => g.id),
              from: [...new Set(moved.map((g) => g.digest))],
            },
          },
        ]);
      }).immediate();
      sessionGrants.set(
        c.id,
        (sessionGrants.get(c.id) ?? []).map((g) => ({ ...g, digest: c.digest, signer })),
      );
      changed(c.id);
      return moved.length;
    },

    requested(componentId) {
      sync();
      const c = component(componentId);
      const t0 = now();
      const live = standing(c.id).filter((g) => g.expiresAt === null || g.expiresAt > t0);
      return c.requestedCapabilities.map((cap) => {
        if (cap.target === '*') return { ...cap, granted: live.some((g) => g.kind === cap.kind) };
        try {
          const t = normalizeTarget(
            cap.kind,
            cap.target,
            cap.kind === 'storage' ? cap.access || 'read' : undefined,
            anchors(c.id),
          );
          const granted = live.some(
            (g) =>
              g.kind === t.kind && g.target === t.target && (t.kind !== 'storage' || accessMinus(t.access, g.access) === null),
          );
          return { ...cap, granted };
        } catch {
          return { ...cap, granted: false };
        }
      });
    },

    approveRequested(componentId, by) {
      const c = component(componentId);
      const granted: Grant[] = [];
      const skipped: RequestedCapability[] = [];
      for (const cap of c.requestedCapabilities) {
        // An entry whose end date has passed (a policy exported long ago) is no longer asked for.
        if (cap.target === '*' || (cap.expiresAt !== undefined && cap.expiresAt <= now())) skipped.push(cap);
        else
          granted.push(
            engine.grant({
              componentId: c.id,
              kind: cap.kind,
              target: cap.target,
              access: cap.kind === 'storage' ? cap.access || 'read' : undefined,
              expiresAt: cap.expiresAt ?? null,
              by,
            }),
          );
      }
      return { granted, skipped };
    },

    reset(componentId, byRaw) {
      const by = checkBy(byRaw);
      const c = component(componentId);
      const t = now();
      const inMemory = (sessionGrants.get(c.id)?.length ?? 0) + onceGrants.filter((g) => g.componentId === c.id).length;
      let stored = 0;
      let denied = 0;
      db.transaction(() => {
        stored = grantRows.removeComponent(c.id);
        denied = requests.denyAllOf(c.id, by, t);
        store.audit.appendInTx([
          {
            at: t,
            actor: by,
            action: 'policy.reset',
            subject: c.id,
            detail: { grants: stored + inMemory, requestsDenied: denied },
          },
        ]);
      }).immediate();
      sessionGrants.delete(c.id);
      onceGrants = onceGrants.filter((g) => g.componentId !== c.id);
      for (const [id] of waiters) {
        const r = requests.get(id);
        if (r && r.componentId === c.id) finish(r);
      }
      changed(c.id);
      return stored + inMemory;
    },

    exportPolicy(componentId) {
      sync();
      const c = component(componentId);
      const t = now();
      const grants = standing(c.id).filter((g) => g.expiresAt === null || g.expiresAt > t);
      return exportPolicyYaml({ component: c, grants, policy: policyOf(c), anchors: anchors(c.id), at: t });
    },

    addDecider(_name) {
      const token = Symbol('decider');
      deciders.add(token);
      beat();
      return () => {
        if (!deciders.delete(token) || deciders.size || closed) return;
        db.prepare('DELETE FROM policy_deciders WHERE session = ?').run(session);
      };
    },

    hasDecider() {
      if (deciders.size) return true;
      const row = db
        .prepare<[string, number], { n: number }>('SELECT count(*) AS n FROM policy_deciders WHERE session != ? AND seen_at > ?')
        .get(session, now() - DECIDER_FRESH_MS);
      return (row?.n ?? 0) > 0;
    },

    sync,

    close() {
      if (closed) return;
      for (const [id] of waiters) expire(id, 'weld:stopping');
      closed = true;
      unwatch();
      clearInterval(poll);
      clearTimeout(expiryTimer);
      offFinished();
      offComponents();
      try {
        db.prepare('DELETE FROM policy_deciders WHERE session = ?').run(session);
      } catch (err) {
        logger.warn('could not clear the decider presence row', { err: String(err) });
      }
      sessionGrants.clear();
      onceGrants = [];
    },
  };
  scheduleExpiry();
  return engine;
}
