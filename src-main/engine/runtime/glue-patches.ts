/**
 * jco lowers a `list<u8>` argument of a host import by copying it out of guest memory
 * (`new Uint8Array(memory.buffer.slice(ptr, ptr + len))`). For output-stream writes that copy is all a
 * flood costs the host: every byte a guest writes to stdout passes through the host heap before the
 * bounded capture drops it. These writes get a view of guest memory instead. That is safe because no
 * guest code runs while the host function runs, and every sink copies or consumes what it keeps before
 * returning (the capture keeps a copy of its 64 KiB, files are written synchronously, HTTP bodies copy).
 *
 * The pattern is jco-transpile 0.15's output; glue that does not match keeps the copy (correct, only
 * costlier), and a test checks that a real component's glue is patched.
 */
const WRITE_COPY =
  /new Uint8Array\(memory(\d+)\.buffer\.slice\((ptr\d+), \2 \+ (len\d+) \* 1\)\);(\s*_debugLog\('\[iface="wasi:io\/streams@[\d.]+", function="\[method\]output-stream\.(?:write|blocking-write-and-flush)"\])/g;

export function viewOutputStreamWrites(glue: string): { glue: string; patched: number } {
  let patched = 0;
  const out = glue.replace(WRITE_COPY, (_all, mem: string, ptr: string, len: string, rest: string) => {
    patched++;
    return `new Uint8Array(memory${mem}.buffer, ${ptr}, ${len});${rest}`;
  });
  return { glue: out, patched };
}
