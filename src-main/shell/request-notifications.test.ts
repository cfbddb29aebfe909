import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../src-preload/api.js';
import { sampleComponent, tempHome } from '../../test/helpers.js';
import { createApiEventStream } from '../api/event-stream.js';
import { silentLogger } from '../engine/log.js';
import { createWeld, type Weld } from '../engine/weld.js';
import { type DesktopNotice, type DesktopNoticeOptions, NOTIFICATION, requestNotifications } from './request-notifications.js';

/** Stands in for Electron's Notification: records what was shown and lets the test press its buttons. */
class FakeNotice implements DesktopNotice {
  shown = false;
  closed = false;
  readonly #listeners = new Map<string, (details: { actionIndex: number }) => void>();
  constructor(readonly options: DesktopNoticeOptions) {}
  on(event: 'action' | 'click', listener: (details: { actionIndex: number }) => void) {
    this.#listeners.set(event, listener);
    return this;
  }
  show() {
    this.shown = true;
  }
  close() {
    this.closed = true;
  }
  press(text: string) {
    this.#listeners.get('action')?.({ actionIndex: this.options.actions.findIndex((a) => a.text === text) });
  }
  click() {
    this.#listeners.get('click')?.({ actionIndex: -1 });
  }
}

describe('desktop notifications for held calls, over the real engine', () => {
  let weld: Weld;
  let cleanup: () => void;
  let notices: FakeNotice[];
  let opened: number;
  let errors: unknown[];
  let stop: () => void;

  beforeEach(async () => {
    const t = tempHome();
    cleanup = t.cleanup;
    weld = await createWeld({ home: t.home, logger: silentLogger, requestTimeoutMs: 20_000 });
    weld.store.components.put(sampleComponent());
    notices = [];
    opened = 0;
    errors = [];
    const notify = requestNotifications({
      create: (o) => {
        const n = new FakeNotice(o);
        notices.push(n);
        return n;
      },
      decide: (id, answer) => void weld.policy.decide(id, answer, 'user:desktop', NOTIFICATION),
      openRequests: () => {
        opened += 1;
      },
      onError: (err) => errors.push(err),
    });
    // As the desktop app wires it: the UI's event stream (which also makes the app a decider).
    const events = createApiEventStream(weld, { decider: 'desktop' });
    stop = events.subscribe((e: ApiEvent) => notify(e));
  });
  afterEach(async () => {
    stop();
    await weld.stop();
    cleanup();
  });

  const hold = () =>
    weld.policy.request({ componentId: 'fetch-notes', callId: null, kind: 'network', target: 'api.github.com:443', access: '' });

  async function shownNotice(i: number): Promise<FakeNotice> {
    await expect.poll(() => notices.length, { timeout: 10_000 }).toBeGreaterThan(i);
    return notices[i];
  }

  it('says who wants what, and its Allow once button lets the held call through, audited as a notification answer', async () => {
    const verdict = hold();
    const n = await shownNotice(0);
    expect(n.shown).toBe(true);
    expect(n.options).toEqual({
      title: 'fetch-notes asks for access',
      body: 'fetch-notes wants to connect to api.github.com on port 443. Open Weld to allow or deny.',
      actions: [
        { type: 'button', text: 'Allow once' },
        { type: 'button', text: 'Deny' },
      ],
    });
    n.press('Allow once');
    expect(await verdict).toMatchObject({ decision: 'allowed' });
    await expect.poll(() => n.closed).toBe(true);
    weld.store.recorder.flush();
    expect(weld.store.audit.search().find((e) => e.action === 'policy.decide')).toMatchObject({
      actor: 'user:desktop',
      detail: { answer: 'once', channel: 'notification' },
    });
  });

  it('Deny denies; a click opens the Requests page instead of answering', async () => {
    const verdict = hold();
    const n = await shownNotice(0);
    n.click();
    expect(opened).toBe(1);
    expect(weld.policy.pending()).toHaveLength(1);
    n.press('Deny');
    expect(await verdict).toMatchObject({ decision: 'denied', reason: expect.stringMatching(/denied by user:desktop/) });
  });

  it('is taken away when the window answers first, and a later press changes nothing', async () => {
    const verdict = hold();
    const n = await shownNotice(0);
    const [req] = weld.policy.pending();
    weld.policy.decide(req.id, 'deny', 'user:desktop', 'window');
    expect(await verdict).toMatchObject({ decision: 'denied' });
    await expect.poll(() => n.closed).toBe(true);
    n.press('Allow once');
    expect(errors).toHaveLength(1);
    expect(weld.policy.getRequest(req.id)).toMatchObject({ status: 'denied' });
  });
});
