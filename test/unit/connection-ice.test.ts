import { afterAll, afterEach, beforeAll, beforeEach, expect, test } from "vitest";
import type { ConnRef, MemberId } from "../../contract/ids.js";
import { startPeerServer, type RunningPeerServer } from "../../testing/peer-server.js";
import { HubHarness, type TestTab } from "./support/hub-harness.js";

let server: RunningPeerServer;
let harness: HubHarness;
let tab: TestTab;
let member: MemberId;
let ref: ConnRef;
let probe: ConnRef;
beforeAll(async () => {
  server = await startPeerServer();
});
afterAll(() => server.stop());
beforeEach(async () => {
  harness = new HubHarness(server);
  tab = await harness.openTab();
  member = await tab.attach(`ice-${Math.random().toString(36).slice(2, 8)}`);
  probe = await tab.connect(member, "probe-target");
  ref = await tab.connect(member, "bob");
  tab.post({ t: "rtc-channel-open", ref });
  await tab.next("conn-open", (f) => f.ref === ref);
});
afterEach(() => harness.close());

const ice = async (state: RTCIceConnectionState) => {
  tab.post({ t: "rtc-ice-state", ref, state });
  await tab.settle(member, probe);
};
const closed = () => tab.all("conn-closed", (f) => f.ref === ref);

test("ICE disconnected for 10 s closes the connection as lost", async () => {
  await ice("disconnected");
  expect(tab.all("conn-ice-state", (f) => f.ref === ref).map((f) => f.state)).toEqual(["disconnected"]);
  harness.clock.advance(9999);
  expect(closed()).toEqual([]);
  harness.clock.advance(1);
  expect((await tab.next("conn-error", (f) => f.ref === ref)).error).toEqual({
    type: "connection-closed",
    message: "Lost the connection to bob: ICE stayed disconnected for 10 s.",
  });
  await tab.next("conn-closed", (f) => f.ref === ref);
  expect(tab.all("rtc-close", (f) => f.ref === ref)).toHaveLength(1);
});

test("ICE that comes back in time keeps the connection, and a later drop gets the full 10 s again", async () => {
  await ice("disconnected");
  harness.clock.advance(8000);
  await ice("connected");
  harness.clock.advance(5000);
  await ice("disconnected");
  harness.clock.advance(9000);
  await tab.settle(member, probe);
  expect(closed()).toEqual([]);
  harness.clock.advance(1000);
  await tab.next("conn-closed", (f) => f.ref === ref);
});

test("ICE failed closes at once as negotiation-failed; closed as connection-closed", async () => {
  await ice("failed");
  expect((await tab.next("conn-error", (f) => f.ref === ref)).error).toEqual({
    type: "negotiation-failed",
    message: "Negotiation of connection to bob failed.",
  });
  const second = await tab.connect(member, "carol");
  tab.post({ t: "rtc-ice-state", ref: second, state: "closed" });
  expect((await tab.next("conn-error", (f) => f.ref === second)).error).toEqual({
    type: "connection-closed",
    message: "Connection to carol closed.",
  });
});
