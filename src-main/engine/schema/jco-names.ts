/**
 * The JavaScript name jco gives a WIT kebab name (functions, record fields, flags): lower camel case
 * word by word, the way heck's to_lower_camel_case does it, so `get-HTTP-url` becomes `getHttpUrl`.
 */
export function jsName(kebab: string): string {
  return kebab
    .split('-')
    .filter((w) => w.length > 0)
    .map((w, i) => {
      const lower = w.toLowerCase();
      return i === 0 ? lower : lower.charAt(0).toUpperCase() + lower.slice(1);
    })
    .join('');
}
