/**
 * The sharedpeer demo. Open it in two tabs (they share one peer id) and in a second browser
 * profile (another peer), connect, chat and send files.
 */
import { Peer } from "sharedpeer";
import { mountChat } from "./chat.js";
import { readConfig } from "./config.js";
import { mountConnectForm } from "./connect-form.js";
import { Connections } from "./connections.js";
import { byId } from "./dom.js";
import { mountFiles } from "./files.js";
import { mountPeerPanel } from "./peer-panel.js";

const config = readConfig();
/** A short name for this tab, to tell sibling tabs apart in the chat. */
const tabName = Math.random().toString(36).slice(2, 6);
byId("tab-name").textContent = tabName;

const peer = new Peer(config.id, config.options);
const connections = new Connections(peer);
mountPeerPanel(peer, config);
mountConnectForm(peer, connections);
mountChat(peer, config.id, tabName, connections);
mountFiles(connections);

// For poking at it from the devtools console.
Object.assign(window, { peer, connections });
