import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV_KEY } from './parse.js';

/**
 * Encrypts secret values at rest. The Electron shell can plug in one backed by safeStorage (the OS
 * keychain); the engine's default keeps its key in a file.
 */
export interface SecretCipher {
  /** Shown by `weld secret list`, so people know what protects their values. */
  readonly description: string;
  encrypt(plain: Buffer, context: string): Buffer;
  decrypt(sealed: Buffer, context: string): Buffer;
}

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM with a random key in a 0600 file next to the secrets file.
 * Threat model, honestly: this keeps values out of the database, logs, audit exports, backups of the
 * database alone and casual `grep`s; it does NOT protect against anything that can read files as this
 * user (malware, a stolen unencrypted disk): the key sits beside the data. The OS keychain (safeStorage in
 * the tray app) raises that bar to "can ask the keychain as this user". `context` (component and key) is
 * bound as associated data, so a value copied to another component's slot fails to decrypt.
 */
export class FileKeyCipher implements SecretCipher {
  readonly description: string;
  #key: Buffer | null = null;

  constructor(private readonly keyPath: string) {
    this.description = `AES-256-GCM, key in ${keyPath} (mode 0600); readable by anything running as you`;
  }

  #loadKey(create: boolean): Buffer | null {
    if (this.#key) return this.#key;
    if (existsSync(this.keyPath)) {
      const key = readFileSync(this.keyPath);
      if (key.length !== KEY_BYTES) throw new Error(`the secret key file ${this.keyPath} is damaged (wrong length)`);
      this.#key = key;
    } else if (create) {
      const key = randomBytes(KEY_BYTES);
      writeFileSync(this.keyPath, key, { mode: 0o600, flag: 'wx' });
      this.#key = key;
    }
    return this.#key;
  }

  encrypt(plain: Buffer, context: string): Buffer {
    const key = this.#loadKey(true) as Buffer;
    const iv = randomBytes(IV_BYTES);
    const c = createCipheriv('aes-256-gcm', key, iv);
    c.setAAD(Buffer.from(context));
    const body = Buffer.concat([c.update(plain), c.final()]);
    return Buffer.concat([iv, c.getAuthTag(), body]);
  }

  decrypt(sealed: Buffer, context: string): Buffer {
    const key = this.#loadKey(false);
    if (!key) throw new Error(`the secret key file ${this.keyPath} is missing`);
    if (sealed.length < IV_BYTES + TAG_BYTES) throw new Error('sealed value is too short');
    const d = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
    d.setAAD(Buffer.from(context));
    d.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([d.update(sealed.subarray(IV_BYTES + TAG_BYTES)), d.final()]);
  }
}

export const MAX_SECRET_BYTES = 64 * 1024;

type SecretFile = { version: 1; components: Record<string, Record<string, string>> };

/**
 * Per-component secret values, stored sealed in `<data dir>/secrets/secrets.json` (0600, directory 0700),
 * outside the database so audit exports and database copies never carry them. Values are only ever
 * returned to the engine for a granted key; nothing here logs them.
 */
export class SecretStore {
  readonly #file: string;

  constructor(
    readonly dir: string,
    readonly cipher: SecretCipher = new FileKeyCipher(join(dir, 'key')),
  ) {
    this.#file = join(dir, 'secrets.json');
  }

  #read(): SecretFile {
    if (!existsSync(this.#file)) return { version: 1, components: {} };
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(this.#file, 'utf8'));
    } catch {
      throw new Error(`the secrets file ${this.#file} is damaged (not JSON); move it aside to start over`);
    }
    const f = data as SecretFile;
    if (f?.version !== 1 || typeof f.components !== 'object' || f.components === null) {
      throw new Error(`the secrets file ${this.#file} has an unknown format`);
    }
    return f;
  }

  #write(f: SecretFile): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
    const tmp = `${this.#file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(f)}\n`, { mode: 0o600 });
    renameSync(tmp, this.#file);
  }

  set(componentId: string, key: string, value: string): void {
    checkKey(key);
    if (typeof value !== 'string') throw new Error('a secret value must be text');
    if (Buffer.byteLength(value) > MAX_SECRET_BYTES)
      throw new Error(`a secret value is limited to ${MAX_SECRET_BYTES / 1024} KiB`);
    if (value.includes('\0')) throw new Error('a secret value cannot contain a NUL character');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const f = this.#read();
    const sealed = this.cipher.encrypt(Buffer.from(value, 'utf8'), context(componentId, key));
    f.components[componentId] = { ...(f.components[componentId] ?? {}), [key]: sealed.toString('base64') };
    this.#write(f);
  }

  get(componentId: string, key: string): string | undefined {
    const sealed = this.#read().components[componentId]?.[key];
    if (sealed === undefined) return undefined;
    return this.cipher.decrypt(Buffer.from(sealed, 'base64'), context(componentId, key)).toString('utf8');
  }

  keys(componentId: string): string[] {
    return Object.keys(this.#read().components[componentId] ?? {}).sort();
  }

  remove(componentId: string, key: string): boolean {
    const f = this.#read();
    const entry = f.components[componentId];
    if (!entry || !(key in entry)) return false;
    delete entry[key];
    if (Object.keys(entry).length === 0) delete f.components[componentId];
    this.#write(f);
    return true;
  }
}

function checkKey(key: string): void {
  if (typeof key !== 'string' || !ENV_KEY.test(key))
    throw new Error(`"${key}" is not a valid key (letters, digits and _, starting with a letter or _)`);
}

function context(componentId: string, key: string): string {
  return `weld-secret\0${componentId}\0${key}`;
}
