/** What the demo sends over a DataConnection. Plain strings (e.g. from a peerjs client) count as chat. */

export interface ChatMessage {
  readonly kind: "chat";
  readonly text: string;
}

/** Announces a file before its bytes, so the receiver can name the transfer while it arrives. */
export interface FileOffer {
  readonly kind: "file-offer";
  readonly name: string;
  readonly type: string;
  readonly size: number;
}

export interface FileMessage {
  readonly kind: "file";
  readonly name: string;
  readonly type: string;
  readonly size: number;
  readonly data: ArrayBuffer;
}

export type DemoMessage = ChatMessage | FileOffer | FileMessage;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

/** The chat text in `data`, or null if `data` is not a chat line. */
export function chatText(data: unknown): string | null {
  if (typeof data === "string") return data;
  if (isRecord(data) && data["kind"] === "chat" && typeof data["text"] === "string") return data["text"];
  return null;
}

export function isFileOffer(data: unknown): data is FileOffer {
  return isRecord(data) && data["kind"] === "file-offer" && typeof data["name"] === "string" && typeof data["size"] === "number";
}

export function isFileMessage(data: unknown): data is FileMessage {
  return isRecord(data) && data["kind"] === "file" && typeof data["name"] === "string" && data["data"] instanceof ArrayBuffer;
}
