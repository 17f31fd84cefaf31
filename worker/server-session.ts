import type { PeerErrorType } from "../contract/errors.js";
import type { LogLevel, PeerSettings } from "../contract/options.js";
import type { ClientMessage, ServerMessage } from "../contract/server-messages.js";
import { idUrl, socketUrl } from "./server-url.js";
import { SignallingSocket } from "./signalling-socket.js";
import type { Platform, Timer } from "./platform.js";

/** After a re-attach with the same token the server sends no OPEN (protocol.md §1.9). */
const REATTACH_GRACE_MS = 1000;
/**
 * After losing the server, the session reconnects by itself, keeping its id and token: the first try
 * after 500 ms, then each delay doubles up to 30 s, every one jittered to 50–100% so that many
 * clients of a restarted server do not come back in step.
 */
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 30_000;

export type SessionState = "connecting" | "open" | "offline" | "closed";

/** Server messages about other peers, for the peer to act on. */
export type RelayedMessage = Extract<ServerMessage, { type: "OFFER" | "ANSWER" | "CANDIDATE" | "LEAVE" | "EXPIRE" }>;

export interface SessionListener {
  opened(id: string): void;
  /** The socket dropped while open; `offline` follows, then retries. */
  lost(): void;
  offline(): void;
  /** The session cannot go on as it is: the id is taken, the key refused, the server unreachable. */
  fatal(type: PeerErrorType, message: string, cause?: unknown): void;
  message(message: RelayedMessage): void;
  malformed(reason: string): void;
  log(level: LogLevel, ...args: unknown[]): void;
}

/**
 * One peer's presence at the PeerServer: the id (fetched when none was given), the signalling
 * socket, OPEN or a silent re-attach, and healing after a loss with backoff.
 */
export class ServerSession {
  state: SessionState = "connecting";
  everOpened = false;
  private socket: SignallingSocket | undefined;
  private reattachTimer: Timer | undefined;
  private retryTimer: Timer | undefined;
  private retryDelay = RETRY_FIRST_MS;
  /** Frames sent while there is no socket yet (the id is still being fetched). */
  private readonly unsent: ClientMessage[] = [];

  constructor(
    private readonly platform: Platform,
    private readonly settings: PeerSettings,
    public id: string | null,
    private readonly listener: SessionListener,
  ) {}

  start(): void {
    this.state = "connecting";
    if (this.id === null) void this.fetchId();
    else this.openSocket();
  }

  send(message: ClientMessage): void {
    if (this.socket) this.socket.send(message);
    else this.unsent.push(message);
  }

  /** Offline on request: no automatic reconnection until `resume()`. */
  goOffline(): void {
    this.stopRetrying();
    this.offline();
  }

  resume(): void {
    if (this.state !== "offline") return;
    this.stopRetrying();
    this.listener.log(3, `reconnecting to the server as ${this.id ?? "a new id"}`);
    this.start();
  }

  close(): void {
    this.state = "closed";
    this.platform.clock.clearTimeout(this.reattachTimer);
    this.stopRetrying();
    this.socket?.close();
    this.socket = undefined;
  }

  private async fetchId(): Promise<void> {
    try {
      const response = await this.platform.fetch(idUrl(this.settings), { referrerPolicy: this.settings.referrerPolicy });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const id = await response.text();
      if (this.state !== "connecting") return;
      this.id = id;
      this.openSocket();
    } catch (cause) {
      if (this.state !== "connecting") return;
      const { host, port, path } = this.settings;
      this.listener.fatal("server-error", `Could not get an ID from the server at ${host}:${port}${path}.`, cause);
    }
  }

  private openSocket(): void {
    const url = socketUrl(this.settings, this.id as string, this.settings.token);
    const socket = new SignallingSocket(this.platform, url, this.settings.pingInterval, {
      onConnected: () => {
        for (const frame of this.unsent.splice(0)) socket.send(frame);
        // The server answers a new registration at once; silence means it re-attached our token.
        this.reattachTimer = this.platform.clock.setTimeout(() => this.opened(), REATTACH_GRACE_MS);
      },
      onMessage: (message) => this.received(message),
      onMalformed: (reason) => this.listener.malformed(reason),
      onClosed: (expected) => {
        if (expected || this.socket !== socket) return;
        this.socket = undefined;
        if (this.state === "closed" || this.state === "offline") return;
        if (!this.everOpened) {
          this.listener.fatal("server-error", `Could not reach the PeerServer at ${this.settings.host}:${this.settings.port}.`);
        } else if (this.retryDelay > RETRY_FIRST_MS) {
          this.state = "offline";
          this.scheduleRetry();
        } else {
          this.listener.lost();
          this.offline();
          this.scheduleRetry();
        }
      },
    });
    this.socket = socket;
  }

  private received(message: ServerMessage): void {
    switch (message.type) {
      case "OPEN":
        return this.opened();
      case "ID-TAKEN":
        this.platform.clock.clearTimeout(this.reattachTimer);
        return this.listener.fatal("unavailable-id", `ID "${this.id ?? ""}" is taken`);
      case "ERROR":
        this.platform.clock.clearTimeout(this.reattachTimer);
        return this.listener.fatal("server-error", message.payload?.msg || "The PeerServer reported an error.");
      case "INVALID-KEY":
        return this.listener.fatal("invalid-key", `API KEY "${this.settings.key}" is invalid`);
      default:
        return this.listener.message(message);
    }
  }

  private opened(): void {
    this.platform.clock.clearTimeout(this.reattachTimer);
    if (this.state !== "connecting" || this.id === null) return;
    this.state = "open";
    this.everOpened = true;
    this.retryDelay = RETRY_FIRST_MS;
    this.listener.opened(this.id);
  }

  private offline(): void {
    if (this.state === "offline" || this.state === "closed") return;
    this.state = "offline";
    this.platform.clock.clearTimeout(this.reattachTimer);
    this.socket?.close();
    this.socket = undefined;
    this.listener.offline();
  }

  private scheduleRetry(): void {
    const delay = this.retryDelay * (0.5 + Math.random() / 2);
    this.retryDelay = Math.min(this.retryDelay * 2, RETRY_MAX_MS);
    this.listener.log(2, `lost the server; trying again in ${Math.round(delay)} ms`);
    this.retryTimer = this.platform.clock.setTimeout(() => {
      this.retryTimer = undefined;
      if (this.state !== "offline") return;
      this.state = "connecting";
      this.openSocket();
    }, delay);
  }

  private stopRetrying(): void {
    this.platform.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }
}
