// Byte helpers and a reader of GovChain's canonical encoding (Sources/Ledger/Codec):
// big-endian fixed-width integers, u32-length-prefixed byte strings and UTF-8 strings,
// u32-count-prefixed arrays, a presence byte before optionals. Every length is checked
// against the bytes that remain before anything is sliced, as the Swift decoder does.

export class CodecError extends Error {}

export function hexToBytes(text) {
  if (typeof text !== 'string' || text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) {
    throw new CodecError('not hex');
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(i * 2, 2), 16);
  return out;
}

export function bytesToHex(bytes) {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

export const utf8 = (text) => new TextEncoder().encode(text);

export function concat(...parts) {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

export function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class Reader {
  constructor(bytes) { this.bytes = bytes; this.at = 0; }
  get remaining() { return this.bytes.length - this.at; }
  need(n) {
    if (n < 0 || n > this.remaining) {
      throw new CodecError(`truncated: needed ${n} bytes, ${this.remaining} remain`);
    }
  }
  u8() { this.need(1); return this.bytes[this.at++]; }
  bool() {
    const b = this.u8();
    if (b > 1) throw new CodecError(`byte ${b} is not a Bool`);
    return b === 1;
  }
  u16() { return Number(this.uint(2)); }
  u32() { return Number(this.uint(4)); }
  /** u64 as a BigInt: heights and amounts may exceed 2^53. */
  u64() { return this.uint(8); }
  uint(size) {
    this.need(size);
    let v = 0n;
    for (let i = 0; i < size; i++) v = (v << 8n) | BigInt(this.bytes[this.at + i]);
    this.at += size;
    return v;
  }
  fixed(n) {
    this.need(n);
    const out = this.bytes.slice(this.at, this.at + n);
    this.at += n;
    return out;
  }
  length(limit) {
    const n = this.u32();
    if (n > limit) throw new CodecError(`length ${n} above the limit ${limit}`);
    if (n > this.remaining) throw new CodecError(`length ${n} beyond the input`);
    return n;
  }
  bytesField(limit = 16 << 20) { return this.fixed(this.length(limit)); }
  string(limit = 16 << 20) {
    try { return new TextDecoder('utf-8', { fatal: true }).decode(this.bytesField(limit)); }
    catch (e) { if (e instanceof CodecError) throw e; throw new CodecError('invalid UTF-8'); }
  }
  array(limit, element) {
    const n = this.length(limit);
    const out = [];
    for (let i = 0; i < n; i++) out.push(element(this));
    return out;
  }
  optional(element) { return this.bool() ? element(this) : null; }
  version(type, supported = 1) {
    const v = this.u8();
    if (v !== supported) throw new CodecError(`unsupported ${type} version ${v}`);
  }
  finish() { if (this.remaining !== 0) throw new CodecError(`${this.remaining} trailing bytes`); }
}

export class Writer {
  constructor() { this.parts = []; }
  fixed(bytes) { this.parts.push(Uint8Array.from(bytes)); return this; }
  u8(v) { return this.fixed([v]); }
  uint(v, size) {
    const out = new Uint8Array(size);
    let x = BigInt(v);
    for (let i = size - 1; i >= 0; i--) { out[i] = Number(x & 0xffn); x >>= 8n; }
    return this.fixed(out);
  }
  u32(v) { return this.uint(v, 4); }
  u64(v) { return this.uint(v, 8); }
  bytesField(bytes) { this.u32(bytes.length); return this.fixed(bytes); }
  string(text) { return this.bytesField(utf8(text)); }
  done() { return concat(...this.parts); }
}
