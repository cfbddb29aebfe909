export { describeComponentBinary } from './component-types.js';
export { inputSchema, outputSchema } from './json-schema.js';
export { applyPackageDocs, type PackageDocs, readPackageDocs } from './package-docs.js';
export { resolveExport } from './resolve-export.js';
export { toolsForExports } from './tools.js';
export { classifyGuestError, fromGuestResult, structuredContent, toGuestArgs } from './values.js';
export { embedPackageDocs } from './wit-docs.js';
export type { ComponentInterface, ExportedFunction, WitType } from './wit-type.js';
export { exportPath } from './wit-type.js';
