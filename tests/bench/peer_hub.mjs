// The peer plenumd is compared with: the minimal broadcast hub a team would
// otherwise write with Node's `ws` package. It speaks just enough of
// plenum.v1 for fanout_load: "join" is answered ok and adds the client to
// the room; an "agenda.*" request is broadcast as an event of the same size
// as plenumd's and answered ok. Usage: node peer_hub.mjs PORT EVENT_BYTES
import { WebSocketServer } from "ws";

const port = Number(process.argv[2]);
const size = Number(process.argv[3] || 400);
const room = new Set();
let seq = 0;
const wss = new WebSocketServer({
  host: "127.0.0.1",
  port,
  perMessageDeflate: false,
  handleProtocols: (protocols) => (protocols.has("plenum.v1") ? "plenum.v1" : false),
});
wss.on("connection", (ws) => {
  ws.on("message", (data) => {
    let m;
    try {
      m = JSON.parse(data);
    } catch {
      return;
    }
    if (m.type === "join") {
      room.add(ws);
      ws.send(JSON.stringify({ type: "ok", re: m.id, data: { session_id: m.session_id, seq } }));
    } else if (typeof m.type === "string" && m.type.startsWith("agenda.")) {
      seq++;
      const head = { type: "event", seq, name: "agenda.activated", data: { pad: "" } };
      head.data.pad = "x".repeat(Math.max(0, size - JSON.stringify(head).length));
      const text = JSON.stringify(head);
      for (const c of room) c.send(text);
      ws.send(JSON.stringify({ type: "ok", re: m.id, data: { seq } }));
    }
  });
  ws.on("close", () => room.delete(ws));
});
wss.on("listening", () => console.log("listening"));
