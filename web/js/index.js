// Landing page: shows whether the server, the database and the live
// WebSocket connection (plenum.v1) are working.
import { apply, initialLang, lang, setLang } from "./i18n.js";

function show(id, state, key, vars) {
  const el = document.getElementById(id);
  el.dataset.state = state;
  el.dataset.i18n = key;
  el.i18nVars = vars || {};
  apply(el.parentElement);
}

async function checkHealth() {
  try {
    const r = await fetch("/healthz", { cache: "no-store" });
    const h = await r.json();
    show("st-server", "ok", "status.ok");
    if (h.database && h.database.ok) {
      show("st-db", "ok", "status.db_ok", { version: h.database.schema_version });
    } else {
      show("st-db", "bad", "status.db_down");
    }
  } catch (_) {
    show("st-server", "bad", "status.server_down");
    show("st-db", "pending", "status.checking");
  }
}

let nextId = 1;
function connect() {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(`${proto}//${location.host}/ws?lang=${lang()}`, "plenum.v1");
  const sent = new Map();
  let timer = null;
  const ping = () => {
    const id = nextId++;
    sent.set(id, performance.now());
    ws.send(JSON.stringify({ type: "ping", id }));
  };
  ws.onopen = () => {
    ping();
    timer = setInterval(ping, 5000);
  };
  ws.onmessage = (ev) => {
    const msg = JSON.parse(ev.data);
    if (msg.type === "pong" && sent.has(msg.re)) {
      const ms = (performance.now() - sent.get(msg.re)).toFixed(1);
      sent.delete(msg.re);
      show("st-ws", "ok", "status.ws_ok", { ms });
    }
  };
  ws.onclose = () => {
    clearInterval(timer);
    show("st-ws", "bad", "status.ws_down");
    setTimeout(connect, 2000);
  };
}

async function main() {
  await setLang(initialLang());
  for (const b of document.querySelectorAll("nav button[data-lang]")) {
    b.addEventListener("click", async () => {
      await setLang(b.dataset.lang);
      for (const o of document.querySelectorAll("nav button[data-lang]")) {
        o.setAttribute("aria-pressed", String(o === b));
      }
    });
  }
  for (const o of document.querySelectorAll("nav button[data-lang]")) {
    o.setAttribute("aria-pressed", String(o.dataset.lang === lang()));
  }
  checkHealth();
  setInterval(checkHealth, 5000);
  connect();
}

main();
