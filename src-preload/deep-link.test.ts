import { describe, expect, it } from 'vitest';
import { checkInstallRef, deepLinkInArgs, installHash, installRefFromHash, parseDeepLink } from './deep-link.js';

const REF = 'oci://ghcr.io/weld-examples/read-file:0.1.0';

describe('weld:// install links', () => {
  it('accepts an install link with one oci:// reference, tag or digest', () => {
    expect(parseDeepLink(`weld://install?ref=${encodeURIComponent(REF)}`)).toEqual({ ok: true, ref: REF });
    expect(parseDeepLink(`weld://install?ref=${REF}`)).toEqual({ ok: true, ref: REF });
    const pinned = `oci://127.0.0.1:5000/a/b@sha256:${'a'.repeat(64)}`;
    expect(parseDeepLink(`weld://install/?ref=${encodeURIComponent(pinned)}`)).toEqual({ ok: true, ref: pinned });
  });

  it('refuses references that are not oci:// (a web page must not make Weld read a local file)', () => {
    for (const ref of ['/etc/passwd', 'file:///home/me/.ssh/id_rsa', 'https://evil.example/x.wasm', '../x.wasm']) {
      const r = parseDeepLink(`weld://install?ref=${encodeURIComponent(ref)}`);
      expect(r).toEqual({ ok: false, reason: 'only oci:// references can be installed from a link' });
    }
  });

  it('refuses extra parameters, other actions and other schemes', () => {
    expect(parseDeepLink(`weld://install?ref=${REF}&yes=1`)).toMatchObject({ ok: false, reason: /exactly one parameter/ });
    expect(parseDeepLink(`weld://install?ref=${REF}&ref=${REF}`)).toMatchObject({ ok: false, reason: /exactly one parameter/ });
    expect(parseDeepLink(`weld://grant?ref=${REF}`)).toMatchObject({ ok: false, reason: /unknown link action "grant"/ });
    expect(parseDeepLink(`weld://install/../grant?ref=${REF}`)).toMatchObject({ ok: false });
    expect(parseDeepLink(`https://install?ref=${REF}`)).toMatchObject({ ok: false, reason: 'not a weld:// link' });
    expect(parseDeepLink('weld://install')).toMatchObject({ ok: false });
    expect(parseDeepLink('not a url')).toEqual({ ok: false, reason: 'not a link' });
  });

  it('refuses malformed and oversized references', () => {
    expect(checkInstallRef('oci://Ghcr.io/x')).toMatchObject({ ok: false, reason: /not a valid/ });
    expect(checkInstallRef('oci://ghcr.io/x y')).toMatchObject({ ok: false });
    expect(checkInstallRef('oci://ghcr.io/x\n')).toMatchObject({ ok: false });
    expect(checkInstallRef('oci://user:pw@ghcr.io/x')).toMatchObject({ ok: false });
    expect(checkInstallRef(`oci://ghcr.io/x@sha256:${'a'.repeat(10)}`)).toMatchObject({ ok: false });
    expect(checkInstallRef(`oci://ghcr.io/${'a'.repeat(1100)}`)).toMatchObject({ ok: false, reason: /longer than 1024/ });
    expect(parseDeepLink(`weld://install?ref=oci://ghcr.io/${'a'.repeat(3000)}`)).toEqual({
      ok: false,
      reason: 'the link is too long',
    });
  });

  it('round-trips a reference through the renderer hash, and refuses a bad one there too', () => {
    expect(installRefFromHash(installHash(REF))).toBe(REF);
    expect(installRefFromHash(installHash('file:///etc/passwd'))).toBeNull();
    expect(installRefFromHash('#install?ref=%E0%A4%A')).toBeNull();
    expect(installRefFromHash('#tools')).toBeNull();
  });

  it('finds the link among process arguments', () => {
    expect(deepLinkInArgs(['/opt/Weld/weld', '--no-sandbox', `weld://install?ref=${REF}`])).toBe(`weld://install?ref=${REF}`);
    expect(deepLinkInArgs(['/opt/Weld/weld'])).toBeNull();
  });
});
