/**
 * A chat every tab of the peer sees. Lines from remotes reach every tab through `data`. A line this
 * tab sends goes once to each connected remote, and to the sibling tabs over a BroadcastChannel
 * named after the peer id (the remote does not echo it back).
 */
import type { Peer } from "sharedpeer";
import type { Connections } from "./connections.js";
import { byId, clock, h } from "./dom.js";
import { chatText } from "./messages.js";

type From = "self" | "sibling" | "remote" | "system";

interface SiblingLine {
  readonly tab: string;
  readonly text: string;
  readonly to: readonly string[];
}

export function mountChat(peer: Peer, peerId: string, tabName: string, connections: Connections): void {
  const log = byId("chat-log");
  const input = byId<HTMLInputElement>("chat-input");
  const send = byId<HTMLButtonElement>("chat-send");

  const add = (from: From, who: string, text: string, detail = "") => {
    byId("chat-empty").hidden = true;
    log.append(
      h(
        "div",
        {
          class: `chat-line from-${from}`,
          "data-testid": "chat-line",
          "data-from": from,
          "data-peer": from === "remote" ? who : undefined,
        },
        h("span", { class: "chat-who" }, who),
        h("span", { class: "chat-text" }, text),
        h("time", { class: "chat-time", title: detail }, clock()),
      ),
    );
    log.scrollTop = log.scrollHeight;
  };

  // Sibling tabs of this peer (shared mode only: elsewhere each tab is its own peer).
  const channel = peer.mode === "shared" ? new BroadcastChannel(`sharedpeer-demo:${peerId}`) : null;
  channel?.addEventListener("message", (event: MessageEvent<SiblingLine>) => {
    const { tab, text, to } = event.data;
    add("sibling", `me · tab ${tab}`, text, to.length ? `to ${to.join(", ")}` : "");
  });

  connections.onData((conn, data) => {
    const text = chatText(data);
    if (text !== null) add("remote", conn.peer, text);
  });

  const update = () => {
    const remotes = connections.openPerRemote().map((c) => c.peer);
    send.disabled = remotes.length === 0;
    input.placeholder = remotes.length === 0 ? "Connect to a peer to chat" : `Message ${remotes.join(", ")}`;
  };
  connections.onChange(update);
  update();

  byId("chat-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    const targets = connections.openPerRemote();
    if (!text || targets.length === 0) return;
    for (const conn of targets) conn.send(text);
    const to = targets.map((c) => c.peer);
    add("self", `me · this tab`, text, `to ${to.join(", ")}`);
    channel?.postMessage({ tab: tabName, text, to } satisfies SiblingLine);
    input.value = "";
    input.focus();
  });
}
