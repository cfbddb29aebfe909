import { describe, expect, it } from 'vitest';
import { OCI_IMAGE_CONFIG, POLICY_LAYER, WASM_CONFIG, WASM_LAYER } from './media-types.js';
import type { Descriptor, ImageManifest } from './oci-types.js';
import { isComponent, readWasmConfig, wasmArtifactLayout, worldItems } from './wasm-artifact.js';

const d = (mediaType: string, n: string): Descriptor => ({ mediaType, digest: `sha256:${n.repeat(64)}`, size: 10 });
const manifest = (config: string, layers: Descriptor[]): ImageManifest => ({ schemaVersion: 2, config: d(config, 'c'), layers });

describe('Wasm OCI artifact layout', () => {
  it('finds the component and policy layers', () => {
    const layout = wasmArtifactLayout(manifest(WASM_CONFIG, [d(WASM_LAYER, 'a'), d(POLICY_LAYER, 'b')]), 'x');
    expect(layout.wasm.digest).toBe(`sha256:${'a'.repeat(64)}`);
    expect(layout.policy?.digest).toBe(`sha256:${'b'.repeat(64)}`);
  });

  it("accepts the older layer spellings Wassette's publishers used", () => {
    const m = manifest(OCI_IMAGE_CONFIG, [
      d('application/vnd.wasm.component.v1', 'a'),
      d('application/vnd.wassette.policy+yaml', 'b'),
    ]);
    expect(wasmArtifactLayout(m, 'x').policy).not.toBeNull();
  });

  it.each([
    [
      'a container image',
      manifest('application/vnd.oci.image.config.v1+json', [d('application/vnd.oci.image.layer.v1.tar+gzip', 'a')]),
      /expected exactly one application\/wasm layer, found 0/,
    ],
    ['two components', manifest(WASM_CONFIG, [d(WASM_LAYER, 'a'), d(WASM_LAYER, 'b')]), /found 2/],
    [
      'a smuggled extra layer',
      manifest(WASM_CONFIG, [d(WASM_LAYER, 'a'), d('application/octet-stream', 'b')]),
      /unexpected layer media type "application\/octet-stream"/,
    ],
    [
      'a helm chart',
      manifest('application/vnd.cncf.helm.config.v1+json', [d(WASM_LAYER, 'a')]),
      /config media type is "application\/vnd\.cncf\.helm\.config\.v1\+json"/,
    ],
  ])('refuses %s', (_, m, why) => {
    expect(() => wasmArtifactLayout(m, 'oci://r/x:1')).toThrow(why);
  });
});

describe('Wasm config and component bytes', () => {
  it('validates the wasm config and ignores a generic image config', () => {
    const good = new TextEncoder().encode(
      JSON.stringify({ architecture: 'wasm', os: 'wasip2', component: { exports: ['a'], imports: [] } }),
    );
    expect(readWasmConfig(good, WASM_CONFIG)?.component?.exports).toEqual(['a']);
    const linux = new TextEncoder().encode(JSON.stringify({ architecture: 'amd64', os: 'linux' }));
    expect(() => readWasmConfig(linux, WASM_CONFIG)).toThrow(/component config is malformed/);
    expect(readWasmConfig(linux, OCI_IMAGE_CONFIG)).toBeNull();
  });

  it('tells components from core modules', () => {
    expect(isComponent(new Uint8Array([0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0]))).toBe(true);
    expect(isComponent(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]))).toBe(false);
    expect(isComponent(new Uint8Array([0, 0x61]))).toBe(false);
  });

  it('lists world imports and exports from component WIT', () => {
    const wit = `package root:component;

world root {
  import wasi:cli/environment@0.2.3;
  import wasi:http/outgoing-handler@0.2.3;

  export get-weather: func(city: string) -> result<string, string>;
  export local:time/clock;
}
`;
    expect(worldItems(wit)).toEqual({
      imports: ['wasi:cli/environment@0.2.3', 'wasi:http/outgoing-handler@0.2.3'],
      exports: ['get-weather', 'local:time/clock'],
    });
  });
});
