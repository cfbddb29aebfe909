/**
 * Only the app's own renderer may call the engine over IPC. A frame that navigated elsewhere, an
 * iframe, or any other page loaded into a webContents is refused.
 */
export function isTrustedSender(frameUrl: string | undefined, rendererUrl: string, isMainFrame: boolean): boolean {
  if (!frameUrl || !isMainFrame) return false;
  let actual: URL;
  let expected: URL;
  try {
    actual = new URL(frameUrl);
    expected = new URL(rendererUrl);
  } catch {
    return false;
  }
  if (expected.protocol === 'file:') return actual.protocol === 'file:' && actual.pathname === expected.pathname;
  // Development: the electron-vite dev server on localhost.
  return actual.origin === expected.origin;
}
