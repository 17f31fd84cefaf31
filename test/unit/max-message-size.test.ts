import { expect, test } from "vitest";
import { fitsIn, maxMessageSize } from "../../worker/max-message-size.js";

const sdp = (attribute: string) =>
  `v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=sctp-port:5000\r\n${attribute}a=setup:actpass\r\n`;

test("max-message-size is read from the SDP: Chromium's and Firefox's values, 0 as no limit, absent as RFC 8841's 64 KiB", () => {
  expect(maxMessageSize(sdp("a=max-message-size:262144\r\n"))).toBe(262144);
  expect(maxMessageSize(sdp("a=max-message-size:1073741823\r\n"))).toBe(1073741823);
  expect(maxMessageSize(sdp("a=max-message-size:0\r\n"))).toBe(Infinity);
  expect(maxMessageSize(sdp(""))).toBe(65536);
});

test("fitsIn counts strings as UTF-8 bytes", () => {
  expect(fitsIn(new Uint8Array(10), 10)).toBe(true);
  expect(fitsIn(new Uint8Array(11), 10)).toBe(false);
  expect(fitsIn("abc", 3)).toBe(true);
  expect(fitsIn("é".repeat(40_000), 65536)).toBe(false); // 80,000 bytes
  expect(fitsIn("e".repeat(65536), 65536)).toBe(true);
  expect(fitsIn("🥦".repeat(16_384), 65536)).toBe(true); // 4 bytes each, exactly 65536
});
