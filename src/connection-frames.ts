import type { MemberId } from "../contract/ids.js";
import type { CallInfo, ConnectionInfo } from "../contract/tab-frames.js";
import { assertNever } from "../contract/assert-never.js";
import type { BaseSeed } from "./base-connection.js";
import type { ConnectionList } from "./connection-list.js";
import { DataConnection } from "./data-connection.js";
import { connectionInternals } from "./internals.js";
import { MediaConnection } from "./media-connection.js";
import { newDataConnection } from "./serializers.js";
import type { MemberFrame, WorkerLink } from "./worker-link.js";

/** @internal The frames about one of a Peer's connections or calls rather than about the Peer. */
export type ConnectionFrame = Exclude<MemberFrame, { t: "peer-open" | "peer-disconnected" | "peer-error" | "peer-closed" | "log" }>;

/**
 * One Peer object's side of its connections' frames: who the new ones belong to (`provider`, as
 * `member` in the hub), the list they join, and the link they are bound to.
 * @internal
 */
export interface ConnectionsOf {
  readonly provider: BaseSeed["provider"];
  readonly member: MemberId;
  readonly conns: ConnectionList;
  readonly link: WorkerLink;
}

/** @internal Adopts and announces new connections and calls; the other frames go to theirs. */
export function routeConnectionFrame(to: ConnectionsOf, frame: ConnectionFrame): void {
  switch (frame.t) {
    case "conn-added":
      connectionAdded(to, frame.conn, frame.incoming);
      return;
    case "call-added":
      callAdded(to, frame.call, frame.incoming);
      return;
    case "call-answered": {
      const call = to.conns.get(frame.ref);
      if (call instanceof MediaConnection) call[connectionInternals].answered(frame.here);
      return;
    }
    case "conn-open":
    case "conn-data":
    case "conn-error":
    case "conn-closed":
    case "conn-ice-state":
    case "conn-progress":
    case "conn-buffer":
    case "conn-resumed":
      to.conns.get(frame.ref)?.[connectionInternals].handle(frame);
      return;
    default:
      assertNever(frame);
  }
}

function connectionAdded({ provider, member, conns, link }: ConnectionsOf, info: ConnectionInfo, incoming: boolean): void {
  const { conn, placedHere } = conns.adopt(info.ref, info.connectionId, DataConnection, () =>
    newDataConnection({ provider, member, ...info, serialization: info.serialization }),
  );
  if (incoming) provider.emit("connection", conn, info.metadata);
  else if (!placedHere) provider.emit("sharedConnection", conn);
  conn[connectionInternals].bind(link, info);
}

function callAdded({ provider, member, conns, link }: ConnectionsOf, info: CallInfo, incoming: boolean): void {
  const { conn: call, placedHere } = conns.adopt(
    info.ref,
    info.connectionId,
    MediaConnection,
    () => new MediaConnection({ provider, member, ...info }),
  );
  call[connectionInternals].bind(link, info.ref);
  if (incoming) provider.emit("call", call);
  else if (!placedHere) provider.emit("sharedConnection", call);
}
