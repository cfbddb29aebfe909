import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store } from '../store/index.js';
import { listSetting } from '../store/list-setting.js';

/**
 * Folders a person marked as component sources: an MCP client may load a new component from a file in
 * one of them without asking (a load that would replace installed code still asks). Everywhere else a
 * load is a request a person confirms, and Weld does not look at the path at all.
 */
const setting = listSetting('components.sources', (folder, trusted) => ({ folder, componentSource: trusted }));

export const componentSources = setting.read;

const within = (folder: string, path: string) => path.startsWith(folder.endsWith(sep) ? folder : folder + sep);

/**
 * Checks a folder a person wants to mark: an existing directory, stored by its real path so a symlink
 * cannot later point it elsewhere. The file system root and Weld's own data dir are refused: every file
 * on the machine, or Weld's database and keys, would then be loadable by any client.
 */
export function checkSourceFolder(raw: unknown, dataDir: string): string {
  if (typeof raw !== 'string' || raw.trim() === '' || raw.length > 4096 || /\p{Cc}/u.test(raw))
    throw new RangeError('give the folder as an absolute path');
  if (!isAbsolute(raw.trim())) throw new RangeError(`"${raw}" is not an absolute path`);
  let real: string;
  try {
    real = realpathSync(raw.trim());
  } catch {
    throw new RangeError(`${raw.trim()} does not exist`);
  }
  if (!statSync(real).isDirectory()) throw new RangeError(`${real} is not a folder`);
  if (real === resolve('/'))
    throw new RangeError('the whole file system cannot be a component source: choose the folder your components are built into');
  const data = realpathSync(dataDir);
  if (real === data || within(real, data) || within(data, real))
    throw new RangeError(`${real} holds Weld's own data (${data}): choose the folder your components are built into`);
  return real;
}

/** Marks (`trusted`) or unmarks one folder; audited. Unmarking takes the folder as listed, even if it is gone. */
export function setComponentSource(store: Store, raw: unknown, trusted: boolean, actor: string, dataDir: string): string[] {
  if (trusted) return setting.set(store, checkSourceFolder(raw, dataDir), true, actor);
  const listed = componentSources(store);
  const folder = typeof raw === 'string' ? normalize(raw.trim()).replace(/(.)\/$/, '$1') : '';
  if (!listed.includes(folder))
    throw new RangeError(
      `${folder || 'that'} is not a component source${listed.length ? ` (they are: ${listed.join(', ')})` : ''}`,
    );
  return setting.set(store, folder, false, actor);
}

/**
 * The real path of the file `ref` names when it lies inside one of `folders`, else null. A path that is
 * outside by its text is not touched at all, so a client learns nothing of files outside the folders; a
 * path inside that resolves (through a symlink) to somewhere outside counts as outside.
 */
export function fileInComponentSource(folders: string[], ref: string): string | null {
  if (!ref.startsWith('file://')) return null;
  let path: string;
  try {
    path = normalize(fileURLToPath(ref));
  } catch {
    return null;
  }
  const folder = folders.find((f) => within(f, path));
  if (!folder) return null;
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return path; // missing inside a marked folder: the install says "no such file"
  }
  return folders.some((f) => within(f, real)) ? real : null;
}
