/** Capability policies: parse and validate, requested capabilities, grants, decisions, sandbox plans. */
export { type Access, parseAccess } from './access.js';
export { type AskResult, createPolicyEngine, type PolicyEngine, type PolicyEngineOptions, type RevokeResult } from './engine.js';
export { GrantError, PolicyError } from './errors.js';
export { type Policy, parsePolicy, type StorageEntry } from './parse.js';
export { DEFAULT_MEMORY_BYTES, DEFAULT_TIMEOUT_MS } from './plan.js';
export { requestedCapabilities } from './requested.js';
export { FileKeyCipher, type SecretCipher, SecretStore } from './secrets.js';
export { grantCommand, normalizeTarget } from './targets.js';
export type {
  Answer,
  CapabilityChecker,
  Grant,
  GrantInput,
  GrantScope,
  Mount,
  PendingRequest,
  PromptChannel,
  RevokeInput,
  RuntimeRequest,
  SandboxPlan,
  Verdict,
} from './types.js';
