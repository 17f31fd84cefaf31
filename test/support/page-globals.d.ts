// Globals of the test pages (test/pages/*.html), for code passed to page.evaluate.
import type { Harness } from "../pages/harness.js";
import type { MediaHarness } from "../pages/media-harness.js";
import type * as Values from "../fixtures/basic-values.js";
import type * as DataSets from "../fixtures/peerjs-datasets.js";

declare global {
  const H: Harness;
  /** The same harness over the page's MsgPackPeer (peerjs's or sharedpeer's). */
  const HM: Harness;
  const M: MediaHarness;
  /** The sharedpeer page only: the library itself. */
  const SP: typeof import("../../src/index.js");
  /** The peerjs page only: peerjs's module build. */
  const PJ: { PeerError: new (type: string, err: Error | string) => Error };
  /** The sharedpeer page with `?probe`: what its own RTCDataChannel objects did. */
  const probe: { messages: number; sends: number; channels: number };
  const V: typeof Values;
  const D: typeof DataSets;
}
