import type { Store } from '../store/index.js';
import { listSetting } from '../store/list-setting.js';

export const MAX_CLIENT_NAME = 100;

/**
 * MCP clients (by the name they give in `initialize`) that Weld may ask for a permission through
 * elicitation. Opt-in, because whatever answers for that client answers for the person: a client
 * program could approve by itself, and any local program can give itself a trusted client's name.
 */
const setting = listSetting('prompts.clients', (client, mayAsk) => ({ client, mayAsk }));

export const promptClients = setting.read;

export function isPromptClient(store: Store, name: string): boolean {
  return promptClients(store).includes(name);
}

/** A client name as a person types it: the exact `clientInfo.name`, e.g. "claude-ai" or "Visual Studio Code". */
export function checkClientName(raw: unknown): string {
  const name = typeof raw === 'string' ? raw.trim() : '';
  if (name === '' || name.length > MAX_CLIENT_NAME || /\p{Cc}/u.test(name)) {
    throw new RangeError(
      `a client name is 1 to ${MAX_CLIENT_NAME} characters without control characters, as the client reports it (see the Live Log's client column)`,
    );
  }
  return name;
}

/** Adds or removes one client; audited. Returns the list after the change. */
export function setPromptClient(store: Store, raw: string, trusted: boolean, actor: string, now = Date.now()): string[] {
  return setting.set(store, checkClientName(raw), trusted, actor, now);
}
