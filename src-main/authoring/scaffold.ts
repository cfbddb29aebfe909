import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type ToolLang = 'ts' | 'js';

/** WIT package and world names allow lowercase words joined by single dashes. */
export const TOOL_PROJECT_NAME = /^[a-z][a-z0-9]*(-[a-z][a-z0-9]*)*$/;

export function scaffoldFiles(name: string, lang: ToolLang): Record<string, string> {
  const fn = 'greet';
  const source =
    lang === 'ts'
      ? `/** Greets someone by name. This plain function is the whole tool. */
export function ${fn}(name: string): string {
  return \`Hello, \${name}!\`;
}
`
      : `/** Greets someone by name. This plain function is the whole tool. */
export function ${fn}(name) {
  return \`Hello, \${name}!\`;
}
`;
  return {
    'wit/world.wit': `package local:${name}@0.1.0;

world ${name} {
  /// Greet someone by name. Weld shows this comment to MCP clients as the tool's description.
  export ${fn}: func(
    /// Who to greet.
    name: string,
  ) -> string;
}
`,
    [`src/index.${lang}`]: source,
    'policy.yaml': `version: "1.0"
description: "${name}: the capabilities this tool needs. It needs none; add storage, network or environment entries here."
permissions: {}
`,
    'package.json': `${JSON.stringify(
      {
        name,
        version: '0.1.0',
        private: true,
        type: 'module',
        scripts: { build: 'weld build', test: 'node --test' },
        devDependencies: {
          '@bytecodealliance/componentize-js': '0.23.0',
          '@bytecodealliance/jco-transpile': '0.15.0',
          '@bytecodealliance/preview2-shim': '0.26.1',
          ...(lang === 'ts' ? { typescript: '5.9.3' } : {}),
        },
      },
      null,
      2,
    )}\n`,
    'test/tool.test.mjs': `// Calls the built component: transpiled to JS with jco and run on the WASI shim.
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { transpileBytes } from '@bytecodealliance/jco-transpile';

test('${fn} greets by name', async () => {
  const bytes = await readFile(new URL('../build/${name}.wasm', import.meta.url));
  const { files } = await transpileBytes(bytes, { name: '${name}' });
  const dir = new URL('../build/js/', import.meta.url);
  for (const [file, data] of Object.entries(files)) {
    const out = new URL(file, dir);
    await mkdir(new URL('.', out), { recursive: true });
    await writeFile(out, data);
  }
  const tool = await import(new URL('${name}.js', dir).href);
  assert.equal(tool.${fn}('Weld'), 'Hello, Weld!');
});
`,
    'README.md': `# ${name}

An MCP tool written as a plain function and compiled to a WebAssembly component for Weld.

\`\`\`sh
npm install          # componentize-js and friends, for building
weld build           # builds build/${name}.wasm and shows the tool, its schema and capabilities
npm test             # calls the built component
weld install build/${name}.wasm
weld call ${fn} --arg name=World
\`\`\`

Edit \`wit/world.wit\` to change the tool's signature (its \`///\` comments become the description MCP
clients see), \`src/index.${lang}\` for what it does, and \`policy.yaml\` for the files, hosts and
environment variables it needs. Weld grants nothing until a person approves it.
`,
    '.gitignore': 'node_modules/\nbuild/\n',
  };
}

export function scaffold(dir: string, name: string, lang: ToolLang): string[] {
  if (!TOOL_PROJECT_NAME.test(name)) {
    throw new Error(
      `"${name}" is not a valid tool name: use lowercase letters, digits and single dashes, starting with a letter`,
    );
  }
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new Error(`${dir} already exists and is not empty`);
  const files = scaffoldFiles(name, lang);
  for (const [rel, text] of Object.entries(files)) {
    const path = join(dir, rel);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
  }
  return Object.keys(files);
}
