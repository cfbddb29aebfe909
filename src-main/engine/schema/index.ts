export { componentSurface, describeComponentBinary } from './component-types.js';
export { componentWitText } from './component-wit.js';
export { describeComponent } from './describe.js';
export { inputSchema, outputSchema, schemaFor } from './json-schema.js';
export { applyPackageDocs, type PackageDocs, type PackageMetadata, readPackageDocs } from './package-docs.js';
export { resolveExport } from './resolve-export.js';
export { callableExports, toolNames, toolsForExports } from './tools.js';
export {
  ArgumentError as ToolArgumentError,
  classifyGuestError,
  fromGuestResult,
  type GuestFailure,
  structuredContent,
  toGuestArgs,
} from './values.js';
export { describeWit } from './wit-describe.js';
export { embedPackageDocs } from './wit-docs.js';
export type { ComponentInterface, ExportedFunction, WitType } from './wit-type.js';
export { exportPath, unsupportedReason } from './wit-type.js';
