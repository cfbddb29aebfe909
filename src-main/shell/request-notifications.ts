import type { ApiEvent } from '../../src-preload/api.js';
import { requestNotice } from './tray-model.js';

/** The part of Electron's Notification this uses, so tests can hand in a fake. */
export interface DesktopNotice {
  on(event: 'action', listener: (details: { actionIndex: number }) => void): unknown;
  on(event: 'click', listener: () => void): unknown;
  show(): void;
  close(): void;
}

export interface DesktopNoticeOptions {
  title: string;
  body: string;
  actions: { type: 'button'; text: string }[];
}

/** Only these two: a longer grant is chosen in the window, where the person sees the whole request. */
const ACTIONS = [
  { text: 'Allow once', answer: 'once' },
  { text: 'Deny', answer: 'deny' },
] as const;

export const NOTIFICATION = 'notification';

/**
 * Desktop notifications for waiting requests: one per request, with Allow once / Deny buttons where the
 * platform shows them (macOS, Windows); clicking the notification opens the Requests page. A notification
 * is taken away when its request is answered elsewhere, since the first answer wins.
 */
export function requestNotifications(deps: {
  create: (opts: DesktopNoticeOptions) => DesktopNotice;
  /** Answers with `channel: notification` in the audit log; throws when someone answered first. */
  decide: (requestId: string, answer: 'once' | 'deny') => void;
  openRequests: () => void;
  onError: (err: unknown) => void;
}): (event: ApiEvent) => void {
  const shown = new Map<string, DesktopNotice>();
  return (event) => {
    if (event.name === 'capability.requested') {
      const { requestId } = event.payload;
      if (shown.has(requestId)) return;
      const n = deps.create({ ...requestNotice(event.payload), actions: ACTIONS.map((a) => ({ type: 'button', text: a.text })) });
      n.on('click', () => deps.openRequests());
      n.on('action', ({ actionIndex }) => {
        const action = ACTIONS[actionIndex];
        if (!action) return;
        try {
          deps.decide(requestId, action.answer);
        } catch (err) {
          deps.onError(err);
        }
      });
      shown.set(requestId, n);
      n.show();
    } else if (event.name === 'capability.decided' && event.payload.requestId) {
      const n = shown.get(event.payload.requestId);
      shown.delete(event.payload.requestId);
      n?.close();
    }
  };
}
