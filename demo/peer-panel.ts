/**
 * "This tab" card: the peer id, its state, the worker mode, how many tabs share the hub (from
 * `hubStats`, polled), switching ids, and disconnect / reconnect of the shared signalling socket.
 */
import { hubStats, type HubStats, type Peer } from "sharedpeer";
import { note } from "./activity.js";
import { randomId, setDefaultId, urlForId, type DemoConfig } from "./config.js";
import { byId } from "./dom.js";

type PeerStatus = "connecting" | "open" | "disconnected" | "closed";

const STATS_MS = 1000;

const STATUS_TEXT: Record<PeerStatus, string> = {
  connecting: "connecting to the server…",
  open: "online",
  disconnected: "disconnected from the server",
  closed: "closed",
};

export function mountPeerPanel(peer: Peer, config: DemoConfig): void {
  const myId = byId("my-id");
  const status = byId("peer-status");
  const setStatus = (state: PeerStatus, detail?: string) => {
    status.dataset["state"] = state;
    status.textContent = detail ?? STATUS_TEXT[state];
    document.body.dataset["peerState"] = state;
    byId<HTMLButtonElement>("disconnect").hidden = state !== "open";
    byId<HTMLButtonElement>("reconnect").hidden = state !== "disconnected";
  };

  myId.textContent = config.id;
  byId("id-source").textContent =
    config.idSource === "url"
      ? "from ?id= (this tab only)"
      : config.idSource === "profile"
        ? "this browser's default"
        : "new, now this browser's default";
  for (const node of document.querySelectorAll("[data-fill=peer-id]")) node.textContent = config.id;
  byId<HTMLAnchorElement>("open-tab").href = location.href;
  byId("mode").textContent = peer.mode;
  setStatus("connecting");

  peer.on("open", (id) => {
    myId.textContent = id;
    byId("mode").textContent = peer.mode;
    document.title = `${id} · sharedpeer demo`;
    setStatus("open");
    refreshStats();
    note("ok", `Online as ${id} (${peer.mode} worker)`);
  });
  peer.on("disconnected", () => {
    setStatus("disconnected");
    note("info", "Disconnected from the server; open connections keep working");
  });
  peer.on("close", () => {
    setStatus("closed");
    // Usually the id was refused: offer another one right away.
    byId<HTMLDetailsElement>("switch-id").open = true;
    byId<HTMLInputElement>("id-input").select();
    refreshStats();
  });
  peer.on("error", (error) => {
    note("error", `${error.type}: ${error.message}`, error.type);
    const banner = byId("peer-error");
    banner.hidden = false;
    banner.dataset["type"] = error.type;
    byId("peer-error-type").textContent = error.type;
    byId("peer-error-message").textContent = error.message;
  });
  byId("peer-error-close").addEventListener("click", () => (byId("peer-error").hidden = true));

  byId("disconnect").addEventListener("click", () => peer.disconnect());
  byId("reconnect").addEventListener("click", () => {
    setStatus("connecting");
    peer.reconnect();
  });

  const idInput = byId<HTMLInputElement>("id-input");
  idInput.value = config.id;
  byId("id-random").addEventListener("click", () => {
    idInput.value = randomId();
    idInput.focus();
  });
  byId("id-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const next = idInput.value.trim();
    if (!next || next === config.id) return;
    setDefaultId(next);
    location.href = urlForId(null);
  });

  // Also after this Peer closed: the counts then show whether the hub let go of it.
  setInterval(refreshStats, STATS_MS);
  function refreshStats(): void {
    showStats().catch((error: unknown) => note("error", `Could not show the hub's counts: ${String(error)}`));
  }
  async function showStats(): Promise<void> {
    let stats: HubStats;
    try {
      stats = await hubStats(peer);
    } catch {
      return;
    }
    byId("mode").textContent = peer.mode;
    // `peerTabs`: the tabs sharing this peer; `tabs` would count every tab on the hub.
    byId("tab-count").textContent = peer.destroyed ? "–" : String(stats.peerTabs);
    byId("tab-count-label").textContent = peer.destroyed ? "" : stats.peerTabs === 1 ? "tab" : "tabs";
    const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
    byId("hub-stats").textContent = [
      plural(stats.peers, "peer"),
      plural(stats.members, "Peer object"),
      plural(stats.connections, "connection"),
      plural(stats.sockets, "server socket"),
    ].join(" · ");
  }
  refreshStats();
}
