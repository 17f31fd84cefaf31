import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export interface PeerServerOptions {
  /** 0 (default): a free port. */
  port?: number;
  /** Mount path (default "/"). */
  path?: string;
  key?: string;
  /** Let `listAllPeers` work (default true). */
  allowDiscovery?: boolean;
  /** ms after which messages for an absent peer expire (server default 5000). */
  expireTimeout?: number;
  /** ms without HEARTBEAT after which the server drops a client (server default 90000). */
  aliveTimeout?: number;
}

export interface RunningPeerServer {
  readonly host: "127.0.0.1";
  readonly port: number;
  readonly path: string;
  readonly key: string;
  /** Ids registered at the server right now (one per signalling socket). */
  clients(): string[];
  /** Kills the server process, as an outage would. */
  stop(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL("./peer-server-process.mjs", import.meta.url));

/**
 * Starts the official PeerServer (npm `peer`) on 127.0.0.1, in a child process.
 *
 * @example
 * const server = await startPeerServer();
 * // new Peer("alice", { host: server.host, port: server.port, path: server.path, config: { iceServers: [] } })
 * await server.stop();
 */
export async function startPeerServer(options: PeerServerOptions = {}): Promise<RunningPeerServer> {
  const path = options.path ?? "/";
  const key = options.key ?? "peerjs";
  const config = {
    host: "127.0.0.1",
    port: options.port ?? 0,
    path,
    key,
    allow_discovery: options.allowDiscovery ?? true,
    ...(options.expireTimeout === undefined ? {} : { expire_timeout: options.expireTimeout }),
    ...(options.aliveTimeout === undefined ? {} : { alive_timeout: options.aliveTimeout }),
  };
  const child = spawn(process.execPath, [SCRIPT, JSON.stringify(config)], { stdio: ["pipe", "pipe", "inherit"] });
  const clients = new Set<string>();
  const port = await new Promise<number>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`PeerServer exited with ${code ?? "a signal"} before it listened`)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      const event = JSON.parse(line) as { ready?: true; port?: number; connect?: string; disconnect?: string; error?: string };
      if (event.ready && event.port) resolve(event.port);
      if (event.connect) clients.add(event.connect);
      if (event.disconnect) clients.delete(event.disconnect);
      if (event.error && !event.ready) reject(new Error(event.error));
    });
  });
  return {
    host: "127.0.0.1",
    port,
    path,
    key,
    clients: () => [...clients],
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGKILL");
      }),
  };
}
