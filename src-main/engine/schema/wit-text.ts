// A parser for WIT text (the component model's interface language), keeping `///` and `/** */`
// doc comments, which the binary form drops. It reads what wit-parser accepts for packages,
// interfaces, worlds, types and functions; gates such as @since/@unstable are skipped.

export type TypeRef =
  | { kind: 'name'; name: string }
  | { kind: 'list'; element: TypeRef; length?: number }
  | { kind: 'option'; some: TypeRef }
  | { kind: 'result'; ok: TypeRef | null; err: TypeRef | null }
  | { kind: 'tuple'; items: TypeRef[] }
  | { kind: 'handle'; own: boolean; resource: string }
  | { kind: 'future' | 'stream'; payload: TypeRef | null }
  | { kind: 'map'; key: TypeRef; value: TypeRef };

export interface WitFunc {
  name: string;
  docs?: string;
  async?: true;
  params: { name: string; type: TypeRef; docs?: string }[];
  result: TypeRef | null;
}

export interface WitItemDoc {
  name: string;
  docs?: string;
}

export type WitTypeDef =
  | { kind: 'record'; name: string; docs?: string; fields: (WitItemDoc & { type: TypeRef })[] }
  | { kind: 'variant'; name: string; docs?: string; cases: (WitItemDoc & { type: TypeRef | null })[] }
  | { kind: 'enum'; name: string; docs?: string; cases: WitItemDoc[] }
  | { kind: 'flags'; name: string; docs?: string; flags: WitItemDoc[] }
  | { kind: 'alias'; name: string; docs?: string; type: TypeRef }
  | { kind: 'resource'; name: string; docs?: string; funcs: WitFunc[] };

/** `use path.{a, b as c}`: path is `iface` (same package) or `ns:pkg/iface@version`. */
export interface WitUse {
  path: string;
  names: { name: string; as: string }[];
}

export interface WitInterface {
  name: string;
  docs?: string;
  types: WitTypeDef[];
  funcs: WitFunc[];
  uses: WitUse[];
}

export type WitExtern =
  | { kind: 'func'; func: WitFunc }
  | { kind: 'interface'; name: string; docs?: string; body: WitInterface }
  /** `import ns:pkg/iface;`, or with `name`, `import name: iface;` */
  | { kind: 'path'; path: string; name?: string; docs?: string };

export interface WitWorld {
  name: string;
  docs?: string;
  imports: WitExtern[];
  exports: WitExtern[];
  types: WitTypeDef[];
  uses: WitUse[];
  includes: string[];
}

export interface WitPackage {
  /** `ns:name@version`, or null when the text declares none. */
  name: string | null;
  docs?: string;
  interfaces: WitInterface[];
  worlds: WitWorld[];
}

export class WitSyntaxError extends Error {
  override name = 'WitSyntaxError';
}

type Tok =
  | { t: 'id'; v: string; pos: number }
  | { t: 'punct'; v: string; pos: number }
  | { t: 'num'; v: string; pos: number }
  | { t: 'version'; v: string; pos: number }
  | { t: 'str'; v: string; pos: number }
  | { t: 'doc'; v: string; pos: number }
  | { t: 'eof'; v: ''; pos: number };

function lex(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  const err = (msg: string, at = i): never => {
    throw new WitSyntaxError(`${msg} at ${lineCol(src, at)}`);
  };
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (src.startsWith('///', i) && !src.startsWith('////', i)) {
      const end = src.indexOf('\n', i);
      const line = src.slice(i + 3, end < 0 ? src.length : end);
      toks.push({ t: 'doc', v: line.startsWith(' ') ? line.slice(1) : line, pos: i });
      i = end < 0 ? src.length : end + 1;
      continue;
    }
    if (src.startsWith('//', i)) {
      const end = src.indexOf('\n', i);
      i = end < 0 ? src.length : end + 1;
      continue;
    }
    if (src.startsWith('/*', i)) {
      const isDoc = src.startsWith('/**', i) && !src.startsWith('/**/', i);
      const start = i;
      let depth = 0;
      do {
        if (src.startsWith('/*', i)) {
          depth++;
          i += 2;
        } else if (src.startsWith('*/', i)) {
          depth--;
          i += 2;
        } else if (i >= src.length) {
          err('unterminated block comment', start);
        } else {
          i++;
        }
      } while (depth > 0);
      if (isDoc) {
        const body = src.slice(start + 3, i - 2);
        const lines = body.split('\n').map((l) => l.replace(/^\s*\*?\s*/, ''));
        toks.push({ t: 'doc', v: lines.join('\n').trim(), pos: start });
      }
      continue;
    }
    if (c === '@' && /[0-9]/.test(src[i + 1] ?? '')) {
      // A version ends before the `.` of `use a:b/c@1.2.3.{x}`.
      const v = /^[0-9A-Za-z.+-]+/.exec(src.slice(i + 1, i + 257))![0].replace(/\.+$/, '');
      toks.push({ t: 'version', v, pos: i });
      i += 1 + v.length;
      continue;
    }
    if (c === '"') {
      const end = src.indexOf('"', i + 1);
      if (end < 0) err('unterminated string');
      toks.push({ t: 'str', v: src.slice(i + 1, end), pos: i });
      i = end + 1;
      continue;
    }
    const id = /^%?[a-zA-Z][a-zA-Z0-9]*(?:-[a-zA-Z0-9]+)*/.exec(src.slice(i, i + 256));
    if (id) {
      toks.push({ t: 'id', v: id[0], pos: i });
      i += id[0].length;
      continue;
    }
    const num = /^[0-9]+/.exec(src.slice(i, i + 32));
    if (num) {
      toks.push({ t: 'num', v: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    if (src.startsWith('->', i)) {
      toks.push({ t: 'punct', v: '->', pos: i });
      i += 2;
      continue;
    }
    if ('{}()<>,;:=./*_@'.includes(c)) {
      toks.push({ t: 'punct', v: c, pos: i });
      i++;
      continue;
    }
    err(`unexpected character "${c}"`);
  }
  toks.push({ t: 'eof', v: '', pos: src.length });
  return toks;
}

function lineCol(src: string, pos: number): string {
  const before = src.slice(0, pos);
  const line = before.split('\n').length;
  return `line ${line}, column ${pos - before.lastIndexOf('\n')}`;
}

/** An identifier as written minus the `%` that escapes keywords. */
function bareName(id: string): string {
  return id.startsWith('%') ? id.slice(1) : id;
}

class Parser {
  private i = 0;
  private readonly toks: Tok[];

  constructor(private readonly src: string) {
    this.toks = lex(src);
  }

  private peek(offset = 0): Tok {
    return this.toks[Math.min(this.i + offset, this.toks.length - 1)]!;
  }

  private next(): Tok {
    const t = this.peek();
    if (t.t !== 'eof') this.i++;
    return t;
  }

  private fail(msg: string, tok = this.peek()): never {
    throw new WitSyntaxError(`${msg} at ${lineCol(this.src, tok.pos)}`);
  }

  private isPunct(v: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.t === 'punct' && t.v === v;
  }

  private isKeyword(v: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.t === 'id' && t.v === v;
  }

  private eat(v: string): boolean {
    if (this.isPunct(v) || this.isKeyword(v)) {
      this.i++;
      return true;
    }
    return false;
  }

  private expect(v: string): void {
    if (!this.eat(v)) this.fail(`expected "${v}", found ${this.describe(this.peek())}`);
  }

  private describe(t: Tok): string {
    return t.t === 'eof' ? 'end of input' : `"${t.v}"`;
  }

  private ident(): string {
    const t = this.next();
    if (t.t !== 'id') this.fail(`expected a name, found ${this.describe(t)}`, t);
    return bareName(t.v);
  }

  /** Doc comments before an item, and gates (@since, @unstable, @deprecated) that are skipped. */
  private docs(): string | undefined {
    const lines: string[] = [];
    for (;;) {
      const t = this.peek();
      if (t.t === 'doc') {
        lines.push(t.v);
        this.i++;
      } else if (t.t === 'punct' && t.v === '@') {
        this.i++;
        this.ident();
        if (this.eat('(')) {
          let depth = 1;
          while (depth > 0) {
            const x = this.next();
            if (x.t === 'eof') this.fail('unterminated attribute');
            if (x.t === 'punct' && x.v === '(') depth++;
            if (x.t === 'punct' && x.v === ')') depth--;
          }
        }
      } else {
        break;
      }
    }
    const text = lines.join('\n').trim();
    return text || undefined;
  }

  /** `ns:name` or `ns:name@1.2.3` (namespaces may nest: `a:b:c`). */
  private packageName(): string {
    let name = this.ident();
    this.expect(':');
    name += `:${this.ident()}`;
    while (this.isPunct(':')) {
      this.i++;
      name += `:${this.ident()}`;
    }
    if (this.peek().t === 'version') name += `@${this.next().v}`;
    return name;
  }

  /** A use/import path: `iface`, or `ns:pkg/iface` with an optional version. */
  private parsePath(): string {
    if (!this.isPunct(':', 1)) return this.ident();
    let ns = this.ident();
    this.expect(':');
    ns += `:${this.ident()}`;
    while (this.isPunct(':')) {
      this.i++;
      ns += `:${this.ident()}`;
    }
    this.expect('/');
    let path = `${ns}/${this.ident()}`;
    if (this.peek().t === 'version') path += `@${this.next().v}`;
    return path;
  }

  parseFile(): WitPackage[] {
    const main: WitPackage = { name: null, interfaces: [], worlds: [] };
    const out = [main];
    let docs = this.docs();
    if (this.isKeyword('package')) {
      const save = this.i;
      this.i++;
      const name = this.packageName();
      if (this.eat(';')) {
        main.name = name;
        if (docs) main.docs = docs;
        docs = this.docs();
      } else {
        this.i = save;
      }
    }
    while (this.peek().t !== 'eof') {
      if (this.isKeyword('package')) this.packageBlock(out, docs);
      else this.topItem(main, docs);
      docs = this.docs();
    }
    return out;
  }

  private packageBlock(out: WitPackage[], docs: string | undefined): void {
    this.expect('package');
    const pkg: WitPackage = { name: this.packageName(), interfaces: [], worlds: [] };
    if (docs) pkg.docs = docs;
    this.expect('{');
    while (!this.eat('}')) {
      if (this.peek().t === 'eof') this.fail('unterminated package block');
      this.topItem(pkg, this.docs());
    }
    out.push(pkg);
  }

  private topItem(pkg: WitPackage, docs: string | undefined): void {
    if (this.eat('interface')) {
      pkg.interfaces.push(this.interfaceBody(this.ident(), docs));
    } else if (this.eat('world')) {
      pkg.worlds.push(this.world(docs));
    } else if (this.eat('use')) {
      // A top-level `use a:b/c as d;` only names an interface for this file: no docs to keep.
      this.parsePath();
      if (this.eat('as')) this.ident();
      this.expect(';');
    } else {
      this.fail(`expected "interface", "world" or "package", found ${this.describe(this.peek())}`);
    }
  }

  private interfaceBody(name: string, docs: string | undefined): WitInterface {
    const iface: WitInterface = { name, types: [], funcs: [], uses: [] };
    if (docs) iface.docs = docs;
    this.expect('{');
    while (!this.eat('}')) {
      if (this.peek().t === 'eof') this.fail(`unterminated interface ${name}`);
      const itemDocs = this.docs();
      if (this.eat('}')) break;
      if (this.eat('use')) iface.uses.push(this.parseUse());
      else if (this.isTypeKeyword()) iface.types.push(this.typeDef(itemDocs));
      else iface.funcs.push(this.funcItem(itemDocs));
    }
    return iface;
  }

  private isTypeKeyword(): boolean {
    const t = this.peek();
    if (t.t !== 'id' || !['record', 'variant', 'enum', 'flags', 'type', 'resource'].includes(t.v)) return false;
    // `record: func()` is a function named record, not a type.
    return !this.isPunct(':', 1);
  }

  private parseUse(): WitUse {
    const path = this.parsePath();
    this.expect('.');
    this.expect('{');
    const names: WitUse['names'] = [];
    while (!this.eat('}')) {
      const name = this.ident();
      names.push({ name, as: this.eat('as') ? this.ident() : name });
      if (!this.eat(',') && !this.isPunct('}')) this.fail('expected "," or "}"');
    }
    this.expect(';');
    return { path, names };
  }

  private funcItem(docs: string | undefined): WitFunc {
    const name = this.ident();
    this.expect(':');
    const f = this.funcSig(name);
    this.expect(';');
    if (docs) f.docs = docs;
    return f;
  }

  private funcSig(name: string): WitFunc {
    const isAsync = this.eat('async');
    this.expect('func');
    this.expect('(');
    const params = this.params();
    let result: TypeRef | null = null;
    if (this.eat('->')) {
      if (this.isPunct('(')) this.fail('named results are no longer WIT; use a record or tuple');
      result = this.type();
    }
    return isAsync ? { name, params, result, async: true } : { name, params, result };
  }

  private typeDef(docs: string | undefined): WitTypeDef {
    const kw = this.ident();
    const name = this.ident();
    const withDocs = <T extends WitTypeDef>(d: T): T => (docs ? { ...d, docs } : d);
    switch (kw) {
      case 'type': {
        this.expect('=');
        const type = this.type();
        this.expect(';');
        return withDocs({ kind: 'alias', name, type });
      }
      case 'record':
        return withDocs({
          kind: 'record',
          name,
          fields: this.braced(() => {
            const fname = this.ident();
            this.expect(':');
            return { name: fname, type: this.type() };
          }),
        });
      case 'variant':
        return withDocs({
          kind: 'variant',
          name,
          cases: this.braced(() => {
            const cname = this.ident();
            let type: TypeRef | null = null;
            if (this.eat('(')) {
              type = this.type();
              this.expect(')');
            }
            return { name: cname, type };
          }),
        });
      case 'enum':
        return withDocs({ kind: 'enum', name, cases: this.braced(() => ({ name: this.ident() })) });
      case 'flags':
        return withDocs({ kind: 'flags', name, flags: this.braced(() => ({ name: this.ident() })) });
      case 'resource': {
        const funcs: WitFunc[] = [];
        if (!this.eat(';')) {
          this.expect('{');
          while (!this.eat('}')) {
            const fdocs = this.docs();
            if (this.eat('}')) break;
            let f: WitFunc;
            if (this.eat('constructor')) {
              f = this.ctorSig(name);
            } else {
              const fname = this.ident();
              this.expect(':');
              const isStatic = this.eat('static');
              f = this.funcSig(`${isStatic ? '[static]' : '[method]'}${name}.${fname}`);
            }
            this.expect(';');
            if (fdocs) f.docs = fdocs;
            funcs.push(f);
          }
        }
        return withDocs({ kind: 'resource', name, funcs });
      }
      default:
        return this.fail(`unknown type keyword "${kw}"`);
    }
  }

  /** `(a: t, /// docs\n b: t)` after the opening parenthesis; parameters may carry doc comments. */
  private params(): WitFunc['params'] {
    const params: WitFunc['params'] = [];
    for (;;) {
      const docs = this.docs();
      if (this.eat(')')) break;
      const name = this.ident();
      this.expect(':');
      params.push(docs ? { name, type: this.type(), docs } : { name, type: this.type() });
      if (!this.eat(',')) {
        this.docs();
        this.expect(')');
        break;
      }
    }
    return params;
  }

  private ctorSig(resource: string): WitFunc {
    this.expect('(');
    const params = this.params();
    const result = this.eat('->') ? this.type() : null;
    return { name: `[constructor]${resource}`, params, result };
  }

  /** `{ item, item, }` where each item may carry docs. */
  private braced<T extends object>(item: () => T): (T & { docs?: string })[] {
    this.expect('{');
    const out: (T & { docs?: string })[] = [];
    for (;;) {
      const docs = this.docs();
      if (this.eat('}')) break;
      const x: T & { docs?: string } = item();
      if (docs) x.docs = docs;
      out.push(x);
      if (!this.eat(',')) {
        this.docs();
        this.expect('}');
        break;
      }
    }
    return out;
  }

  private type(): TypeRef {
    const t = this.peek();
    if (t.t === 'punct' && t.v === '_') this.fail('"_" is only allowed as the ok type of a result');
    const name = this.ident();
    const angle = (): boolean => this.eat('<');
    switch (name) {
      case 'list': {
        this.expect('<');
        const element = this.type();
        let length: number | undefined;
        if (this.eat(',')) {
          const n = this.next();
          if (n.t !== 'num') this.fail('expected a list length', n);
          length = Number(n.v);
        }
        this.expect('>');
        return length === undefined ? { kind: 'list', element } : { kind: 'list', element, length };
      }
      case 'option': {
        this.expect('<');
        const some = this.type();
        this.expect('>');
        return { kind: 'option', some };
      }
      case 'result': {
        if (!angle()) return { kind: 'result', ok: null, err: null };
        let ok: TypeRef | null = null;
        if (!this.eat('_')) ok = this.type();
        let err: TypeRef | null = null;
        if (this.eat(',')) err = this.type();
        this.expect('>');
        return { kind: 'result', ok, err };
      }
      case 'tuple': {
        this.expect('<');
        const items: TypeRef[] = [];
        while (!this.eat('>')) {
          items.push(this.type());
          if (!this.eat(',') && !this.isPunct('>')) this.fail('expected "," or ">"');
        }
        return { kind: 'tuple', items };
      }
      case 'borrow':
      case 'own': {
        this.expect('<');
        const resource = this.ident();
        this.expect('>');
        return { kind: 'handle', own: name === 'own', resource };
      }
      case 'future':
      case 'stream': {
        if (!angle()) return { kind: name, payload: null };
        const payload = this.type();
        this.expect('>');
        return { kind: name, payload };
      }
      case 'map': {
        this.expect('<');
        const key = this.type();
        this.expect(',');
        const value = this.type();
        this.expect('>');
        return { kind: 'map', key, value };
      }
      default:
        return { kind: 'name', name };
    }
  }

  private world(docs: string | undefined): WitWorld {
    const w: WitWorld = { name: this.ident(), imports: [], exports: [], types: [], uses: [], includes: [] };
    if (docs) w.docs = docs;
    this.expect('{');
    while (!this.eat('}')) {
      if (this.peek().t === 'eof') this.fail(`unterminated world ${w.name}`);
      const itemDocs = this.docs();
      if (this.eat('}')) break;
      if (this.eat('import')) w.imports.push(this.extern(itemDocs));
      else if (this.eat('export')) w.exports.push(this.extern(itemDocs));
      else if (this.eat('use')) w.uses.push(this.parseUse());
      else if (this.eat('include')) w.includes.push(this.include());
      else if (this.isTypeKeyword()) w.types.push(this.typeDef(itemDocs));
      else this.fail(`expected "import", "export", "use", "include" or a type, found ${this.describe(this.peek())}`);
    }
    return w;
  }

  private include(): string {
    const path = this.parsePath();
    if (this.eat('with')) {
      this.expect('{');
      while (!this.eat('}')) if (this.next().t === 'eof') this.fail('unterminated include');
      this.eat(';');
      return path;
    }
    this.expect(';');
    return path;
  }

  private extern(docs: string | undefined): WitExtern {
    if (this.peek().t === 'id' && this.isPunct(':', 1) && !this.isPunct('/', 3) && !this.isPunct(':', 3)) {
      const name = this.ident();
      this.expect(':');
      if (this.eat('interface')) {
        const body = this.interfaceBody(name, docs);
        this.eat(';');
        return docs ? { kind: 'interface', name, docs, body } : { kind: 'interface', name, body };
      }
      if (!this.isKeyword('func') && !this.isKeyword('async')) {
        // `import backup: store;` names an instance of an interface (wit "implements").
        const path = this.parsePath();
        this.expect(';');
        return docs ? { kind: 'path', path, name, docs } : { kind: 'path', path, name };
      }
      const func = this.funcSig(name);
      this.expect(';');
      if (docs) func.docs = docs;
      return { kind: 'func', func };
    }
    const path = this.parsePath();
    this.expect(';');
    return docs ? { kind: 'path', path, docs } : { kind: 'path', path };
  }
}

/** Parses one WIT file: its main package first, then any `package x:y { ... }` blocks. */
export function parseWit(src: string): WitPackage[] {
  return new Parser(src).parseFile();
}
