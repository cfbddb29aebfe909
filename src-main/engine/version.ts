// Kept in code rather than read from package.json at run time: the built CLI must not depend on
// where package.json sits relative to it.
export const WELD_VERSION = '0.1.0';
