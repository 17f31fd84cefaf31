import { afterAll, beforeAll, expect, test } from "vitest";
import { startPeerServer, type RunningPeerServer } from "../../testing/peer-server.js";
import { HubHarness, useHubEnv } from "./support/hub-harness.js";

const env = useHubEnv();
let closed: RunningPeerServer;
beforeAll(async () => {
  closed = await startPeerServer({ allowDiscovery: false });
});
afterAll(() => closed.stop());

test("listAllPeers asks the server over HTTP and returns the ids it has", async () => {
  const tab = await env.harness.openTab();
  const lister = await tab.attach("lister");
  const other = await tab.attach("listed");
  await tab.next("peer-open", (f) => f.member === lister);
  await tab.next("peer-open", (f) => f.member === other);
  expect((await tab.api.listAllPeers(lister)).sort()).toEqual(["listed", "lister"]);
});

test("a server that does not allow discovery: server-error saying how to allow it", async () => {
  const harness = new HubHarness(closed);
  const tab = await harness.openTab();
  const member = await tab.attach("curious");
  await tab.next("peer-open", (f) => f.member === member);
  await expect(tab.api.listAllPeers(member)).rejects.toEqual({
    type: "server-error",
    message: "The PeerServer does not allow listing peers; start it with allow_discovery.",
  });
  harness.close();
});
