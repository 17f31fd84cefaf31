import type { ClientMessage } from "../contract/server-messages.js";
import type { Link } from "./link.js";

/**
 * What to tell the remotes of links whose host tab died: they may not notice for a while (a
 * crashed tab sends nothing). A sharedpeer remote closes that one link on a LEAVE with its
 * connectionId; an official peerjs remote understands only LEAVE, which closes all our links to
 * it, so it gets one only when none is left (`left(remoteId)`: our links to it still open).
 */
export function leaveNotices(dead: readonly Link[], left: (remoteId: string) => number): ClientMessage[] {
  const notices: ClientMessage[] = [];
  for (const link of dead) {
    if (link.remoteIsSharedpeer) notices.push({ type: "LEAVE", dst: link.remoteId, payload: { connectionId: link.connectionId } });
    else if (left(link.remoteId) === 0) notices.push({ type: "LEAVE", dst: link.remoteId });
  }
  return notices;
}
