import type { z } from 'zod';
import type { RequestedCapability } from '../../src-preload/api.js';

export type Risk = 'low' | 'medium' | 'high';
type Capability = z.infer<typeof RequestedCapability>;

/** Plain words for what a capability lets a tool do, as a person would say it. */
export function describeCapability(c: Capability): { text: string; risk: Risk } {
  if (c.kind === 'storage') {
    const path = c.target.replace(/^fs:\/\//, '').replace(/\/\*\*$/, '');
    const writes = (c.access ?? '').includes('write');
    const everything = path === '' || path === '/' || path === '~' || path === '**';
    const verb = writes ? 'Read and change files in' : 'Read files in';
    return { text: `${verb} ${path || '/'}`, risk: writes || everything ? 'high' : 'medium' };
  }
  if (c.kind === 'network') {
    const m = /^(?:[a-z]+:\/\/)?(\[[^\]]+\]|[^:/]+)(?::(\d+|\*))?/.exec(c.target);
    const host = m?.[1] ?? c.target;
    const port = m?.[2];
    const any = host.includes('*') || port === '*';
    const text = port && port !== '*' ? `Connect to ${host} on port ${port}` : `Connect to ${host} on any port`;
    return { text, risk: any ? 'high' : 'medium' };
  }
  return { text: `Read the environment variable ${c.target}`, risk: /TOKEN|KEY|SECRET|PASS/i.test(c.target) ? 'medium' : 'low' };
}
