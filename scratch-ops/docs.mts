import { readFileSync } from 'node:fs';
import { componentWit } from '@bytecodealliance/jco-transpile/wasm-tools';
import { componentSections, customSection } from '/work/wt/ops/src-main/engine/schema/binary-reader.ts';
import { withWitDocs } from '/work/wt/ops/src-main/authoring/docs.ts';
import { analyzeComponent } from '/work/wt/ops/src-main/engine/runtime/analyze.ts';
const bytes = readFileSync('/tmp/ops-try/hello/build/hello.wasm');
const parts = [bytes.subarray(0, 8)];
for (const s of componentSections(bytes)) {
  if (s.id === 0 && customSection(bytes, s).name === 'package-docs') continue;
  parts.push(bytes.subarray(s.start, s.end));
}
const t0 = performance.now();
const out = await withWitDocs(Buffer.concat(parts), '/tmp/ops-try/hello/wit');
console.log('ms', performance.now() - t0);
const a = await analyzeComponent(out, null, 'hello');
console.log(JSON.stringify(a.tools, null, 1));
