import { expose } from "comlink";
import { Hub } from "./hub.js";

/** The hub in the page itself, where no worker can run; the tab reaches it through a MessageChannel. */
export function startInlineHub(): MessagePort {
  const channel = new MessageChannel();
  expose(new Hub("inline").api(), channel.port1);
  return channel.port2;
}
