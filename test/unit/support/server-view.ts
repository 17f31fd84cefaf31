import { expect } from "vitest";
import type { RunningPeerServer } from "../../../testing/peer-server.js";

/**
 * Asserts whether the PeerServer lists `id`. Its child process reports registrations on stdout, a
 * moment after the client got OPEN (or closed), so its view is awaited for up to 2 s first.
 */
export async function expectListed(server: RunningPeerServer, id: string, listed: boolean): Promise<void> {
  for (let i = 0; i < 100 && server.clients().includes(id) !== listed; i++) await new Promise((r) => setTimeout(r, 20));
  expect(server.clients().includes(id), `${id} listed at the server`).toBe(listed);
}
