import { type Policy, parsePolicy, requestedCapabilities } from '../policy/index.js';
import { type ComponentInterface, describeComponent, readPackageDocs, toolsForExports } from '../schema/index.js';
import type { RequestedCapability, ToolDescriptor } from '../store/components.js';
import { checkComponentBytes, sha256Digest } from './component-file.js';

export interface ComponentAnalysis {
  digest: string;
  size: number;
  wit: string;
  world: ComponentInterface;
  tools: ToolDescriptor[];
  requested: RequestedCapability[];
  policy: Policy | null;
}

/**
 * Everything Weld can tell about a component without running it: its tools with their input
 * schemas and the capabilities it asks for (from its imports and its policy). Used by install,
 * `weld inspect` and `weld build`. Loads the WIT printer (jco-transpile) on demand.
 */
export async function analyzeComponent(bytes: Uint8Array, policyYaml: string | null): Promise<ComponentAnalysis> {
  checkComponentBytes(bytes);
  const policy = policyYaml === null ? null : parsePolicy(policyYaml);
  const { componentWit } = await import('@bytecodealliance/jco-transpile/wasm-tools');
  let wit: string;
  try {
    wit = await componentWit(bytes);
  } catch (err) {
    throw new Error(`cannot read the component's WIT: ${err instanceof Error ? err.message : String(err)}`);
  }
  const world = describeComponent(wit, readPackageDocs(bytes));
  return {
    digest: sha256Digest(bytes),
    size: bytes.length,
    wit,
    world,
    tools: toolsForExports(world.exports),
    requested: requestedCapabilities(policy, world.imports),
    policy,
  };
}
