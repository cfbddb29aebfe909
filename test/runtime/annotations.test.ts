import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { annotationsFor } from '../../src-main/engine/policy/tool-annotations.js';
import { type HostileWorld, hostileWorld } from '../security/hostile-engine.js';

describe('tool annotations from grants', () => {
  it('says read-only and closed-world only when nothing grants writes or network', () => {
    expect(annotationsFor([])).toEqual({ readOnlyHint: true, openWorldHint: false });
    expect(
      annotationsFor([
        { kind: 'storage', access: 'read' },
        { kind: 'environment', access: '' },
      ]),
    ).toEqual({
      readOnlyHint: true,
      openWorldHint: false,
    });
    expect(annotationsFor([{ kind: 'storage', access: 'read,write' }])).toEqual({
      readOnlyHint: false,
      destructiveHint: true,
      openWorldHint: false,
    });
    // What a remote service does with a request is unknown: destructiveHint keeps its default (true).
    expect(annotationsFor([{ kind: 'network', access: '' }])).toEqual({ readOnlyHint: false, openWorldHint: true });
  });

  describe('over MCP', { timeout: 240_000 }, () => {
    let w: HostileWorld;
    let client: Client;
    const changes: number[] = [];

    beforeAll(async () => {
      w = await hostileWorld();
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      await w.weld.createMcpServer().connect(serverSide);
      client = new Client({ name: 'annotations-test', version: '1.0.0' });
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
        changes.push(Date.now());
      });
      await client.connect(clientSide);
    }, 240_000);
    afterAll(async () => {
      await client?.close();
      await w?.close();
    });

    const annotationsOf = async (name: string) => (await client.listTools()).tools.find((t) => t.name === name)?.annotations;

    it('lists a component without grants as read-only, and announces the change when a network grant arrives', async () => {
      expect(await annotationsOf('fetch-text')).toEqual({ readOnlyHint: true, openWorldHint: false });
      w.weld.policy.grant({ componentId: w.componentId, kind: 'network', target: 'example.com', by: 'test' });
      await expect.poll(() => changes.length, { timeout: 10_000 }).toBeGreaterThan(0);
      expect(await annotationsOf('fetch-text')).toEqual({ readOnlyHint: false, openWorldHint: true });
      // Built-in tools carry no annotations of their own.
      expect(await annotationsOf('list-components')).toBeUndefined();
    });
  });
});
