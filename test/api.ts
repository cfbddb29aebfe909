import { createApiDispatch } from '../src-main/api/registry.js';
import { silentLogger } from '../src-main/engine/log.js';
import { createWeld, type Weld } from '../src-main/engine/weld.js';
import type { ApiInput, ApiName, ApiOutput } from '../src-preload/api.js';
import { tempHome } from './helpers.js';

export interface TestApi {
  home: string;
  weld: Weld;
  /** An operation through the same dispatch (contract checks included) as Electron IPC and web mode. */
  call<N extends ApiName>(name: N, input: ApiInput<N>): Promise<ApiOutput<N>>;
  stop(): Promise<void>;
}

/** A real engine on a fresh data dir with the UI's API in front of it, as the web UI uses it. */
export async function startTestApi(): Promise<TestApi> {
  const { home, cleanup } = tempHome();
  const weld = await createWeld({ home, logger: silentLogger, env: { HOME: home } });
  const dispatch = createApiDispatch({
    weld,
    actor: 'user:web-ui',
    shell: 'web',
    httpUrl: null,
    socketPath: null,
    launcher: { command: 'weld', args: [] },
  });
  return {
    home,
    weld,
    call: (name, input) => dispatch(name, input) as never,
    async stop() {
      await weld.stop();
      cleanup();
    },
  };
}
