import { Hub } from "./hub.js";
import { browserPlatform } from "./platform.js";

/** The hub in the page itself, where no worker can run; the tab reaches it through a MessageChannel. */
export function startInlineHub(): MessagePort {
  const channel = new MessageChannel();
  new Hub("inline", browserPlatform()).accept(channel.port1);
  return channel.port2;
}
