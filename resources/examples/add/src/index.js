// The whole tool is a plain function; componentize-js turns it into a WebAssembly component.
export function add(a, b) {
  return (a + b) | 0;
}
