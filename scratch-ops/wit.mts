import { readFileSync } from 'node:fs';
import { componentWit } from '@bytecodealliance/jco-transpile/wasm-tools';
import { componentSections, customSection } from '/work/wt/ops/src-main/engine/schema/binary-reader.ts';
const bytes = readFileSync('/tmp/ops-try/hello/build/hello.wasm');
const parts = [bytes.subarray(0, 8)];
for (const s of componentSections(bytes)) {
  if (s.id === 0) { const n = customSection(bytes, s).name; console.log('custom', n); if (n === 'package-docs') continue; }
  parts.push(bytes.subarray(s.start, s.end));
}
const stripped = Buffer.concat(parts);
const wit = await componentWit(stripped);
console.log(wit.split('\n').filter(l => /world|package|export/.test(l)).join('\n'));
