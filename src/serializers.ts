/**
 * peerjs 1.5.5 picks a DataConnection subclass per serialization: BufferedConnection (BinaryPack,
 * Json, Raw) and StreamConnection (MsgPack), chosen through the Peer option `serializers`.
 * sharedpeer serializes in the worker, so these classes only say which kind a connection is
 * (`instanceof` works as in peerjs) and a custom class, which would have to run there, is refused.
 * https://github.com/peers/peerjs/blob/v1.5.5/lib/peer.ts (`_serializers`)
 */
import type { SerializationName } from "../contract/options.js";
import { DataConnection, type ConnectionSeed } from "./data-connection.js";

/**
 * A connection of a message serialization (binary, binary-utf8, json, raw), as peerjs's.
 *
 * @example
 * peer.on("connection", (conn) => {
 *   if (conn instanceof BufferedConnection) console.log(conn.serialization, conn.bufferSize);
 * });
 */
export abstract class BufferedConnection extends DataConnection {}

/**
 * A connection of a stream serialization (MsgPack): values are written as one byte stream in 32 KiB pieces.
 *
 * @example
 * if (conn instanceof StreamConnection) console.log("streamed", conn.serialization);
 */
export abstract class StreamConnection extends DataConnection {}

/**
 * The MsgPack serialization of peerjs 1.5 (MessagePack values, reliable channel). Use it by name
 * (`connect(id, { serialization: "MsgPack" })`), with `MsgPackPeer`, or as `serializers: { default: MsgPack }`.
 *
 * @example
 * const peer = new Peer("alice", { serializers: { default: MsgPack } });
 * peer.connect("bob").on("open", function (this: MsgPack) { this.send({ at: new Date() }); });
 */
export class MsgPack extends StreamConnection {
  override readonly serialization = "MsgPack";
}

/** binary, json, raw: not exported, as peerjs does not export BinaryPack, Json and Raw. */
class MessageConnection extends BufferedConnection {}

/**
 * The Peer option `serializers`: serialization name → connection class, as peerjs's type.
 * sharedpeer takes only its own classes (`MsgPack`), under their name or as `default`.
 *
 * @example
 * const serializers: SerializerMapping = { default: MsgPack };
 */
export interface SerializerMapping {
  [key: string]: abstract new (...args: never[]) => DataConnection;
}

/** The built-in class of each name a serializer mapping may use. */
const BUILT_IN: Record<string, abstract new (...args: never[]) => DataConnection> = { MsgPack };

/**
 * The serialization `connect()` uses without one: peerjs's `serializers.default`. Throws a
 * TypeError for a mapping sharedpeer cannot honour (a custom class would have to run in the worker).
 */
export function defaultSerialization(serializers: SerializerMapping | undefined, fallback: SerializationName): SerializationName {
  let chosen = fallback;
  for (const [name, cls] of Object.entries(serializers ?? {})) {
    const builtIn = Object.entries(BUILT_IN).find(([, c]) => c === cls)?.[0];
    if (builtIn !== undefined && (name === builtIn || name === "default")) {
      if (name === "default") chosen = builtIn as SerializationName;
      continue;
    }
    throw new TypeError(
      `serializers.${name}: sharedpeer encodes in its worker and cannot run a custom serializer class. ` +
        `It supports the serializations "binary", "binary-utf8", "json", "raw" and "MsgPack" by name, ` +
        `and serializers: { MsgPack } or { default: MsgPack } with sharedpeer's MsgPack class.`,
    );
  }
  return chosen;
}

/** The DataConnection object for a connection of this serialization. */
export function newDataConnection(seed: ConnectionSeed): DataConnection {
  return seed.serialization === "MsgPack" ? new MsgPack(seed) : new MessageConnection(seed);
}
