import type { CapabilityKind } from '../events.js';
import { GrantError, type PolicyEngine } from '../policy/index.js';
import type { Grant, PendingRequest } from '../policy/types.js';
import { errorResult, type ToolCallContext, type ToolDefinition, type ToolResult, textResult } from './tool-table.js';

const componentId = {
  type: 'string',
  minLength: 1,
  maxLength: 64,
  pattern: '^[a-z0-9][a-z0-9._-]*$',
  description: 'Installed component id (see list-components)',
};
const text = (description: string, maxLength = 1024) => ({ type: 'string', minLength: 1, maxLength, description });

function schema(details?: Record<string, unknown>, required: string[] = []): Record<string, unknown> {
  return {
    type: 'object',
    properties: {
      component_id: componentId,
      ...(details ? { details: { type: 'object', properties: details, required, additionalProperties: false } } : {}),
    },
    required: details ? ['component_id', 'details'] : ['component_id'],
    additionalProperties: false,
  };
}

const storageDetails = {
  uri: text('fs:// URI: fs:///abs/path/**, fs://~/notes, or fs://name (inside the component workspace)'),
  access: { type: 'array', items: { type: 'string', enum: ['read', 'write'] }, minItems: 1, maxItems: 2, uniqueItems: true },
};
const networkDetails = { host: text('host[:port], *.domain, or a CIDR range such as 10.0.0.0/8', 300) };
const envDetails = { key: text('Environment variable or configuration key', 128) };

/**
 * Wassette-compatible permission tools. They show and ask; they never grant. A grant asked for here
 * becomes a pending request that a person confirms in the Weld window or with `weld requests allow`.
 * Revoking and resetting take effect at once: taking a capability away is always safe to let a model do.
 */
export function permissionTools(deps: { policy: PolicyEngine }): ToolDefinition[] {
  const { policy } = deps;
  const actor = (ctx: ToolCallContext) => `mcp:${ctx.client ?? 'unknown client'}`;
  const details = (args: Record<string, unknown>) => args.details as Record<string, unknown>;
  const guard = (fn: () => ToolResult): ToolResult => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof GrantError) return errorResult(err.message);
      throw err;
    }
  };

  const ask =
    (kind: CapabilityKind, target: (d: Record<string, unknown>) => string, access?: (d: Record<string, unknown>) => string) =>
    async (args: Record<string, unknown>, ctx: ToolCallContext) =>
      guard(() => {
        const d = details(args);
        const id = String(args.component_id);
        const r = policy.ask({ componentId: id, kind, target: target(d), access: access?.(d), by: actor(ctx) });
        if (r.status === 'granted') {
          return textResult(`${id} already has this permission (${r.rule}).`, { status: 'granted', componentId: id, kind });
        }
        return textResult(pendingText(r.request), { ...r.request });
      });

  const revoke =
    (kind: CapabilityKind, target: (d: Record<string, unknown>) => string) =>
    async (args: Record<string, unknown>, ctx: ToolCallContext) =>
      guard(() => {
        const id = String(args.component_id);
        const r = policy.revoke({ componentId: id, kind, target: target(details(args)), by: actor(ctx) });
        const gone = r.removed.map(describe).join('; ');
        return textResult(`Revoked from ${id}: ${gone}. This took effect immediately.`, { componentId: id, removed: r.removed });
      });

  return [
    {
      name: 'get-policy',
      description: 'Show what a component asks for, what a person has granted it, and its pending permission requests.',
      inputSchema: schema(),
      componentId: null,
      async invoke(args) {
        return guard(() => {
          const id = String(args.component_id);
          const grants = policy.grants(id);
          const pending = policy.pending(id);
          const requested = policy.requested(id);
          const lines = [
            `Component ${id}`,
            `Grants (${grants.length}):`,
            ...(grants.length ? grants.map((g) => `  ${describe(g)}`) : ['  none']),
            `Pending requests (${pending.length}):`,
            ...(pending.length
              ? pending.map((p) => `  ${p.id}: ${p.kind} ${p.target}${p.access ? ` (${p.access})` : ''}`)
              : ['  none']),
          ];
          return textResult(lines.join('\n'), {
            componentId: id,
            requested,
            grants: grants,
            pending,
            policy: policy.exportPolicy(id),
          });
        });
      },
    },
    {
      name: 'grant-storage-permission',
      description:
        'Ask the person using Weld to let a component read or write files under a path. Creates a pending request; nothing is granted until they confirm it.',
      inputSchema: schema(storageDetails, ['uri', 'access']),
      componentId: null,
      invoke: ask(
        'storage',
        (d) => String(d.uri),
        (d) => (d.access as string[]).join(','),
      ),
    },
    {
      name: 'grant-network-permission',
      description:
        'Ask the person using Weld to let a component connect to a host. Creates a pending request; nothing is granted until they confirm it.',
      inputSchema: schema(networkDetails, ['host']),
      componentId: null,
      invoke: ask('network', (d) => String(d.host)),
    },
    {
      name: 'grant-environment-variable-permission',
      description:
        'Ask the person using Weld to let a component read an environment variable. Creates a pending request; nothing is granted until they confirm it.',
      inputSchema: schema(envDetails, ['key']),
      componentId: null,
      invoke: ask('environment', (d) => String(d.key)),
    },
    {
      name: 'revoke-storage-permission',
      description: "Take away a component's access to a path (all access granted for that exact URI). Takes effect immediately.",
      inputSchema: schema({ uri: storageDetails.uri }, ['uri']),
      componentId: null,
      invoke: revoke('storage', (d) => String(d.uri)),
    },
    {
      name: 'revoke-network-permission',
      description: "Take away a component's access to a host. Takes effect immediately.",
      inputSchema: schema(networkDetails, ['host']),
      componentId: null,
      invoke: revoke('network', (d) => String(d.host)),
    },
    {
      name: 'revoke-environment-variable-permission',
      description: "Take away a component's access to an environment variable. Takes effect immediately.",
      inputSchema: schema(envDetails, ['key']),
      componentId: null,
      invoke: revoke('environment', (d) => String(d.key)),
    },
    {
      name: 'reset-permission',
      description: 'Remove every permission granted to a component and deny its pending requests. Takes effect immediately.',
      inputSchema: schema(),
      componentId: null,
      async invoke(args, ctx) {
        return guard(() => {
          const id = String(args.component_id);
          const n = policy.reset(id, actor(ctx));
          return textResult(`Removed ${n} grant${n === 1 ? '' : 's'} from ${id}; its pending requests were denied.`, {
            componentId: id,
            removed: n,
          });
        });
      },
    },
  ];
}

function pendingText(r: PendingRequest): string {
  const what = `${r.kind} ${r.target}${r.access ? ` (${r.access})` : ''}`;
  return [
    `Requested ${what} for ${r.componentId}. This is NOT granted yet: a person must confirm it.`,
    `They can approve it in the Weld window, or run: weld requests allow ${r.id}`,
    `Request id: ${r.id}`,
  ].join('\n');
}

function describe(g: Grant): string {
  return `${g.kind} ${g.target}${g.access ? ` (${g.access})` : ''} [${g.scope}, by ${g.decidedBy}]`;
}
