import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/**
 * Reads a file of the built renderer. Paths are resolved inside `root` only (no `..`, no absolute
 * paths, no dotfiles); anything else is "not found". Unknown paths fall back to index.html so a
 * reload on any page works.
 */
export async function readStatic(root: string, pathname: string): Promise<{ body: Buffer; type: string } | null> {
  let rel: string;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (rel.includes('\0')) return null;
  const clean = normalize(rel).replace(/^[/\\]+/, '');
  if (clean.split(/[/\\]/).some((part) => part === '..' || part.startsWith('.'))) return null;
  const file = join(root, clean || 'index.html');
  if (file !== root && !file.startsWith(root + sep)) return null;
  const type = TYPES[extname(file)];
  if (type) {
    try {
      return { body: await readFile(file), type };
    } catch {
      if (clean.startsWith('assets/')) return null;
    }
  }
  if (extname(clean) && !clean.endsWith('.html')) return null;
  try {
    return { body: await readFile(join(root, 'index.html')), type: TYPES['.html'] };
  } catch {
    return null;
  }
}
