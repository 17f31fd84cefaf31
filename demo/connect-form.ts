/** "Connect" card: dial a peer by id, or pick one of the peers the server lists. */
import type { Peer, SerializationName } from "sharedpeer";
import type { Connections } from "./connections.js";
import { note } from "./activity.js";
import { byId, h } from "./dom.js";

const LIST_MS = 3000;

export function mountConnectForm(peer: Peer, connections: Connections): void {
  const remote = byId<HTMLInputElement>("remote-id");
  const serialization = byId<HTMLSelectElement>("serialization");

  const dial = (id: string) => {
    if (!id) return;
    if (id === peer.id) {
      byId("connect-hint").textContent = "That is this peer. Open the page in another browser profile to get a second peer.";
      return;
    }
    byId("connect-hint").textContent = "";
    connections.connect(id, serialization.value as SerializationName);
    remote.value = "";
  };

  byId("connect-form").addEventListener("submit", (event) => {
    event.preventDefault();
    dial(remote.value.trim());
  });

  // Other peers on the server (the demo's PeerServer allows discovery).
  const online = byId("online-peers");
  let shown = "";
  async function list(): Promise<void> {
    if (!peer.open) return;
    let ids: string[];
    try {
      ids = await peer.listAllPeers();
    } catch {
      return; // discovery is off on this server: the list stays hidden
    }
    const others = ids.filter((id) => id !== peer.id).sort();
    const key = others.join("\n");
    if (key === shown) return;
    shown = key;
    byId("online").hidden = others.length === 0;
    online.replaceChildren(
      ...others.map((id) => {
        const button = h(
          "button",
          { type: "button", class: "chip", "data-testid": "online-peer", "data-peer": id, title: `Connect to ${id}` },
          id,
        );
        button.addEventListener("click", () => dial(id));
        return button;
      }),
    );
  }
  const refresh = (): void => {
    list().catch((error: unknown) => note("error", `Could not list the peers: ${String(error)}`));
  };
  peer.on("open", refresh);
  setInterval(refresh, LIST_MS);
}
