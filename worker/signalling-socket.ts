import type { ClientMessage, ServerMessage } from "../contract/server-messages.js";
import { parseServerMessage } from "./server-message.js";
import { SOCKET_CONNECTING, SOCKET_OPEN, type Platform, type PlatformSocket, type Timer } from "./platform.js";

export interface SocketHandlers {
  /** The WebSocket is open (not yet the server's OPEN frame: a re-attach never sends one). */
  onConnected(): void;
  onMessage(message: ServerMessage): void;
  /** A frame that is not a valid server message. */
  onMalformed(reason: string): void;
  /** The socket closed; `expected` when we closed it ourselves. */
  onClosed(expected: boolean): void;
}

/**
 * The signalling WebSocket of one peer: queues frames until the socket is open (peerjs drops
 * them, #652), and sends HEARTBEAT from the worker so that a hidden tab cannot starve it (#704).
 */
export class SignallingSocket {
  private readonly socket: PlatformSocket;
  private readonly queue: string[] = [];
  private heartbeat: Timer | undefined;
  private closedByUs = false;
  private finished = false;

  constructor(
    private readonly platform: Platform,
    url: string,
    pingInterval: number,
    private readonly handlers: SocketHandlers,
  ) {
    this.socket = platform.openSocket(url, {
      open: () => {
        for (const frame of this.queue.splice(0)) this.socket.send(frame);
        this.heartbeat = platform.clock.setInterval(() => this.send({ type: "HEARTBEAT" }), pingInterval);
        handlers.onConnected();
      },
      message: (data) => {
        if (this.finished) return;
        const parsed = parseServerMessage(data);
        if (typeof parsed === "string") handlers.onMalformed(parsed);
        else handlers.onMessage(parsed);
      },
      closed: () => this.finish(),
    });
  }

  get isOpen(): boolean {
    return this.socket.readyState === SOCKET_OPEN;
  }

  send(message: ClientMessage): void {
    const frame = JSON.stringify(message);
    if (this.socket.readyState === SOCKET_OPEN) this.socket.send(frame);
    else if (this.socket.readyState === SOCKET_CONNECTING) this.queue.push(frame);
  }

  close(): void {
    this.closedByUs = true;
    this.socket.close();
    this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.platform.clock.clearInterval(this.heartbeat);
    this.queue.length = 0;
    this.handlers.onClosed(this.closedByUs);
  }
}
