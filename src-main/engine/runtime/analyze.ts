import { type Policy, parsePolicy, requestedCapabilities } from '../policy/index.js';
import {
  applyPackageDocs,
  type ComponentInterface,
  componentWitText,
  describeComponentBinary,
  readPackageDocs,
  toolsForExports,
} from '../schema/index.js';
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
  // Types come from the binary: the WIT printer omits exported interfaces. The WIT text is kept to show.
  let world: ComponentInterface;
  try {
    world = describeComponentBinary(bytes);
  } catch (err) {
    throw new Error(`cannot read the component's types: ${err instanceof Error ? err.message : String(err)}`);
  }
  const docs = readPackageDocs(bytes);
  if (docs) world = applyPackageDocs(world, docs);
  let wit: string;
  try {
    wit = await componentWitText(bytes);
  } catch (err) {
    throw new Error(`cannot read the component's WIT: ${err instanceof Error ? err.message : String(err)}`);
  }
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
