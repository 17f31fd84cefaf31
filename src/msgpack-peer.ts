import type { SerializationName } from "../contract/options.js";
import { Peer } from "./peer.js";

/**
 * A Peer whose connections default to the MsgPack serialization, as peerjs 1.5's MsgPackPeer.
 *
 * @example
 * import { MsgPackPeer } from "sharedpeer";
 * const peer = new MsgPackPeer("alice");
 * peer.connect("bob").on("open", () => console.log("MsgPack connection open"));
 */
export class MsgPackPeer extends Peer {
  protected override get baseSerialization(): SerializationName {
    return "MsgPack";
  }
}
