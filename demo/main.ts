import { Peer, type DataConnection } from "sharedpeer";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const id = params.get("id") ?? localStorage.getItem("sharedpeer-demo-id") ?? `demo-${Math.random().toString(36).slice(2, 7)}`;
localStorage.setItem("sharedpeer-demo-id", id);

const peer = new Peer(id, {
  host: import.meta.env["VITE_PEER_HOST"] ?? "127.0.0.1",
  port: Number(import.meta.env["VITE_PEER_PORT"] ?? 9000),
  secure: false,
  config: { iceServers: [] },
});
const connections: DataConnection[] = [];

function log(text: string): void {
  const li = document.createElement("li");
  li.textContent = text;
  $("log").append(li);
}

function use(conn: DataConnection): void {
  connections.push(conn);
  conn.on("open", () => log(`connected to ${conn.peer}`));
  conn.on("data", (data) => log(`${conn.peer}: ${String(data)}`));
  conn.on("close", () => log(`connection to ${conn.peer} closed`));
  conn.on("error", (e) => log(`error: ${e.message}`));
}

peer.on("open", (myId) => ($("my-id").textContent = `${myId} (${peer.mode})`));
peer.on("error", (e) => log(`peer error (${e.type}): ${e.message}`));
peer.on("connection", use);

$("connect-form").addEventListener("submit", (e) => {
  e.preventDefault();
  use(peer.connect($<HTMLInputElement>("remote-id").value, { reliable: true }));
});
$("chat-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = $<HTMLInputElement>("message").value;
  for (const conn of connections) if (conn.open) conn.send(text);
  log(`me: ${text}`);
});
