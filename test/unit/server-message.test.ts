import { describe, expect, test } from "vitest";
import { parseServerMessage } from "../../worker/server-message.js";

const sdp = { type: "offer", sdp: "v=0" };
const frame = (value: unknown) => JSON.stringify(value);

describe("frames from the PeerServer", () => {
  test("the server's own messages", () => {
    expect(parseServerMessage(frame({ type: "OPEN" }))).toEqual({ type: "OPEN" });
    expect(parseServerMessage(frame({ type: "INVALID-KEY" }))).toEqual({ type: "INVALID-KEY" });
    expect(parseServerMessage(frame({ type: "ID-TAKEN", payload: { msg: "ID is taken" } }))).toEqual({
      type: "ID-TAKEN",
      payload: { msg: "ID is taken" },
    });
    // A reason that is not text is dropped, the message kept.
    expect(parseServerMessage(frame({ type: "ERROR", payload: { msg: 7 } }))).toEqual({ type: "ERROR", payload: { msg: "" } });
  });

  test("LEAVE and EXPIRE, with and without a connection named", () => {
    expect(parseServerMessage(frame({ type: "LEAVE", src: "bob" }))).toEqual({ type: "LEAVE", src: "bob" });
    expect(parseServerMessage(frame({ type: "LEAVE", src: "bob", payload: { connectionId: "dc_1" } }))).toEqual({
      type: "LEAVE",
      src: "bob",
      payload: { connectionId: "dc_1" },
    });
    expect(parseServerMessage(frame({ type: "LEAVE", src: "bob", payload: { connectionId: 1 } }))).toEqual({ type: "LEAVE", src: "bob" });
    expect(parseServerMessage(frame({ type: "EXPIRE", src: "bob" }))).toEqual({ type: "EXPIRE", src: "bob" });
  });

  test("an OFFER as peerjs 1.5.5 sends it keeps its fields; fields of the wrong type are left out", () => {
    const offer = {
      type: "OFFER",
      src: "bob",
      dst: "alice",
      payload: {
        type: "data",
        connectionId: "dc_1",
        sdp,
        metadata: { n: 1 },
        label: "chat",
        reliable: true,
        serialization: "json",
        sharedpeer: 1,
      },
    };
    // Everything but dst, which the server sets and the client has no use for.
    expect(parseServerMessage(frame(offer))).toEqual({ type: "OFFER", src: "bob", payload: offer.payload });
    const odd = { ...offer, payload: { ...offer.payload, label: 5, reliable: "yes", serialization: null, sharedpeer: "1" } };
    expect(parseServerMessage(frame(odd))).toMatchObject({
      payload: { label: undefined, reliable: undefined, serialization: undefined, sharedpeer: undefined },
    });
  });

  test("ANSWER and CANDIDATE", () => {
    const answer = { type: "ANSWER", src: "bob", payload: { type: "media", connectionId: "mc_1", sdp: { type: "answer", sdp: "v=0" } } };
    expect(parseServerMessage(frame(answer))).toEqual({ ...answer, payload: { ...answer.payload, sharedpeer: undefined } });
    const candidate = { type: "CANDIDATE", src: "bob", payload: { type: "data", connectionId: "dc_1", candidate: { candidate: "c" } } };
    expect(parseServerMessage(frame(candidate))).toEqual(candidate);
  });

  test.each([
    ["a binary frame", new ArrayBuffer(4), "a binary frame from the server"],
    ["text that is not JSON", "{nope", "invalid JSON from the server: {nope"],
    ["a long non-JSON text, cut", `<${"x".repeat(200)}`, `invalid JSON from the server: <${"x".repeat(79)}`],
    ["a JSON array", frame([1]), "a server frame without a type"],
    ["JSON null", "null", "a server frame without a type"],
    ["a numeric type", frame({ type: 1 }), "a server frame without a type"],
    ["an unknown type", frame({ type: "HELLO" }), 'unknown server message type "HELLO"'],
    ["LEAVE without src", frame({ type: "LEAVE" }), "LEAVE without src"],
    ["EXPIRE with a numeric src", frame({ type: "EXPIRE", src: 1 }), "EXPIRE without src"],
    ["OFFER without src", frame({ type: "OFFER", payload: { type: "data", connectionId: "dc", sdp } }), "OFFER without src"],
    ["OFFER without payload", frame({ type: "OFFER", src: "bob" }), "OFFER without payload"],
    ["ANSWER without connectionId", frame({ type: "ANSWER", src: "bob", payload: { type: "data", sdp } }), "ANSWER without connectionId"],
    [
      "an OFFER of a third kind",
      frame({ type: "OFFER", src: "bob", payload: { type: "file", connectionId: "dc", sdp } }),
      "OFFER of unknown connection type",
    ],
    [
      "CANDIDATE without candidate",
      frame({ type: "CANDIDATE", src: "bob", payload: { type: "data", connectionId: "dc" } }),
      "CANDIDATE without candidate",
    ],
    [
      "OFFER with sdp as text",
      frame({ type: "OFFER", src: "bob", payload: { type: "data", connectionId: "dc", sdp: "v=0" } }),
      "OFFER without sdp",
    ],
    [
      "ANSWER whose sdp has no text",
      frame({ type: "ANSWER", src: "bob", payload: { type: "data", connectionId: "dc", sdp: { type: "answer" } } }),
      "ANSWER without sdp",
    ],
  ])("%s is refused: %s", (_, data, reason) => {
    expect(parseServerMessage(data)).toBe(reason);
  });
});
