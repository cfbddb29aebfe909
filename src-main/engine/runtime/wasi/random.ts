import { getRandomValues } from 'node:crypto';

const MAX_RANDOM = 1 << 20;

function bytes(len: bigint): Uint8Array {
  if (len > BigInt(MAX_RANDOM)) throw new RangeError(`random: at most ${MAX_RANDOM} bytes per call`);
  const out = new Uint8Array(Number(len));
  // getRandomValues fills at most 64 KiB per call.
  for (let i = 0; i < out.length; i += 65536) getRandomValues(out.subarray(i, i + 65536));
  return out;
}

function u64(): bigint {
  return new BigUint64Array(getRandomValues(new BigUint64Array(1)).buffer)[0];
}

/** wasi:random: allowed for every guest; secure randomness for all three interfaces. */
export function createRandom() {
  return {
    random: { getRandomBytes: bytes, getRandomU64: u64 },
    insecure: { getInsecureRandomBytes: bytes, getInsecureRandomU64: u64 },
    insecureSeed: { insecureSeed: (): [bigint, bigint] => [u64(), u64()] },
  };
}
