import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sampleComponent, tempHome } from '../../test/helpers.js';
import { createApiDispatch } from '../api/registry.js';
import { silentLogger } from '../engine/log.js';
import { createWeld, type Weld } from '../engine/weld.js';
import { answerApiCall } from '../ipc/answer.js';
import { linkAction } from './deep-link-action.js';
import { pauseAll, resumeAll } from './pause.js';
import { initialTrayState, requestNotice, trayIcon, trayMenu, trayReduce, trayTooltip, withPending } from './tray-model.js';
import { isTrustedSender } from './trusted-sender.js';

describe('IPC sender check', () => {
  const app = 'file:///opt/Weld/resources/app.asar/out/renderer/index.html';

  it('accepts the app renderer in the main frame, with or without a page hash', () => {
    expect(isTrustedSender(app, app, true)).toBe(true);
    expect(isTrustedSender(`${app}#audit`, app, true)).toBe(true);
  });

  it('refuses another local file, a web page, an iframe and a missing frame', () => {
    expect(isTrustedSender('file:///tmp/evil.html', app, true)).toBe(false);
    expect(isTrustedSender('https://evil.example/', app, true)).toBe(false);
    expect(isTrustedSender(app, app, false)).toBe(false);
    expect(isTrustedSender(undefined, app, true)).toBe(false);
  });

  it('in development accepts only the dev server origin', () => {
    expect(isTrustedSender('http://localhost:5173/#log', 'http://localhost:5173', true)).toBe(true);
    expect(isTrustedSender('http://localhost:5174/', 'http://localhost:5173', true)).toBe(false);
  });
});

describe('tray model', () => {
  const requested = (requestId: string) =>
    ({
      name: 'capability.requested',
      payload: { requestId, callId: 'c1', componentId: 'fetch-notes', kind: 'network', target: 'api.github.com:443', access: '' },
    }) as const;

  it('shows a waiting request in icon, tooltip and menu until it is decided', () => {
    let s = initialTrayState(false);
    expect(trayIcon(s)).toBe('running');
    s = trayReduce(s, requested('r1'));
    expect(trayIcon(s)).toBe('request');
    expect(trayTooltip(s)).toBe('Weld: fetch-notes wants to connect to api.github.com on port 443');
    expect(trayMenu(s)).toContainEqual({ type: 'normal', label: '1 pending request…', action: 'openRequests', enabled: true });
    s = trayReduce(s, requested('r2'));
    expect(trayTooltip(s)).toBe('Weld: 2 requests waiting');
    s = trayReduce(s, {
      name: 'capability.decided',
      payload: {
        requestId: 'r1',
        callId: 'c1',
        componentId: 'fetch-notes',
        kind: 'network',
        target: 'api.github.com:443',
        decision: 'denied',
        by: 'user',
      },
    });
    expect(trayIcon(s)).toBe('request');
    s = trayReduce(s, {
      name: 'capability.decided',
      payload: {
        requestId: 'r2',
        callId: null,
        componentId: 'fetch-notes',
        kind: 'network',
        target: 'x',
        decision: 'allowed',
        by: 'u',
      },
    });
    expect(trayIcon(s)).toBe('running');
  });

  it('starts with requests that were already waiting, and announces new ones in plain words', () => {
    const s = withPending(initialTrayState(false), [
      { id: 'r9', componentId: 'read-file', kind: 'storage', target: 'fs:///srv/private', access: 'read' },
    ]);
    expect(trayIcon(s)).toBe('request');
    expect(trayTooltip(s)).toBe('Weld: read-file wants to read files in /srv/private');
    expect(requestNotice(requested('r1').payload)).toEqual({
      title: 'fetch-notes asks for access',
      body: 'fetch-notes wants to connect to api.github.com on port 443. Open Weld to allow or deny.',
    });
  });

  it('shows an engine error instead of the request count and disables pausing', () => {
    const s = initialTrayState(true, 'The Weld database is damaged');
    expect(trayIcon(s)).toBe('error');
    const menu = trayMenu(s);
    expect(menu[1]).toEqual({ type: 'normal', label: 'Error: The Weld database is damaged', enabled: false });
    expect(menu).toContainEqual({ type: 'normal', label: 'Pause all tools', action: 'togglePause', enabled: false });
    expect(menu).toContainEqual({ type: 'checkbox', label: 'Start at login', action: 'toggleStartAtLogin', checked: true });
  });
});

describe('weld:// links in the desktop shell', () => {
  const link = 'weld://install?ref=oci://ghcr.io/weld-examples/read-file:0.1.0';

  it('loads a new window on the pre-filled Install page, or tells an open one', () => {
    expect(linkAction(link, false)).toEqual({
      kind: 'load',
      hash: `#install?ref=${encodeURIComponent('oci://ghcr.io/weld-examples/read-file:0.1.0')}`,
    });
    expect(linkAction(link, true)).toEqual({ kind: 'send', ref: 'oci://ghcr.io/weld-examples/read-file:0.1.0' });
  });

  it('refuses a link that would read a local file or carries extra instructions', () => {
    expect(linkAction('weld://install?ref=file:///etc/passwd', true)).toMatchObject({ kind: 'refused' });
    expect(linkAction(`${link}&approve=all`, false)).toMatchObject({
      kind: 'refused',
      reason: expect.stringMatching(/one parameter/),
    });
  });
});

describe('desktop shell over the real engine', () => {
  let weld: Weld;
  let cleanup: () => void;
  beforeEach(async () => {
    const t = tempHome();
    cleanup = t.cleanup;
    weld = await createWeld({ home: t.home, logger: silentLogger });
  });
  afterEach(async () => {
    await weld.stop();
    cleanup();
  });

  it('refuses an IPC call from an untrusted frame before running anything', async () => {
    weld.store.components.put(sampleComponent());
    const dispatch = createApiDispatch({
      weld,
      actor: 'user:desktop',
      shell: 'electron',
      httpUrl: null,
      socketPath: null,
      launcher: { command: 'weld', args: [] },
    });
    const reply = await answerApiCall(dispatch, false, 'components.remove', { id: 'fetch-notes' }, () => {});
    expect(reply).toEqual({ ok: false, error: { code: 'unauthorized', message: 'This page may not use the Weld API.' } });
    expect(weld.store.components.get('fetch-notes')).toBeDefined();
  });

  it('answers bad IPC input with the contract error and keeps working', async () => {
    const dispatch = createApiDispatch({
      weld,
      actor: 'user:desktop',
      shell: 'electron',
      httpUrl: null,
      socketPath: null,
      launcher: { command: 'weld', args: [] },
    });
    const bad = await answerApiCall(dispatch, true, 'calls.list', { limit: -1 }, () => {});
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad-input', message: expect.stringMatching(/limit/i) } });
    expect(await answerApiCall(dispatch, true, 'calls.list', {}, () => {})).toEqual({ ok: true, value: [] });
  });

  it('pause all disables enabled tools and resume restores only those', async () => {
    weld.store.components.put(sampleComponent({ id: 'a', digest: `sha256:${'a'.repeat(64)}` }));
    weld.store.components.put(sampleComponent({ id: 'b', digest: `sha256:${'b'.repeat(64)}`, enabled: false }));
    const dispatch = createApiDispatch({
      weld,
      actor: 'user:desktop',
      shell: 'electron',
      httpUrl: null,
      socketPath: null,
      launcher: { command: 'weld', args: [] },
    });
    const paused = await pauseAll(dispatch);
    expect(paused).toEqual(['a']);
    expect(weld.store.components.list().map((c) => c.enabled)).toEqual([false, false]);
    await resumeAll(dispatch, paused);
    expect(weld.store.components.list().map((c) => [c.id, c.enabled])).toEqual([
      ['a', true],
      ['b', false],
    ]);
    weld.store.recorder.flush();
    expect(weld.store.audit.search().map((r) => r.action)).toEqual(['component.enable', 'component.disable']);
  });
});
