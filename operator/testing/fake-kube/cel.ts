/**
 * A subset of CEL, enough for the `x-kubernetes-validations` rules CRDs commonly carry: literals,
 * `self`/`oldSelf`, field and index access, `has()`, `! && || ?:`, comparisons, `in`, arithmetic,
 * `size()`, string methods (startsWith, endsWith, contains, matches), list literals and the macros
 * all/exists/exists_one/map/filter. An unsupported construct is a parse error, and a rule that cannot
 * be parsed is reported (the fake refuses the CRD) rather than silently skipped.
 */

type Tok = { k: 'num' | 'str' | 'id' | 'op'; v: string };

const OPS = ['&&', '||', '==', '!=', '<=', '>=', '!', '<', '>', '+', '-', '*', '/', '%', '?', ':', '.', ',', '(', ')', '[', ']'];

export class CelError extends Error {}

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const num = /^(\d+\.\d+|\d+)u?/.exec(src.slice(i));
    if (num) {
      out.push({ k: 'num', v: num[1] });
      i += num[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\') {
          const n = src[j + 1];
          s += n === 'n' ? '\n' : n === 't' ? '\t' : n;
          j += 2;
        } else s += src[j++];
      }
      if (j >= src.length) throw new CelError('unterminated string');
      out.push({ k: 'str', v: s });
      i = j + 1;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (id) {
      out.push({ k: 'id', v: id[0] });
      i += id[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new CelError(`unexpected character '${c}'`);
    out.push({ k: 'op', v: op });
    i += op.length;
  }
  return out;
}

export type Node =
  | { t: 'lit'; v: unknown }
  | { t: 'id'; name: string }
  | { t: 'field'; obj: Node; name: string }
  | { t: 'index'; obj: Node; idx: Node }
  | { t: 'call'; name: string; target?: Node; args: Node[] }
  | { t: 'un'; op: string; x: Node }
  | { t: 'bin'; op: string; l: Node; r: Node }
  | { t: 'cond'; c: Node; a: Node; b: Node }
  | { t: 'list'; items: Node[] };

class Parser {
  private p = 0;
  constructor(private readonly toks: Tok[]) {}

  parse(): Node {
    const n = this.cond();
    if (this.p < this.toks.length) throw new CelError(`unexpected '${this.toks[this.p].v}'`);
    return n;
  }

  private peek(v?: string): boolean {
    const t = this.toks[this.p];
    return t !== undefined && (v === undefined || ((t.k === 'op' || t.k === 'id') && t.v === v));
  }

  private eat(v: string): void {
    if (!this.peek(v)) throw new CelError(`expected '${v}'`);
    this.p++;
  }

  private cond(): Node {
    const c = this.bin(0);
    if (!this.peek('?')) return c;
    this.p++;
    const a = this.cond();
    this.eat(':');
    return { t: 'cond', c, a, b: this.cond() };
  }

  private static readonly LEVELS: readonly (readonly string[])[] = [['||'], ['&&'], ['==', '!=', '<', '<=', '>', '>=', 'in'], ['+', '-'], ['*', '/', '%']];

  private bin(level: number): Node {
    if (level >= Parser.LEVELS.length) return this.unary();
    let l = this.bin(level + 1);
    for (;;) {
      const t = this.toks[this.p];
      if (!t || !Parser.LEVELS[level].includes(t.v) || t.k === 'str' || t.k === 'num') return l;
      this.p++;
      l = { t: 'bin', op: t.v, l, r: this.bin(level + 1) };
    }
  }

  private unary(): Node {
    if (this.peek('!')) {
      this.p++;
      return { t: 'un', op: '!', x: this.unary() };
    }
    if (this.peek('-')) {
      this.p++;
      return { t: 'un', op: '-', x: this.unary() };
    }
    return this.member();
  }

  private args(): Node[] {
    this.eat('(');
    const out: Node[] = [];
    while (!this.peek(')')) {
      out.push(this.cond());
      if (!this.peek(')')) this.eat(',');
    }
    this.eat(')');
    return out;
  }

  private member(): Node {
    let n = this.primary();
    for (;;) {
      if (this.peek('.')) {
        this.p++;
        const id = this.toks[this.p++];
        if (!id || id.k !== 'id') throw new CelError('expected a field name');
        n = this.peek('(') ? { t: 'call', name: id.v, target: n, args: this.args() } : { t: 'field', obj: n, name: id.v };
      } else if (this.peek('[')) {
        this.p++;
        const idx = this.cond();
        this.eat(']');
        n = { t: 'index', obj: n, idx };
      } else return n;
    }
  }

  private primary(): Node {
    const t = this.toks[this.p++];
    if (!t) throw new CelError('unexpected end of expression');
    if (t.k === 'num') return { t: 'lit', v: Number(t.v) };
    if (t.k === 'str') return { t: 'lit', v: t.v };
    if (t.k === 'id') {
      if (t.v === 'true' || t.v === 'false') return { t: 'lit', v: t.v === 'true' };
      if (t.v === 'null') return { t: 'lit', v: null };
      if (this.peek('(')) return { t: 'call', name: t.v, args: this.args() };
      return { t: 'id', name: t.v };
    }
    if (t.v === '(') {
      const n = this.cond();
      this.eat(')');
      return n;
    }
    if (t.v === '[') {
      const items: Node[] = [];
      while (!this.peek(']')) {
        items.push(this.cond());
        if (!this.peek(']')) this.eat(',');
      }
      this.eat(']');
      return { t: 'list', items };
    }
    throw new CelError(`unexpected '${t.v}'`);
  }
}

export function parseCel(src: string): Node {
  return new Parser(tokenize(src)).parse();
}

export function usesOldSelf(n: Node): boolean {
  return JSON.stringify(n).includes('"name":"oldSelf"');
}

type Env = Readonly<Record<string, unknown>>;

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function field(v: unknown, name: string): unknown {
  if (!isMap(v) || !Object.prototype.hasOwnProperty.call(v, name)) throw new CelError(`no such key: ${name}`);
  return v[name];
}

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function size(v: unknown): number {
  if (typeof v === 'string') return [...v].length;
  if (Array.isArray(v)) return v.length;
  if (isMap(v)) return Object.keys(v).length;
  throw new CelError('size() of an unsupported type');
}

const MACROS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

function macro(n: Extract<Node, { t: 'call' }>, env: Env): unknown {
  const target = evalCel(n.target as Node, env);
  const v = n.args[0];
  if (v?.t !== 'id' || n.args.length !== 2) throw new CelError(`${n.name}() needs a variable and an expression`);
  const items = Array.isArray(target) ? target : isMap(target) ? Object.keys(target) : [];
  const run = (x: unknown): unknown => evalCel(n.args[1], { ...env, [v.name]: x });
  switch (n.name) {
    case 'all':
      return items.every((x) => run(x) === true);
    case 'exists':
      return items.some((x) => run(x) === true);
    case 'exists_one':
      return items.filter((x) => run(x) === true).length === 1;
    case 'map':
      return items.map(run);
    default:
      return items.filter((x) => run(x) === true);
  }
}

function call(n: Extract<Node, { t: 'call' }>, env: Env): unknown {
  if (n.name === 'has') {
    const a = n.args[0];
    if (n.args.length !== 1 || a.t !== 'field') throw new CelError('has() needs a field selection');
    const obj = evalCel(a.obj, env);
    return isMap(obj) && Object.prototype.hasOwnProperty.call(obj, a.name);
  }
  if (n.target && MACROS.has(n.name)) return macro(n, env);
  const self = n.target ? evalCel(n.target, env) : undefined;
  const args = n.args.map((a) => evalCel(a, env));
  const str = (x: unknown): string => {
    if (typeof x !== 'string') throw new CelError(`${n.name}() on a non-string`);
    return x;
  };
  switch (n.name) {
    case 'size':
      return size(n.target ? self : args[0]);
    case 'startsWith':
      return str(self).startsWith(str(args[0]));
    case 'endsWith':
      return str(self).endsWith(str(args[0]));
    case 'contains':
      return str(self).includes(str(args[0]));
    case 'matches':
      return new RegExp(str(n.target ? args[0] : args[1])).test(str(n.target ? self : args[0]));
    case 'int':
      return Math.trunc(Number(args[0]));
    case 'double':
      return Number(args[0]);
    case 'string':
      return String(args[0]);
    default:
      throw new CelError(`unsupported function ${n.name}()`);
  }
}

function binary(op: string, l: unknown, r: unknown): unknown {
  switch (op) {
    case '==':
      return equal(l, r);
    case '!=':
      return !equal(l, r);
    case 'in':
      return Array.isArray(r) ? r.some((x) => equal(x, l)) : isMap(r) && typeof l === 'string' && Object.prototype.hasOwnProperty.call(r, l);
    case '+':
      if (Array.isArray(l) && Array.isArray(r)) return [...l, ...r];
      if (typeof l !== typeof r) throw new CelError("no such overload for '+'");
      return (l as number) + (r as number);
  }
  if (typeof l !== typeof r || (typeof l !== 'number' && typeof l !== 'string')) throw new CelError(`no such overload for '${op}'`);
  const a = l as number;
  const b = r as number;
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      if (b === 0) throw new CelError('division by zero');
      return Number.isInteger(a) && Number.isInteger(b) ? Math.trunc(a / b) : a / b;
    case '%':
      if (b === 0) throw new CelError('modulus by zero');
      return a % b;
    default:
      throw new CelError(`unsupported operator ${op}`);
  }
}

export function evalCel(n: Node, env: Env): unknown {
  switch (n.t) {
    case 'lit':
      return n.v;
    case 'id':
      if (!(n.name in env)) throw new CelError(`undeclared reference to '${n.name}'`);
      return env[n.name];
    case 'field':
      return field(evalCel(n.obj, env), n.name);
    case 'index': {
      const o = evalCel(n.obj, env);
      const i = evalCel(n.idx, env);
      if (Array.isArray(o) && typeof i === 'number') {
        if (i < 0 || i >= o.length) throw new CelError('index out of range');
        return o[i];
      }
      return field(o, String(i));
    }
    case 'list':
      return n.items.map((x) => evalCel(x, env));
    case 'un': {
      const x = evalCel(n.x, env);
      if (n.op === '!') {
        if (typeof x !== 'boolean') throw new CelError("no such overload for '!'");
        return !x;
      }
      if (typeof x !== 'number') throw new CelError("no such overload for '-'");
      return -x;
    }
    case 'cond':
      return evalCel(n.c, env) === true ? evalCel(n.a, env) : evalCel(n.b, env);
    case 'bin': {
      if (n.op === '&&' || n.op === '||') return logical(n.op, n.l, n.r, env);
      return binary(n.op, evalCel(n.l, env), evalCel(n.r, env));
    }
    case 'call':
      return call(n, env);
  }
}

/** CEL's logical operators are commutative over errors: `error || true` is true, `error && false` is false. */
function logical(op: '&&' | '||', l: Node, r: Node, env: Env): boolean {
  const decisive = op === '||';
  let err: unknown;
  for (const side of [l, r]) {
    try {
      const v = evalCel(side, env);
      if (typeof v !== 'boolean') throw new CelError(`no such overload for '${op}'`);
      if (v === decisive) return decisive;
    } catch (e) {
      err = e;
    }
  }
  if (err) throw err;
  return !decisive;
}
