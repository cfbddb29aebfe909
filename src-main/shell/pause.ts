import type { ApiDispatch } from '../api/registry.js';

interface Listed {
  id: string;
  enabled: boolean;
}

/**
 * "Pause all tools" disables every enabled component through the same validated API the UI uses
 * (so each change is audited) and returns the ids it paused, so resuming restores exactly those and
 * leaves components the user had disabled on purpose alone.
 */
export async function pauseAll(dispatch: ApiDispatch): Promise<string[]> {
  const list = (await dispatch('components.list', {})) as Listed[];
  const paused: string[] = [];
  for (const c of list.filter((c) => c.enabled)) {
    await dispatch('components.setEnabled', { id: c.id, enabled: false });
    paused.push(c.id);
  }
  return paused;
}

export async function resumeAll(dispatch: ApiDispatch, ids: readonly string[]): Promise<void> {
  const present = new Set(((await dispatch('components.list', {})) as Listed[]).map((c) => c.id));
  for (const id of ids) if (present.has(id)) await dispatch('components.setEnabled', { id, enabled: true });
}
