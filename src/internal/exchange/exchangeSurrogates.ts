/**
 * Registered class instances and null-prototype objects in an exchange
 * batch. V8's format would turn both into plain objects, so before encoding
 * each is replaced by a surrogate, `[name, data, extra]`: a plain array that
 * the decoder recognises by identity, because the batch is encoded as
 * `[items, surrogates]` and V8's format keeps shared references. No key or
 * value is reserved: user data cannot be mistaken for a surrogate.
 *
 * - a null-prototype object: name `""`, data its fields;
 * - a registered class: data its own enumerable fields; for an `Error`
 *   subclass, extra is `[message, stack]` or `[message, stack, cause]`;
 * - a registered class with `encode`: data what `encode` returned.
 *
 * Containers are copied only along the paths that lead to a surrogate, so
 * the user's objects are never changed. A batch with a cycle somewhere has
 * all its containers copied (rare, and simpler than proving which are safe).
 *
 * @module
 * @internal
 */
import { ExchangeValueError } from "../../errors.js";
import { keySegment, type BatchCheck, type ClassEntry } from "./exchangeValueCheck.js";

const getPrototypeOf = Object.getPrototypeOf;
const isArray = Array.isArray;
const OBJECT_PROTO = Object.prototype;
const ARRAY_PROTO = Array.prototype;

/** The wire name of null-prototype objects (a class name cannot be empty). */
const NULL_PROTO = "";

/** @internal A surrogate: `[name, data, extra]`. */
export type Surrogate = [name: string, data: unknown, extra: unknown[] | undefined];

/** Marks an object whose dirtiness is being computed (to notice cycles). */
const IN_PROGRESS = 2;

/** Set `obj[key]` as an own data property, even for `__proto__` or a key with a setter up the chain. */
function defineField(obj: object, key: string, value: unknown): void {
  if (key === "__proto__" || key in obj) {
    Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    (obj as Record<string, unknown>)[key] = value;
  }
}

/** @internal Replaces the surrogate-needing values of one batch (one instance per batch). */
export class SurrogateWriter {
  private readonly built = new Map<object, unknown>();
  private readonly dirtiness = new Map<object, number>();
  private copyAll = false;
  private readonly surrogates: Surrogate[] = [];
  private readonly encoding = new Set<object>();
  private readonly path: string[] = [];

  /**
   * @param classes - The registered classes, by prototype.
   * @param check - Checks what custom `encode` functions return.
   */
  constructor(
    private readonly classes: ReadonlyMap<object, ClassEntry>,
    private readonly check: BatchCheck,
  ) {}

  /** `[items with surrogates, the surrogates]`, what the batch is encoded as. */
  write(items: readonly unknown[]): [unknown[], Surrogate[]] {
    const n = items.length;
    for (let i = 0; i < n; i++) this.dirty(items[i]);
    const out: unknown[] = new Array(n);
    for (let i = 0; i < n; i++) {
      this.path.length = 0;
      this.path.push(`items[${i}]`);
      out[i] = this.build(items[i]);
    }
    return [out, this.surrogates];
  }

  /** Whether `x` leads to a value that needs a surrogate. */
  private dirty(x: unknown): boolean {
    if (typeof x !== "object" || x === null) return false;
    const known = this.dirtiness.get(x);
    if (known === IN_PROGRESS) {
      this.copyAll = true;
      return false;
    }
    if (known !== undefined) return known === 1;
    const proto = getPrototypeOf(x) as object | null;
    if (proto === null || this.classes.has(proto)) {
      this.dirtiness.set(x, 1);
      return true;
    }
    this.dirtiness.set(x, IN_PROGRESS);
    let dirty = false;
    if (proto === ARRAY_PROTO && isArray(x)) {
      for (let i = 0; i < x.length && !dirty; i++) dirty = this.dirty(x[i]);
    } else if (proto === OBJECT_PROTO) {
      for (const key of Object.keys(x)) if (!dirty) dirty = this.dirty((x as Record<string, unknown>)[key]);
    } else if (x instanceof Map) {
      for (const [k, v] of x) if (!dirty) dirty = this.dirty(k) || this.dirty(v);
    } else if (x instanceof Set) {
      for (const v of x) if (!dirty) dirty = this.dirty(v);
    }
    this.dirtiness.set(x, dirty ? 1 : 0);
    return dirty;
  }

  private child(x: unknown, segment: string): unknown {
    this.path.push(segment);
    const out = this.build(x);
    this.path.pop();
    return out;
  }

  private build(x: unknown): unknown {
    if (typeof x !== "object" || x === null) return x;
    const done = this.built.get(x);
    if (done !== undefined) return done;
    const proto = getPrototypeOf(x) as object | null;
    if (proto === null) return this.fieldsSurrogate(x, NULL_PROTO, false);
    const entry = this.classes.get(proto);
    if (entry !== undefined) {
      return entry.encode === undefined ? this.fieldsSurrogate(x, entry.name, entry.isError) : this.encodedSurrogate(x, entry);
    }
    if (!this.copyAll && !this.dirty(x)) {
      this.built.set(x, x);
      return x;
    }
    if (proto === ARRAY_PROTO && isArray(x)) {
      const copy: unknown[] = new Array(x.length);
      this.built.set(x, copy);
      for (let i = 0; i < x.length; i++) if (i in x) copy[i] = this.child(x[i], `[${i}]`);
      return copy;
    }
    if (proto === OBJECT_PROTO) {
      const copy = {};
      this.built.set(x, copy);
      for (const key of Object.keys(x)) defineField(copy, key, this.child((x as Record<string, unknown>)[key], keySegment(key)));
      return copy;
    }
    if (x instanceof Map) {
      const copy = new Map<unknown, unknown>();
      this.built.set(x, copy);
      let i = 0;
      for (const [k, v] of x) copy.set(this.child(k, `.<key ${i}>`), this.child(v, `.<value ${i++}>`));
      return copy;
    }
    if (x instanceof Set) {
      const copy = new Set<unknown>();
      this.built.set(x, copy);
      let i = 0;
      for (const v of x) copy.add(this.child(v, `.<element ${i++}>`));
      return copy;
    }
    // Dates, typed arrays, Errors...: they hold no surrogate (the check saw to it).
    this.built.set(x, x);
    return x;
  }

  private fieldsSurrogate(x: object, name: string, isError: boolean): Surrogate {
    const data = {};
    const surrogate: Surrogate = [name, data, undefined];
    this.built.set(x, surrogate);
    this.surrogates.push(surrogate);
    for (const key of Object.keys(x)) defineField(data, key, this.child((x as Record<string, unknown>)[key], keySegment(key)));
    if (isError) {
      const err = x as Error;
      surrogate[2] = Object.hasOwn(err, "cause") ? [err.message, err.stack, this.child(err.cause, ".cause")] : [err.message, err.stack];
    }
    return surrogate;
  }

  private encodedSurrogate(x: object, entry: ClassEntry): Surrogate {
    const label = `${this.path.join("")}.<${entry.name} encoded>`;
    if (this.encoding.has(x)) {
      throw new ExchangeValueError(
        `cannot send the ${entry.name} instance at ${this.path.join("")} across workers: it is part of what its own \`encode\` returned ` +
          "(a cycle through a custom-encoded class cannot be decoded); return plain data from encode",
      );
    }
    this.encoding.add(x);
    let data = entry.encode!(x);
    this.check.needsSurrogates = false;
    this.check.checkRoot(data, label);
    if (this.check.needsSurrogates) data = this.child(data, `.<${entry.name} encoded>`);
    this.encoding.delete(x);
    const surrogate: Surrogate = [entry.name, data, undefined];
    this.built.set(x, surrogate);
    this.surrogates.push(surrogate);
    return surrogate;
  }
}

/** Marks a surrogate not revived yet, and one whose custom `decode` is running. */
const UNREVIVED = Symbol("unrevived");
const REVIVING = Symbol("reviving");

/** @internal Puts the values back in place of the surrogates of one decoded batch (one instance per batch). */
export class SurrogateReader {
  private readonly revived = new Map<object, unknown>();
  private readonly seen = new Set<object>();

  /** @param classes - The registered classes, by name. */
  constructor(private readonly classes: ReadonlyMap<string, ClassEntry>) {}

  /** Replace, in place, every surrogate reachable from `items`. */
  revive(items: unknown[], surrogates: readonly Surrogate[]): void {
    for (let i = 0; i < surrogates.length; i++) this.revived.set(surrogates[i], UNREVIVED);
    for (let i = 0; i < items.length; i++) items[i] = this.value(items[i]);
  }

  private value(x: unknown): unknown {
    if (typeof x !== "object" || x === null) return x;
    const r = this.revived.get(x);
    if (r === UNREVIVED) return this.surrogate(x as Surrogate);
    if (r === REVIVING) throw new Error("corrupt exchange batch: a custom-encoded value contains itself");
    if (r !== undefined) return r;
    if (this.seen.has(x)) return x;
    this.seen.add(x);
    if (isArray(x)) {
      for (let i = 0; i < x.length; i++) {
        const v = x[i];
        if (typeof v === "object" && v !== null) {
          const w = this.value(v);
          if (w !== v) x[i] = w;
        }
      }
    } else if (x instanceof Map) {
      const entries = [...x];
      let keysChanged = false;
      for (const e of entries) {
        const k = this.value(e[0]);
        keysChanged ||= k !== e[0];
        e[0] = k;
        e[1] = this.value(e[1]);
      }
      if (keysChanged) x.clear();
      for (const [k, v] of entries) x.set(k, v);
    } else if (x instanceof Set) {
      const elements = [...x];
      let changed = false;
      for (let i = 0; i < elements.length; i++) {
        const v = this.value(elements[i]);
        changed ||= v !== elements[i];
        elements[i] = v;
      }
      if (changed) {
        x.clear();
        for (const v of elements) x.add(v);
      }
    } else if (getPrototypeOf(x) === OBJECT_PROTO) {
      this.fields(x, x);
    }
    return x;
  }

  /** Revive the values of `from`'s fields into `into` (the same object, or a new instance). */
  private fields(from: object, into: object): void {
    for (const key of Object.keys(from)) {
      const v = (from as Record<string, unknown>)[key];
      const w = this.value(v);
      if (into !== from || w !== v) defineField(into, key, w);
    }
  }

  private surrogate(s: Surrogate): unknown {
    const [name, data, extra] = s;
    if (name === NULL_PROTO) {
      const obj = Object.create(null) as object;
      this.revived.set(s, obj);
      this.fields(data as object, obj);
      return obj;
    }
    const entry = this.classes.get(name);
    if (entry === undefined) {
      throw new Error(`exchange batch holds a '${name}' instance, but no exchange class of that name is registered on this worker`);
    }
    if (entry.decode !== undefined) {
      this.revived.set(s, REVIVING);
      const value = entry.decode(this.value(data));
      this.revived.set(s, value);
      return value;
    }
    const obj = Object.create(entry.proto) as object;
    this.revived.set(s, obj);
    this.fields(data as object, obj);
    if (extra !== undefined) {
      const hidden = { writable: true, enumerable: false, configurable: true };
      Object.defineProperty(obj, "message", { ...hidden, value: extra[0] });
      Object.defineProperty(obj, "stack", { ...hidden, value: extra[1] });
      if (extra.length > 2) Object.defineProperty(obj, "cause", { ...hidden, value: this.value(extra[2]) });
    }
    return obj;
  }
}
