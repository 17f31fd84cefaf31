/**
 * `npm run bench`: the BinaryPack codec against peerjs-js-binarypack in Node, printed (the README's
 * encoder ratio). A measurement, not a unit test: under load it is slow, and nothing is asserted on time.
 */
import { describe, expect, test } from "vitest";
import { pack, unpack, type Packable } from "peerjs-js-binarypack";
import { encodeBinaryPack } from "../../worker/codec/binarypack-encoder.js";
import { decodeBinaryPack } from "../../worker/codec/binarypack-decoder.js";

describe("BinaryPack codec speed", () => {
  test("10,000 small objects: encode and decode vs peerjs-js-binarypack", () => {
    const messages = Array.from({ length: 10_000 }, (_, i) => ({ i, s: "hello", a: [1, 2, 3] }));
    const time = (run: () => void): number => {
      let best = Infinity;
      for (let round = 0; round < 7; round++) {
        const start = performance.now();
        run();
        best = Math.min(best, performance.now() - start);
      }
      return best;
    };
    const packed = messages.map((m) => encodeBinaryPack(m));
    const library = time(() => {
      // eslint-disable-next-line @typescript-eslint/no-floating-promises -- no Blob inside: pack returns an ArrayBuffer here
      for (const m of messages) pack(m);
    });
    const ours = time(() => {
      for (const m of messages) encodeBinaryPack(m);
    });
    const libraryDecode = time(() => {
      for (const bytes of packed) unpack(bytes.buffer as ArrayBuffer);
    });
    const ourDecode = time(() => {
      for (const bytes of packed) decodeBinaryPack(bytes);
    });
    const rate = (ms: number): string => `${Math.round(10_000 / (ms / 1000)).toLocaleString("en")}/s`;
    console.log(
      `encode: library ${library.toFixed(1)} ms (${rate(library)}), ours ${ours.toFixed(1)} ms (${rate(ours)}), ×${(library / ours).toFixed(1)}\n` +
        `decode: library ${libraryDecode.toFixed(1)} ms (${rate(libraryDecode)}), ours ${ourDecode.toFixed(1)} ms (${rate(ourDecode)}), ×${(libraryDecode / ourDecode).toFixed(1)}`,
    );
    expect(packed[3]).toEqual(new Uint8Array(pack(messages[3] as Packable) as ArrayBuffer));
  });
});
