import { describe, expect, it } from 'vitest';
import { argsPreview, MASK, MAX_ARGS_PREVIEW, maskValues } from './args-preview.js';

describe('argument previews for the live log and requests', () => {
  it('masks the values of secret-looking fields, however deep', () => {
    const preview = argsPreview({
      url: 'https://x',
      headers: { Authorization: 'Bearer abc', apiKey: 'k-123' },
      password: 'hunter2',
    });
    expect(preview).not.toMatch(/abc|k-123|hunter2/);
    expect(JSON.parse(preview)).toEqual({ url: 'https://x', headers: { Authorization: MASK, apiKey: MASK }, password: MASK });
  });

  it('cuts long strings and bounds the whole preview', () => {
    expect(JSON.parse(argsPreview({ text: 'x'.repeat(5000) })).text).toMatch(/^x{200}… \(5000 chars\)$/);
    const many = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i]));
    expect(argsPreview(many).length).toBe(MAX_ARGS_PREVIEW);
  });

  it('masks values the component was granted wherever they appear, but not tiny ones', () => {
    const preview = argsPreview({ q: 'token sk-live-999 inside', n: 'on' });
    expect(maskValues(preview, ['sk-live-999', 'on'])).toBe(`{"q":"token ${MASK} inside","n":"on"}`);
  });
});
