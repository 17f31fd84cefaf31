// The official PeerServer in a process of its own, so that a test can kill it like a real outage.
// argv[2]: JSON options. Prints one JSON line per event on stdout: {ready, port}, {connect, id}, {disconnect, id}.
import { PeerServer } from "peer";

const options = JSON.parse(process.argv[2] ?? "{}");
const say = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);
const app = PeerServer(options, (server) => say({ ready: true, port: server.address().port }));
app.on("connection", (client) => say({ connect: client.getId() }));
app.on("disconnect", (client) => say({ disconnect: client.getId() }));
app.on("error", (error) => say({ error: String(error) }));
// The parent going away ends us too: no orphaned server keeps a port.
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
