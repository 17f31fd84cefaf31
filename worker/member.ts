import type { MemberId } from "../contract/ids.js";
import type { LogLevel } from "../contract/options.js";
import type { ToTab } from "../contract/tab-frames.js";
import type { TabRecord } from "./tab.js";

/** One Peer object of one tab, attached to a shared peer (the hub knows which). */
export class Member {
  constructor(
    readonly id: MemberId,
    readonly tab: TabRecord,
    readonly debug: LogLevel,
  ) {}

  post(frame: ToTab, transfer?: readonly Transferable[]): void {
    this.tab.post(frame, transfer);
  }

  log(level: LogLevel, args: readonly unknown[]): void {
    if (level <= this.debug) this.post({ t: "log", member: this.id, level, args });
  }
}
