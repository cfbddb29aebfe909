import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { embedPackageDocs } from '../engine/schema/wit-docs.js';
import { importFrom } from './toolchain.js';

/** A build failure worded for the tool author: `file:line:col: message`, never a stack dump. */
export class BuildError extends Error {}

export interface BuildResult {
  name: string;
  wasmPath: string;
  bytes: Uint8Array;
}

interface TsModule {
  transpileModule(
    code: string,
    opts: { fileName: string; reportDiagnostics: boolean; compilerOptions: Record<string, unknown> },
  ): {
    outputText: string;
    diagnostics?: {
      file?: { getLineAndCharacterOfPosition(p: number): { line: number; character: number } };
      start?: number;
      messageText: string | { messageText: string };
    }[];
  };
  ScriptTarget: { ES2022: number };
  ModuleKind: { ESNext: number };
}

interface Componentize {
  componentize(opts: { sourcePath: string; witPath: string; disableFeatures?: string[] }): Promise<{ component: Uint8Array }>;
}

/**
 * Builds a tool project (wit/, src/index.ts|js, optional policy.yaml) into build/<name>.wasm with
 * componentize-js. The project's own toolchain is used when installed, else the one beside Weld.
 */
export async function buildTool(dir: string, toolchainDirs: string[]): Promise<BuildResult> {
  const from = [dir, ...toolchainDirs];
  const witDir = join(dir, 'wit');
  if (!existsSync(witDir))
    throw new BuildError(`${dir} has no wit/ folder: is this a tool project? (create one with \`weld new\`)`);
  const tsPath = join(dir, 'src', 'index.ts');
  const jsPath = join(dir, 'src', 'index.js');
  const isTs = existsSync(tsPath);
  if (!isTs && !existsSync(jsPath)) throw new BuildError(`${dir} has neither src/index.ts nor src/index.js`);
  const name = projectName(dir);
  const outDir = join(dir, 'build');
  mkdirSync(outDir, { recursive: true });

  const entry = join(outDir, 'index.mjs');
  if (isTs) {
    const ts = await importFrom<{ default: TsModule }>('typescript', from).then((m) => m.default);
    writeFileSync(entry, stripTypes(ts, readFileSync(tsPath, 'utf8'), relative(dir, tsPath)));
  } else {
    writeFileSync(entry, readFileSync(jsPath));
    await checkSyntax(entry, relative(dir, jsPath));
  }

  const { componentize } = await importFrom<Componentize>('@bytecodealliance/componentize-js', from);
  // componentize-js runs its splicer on preview2-shim, whose 0.26 default is no file access; this is
  // the author's build process, never the Weld runtime, so it may read the project.
  const fs = await importFrom<{ _setPreopens(p: Record<string, string>): void }>(
    '@bytecodealliance/preview2-shim',
    from,
    'filesystem',
  );
  fs._setPreopens({ '/': '/' });
  let component: Uint8Array;
  try {
    ({ component } = await componentize({ sourcePath: entry, witPath: witDir, disableFeatures: featuresToDisable(dir) }));
  } catch (err) {
    throw new BuildError(`componentize-js failed: ${String((err as Error).message ?? err).split('\n')[0]}`);
  }
  // componentize-js drops WIT doc comments; they are the tools' descriptions, so put them back.
  try {
    component = embedPackageDocs(component, witDir);
  } catch (err) {
    throw new BuildError(`reading doc comments: ${(err as Error).message}`);
  }
  const wasmPath = join(outDir, `${name}.wasm`);
  writeFileSync(wasmPath, component);
  return { name, wasmPath, bytes: component };
}

/** The project's name: package.json's name when it is a plain id, else the folder's name. */
export function projectName(dir: string): string {
  const pkg = join(dir, 'package.json');
  if (existsSync(pkg)) {
    const parsed = JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown };
    if (typeof parsed.name === 'string' && /^[a-z0-9-]+$/.test(parsed.name)) return parsed.name;
  }
  return basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-');
}

function stripTypes(ts: TsModule, code: string, file: string): string {
  const out = ts.transpileModule(code, {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
  });
  const d = out.diagnostics?.[0];
  if (d) {
    const pos = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    const msg = typeof d.messageText === 'string' ? d.messageText : d.messageText.messageText;
    throw new BuildError(`${file}${pos ? `:${pos.line + 1}:${pos.character + 1}` : ''}: ${msg}`);
  }
  return out.outputText;
}

/** componentize-js only says "failed to parse JS source"; Node's parser says where. */
async function checkSyntax(path: string, shownAs: string): Promise<void> {
  try {
    await promisify(execFile)(process.execPath, ['--check', path]);
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? '');
    const line = /:(\d+)\n/.exec(stderr)?.[1];
    const message = /^(SyntaxError: .*)$/m.exec(stderr)?.[1] ?? stderr.trim().split('\n').at(-1);
    throw new BuildError(`${shownAs}${line ? `:${line}` : ''}: ${message}`);
  }
}

/** A tool whose policy asks for no network gets no HTTP client compiled in, so it cannot ask for one. */
function featuresToDisable(dir: string): string[] {
  const policyPath = join(dir, 'policy.yaml');
  if (!existsSync(policyPath)) return ['http'];
  const policy = parseYaml(readFileSync(policyPath, 'utf8')) as { permissions?: { network?: { allow?: unknown[] } } } | null;
  return policy?.permissions?.network?.allow?.length ? [] : ['http'];
}
