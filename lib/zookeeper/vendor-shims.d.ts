/**
 * Types for the two internal modules of node-zookeeper-client 1.1.3 that this library reaches into
 * (its @types package only describes the public Client). Only what we use is declared. The shapes
 * were read from `lib/jute/index.js` and `lib/Exception.js` of the pinned version (notes §1.2).
 */

declare module "node-zookeeper-client/lib/jute" {
  namespace jute {
    /** One field of a record: jute type names are `int`, `long`, `buffer`, `ustring`, `boolean`, … */
    interface AttributeSpec {
      readonly name: string;
      readonly type: string;
    }

    /** The library's spec-driven record. Fields live directly on the instance. */
    interface JuteRecord {
      specification: AttributeSpec[];
      byteLength(): number;
      serialize(buffer: Buffer, offset: number): number;
      deserialize(buffer: Buffer, offset: number): number;
      setChrootPath(path: string | undefined): void;
    }

    /** The (unexported) `Record` constructor, reachable as `protocol.X.super_` (util.inherits). */
    type RecordConstructor = new (specification: AttributeSpec[], args?: unknown[]) => JuteRecord;

    interface GeneratedRecordConstructor<R extends JuteRecord = JuteRecord> {
      new (...args: unknown[]): R;
      readonly super_: RecordConstructor;
    }

    interface RequestHeader extends JuteRecord {
      xid: number;
      type: number;
    }

    interface ReplyHeader extends JuteRecord {
      xid: number;
      /** 8-byte big-endian buffer. */
      zxid: Buffer;
      err: number;
    }

    /** `long` fields are 8-byte big-endian Buffers. */
    interface StatRecord extends JuteRecord {
      czxid: Buffer;
      mzxid: Buffer;
      ctime: Buffer;
      mtime: Buffer;
      version: number;
      cversion: number;
      aversion: number;
      ephemeralOwner: Buffer;
      dataLength: number;
      numChildren: number;
      pzxid: Buffer;
    }

    interface GetDataResponse extends JuteRecord {
      data: Buffer | undefined;
      stat: StatRecord;
    }

    interface CreateResponse extends JuteRecord {
      path: string | undefined;
    }

    class Request {
      constructor(header: RequestHeader | null, payload: JuteRecord | null);
      header: RequestHeader | null;
      payload: JuteRecord | null;
      toBuffer(): Buffer;
    }

    class Response {
      header: ReplyHeader;
      payload: JuteRecord | null;
    }

    const OP_CODES: {
      readonly CREATE: number;
      readonly DELETE: number;
      readonly EXISTS: number;
      readonly GET_DATA: number;
      readonly SET_DATA: number;
      readonly GET_ACL: number;
      readonly SET_ACL: number;
      readonly GET_CHILDREN: number;
      readonly SYNC: number;
      readonly PING: number;
      readonly GET_CHILDREN2: number;
      readonly MULTI: number;
      readonly AUTH: number;
      readonly CLOSE_SESSION: number;
    };

    const protocol: {
      readonly RequestHeader: GeneratedRecordConstructor<RequestHeader>;
      readonly ReplyHeader: GeneratedRecordConstructor<ReplyHeader>;
      readonly GetDataRequest: GeneratedRecordConstructor;
      readonly GetDataResponse: GeneratedRecordConstructor<GetDataResponse>;
      readonly CreateResponse: GeneratedRecordConstructor<CreateResponse>;
    };

    const data: {
      readonly Stat: GeneratedRecordConstructor<StatRecord>;
    };
  }

  export = jute;
}

declare module "node-zookeeper-client/lib/Exception" {
  namespace Exception {
    /** What the library hands to request callbacks. */
    interface LibraryException extends Error {
      code: number;
      path?: string;
      getCode(): number;
    }

    interface ExceptionModule {
      /**
       * The module object is shared with ConnectionManager, which looks `create` up at call time,
       * so replacing this property changes what the socket handler calls (notes §1.3, item 3).
       */
      create: (code: number, path?: string) => LibraryException;
      readonly OK: number;
      readonly CONNECTION_LOSS: number;
      readonly SESSION_EXPIRED: number;
      readonly AUTH_FAILED: number;
    }
  }

  const Exception: Exception.ExceptionModule;
  export = Exception;
}
