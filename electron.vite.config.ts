import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // What `weld serve` loads before its first answer is bundled: Node 20 has no compile cache, and
      // resolving and reading the ~310 files of these packages one by one cost ~150 ms of every cold
      // start (half of their load time). Native and rarely used dependencies stay external.
      externalizeDeps: { exclude: ['@modelcontextprotocol/sdk', 'zod', 'yaml', 'ajv', 'picomatch', 'ipaddr.js'] },
      rollupOptions: {
        input: {
          index: resolve('src-main/index.ts'),
          cli: resolve('src-main/cli.ts'),
          'runtime-worker': resolve('src-main/engine/runtime/worker/worker-main.ts'),
          'store-reader': resolve('src-main/engine/store/reader-worker.ts'),
        },
        output: {
          format: 'es',
          entryFileNames: '[name].js',
          // Flat output: code in any chunk can find sibling entries (the workers) next to itself.
          chunkFileNames: '[name]-[hash].js',
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload cannot load modules: bundle zod in and emit CommonJS.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve('src-preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src-renderer',
    plugins: [react()],
    build: {
      outDir: 'out/renderer',
      // Served to a browser in web mode: ship it small.
      minify: true,
      rollupOptions: { input: { index: resolve('src-renderer/index.html') } },
    },
  },
});
