/**
 * Media calls in test pages, for both libraries (same API): a fake camera from a canvas, calls
 * recorded by key, and a check that video frames really arrive.
 */
import { until, type Harness } from "./harness.js";

interface AnyCall {
  peer: string;
  connectionId: string;
  open: boolean;
  remoteStream?: MediaStream;
  peerConnection?: unknown;
  answeredElsewhere?: boolean;
  on(event: string, fn: (...args: never[]) => void): unknown;
  answer(stream?: MediaStream): void;
  close(): void;
}
interface CallingPeer {
  on(event: string, fn: (...args: never[]) => void): unknown;
  call(id: string, stream: MediaStream, options?: unknown): AnyCall;
}

export function createMediaHarness(h: Harness) {
  const calls = new Map<string, AnyCall>();
  const logs = new Map<string, string[]>();
  const incoming = new Map<string, string[]>();
  let camera: MediaStream | undefined;

  /** A moving 320×240 picture at 30 fps: real frames without a camera. */
  function fakeCamera(): MediaStream {
    if (camera) return camera;
    const canvas = document.createElement("canvas");
    canvas.width = 320;
    canvas.height = 240;
    const g = canvas.getContext("2d") as CanvasRenderingContext2D;
    let t = 0;
    setInterval(() => {
      g.fillStyle = `hsl(${t++ % 360} 80% 50%)`;
      g.fillRect(0, 0, 320, 240);
    }, 33);
    camera = canvas.captureStream(30);
    return camera;
  }

  function watch(name: string, call: AnyCall): string {
    const key = `${name}/${call.connectionId}`;
    calls.set(key, call);
    const log: string[] = [];
    logs.set(key, log);
    for (const event of ["close", "willCloseOnRemote", "answeredElsewhere"]) call.on(event, () => log.push(event));
    call.on("stream", () => log.push("stream"));
    call.on("error", (e: never) => log.push(`error:${(e as { type?: string }).type ?? "?"}`));
    return key;
  }

  function peer(name: string): CallingPeer {
    const p = h.peer(name) as unknown as CallingPeer | undefined;
    if (!p) throw new Error(`no peer ${name}`);
    return p;
  }

  return {
    /** Records incoming calls of peer `name`, and calls other tabs of it placed (call right after newPeer). */
    listen(name: string) {
      incoming.set(name, []);
      peer(name).on("call", (call: never) => incoming.get(name)?.push(watch(name, call as AnyCall)));
      peer(name).on("sharedConnection", (conn: never) => {
        if ((conn as { type?: string }).type === "media") watch(name, conn as AnyCall);
      });
    },
    call: (name: string, remote: string, metadata?: unknown) => watch(name, peer(name).call(remote, fakeCamera(), { metadata })),
    incoming: (name: string) => until(() => incoming.get(name)?.[0], `a call to ${name}`),
    answer(key: string, withStream = true) {
      calls.get(key)?.answer(withStream ? fakeCamera() : undefined);
    },
    /**
     * From now on calls and answers send the browser's own camera and microphone (`getUserMedia`;
     * Firefox's are synthetic with `media.navigator.streams.fake`) instead of the canvas.
     */
    async useUserMedia(): Promise<string[]> {
      camera = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
      return camera.getTracks().map((track) => track.kind);
    },
    /** The kinds of the remote stream's live tracks. */
    remoteTracks: async (key: string) =>
      (await until(() => calls.get(key)?.remoteStream, `${key} remote stream`))
        .getTracks()
        .filter((track) => track.readyState === "live")
        .map((track) => track.kind)
        .sort(),
    hangUp: (key: string) => calls.get(key)?.close(),
    events: (key: string) => logs.get(key) ?? [],
    waitEvent: (key: string, event: string, ms?: number) =>
      until(() => (logs.get(key)?.includes(event) ? true : undefined), `${key} ${event}`, ms),
    hosted: (key: string) => Boolean(calls.get(key)?.peerConnection),
    metadata: (key: string) => (calls.get(key) as unknown as { metadata?: unknown })?.metadata ?? null,
    /** Plays the remote stream and resolves with its frame size once frames arrive. */
    async remoteVideo(key: string): Promise<{ width: number; height: number; live: boolean }> {
      const call = calls.get(key);
      const stream = await until(() => call?.remoteStream, `${key} remote stream`);
      const video = document.createElement("video");
      video.muted = true;
      video.srcObject = stream;
      document.body.append(video);
      await video.play();
      await until(() => (video.videoWidth > 0 ? true : undefined), `${key} video frames`);
      const track = stream.getVideoTracks()[0];
      return { width: video.videoWidth, height: video.videoHeight, live: track?.readyState === "live" };
    },
  };
}

export type MediaHarness = ReturnType<typeof createMediaHarness>;
