/** The Peer option `serializers`: peerjs's named serializers are taken, a custom class is refused. */
import { describe, expect, test } from "vitest";
import { defaultSerialization, MsgPack, BufferedConnection, type SerializerMapping } from "../../src/serializers.js";
import { DataConnection } from "../../src/data-connection.js";

describe("serializers", () => {
  test("none, { MsgPack } and { default: MsgPack } are peerjs's own mappings", () => {
    expect(defaultSerialization(undefined, "binary")).toBe("binary");
    expect(defaultSerialization({}, "binary")).toBe("binary");
    expect(defaultSerialization({ MsgPack }, "binary")).toBe("binary");
    expect(defaultSerialization({ default: MsgPack }, "binary")).toBe("MsgPack");
    expect(defaultSerialization({ MsgPack, default: MsgPack }, "binary")).toBe("MsgPack");
  });

  test("a custom serializer class gets a TypeError that says what is supported", () => {
    class Custom extends DataConnection {}
    for (const mapping of [
      { custom: Custom },
      { default: Custom },
      { json: MsgPack },
      { binary: BufferedConnection },
    ] as SerializerMapping[]) {
      expect(() => defaultSerialization(mapping, "binary")).toThrow(TypeError);
      expect(() => defaultSerialization(mapping, "binary")).toThrow(
        /cannot run a custom serializer class\. It supports the serializations "binary", "binary-utf8", "json", "raw" and "MsgPack" by name, and serializers: \{ MsgPack \} or \{ default: MsgPack \}/,
      );
    }
  });
});
