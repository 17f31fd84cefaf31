/**
 * File transfer: pick or drop a file, choose a connection, send `{ kind: "file", name, type, size,
 * data }` (after a small `file-offer` that names it). Progress comes from the library's
 * `sendProgress` (this tab's sends) and `receiveProgress` (every tab of the receiving peer) events.
 * When the connection resumes on a new RTCPeerConnection (`resumed`), a file cut off in flight is sent
 * again whole: its row starts over and finishes, on both ends.
 */
import type { DataConnection, TransferProgress } from "sharedpeer";
import { note } from "./activity.js";
import type { Connections } from "./connections.js";
import { byId, formatBytes, h } from "./dom.js";
import { isFileMessage, isFileOffer, type FileMessage, type FileOffer } from "./messages.js";
import { TransferView } from "./transfer-view.js";

/** Messages up to one chunk get no progress events: they are done when sent. */
const CHUNK_SIZE = 16300;

/** Per connection: what is arriving, in order (a connection delivers in order). */
interface Incoming {
  readonly queue: TransferView[];
  readonly byMessage: Map<number, TransferView>;
}

export function mountFiles(connections: Connections): void {
  const input = byId<HTMLInputElement>("file-input");
  const drop = byId("drop-zone");
  const target = byId<HTMLSelectElement>("file-target");
  const send = byId<HTMLButtonElement>("file-send");
  const list = byId("transfers");
  let chosen: File | null = null;

  const show = (view: TransferView) => {
    byId("transfers-empty").hidden = true;
    list.prepend(view.element);
  };

  // Picking a file.
  const choose = (file: File | null) => {
    chosen = file;
    byId("file-chosen").textContent = file ? `${file.name} · ${formatBytes(file.size)}` : "No file chosen";
    drop.classList.toggle("has-file", file !== null);
    update();
  };
  input.addEventListener("change", () => choose(input.files?.[0] ?? null));
  // A file dropped next to the zone would make the browser open it and leave the page.
  for (const type of ["dragover", "drop"] as const) window.addEventListener(type, (event) => event.preventDefault());
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("dragging");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("dragging"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("dragging");
    choose(event.dataTransfer?.files[0] ?? null);
  });

  // Choosing the connection: only open ones; files need binary serialization (ArrayBuffer).
  const update = () => {
    const previous = target.value;
    const open = connections.all().filter((t) => t.state === "open");
    const options = open.map(({ conn }) =>
      h(
        "option",
        { value: conn.connectionId, disabled: conn.serialization !== "binary", "data-remote": conn.peer },
        conn.serialization === "binary" ? conn.peer : `${conn.peer} (${conn.serialization}: cannot carry files)`,
      ),
    );
    if (options.length === 0) options.push(h("option", { value: "", disabled: true }, "no open connection"));
    target.replaceChildren(...options);
    const usable = open.filter(({ conn }) => conn.serialization === "binary").map(({ conn }) => conn.connectionId);
    target.value = usable.includes(previous) ? previous : (usable[0] ?? "");
    send.disabled = chosen === null || target.value === "";
  };
  connections.onChange(update);
  target.addEventListener("change", update);
  update();

  // Sending.
  const sending = new Map<string, TransferView>(); // `${connectionId}/${sendId}`
  send.addEventListener("click", () => {
    sendFile().catch((error: unknown) => note("error", `Could not send the file: ${String(error)}`));
  });
  async function sendFile(): Promise<void> {
    const conn = connections.get(target.value)?.conn;
    const file = chosen;
    if (!conn || !file) return;
    if (!conn.open) return update();
    const view = new TransferView("send", conn.peer, file.name, file.size);
    show(view);
    const data = await file.arrayBuffer();
    if (!conn.open) return view.fail("The connection closed before the file was read.");
    const type = file.type || "application/octet-stream";
    conn.send({ kind: "file-offer", name: file.name, type, size: file.size } satisfies FileOffer);
    const sendId = conn.send({ kind: "file", name: file.name, type, size: file.size, data } satisfies FileMessage);
    const key = `${conn.connectionId}/${sendId}`;
    // Progress comes only for messages over one chunk; the packed size is the file plus its fields.
    const packed = file.size + 64 + new TextEncoder().encode(file.name + type).byteLength;
    if (packed < CHUNK_SIZE - 128) view.complete(file.size);
    else {
      sending.set(key, view);
      // Right at the chunk size the estimate may be off: no progress by then means one chunk, sent.
      if (packed < CHUNK_SIZE + 128) {
        setTimeout(() => {
          if (sending.get(key) !== view) return;
          sending.delete(key);
          view.complete(file.size);
        }, 1500);
      }
    }
    note("info", `Sending ${file.name} (${formatBytes(file.size)}) to ${conn.peer}`);
  }

  /** Takes this connection's unfinished sends out of `sending`. */
  const takeSends = (conn: DataConnection): TransferView[] => {
    const taken: TransferView[] = [];
    for (const [key, view] of sending) {
      if (!key.startsWith(`${conn.connectionId}/`)) continue;
      sending.delete(key);
      taken.push(view);
    }
    return taken;
  };

  // Receiving, and the progress of both directions, per connection.
  const incoming = new Map<string, Incoming>();
  connections.onConnection((conn) => {
    const state: Incoming = { queue: [], byMessage: new Map() };
    incoming.set(conn.connectionId, state);

    conn.on("sendProgress", (p: TransferProgress) => {
      const view = sending.get(`${conn.connectionId}/${p.id}`);
      if (!view) return;
      if (p.done) {
        view.complete(view.knownSize ?? p.total);
        sending.delete(`${conn.connectionId}/${p.id}`);
      } else view.progress(p.bytes, p.total);
    });

    conn.on("receiveProgress", (p: TransferProgress) => {
      let view = state.byMessage.get(p.id);
      if (!view) {
        // The oldest announced file without a message number yet is this one; else it is unannounced.
        view = state.queue.find((v) => !v.finished && ![...state.byMessage.values()].includes(v));
        if (!view) {
          view = new TransferView("receive", conn.peer, null, null);
          state.queue.push(view);
          show(view);
        }
        state.byMessage.set(p.id, view);
      }
      view.progress(p.bytes, p.total);
    });

    // A cut-off message comes again whole: the sender's progress restarts under the same sendId, the
    // receiver's under a new message number, which the row takes as the oldest unnumbered one.
    conn.on("resumed", () => {
      for (const [id, view] of state.byMessage) {
        if (view.finished) continue;
        state.byMessage.delete(id);
        view.restart();
      }
      for (const [key, view] of sending) if (key.startsWith(`${conn.connectionId}/`)) view.restart();
    });

    conn.on("close", () => {
      for (const view of [...state.queue, ...takeSends(conn)]) view.fail("The connection closed before the transfer finished.");
      state.queue.length = 0;
    });
  });

  connections.onData((conn, data) => {
    const state = incoming.get(conn.connectionId);
    if (!state) return;
    if (isFileOffer(data)) {
      const view = new TransferView("receive", conn.peer, data.name, data.size);
      state.queue.push(view);
      show(view);
      return;
    }
    const head = () => state.queue.find((v) => !v.finished);
    if (isFileMessage(data)) {
      let view = head();
      if (!view) {
        view = new TransferView("receive", conn.peer, data.name, data.size);
        show(view);
      } else state.queue.splice(state.queue.indexOf(view), 1);
      view.name(data.name, data.size);
      view.complete(data.data.byteLength, { blob: new Blob([data.data], { type: data.type }), name: data.name });
      note("ok", `Received ${data.name} (${formatBytes(data.data.byteLength)}) from ${conn.peer}`);
      return;
    }
    // Some other large message had progress events: not a file, drop its bar.
    const view = head();
    if (view && !view.named && [...state.byMessage.values()].includes(view)) {
      state.queue.splice(state.queue.indexOf(view), 1);
      view.element.remove();
    }
  });
}
