import type { ClientMessage, ServerMessage } from "../contract/server-messages.js";
import { parseServerMessage } from "./server-message.js";

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
  private readonly socket: WebSocket;
  private readonly queue: string[] = [];
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private closedByUs = false;
  private finished = false;

  constructor(
    url: string,
    pingInterval: number,
    private readonly handlers: SocketHandlers,
  ) {
    this.socket = new WebSocket(url);
    this.socket.onopen = () => {
      for (const frame of this.queue.splice(0)) this.socket.send(frame);
      this.heartbeat = setInterval(() => this.send({ type: "HEARTBEAT" }), pingInterval);
      handlers.onConnected();
    };
    this.socket.onmessage = (event: MessageEvent<unknown>) => {
      const parsed = parseServerMessage(event.data);
      if (typeof parsed === "string") handlers.onMalformed(parsed);
      else handlers.onMessage(parsed);
    };
    this.socket.onclose = () => this.finish();
    // An error is always followed by close; the close handler reports it.
    this.socket.onerror = null;
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  send(message: ClientMessage): void {
    const frame = JSON.stringify(message);
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(frame);
    else if (this.socket.readyState === WebSocket.CONNECTING) this.queue.push(frame);
  }

  close(): void {
    this.closedByUs = true;
    this.socket.close();
    this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    clearInterval(this.heartbeat);
    this.queue.length = 0;
    this.socket.onopen = this.socket.onmessage = this.socket.onclose = null;
    this.handlers.onClosed(this.closedByUs);
  }
}
