import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src-main/engine/policy/parse.js';
import { buildPlan } from '../../src-main/engine/policy/plan.js';
import { type HostileWorld, hostileWasm, hostileWorld, text } from '../security/hostile-engine.js';

const policy = (limits: string) => `version: "1.0"
permissions:
  resources:
    limits: { ${limits} }
`;

const limitsOf = (limits: string) =>
  buildPlan({
    grants: [],
    requested: [],
    policy: parsePolicy(policy(limits)),
    anchors: { home: '/home/ann', workspace: '/var/weld/workspaces/x' },
    protectedGlobs: [],
    envValue: () => undefined,
  }).limits;

/** resources.limits.cpu used to be parsed and then ignored: a guest could spin a full core for the whole timeout. */
describe('resources.limits.cpu is enforced as a time slice per call', { timeout: 120_000 }, () => {
  it('gives a call below one core that share of its timeout; one core or more is what one thread can use anyway', () => {
    expect(limitsOf('cpu: "500m", timeout: 30s')).toMatchObject({ timeoutMs: 15_000, cpu: { cores: 0.5, timeoutMs: 30_000 } });
    expect(limitsOf('cpu: 2, timeout: 30s')).toMatchObject({ timeoutMs: 30_000 });
    expect(limitsOf('cpu: 2, timeout: 30s')).not.toHaveProperty('cpu');
    expect(limitsOf('timeout: 30s')).not.toHaveProperty('cpu');
  });

  let w: HostileWorld;
  beforeAll(async () => {
    await hostileWasm();
    w = await hostileWorld({ policy: policy('cpu: "250m", timeout: 4s, memory: 64Mi') });
  }, 240_000);
  afterAll(async () => {
    await w?.close();
  });

  it('stops a guest that spins once it has used its quarter of a core over the 4 s timeout', async () => {
    const started = Date.now();
    const r = await w.call('spin');
    const took = Date.now() - started;
    expect(r.isError).toBe(true);
    expect(text(r)).toBe(
      'The tool call used its CPU time, 1000 ms (resources.limits.cpu 0.25 of a core over its 4000 ms timeout), and the component was stopped; the next call starts it again.',
    );
    expect(took).toBeGreaterThanOrEqual(995);
    expect(took).toBeLessThan(4000);
    // The instance comes back for the next call.
    expect(text(await w.call('ok'))).toBe('ok');
  });
});
