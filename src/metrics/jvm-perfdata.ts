/**
 * The JVM's performance counters, read from the file HotSpot keeps them in (`/tmp/hsperfdata_<user>/
 * <pid>`, a memory-mapped copy refreshed by the JVM itself; what `jstat` reads). Reading it costs a
 * file read: no attach, no JMX port, no second JVM.
 *
 * Layout (HotSpot perfMemory.hpp, PerfDataPrologue and PerfDataEntry): a 32-byte prologue (magic
 * 0xcafec0c0 big-endian, byte order, major and minor version, accessible flag, used bytes, overflow,
 * modification time, entry offset, entry count), then entries of { entry length, name offset, vector
 * length, data type, flags, units, variability, data offset }, names NUL-terminated. Type `J` is a
 * 64-bit integer; type `B` with a vector length is a NUL-terminated string.
 */

const MAGIC = 0xcafec0c0;
const PROLOGUE_BYTES = 32;
const ENTRY_HEADER_BYTES = 20;

export type PerfCounters = ReadonlyMap<string, number | string>;

export class PerfDataError extends Error {}

export function parsePerfData(data: Buffer): PerfCounters {
  if (data.length < PROLOGUE_BYTES || data.readUInt32BE(0) !== MAGIC) {
    throw new PerfDataError("not a HotSpot performance data file");
  }
  const littleEndian = data[4] === 1;
  const major = data[5];
  if (major !== 2) throw new PerfDataError(`unsupported performance data version ${major}`);
  const int32 = (offset: number): number =>
    littleEndian ? data.readInt32LE(offset) : data.readInt32BE(offset);
  const entryOffset = int32(24);
  const entryCount = int32(28);
  const counters = new Map<string, number | string>();
  let offset = entryOffset;
  for (let index = 0; index < entryCount; index++) {
    if (offset + ENTRY_HEADER_BYTES > data.length) throw new PerfDataError("truncated entry");
    const entryLength = int32(offset);
    const nameOffset = int32(offset + 4);
    const vectorLength = int32(offset + 8);
    const type = String.fromCharCode(data[offset + 12] ?? 0);
    const dataOffset = int32(offset + 16);
    if (entryLength <= 0 || offset + entryLength > data.length) throw new PerfDataError("bad entry length");
    const nameStart = offset + nameOffset;
    const nameEnd = data.indexOf(0, nameStart);
    const name = data.toString("latin1", nameStart, nameEnd < 0 ? nameStart : nameEnd);
    const valueStart = offset + dataOffset;
    if (type === "J" && vectorLength === 0) {
      const value = littleEndian ? data.readBigInt64LE(valueStart) : data.readBigInt64BE(valueStart);
      counters.set(name, Number(value));
    } else if (type === "B" && vectorLength > 0) {
      const raw = data.subarray(valueStart, valueStart + vectorLength);
      const end = raw.indexOf(0);
      counters.set(name, raw.toString("utf8", 0, end < 0 ? raw.length : end));
    }
    offset += entryLength;
  }
  return counters;
}
