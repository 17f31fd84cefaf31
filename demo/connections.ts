/**
 * Every connection this tab knows of, as a list. A connection can reach a tab three ways: this tab
 * dialled it (`peer.connect`), a remote dialled the peer (`connection` fires in every tab), or a
 * sibling tab dialled it (`sharedConnection`). When the tab hosting a connection goes away, the
 * connection resumes from another tab (`resumed`): its row says so and shows the new host.
 */
import type { DataConnection, Peer, SerializationName } from "sharedpeer";
import { note } from "./activity.js";
import { byId, h } from "./dom.js";

export type ConnState = "connecting" | "open" | "closed";
export type Origin = "dialled here" | "incoming" | "dialled in another tab";

export interface Tracked {
  readonly conn: DataConnection;
  readonly origin: Origin;
  state: ConnState;
  error: string | null;
  /** How often it resumed on a new RTCPeerConnection, and what the last time meant for this tab. */
  resumes: number;
  resumeNote: string | null;
  /** This tab hosted its RTCPeerConnection when it opened or last resumed. */
  hostedHere: boolean;
}

type DataHandler = (conn: DataConnection, data: unknown) => void;
type ConnHandler = (conn: DataConnection) => void;

/** The host can change between events (a re-dial gets its new tab before `resumed`): redraw now and then. */
const REDRAW_MS = 1000;

const HOST_LABEL = { this: "this tab", other: "another tab", pending: "…", none: "–" } as const;

export class Connections {
  private readonly tracked = new Map<string, Tracked>();
  private readonly dataHandlers: DataHandler[] = [];
  private readonly connHandlers: ConnHandler[] = [];
  private readonly changeHandlers: Array<() => void> = [];
  private readonly list = byId<HTMLUListElement>("connections");

  constructor(private readonly peer: Peer) {
    peer.on("connection", (conn) => this.add(conn, "incoming"));
    // Media calls arrive here too: this demo is about data connections.
    peer.on("sharedConnection", (conn) => {
      if (conn.type === "data") this.add(conn, "dialled in another tab");
    });
    setInterval(() => this.render(), REDRAW_MS);
  }

  /** Dials `remote` from this tab. */
  connect(remote: string, serialization: SerializationName): DataConnection {
    const conn = this.peer.connect(remote, { serialization, reliable: true });
    note("info", `Connecting to ${remote} (${serialization})…`);
    this.add(conn, "dialled here");
    return conn;
  }

  /** `fn(conn, data)` for every message on every connection. */
  onData(fn: DataHandler): void {
    this.dataHandlers.push(fn);
  }

  /** `fn(conn)` once for each connection, as soon as this tab knows it. */
  onConnection(fn: ConnHandler): void {
    this.connHandlers.push(fn);
    for (const { conn } of this.tracked.values()) fn(conn);
  }

  /** `fn()` whenever a connection appears, opens or closes. */
  onChange(fn: () => void): void {
    this.changeHandlers.push(fn);
  }

  /** Open connections, one per remote peer (the first opened), for sending to "everyone". */
  openPerRemote(): DataConnection[] {
    const byRemote = new Map<string, DataConnection>();
    for (const { conn, state } of this.tracked.values()) if (state === "open" && !byRemote.has(conn.peer)) byRemote.set(conn.peer, conn);
    return [...byRemote.values()];
  }

  all(): Tracked[] {
    return [...this.tracked.values()];
  }

  get(connectionId: string): Tracked | undefined {
    return this.tracked.get(connectionId);
  }

  private add(conn: DataConnection, origin: Origin): void {
    if (this.tracked.has(conn.connectionId)) return;
    const entry: Tracked = {
      conn,
      origin,
      state: conn.open ? "open" : "connecting",
      error: null,
      resumes: 0,
      resumeNote: null,
      hostedHere: conn.peerConnection !== null,
    };
    this.tracked.set(conn.connectionId, entry);
    if (origin === "incoming") note("info", `${conn.peer} connected to us`);
    if (origin === "dialled in another tab") note("info", `Another tab connected to ${conn.peer}`);
    conn.on("open", () => {
      entry.state = "open";
      entry.hostedHere = conn.peerConnection !== null;
      note("ok", `Connection to ${conn.peer} is open`);
      this.changed();
    });
    conn.on("close", () => {
      entry.state = "closed";
      note("info", `Connection to ${conn.peer} closed`);
      this.changed();
    });
    conn.on("resumed", () => this.resumed(entry));
    conn.on("error", (error) => {
      entry.error = `${error.type}: ${error.message}`;
      note("error", `${conn.peer}: ${error.message}`, error.type);
      this.changed();
    });
    conn.on("data", (data) => {
      for (const fn of this.dataHandlers) fn(conn, data);
    });
    for (const fn of this.connHandlers) fn(conn);
    this.changed();
  }

  /** It stayed open over a new RTCPeerConnection: say where it went, from this tab's point of view. */
  private resumed(entry: Tracked): void {
    const here = entry.conn.peerConnection !== null;
    entry.resumeNote =
      here && !entry.hostedHere
        ? "moved to this tab: the tab that hosted it went away"
        : !here && entry.hostedHere
          ? "moved to another tab"
          : here
            ? "resumed in this tab: the remote re-dialled it"
            : "resumed in another tab of this peer";
    entry.hostedHere = here;
    entry.resumes += 1;
    note("ok", `Connection to ${entry.conn.peer} resumed, nothing lost: ${entry.resumeNote}`);
    this.changed();
  }

  private changed(): void {
    this.render();
    for (const fn of this.changeHandlers) fn();
  }

  private render(): void {
    const rows = [...this.tracked.values()].reverse().map((entry) => this.row(entry));
    byId("connections-empty").hidden = rows.length > 0;
    byId("connection-count").textContent = String([...this.tracked.values()].filter((t) => t.state !== "closed").length);
    // Replace only rows that changed, so that buttons keep focus and hover.
    const next = new Map(rows.map((row) => [row.dataset["connectionId"] as string, row]));
    for (const old of [...this.list.children] as HTMLElement[]) {
      const fresh = next.get(old.dataset["connectionId"] ?? "");
      if (!fresh) old.remove();
    }
    let before: Element | null = this.list.firstElementChild;
    for (const row of rows) {
      const id = row.dataset["connectionId"] as string;
      const existing = this.list.querySelector<HTMLElement>(`li[data-connection-id="${CSS.escape(id)}"]`);
      if (existing && existing.dataset["signature"] === row.dataset["signature"]) {
        if (existing !== before) this.list.insertBefore(existing, before);
        before = existing.nextElementSibling;
        continue;
      }
      if (existing) existing.replaceWith(row);
      else this.list.insertBefore(row, before);
      before = row.nextElementSibling;
    }
  }

  private row(entry: Tracked): HTMLLIElement {
    const { conn, state } = entry;
    const host = state === "closed" ? "none" : conn.peerConnection !== null ? "this" : state === "connecting" ? "pending" : "other";
    const stateLabel = state === "connecting" ? "connecting…" : state;
    const signature = [state, host, entry.error ?? "", entry.resumes].join("|");
    const action =
      state === "closed"
        ? h("button", { type: "button", class: "link", "data-testid": "dismiss-conn", title: "Remove from the list" }, "dismiss")
        : h(
            "button",
            { type: "button", class: "link danger", "data-testid": "close-conn", title: "Close for every tab and the remote" },
            "close",
          );
    action.addEventListener("click", () => {
      if (state === "closed") {
        this.tracked.delete(conn.connectionId);
        this.changed();
      } else conn.close();
    });
    return h(
      "li",
      {
        class: `conn ${state}`,
        "data-remote": conn.peer,
        "data-connection-id": conn.connectionId,
        "data-state": state,
        "data-host": host,
        "data-resumed": entry.resumes,
        "data-signature": signature,
      },
      h(
        "div",
        { class: "conn-main" },
        h("strong", { class: "conn-remote" }, conn.peer),
        h("span", { class: `badge state-${state}`, "data-testid": "conn-state" }, stateLabel),
      ),
      h(
        "div",
        { class: "conn-meta" },
        h("span", { "data-testid": "conn-serialization" }, conn.serialization),
        h(
          "span",
          { class: `host host-${host}`, "data-testid": "conn-host", title: "The tab whose RTCPeerConnection carries this connection" },
          HOST_LABEL[host],
        ),
        h("span", { class: "muted" }, entry.origin),
        action,
      ),
      entry.resumeNote && state !== "closed"
        ? h(
            "div",
            {
              class: "conn-resumed",
              "data-testid": "conn-resumed",
              title: "Messages in flight were sent again; nothing was lost or doubled",
            },
            h("span", { class: "badge state-resumed" }, entry.resumes > 1 ? `resumed ${entry.resumes}×` : "resumed"),
            h("span", {}, entry.resumeNote),
          )
        : null,
      entry.error ? h("div", { class: "conn-error", "data-testid": "conn-error" }, entry.error) : null,
    );
  }
}
