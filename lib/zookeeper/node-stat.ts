/**
 * A znode's Stat as plain values. The library keeps jute `long` fields as 8-byte big-endian Buffers
 * (notes §1.2); zxids become bigint (they do not fit a double), times become epoch milliseconds.
 */

export interface NodeStat {
  readonly czxid: bigint;
  readonly mzxid: bigint;
  readonly pzxid: bigint;
  /** Epoch milliseconds. */
  readonly ctime: number;
  /** Epoch milliseconds. */
  readonly mtime: number;
  readonly version: number;
  readonly cversion: number;
  readonly aversion: number;
  /** The owning session id, 0n for a persistent node. */
  readonly ephemeralOwner: bigint;
  readonly dataLength: number;
  readonly numChildren: number;
}

/** The fields of the library's Stat record (or of `@types/node-zookeeper-client`'s `Stat`). */
export interface StatLike {
  readonly czxid: Buffer;
  readonly mzxid: Buffer;
  readonly pzxid: Buffer;
  readonly ctime: Buffer;
  readonly mtime: Buffer;
  readonly version: number;
  readonly cversion: number;
  readonly aversion: number;
  readonly ephemeralOwner: Buffer;
  readonly dataLength: number;
  readonly numChildren: number;
}

function long(buffer: Buffer): bigint {
  return buffer.length >= 8 ? buffer.readBigInt64BE(0) : 0n;
}

export function toNodeStat(stat: StatLike): NodeStat {
  return {
    czxid: long(stat.czxid),
    mzxid: long(stat.mzxid),
    pzxid: long(stat.pzxid),
    ctime: Number(long(stat.ctime)),
    mtime: Number(long(stat.mtime)),
    version: stat.version,
    cversion: stat.cversion,
    aversion: stat.aversion,
    ephemeralOwner: long(stat.ephemeralOwner),
    dataLength: stat.dataLength,
    numChildren: stat.numChildren,
  };
}
