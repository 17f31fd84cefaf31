import { beforeEach, expect, test } from "vitest";
import type { ConnRef, MemberId } from "../../contract/ids.js";
import { useHubEnv, type TestTab } from "./support/hub-harness.js";

const env = useHubEnv();
let tab: TestTab;
let member: MemberId;
let ref: ConnRef;
beforeEach(async () => {
  tab = await env.harness.openTab();
  member = await tab.attach(`ice-${Math.random().toString(36).slice(2, 8)}`);
  ref = await tab.openConnection(member, "bob");
});

const ice = async (state: RTCIceConnectionState) => {
  tab.post({ t: "rtc-ice-state", ref, state });
  await tab.settle(member);
};
const closed = () => tab.all("conn-closed", (f) => f.ref === ref);

test("ICE disconnected for 10 s closes the connection as lost", async () => {
  await ice("disconnected");
  expect(tab.all("conn-ice-state", (f) => f.ref === ref).map((f) => f.state)).toEqual(["disconnected"]);
  env.harness.clock.advance(9999);
  expect(closed()).toEqual([]);
  env.harness.clock.advance(1);
  expect((await tab.next("conn-error", (f) => f.ref === ref)).error).toEqual({
    type: "connection-closed",
    message: "Lost the connection to bob: ICE stayed disconnected for 10 s.",
  });
  await tab.next("conn-closed", (f) => f.ref === ref);
  expect(tab.all("rtc-close", (f) => f.ref === ref)).toHaveLength(1);
});

test("ICE that comes back in time keeps the connection, and a later drop gets the full 10 s again", async () => {
  await ice("disconnected");
  env.harness.clock.advance(8000);
  await ice("connected");
  env.harness.clock.advance(5000);
  await ice("disconnected");
  env.harness.clock.advance(9000);
  await tab.settle(member);
  expect(closed()).toEqual([]);
  env.harness.clock.advance(1000);
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
