import { describe, expect, it } from 'vitest';
import { RegistryError } from './errors.js';
import { parseReference, pinnedReference, registryBaseUrl } from './reference.js';
import { parseChallenge } from './www-authenticate.js';

const HEX = 'a'.repeat(64);

describe('oci:// references', () => {
  it('parses host, port, nested repository, tag and digest', () => {
    expect(parseReference('oci://127.0.0.1:5000/tools/time:1.0')).toEqual({
      registry: '127.0.0.1:5000',
      repository: 'tools/time',
      tag: '1.0',
      digest: null,
    });
    expect(parseReference(`oci://ghcr.io/microsoft/fetch-rs@sha256:${HEX}`)).toMatchObject({
      tag: null,
      digest: `sha256:${HEX}`,
    });
    expect(parseReference(`oci://ghcr.io/a/b:v2@sha256:${HEX}`)).toMatchObject({ tag: 'v2', digest: `sha256:${HEX}` });
  });

  it('defaults to the latest tag', () => {
    expect(parseReference('oci://ghcr.io/microsoft/fetch-rs').tag).toBe('latest');
  });

  it.each([
    ['docker://ghcr.io/a:1', /must start with oci:\/\//],
    ['oci://user:pw@ghcr.io/a:1', /credentials do not belong/],
    ['oci://ghcr.io/Upper/case:1', /bad repository path component "Upper"/],
    ['oci://ghcr.io/a/../b:1', /bad repository path component/],
    ['oci://ghcr.io/a:1?x=y', /not allowed/],
    ['oci://ghcr.io/a@sha512:abc', /digest must be sha256/],
    [`oci://ghcr.io/a@sha256:${'A'.repeat(64)}`, /digest must be sha256/],
    ['oci://ghcr.io/a:-bad', /bad tag/],
    ['oci://ghcr.io:99999/a:1', /bad port/],
    ['oci://GHCR.io/a:1', /bad registry host/],
    ['oci://ghcr.io', /expected oci:\/\/host\/repository/],
  ])('refuses %s', (input, why) => {
    expect(() => parseReference(input)).toThrow(RegistryError);
    expect(() => parseReference(input)).toThrow(why);
  });

  it('uses plain http only for registries on this machine', () => {
    expect(registryBaseUrl('127.0.0.1:5000')).toBe('http://127.0.0.1:5000');
    expect(registryBaseUrl('localhost:5000')).toBe('http://localhost:5000');
    expect(registryBaseUrl('[::1]:5000')).toBe('http://[::1]:5000');
    expect(registryBaseUrl('ghcr.io')).toBe('https://ghcr.io');
    expect(registryBaseUrl('127.0.0.1.nip.io:80')).toBe('https://127.0.0.1.nip.io:80');
  });

  it('pins a reference to a digest and drops the tag', () => {
    expect(pinnedReference(parseReference('oci://ghcr.io/a/b:1'), `sha256:${HEX}`)).toBe(`oci://ghcr.io/a/b@sha256:${HEX}`);
  });
});

describe('WWW-Authenticate challenges', () => {
  it('reads a bearer challenge with quoted parameters', () => {
    expect(parseChallenge('Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:a/b:pull"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:a/b:pull' },
    });
  });

  it('reads a basic challenge and unquoted values', () => {
    expect(parseChallenge('Basic realm=registry')).toEqual({ scheme: 'basic', params: { realm: 'registry' } });
  });

  it('returns null for garbage instead of guessing', () => {
    expect(parseChallenge(null)).toBeNull();
    expect(parseChallenge('Bearer realm="unterminated')).toBeNull();
  });
});
