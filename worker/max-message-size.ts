import { utf8Size } from "../contract/utf8.js";

/**
 * The largest message an RTCDataChannel takes, from the SDP `a=max-message-size` of one end
 * (RFC 8841 §6, https://www.rfc-editor.org/rfc/rfc8841#section-6: absent means 65536, 0 means no
 * limit). A browser's `send()` throws a TypeError for more than the smaller of its own and the
 * remote's value: Chromium offers 262144, Firefox 1073741823, so only between two Firefoxes is it
 * more than 256 KiB.
 *
 * @example
 * maxMessageSize("v=0\r\n…a=max-message-size:262144\r\n") // 262144
 */
export function maxMessageSize(sdp: string): number {
  const found = /^a=max-message-size:(\d+)\s*$/m.exec(sdp);
  if (!found) return RFC_DEFAULT;
  const size = Number(found[1]);
  return size === 0 ? Infinity : size;
}

/** RFC 8841 §6.1: an end that says nothing takes 64 KiB. */
const RFC_DEFAULT = 65_536;

/**
 * Whether `message` (strings go as UTF-8) is at most `limit` bytes.
 *
 * @example
 * fitsIn("héllo", 65536) // true
 */
export function fitsIn(message: Uint8Array | string, limit: number): boolean {
  if (typeof message !== "string") return message.byteLength <= limit;
  // At most 3 bytes per UTF-16 unit: only long strings need counting.
  return message.length * 3 <= limit || utf8Size(message) <= limit;
}
