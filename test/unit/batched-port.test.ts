import { MessageChannel } from "node:worker_threads";
import { afterEach, describe, expect, test } from "vitest";
import { BatchedPort } from "../../contract/batched-port.js";
import type { Batch } from "../../contract/tab-frames.js";

type Frame = { readonly n: number; readonly data?: unknown };

const open: { close(): void }[] = [];
afterEach(() => {
  for (const port of open.splice(0)) port.close();
});

/** Two BatchedPorts over a Node MessageChannel; the far side records each batch as it arrived. */
function pair() {
  const { port1, port2 } = new MessageChannel();
  const batches: Batch<Frame>[] = [];
  const unclonable: { frame: Frame; error: unknown }[] = [];
  let wake = () => {};
  const near = new BatchedPort<Frame, Frame>(
    port1 as unknown as MessagePort,
    () => {},
    (frame, error) => unclonable.push({ frame, error }),
  );
  const far = new BatchedPort<Frame, Frame>(
    port2 as unknown as MessagePort,
    (frames) => {
      batches.push(frames);
      wake();
    },
    () => {},
  );
  open.push(near, far);
  /** Resolves once `count` batches have arrived in all. */
  const arrived = (count: number) =>
    new Promise<void>((resolve) => {
      wake = () => batches.length >= count && resolve();
      wake();
    });
  return { near, far, batches, unclonable, arrived };
}

describe("BatchedPort", () => {
  test("frames posted in one turn go as one message, in order; the next turn is another", async () => {
    const { near, batches, arrived } = pair();
    for (let n = 0; n < 5; n++) near.post({ n });
    await Promise.resolve();
    near.post({ n: 5 });
    await arrived(2);
    expect(batches).toEqual([[{ n: 0 }, { n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }], [{ n: 5 }]]);
  });

  test("'later' waits for the next task, so posts from several tasks share one message", async () => {
    const { near, batches, arrived } = pair();
    near.post({ n: 1 }, undefined, "later");
    await Promise.resolve();
    near.post({ n: 2 }, undefined, "later");
    await arrived(1);
    expect(batches).toEqual([[{ n: 1 }, { n: 2 }]]);
  });

  test("buffers listed for transfer move: the sender's copy is detached, the receiver has the bytes", async () => {
    const { near, batches, arrived } = pair();
    const buffer = new Uint8Array([1, 2, 3]).buffer;
    near.post({ n: 1, data: buffer }, [buffer]);
    await arrived(1);
    expect(buffer.byteLength).toBe(0);
    expect(new Uint8Array((batches[0]?.[0]?.data as ArrayBuffer) ?? new ArrayBuffer(0))).toEqual(new Uint8Array([1, 2, 3]));
  });

  test("a frame structured clone refuses is handed back with its error; the rest of the batch still goes", async () => {
    const { near, batches, unclonable, arrived } = pair();
    const kept = new Uint8Array([9]).buffer;
    near.post({ n: 1 });
    near.post({ n: 2, data: () => "a function" });
    near.post({ n: 3, data: kept }, [kept]);
    await arrived(2);
    expect(batches.flat().map((f) => f.n)).toEqual([1, 3]);
    expect(new Uint8Array(batches[1]?.[0]?.data as ArrayBuffer)).toEqual(new Uint8Array([9]));
    expect(unclonable).toHaveLength(1);
    expect(unclonable[0]?.frame.n).toBe(2);
    expect(unclonable[0]?.error).toMatchObject({ name: "DataCloneError" });
    expect(String((unclonable[0]?.error as Error).message)).toMatch(/could not be cloned/);
  });

  test("after close nothing goes out", async () => {
    const { near, far, batches, arrived } = pair();
    near.post({ n: 1 });
    await arrived(1);
    near.close();
    near.post({ n: 2 });
    await new Promise((r) => setTimeout(r, 20));
    expect(batches).toEqual([[{ n: 1 }]]);
    far.close();
  });
});
