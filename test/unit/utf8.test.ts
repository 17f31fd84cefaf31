import { describe, expect, test } from "vitest";
import { utf8Size } from "../../contract/utf8.js";

describe("utf8Size counts what RTCDataChannel's bufferedAmount counts: UTF-8 bytes", () => {
  test.each([
    ["ascii", "hello"],
    ["two-byte", "héllo ß"],
    ["three-byte", "日本語"],
    ["four-byte (a surrogate pair)", "a😀b"],
    ["a lone high surrogate", "x\ud800y"],
    ["a lone low surrogate at the end", "x\udc00"],
    ["empty", ""],
  ])("%s: the length of TextEncoder's bytes, not of the UTF-16 units", (_name, text) => {
    expect(utf8Size(text)).toBe(new TextEncoder().encode(text).byteLength);
  });

  test("a range counts only its own units", () => {
    expect(utf8Size("a😀b", 1, 3)).toBe(4);
  });
});
