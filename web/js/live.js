// The live connection to a session (plenum.v1): join, requests with their
// replies, the state kept current from events, resume after a drop.
// Pages render from `live.state`; while not connected, `live.status` is not
// "live" and pages show it (stale state is never shown as live).
// The server's remote participation pushes (rtc.answer, rtc.ice, rtc.state:
// no `re`, no `seq`) go to `onRtc` when a page gives one (js/remote.js).

import { lang as pageLang, withLang } from "./i18n.js";

export class Live {
  constructor(sessionId, { onChange, onStatus, onRtc, lang } = {}) {
    this.sessionId = sessionId;
    this.onChange = onChange || (() => {});
    this.onStatus = onStatus || (() => {});
    this.onRtc = onRtc || (() => {});
    this.lang = lang || "vi";
    this.state = null; // the snapshot, updated by events
    this.you = null; // {role, is_delegate}
    this.status = "connecting";
    this.database = "available"; // from the server's status messages
    this.nextId = 1;
    this.pending = new Map(); // id -> {resolve, reject}
    this.offset = 0; // server clock minus ours, ms
    this.retry = 500;
    this.closedByUs = false;
    this.hasRtc = Boolean(onRtc);
    this.relang = false; // the page's language changed: reconnect in it when idle
    // The server words its refusals in the connection's language (?lang=):
    // when the reader switches the page's language, the connection follows.
    window.addEventListener("plenum:lang", () => this.setLang(pageLang()));
  }

  // A new language for the server's words. The socket is opened again in it
  // (and the session resumed from the last event) once no request waits for
  // its answer; a page with a call in progress (remote participation) keeps
  // its socket, and the new language applies from its next connection.
  setLang(next) {
    if (!next || next === this.lang) return;
    this.lang = next;
    if (this.hasRtc) return;
    this.relang = true;
    this.relangIfIdle();
  }

  relangIfIdle() {
    if (!this.relang || this.pending.size || !this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    this.relang = false;
    const old = this.ws;
    old.onclose = null;
    old.onmessage = null;
    old.close(1000);
    this.connect();
  }

  connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${proto}//${location.host}/ws?lang=${this.lang}`, "plenum.v1");
    this.ws = ws;
    ws.onopen = () => {
      this.retry = 500;
      this.opened(ws);
      this.relangIfIdle();
    };
    ws.onmessage = (ev) => this.receive(JSON.parse(ev.data));
    ws.onclose = () => {
      for (const p of this.pending.values()) p.reject({ code: "disconnected", message: "" });
      this.pending.clear();
      if (this.closedByUs) return;
      this.setStatus("reconnecting");
      setTimeout(() => this.connect(), this.retry);
      this.retry = Math.min(this.retry * 2, 5000);
    };
  }

  // The socket is open: join the session, or resume it after a drop. A
  // subclass for something else to join (js/meeting.js) overrides this.
  async opened(ws) {
    try {
      if (this.state) {
        const r = await this.request("resume", { session_id: this.sessionId, seq: this.state.seq });
        if (r.snapshot) this.takeSnapshot(r.snapshot);
        this.you = r.you;
      } else {
        const r = await this.request("join", { session_id: this.sessionId });
        this.you = r.you;
        this.takeSnapshot(r.snapshot);
      }
      this.setStatus(this.database === "unavailable" ? "db_down" : "live");
    } catch (e) {
      // Joining during a database outage: say so, and join when it is back
      // (the server sends status "available"; retry anyway in case).
      if (e && e.code === "db_unavailable") {
        this.setStatus("db_down", e);
        setTimeout(() => this.retryJoin(ws), 3000);
      } else this.setStatus("error", e);
    }
  }

  async retryJoin(ws) {
    if (ws !== this.ws || this.state || this.status !== "db_down") return;
    this.opened(ws);
  }

  async rejoin() {
    try {
      const r = await this.request("join", { session_id: this.sessionId });
      this.you = r.you;
      this.takeSnapshot(r.snapshot);
    } catch (e) {
      this.setStatus("error", e);
    }
  }

  close() {
    this.closedByUs = true;
    if (this.ws) this.ws.close();
  }

  setStatus(s, detail) {
    this.status = s;
    this.onStatus(s, detail);
    this.onChange();
  }

  // Sends a request; resolves with the reply's data, rejects with the error.
  // A socket that is not open sends nothing: a browser drops what is sent on
  // a closed one without a word, and the answer would never come. Such a
  // request fails at once as unsent (act() sends it once the page is live).
  request(type, fields = {}) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
        reject({ code: "disconnected", unsent: true, message: "" });
        return;
      }
      this.pending.set(id, { resolve, reject });
      try {
        this.ws.send(JSON.stringify({ type, id, ...fields }));
      } catch (e) {
        this.pending.delete(id);
        reject({ code: "disconnected", message: String(e) });
      }
    });
  }

  // Resolves once the connection is live and the server's database
  // available again, or after ms (act() then sends a request again).
  ready(ms) {
    const start = Date.now();
    return new Promise((resolve) => {
      const poll = () => {
        if ((this.status === "live" && this.database === "available") || Date.now() - start > ms) resolve();
        else setTimeout(poll, 200);
      };
      setTimeout(poll, 200);
    });
  }

  now() {
    return Date.now() + this.offset;
  }

  takeSnapshot(s) {
    this.state = s;
    if (s.server_ms) this.offset = s.server_ms - Date.now();
    this.onChange();
  }

  receive(m) {
    if (m.type === "event") {
      if (!this.state || m.session_id !== this.sessionId) return;
      if (m.seq <= this.state.seq) return; // already applied
      apply(this.state, m);
      this.state.seq = m.seq;
      this.onChange(m);
      // The secretary edited the planned session (details, sittings,
      // agenda): take a fresh snapshot rather than patch it.
      if (m.name === "session.edited") this.rejoin();
    } else if (m.type === "status") {
      // The server lost or regained its database: nothing is recorded
      // meanwhile (requests get db_unavailable), so the page must say so.
      this.database = m.database;
      if (m.database === "unavailable" && this.status === "live") this.setStatus("db_down");
      else if (m.database === "available" && this.status === "db_down") {
        if (this.state) this.setStatus("live");
        else this.retryJoin(this.ws);
      }
    } else if (m.type === "notice") {
      if (this.state && m.name === "vote.progress") {
        const v = (this.state.votes || []).find((x) => x.id === m.data.vote_id);
        if (v) {
          v.cast_count = m.data.cast_count;
          if (m.data.named) v.named = m.data.named;
        }
        this.onChange(m);
      } else if (this.state && m.name === "vote.entered") {
        // The secretary entered a ballot for this delegate: the page says so.
        this.onChange(m);
      }
    } else if (!("re" in m) && typeof m.type === "string" && m.type.startsWith("rtc.")) {
      this.onRtc(m);
    } else if ("re" in m && this.pending.has(m.re)) {
      const p = this.pending.get(m.re);
      this.pending.delete(m.re);
      if (m.type === "error") p.reject(m);
      else p.resolve(m.data || {});
      this.relangIfIdle();
    }
  }
}

// Applies one event to the snapshot (see docs/protocol.md, "Events").
export function apply(s, m) {
  const d = m.data || {};
  const item = (id) => (s.agenda || []).find((i) => i.id === id);
  const vote = (id) => (s.votes || []).find((v) => v.id === id);
  switch (m.name) {
    case "session.opened":
    case "session.closed":
      s.state = d.state;
      break;
    case "sitting.opened":
      for (const x of s.sittings) if (x.id === d.sitting_id) x.state = "open";
      s.open_sitting_id = d.sitting_id;
      if (s.attendance) Object.assign(s.attendance, { present: [], present_count: 0, quorum_met: false });
      break;
    case "sitting.closed":
      for (const x of s.sittings) if (x.id === d.sitting_id) x.state = "closed";
      s.open_sitting_id = null;
      s.turn = null;
      if (s.attendance) Object.assign(s.attendance, { present: [], present_count: 0, quorum_met: false });
      break;
    case "agenda.activated":
      if (s.active_item_id && item(s.active_item_id) && item(s.active_item_id).state === "active")
        item(s.active_item_id).state = "pending";
      if (item(d.item_id)) item(d.item_id).state = "active";
      s.active_item_id = d.item_id;
      s.queue = d.queue || [];
      break;
    case "agenda.done":
      if (item(d.item_id)) item(d.item_id).state = "done";
      s.active_item_id = d.active_item_id;
      if (!d.active_item_id) s.queue = [];
      break;
    case "attendance.changed": {
      const a = s.attendance;
      if (!a) break;
      a.present = a.present.filter((p) => p !== d.person_id);
      if (d.present) a.present.push(d.person_id);
      Object.assign(a, { present_count: d.present_count, quorum: d.quorum, quorum_met: d.quorum_met });
      break;
    }
    case "queue.changed":
      if (d.item_id === s.active_item_id) s.queue = d.queue;
      break;
    case "floor.changed":
      s.turn = d.turn;
      if (d.queue) s.queue = d.queue;
      break;
    case "floor.overrun":
      s.turn = d.turn;
      break;
    case "display.changed":
      s.display = { mode: d.mode, message: d.message };
      break;
    case "vote.prepared":
      (s.votes = s.votes || []).push(d.vote);
      break;
    case "vote.opened":
      if (vote(d.vote_id))
        Object.assign(vote(d.vote_id), { state: "open", eligible_count: d.eligible_count, eligible: d.eligible, closes_ms: d.closes_ms });
      break;
    case "vote.closed":
      if (vote(d.vote_id)) Object.assign(vote(d.vote_id), { state: "closed", cast_count: d.cast_count });
      break;
    case "vote.counted":
      if (vote(d.vote_id)) vote(d.vote_id).state = "counted";
      break;
    case "vote.published":
      if (vote(d.vote_id)) Object.assign(vote(d.vote_id), { state: "published", result: d.result, named: d.named });
      break;
    case "vote.cancelled":
      if (vote(d.vote_id)) vote(d.vote_id).state = "cancelled";
      break;
    default:
      break; // "hidden" (a closed sitting) and anything newer: nothing to show
  }
}

// The first session open now, else the most recent, or ?session=ID.
// The sessions this person may see (GET /api/sessions: public ones, and a
// signed-in member's closed ones), newest first; [] if the list cannot be had.
export async function listSessions() {
  const r = await fetch(withLang("/api/sessions"), { credentials: "same-origin" }).catch(() => null);
  if (!r || !r.ok) return [];
  return r.json().catch(() => []);
}

// The agenda's numbers as the minutes print them (server/records/minutes_render.c,
// rec_minutes_build: the positions from the top, joined by dots: 2.1);
// shared by the chair, delegate, display and public pages so all match.
export function agendaNumbers(items) {
  const byId = new Map((items || []).map((i) => [i.id, i]));
  const memo = new Map();
  const number = (i) => {
    if (memo.has(i.id)) return memo.get(i.id);
    const parent = i.parent_id && byId.get(i.parent_id);
    const n = parent ? `${number(parent)}.${i.position}` : String(i.position);
    memo.set(i.id, n);
    return n;
  };
  for (const i of items || []) number(i);
  return memo;
}

// The session a page opens by default: the open one; else the next planned
// one (the earliest planned start); else the latest. Newest-first alone
// would open a closed session, or one planned months ahead, instead of the
// next sitting's (issue 22).
export function defaultSession(list) {
  const open = list.find((s) => s.state === "open");
  if (open) return open;
  const start = (s) => (s.planned_start ? Date.parse(s.planned_start) : Infinity);
  const planned = list.filter((s) => s.state === "planned").sort((a, b) => start(a) - start(b) || a.id - b.id);
  return planned[0] || list[0] || null;
}

// ?session=N wins (a link, the picker); else the default above.
export async function pickSession(list = null) {
  const q = new URLSearchParams(location.search).get("session");
  if (q) return Number(q);
  const s = defaultSession(list || (await listSessions()));
  return s ? s.id : undefined;
}

export async function whoami() {
  const r = await fetch(withLang("/api/session"), { credentials: "same-origin" });
  return r.ok ? (await r.json()).person : null;
}

// Remaining time of a turn, in ms, on the server's clock.
export function remaining(turn, live) {
  if (!turn) return 0;
  if (turn.paused || !turn.deadline_ms) return turn.remaining_ms;
  return turn.deadline_ms - live.now();
}

export function clock(ms) {
  const neg = ms < 0;
  const s = Math.ceil(Math.abs(ms) / 1000);
  const t = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  return neg ? `−${t}` : t;
}

// A ballot nonce: 144 random bits, base64url, kept per person and vote in
// sessionStorage so that a retry sends the same one.
const NONCE_PREFIX = "plenum.nonce.";

export function ballotNonce(personId, voteId) {
  // A nonce is its voter's own (the server refuses one another person holds:
  // nonce_in_use): kept per person and vote, so a retry of the same ballot
  // sends it again, and the next person to sign in on this tablet gets a
  // fresh one.
  const key = `${NONCE_PREFIX}${personId}.${voteId}`;
  let n = sessionStorage.getItem(key);
  if (!n) {
    const b = new Uint8Array(18);
    crypto.getRandomValues(b);
    n = btoa(String.fromCharCode(...b)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    sessionStorage.setItem(key, n);
  }
  return n;
}

// Forgets one ballot's nonce (it belonged to someone else: the next call
// makes a new one), or, without arguments, every nonce kept on this tab
// (at sign-out: whoever can read them could find those ballots' keys).
export function forgetNonces(personId, voteId) {
  const one = personId !== undefined ? `${NONCE_PREFIX}${personId}.${voteId}` : null;
  for (let i = sessionStorage.length - 1; i >= 0; i--) {
    const k = sessionStorage.key(i);
    if (k && (one ? k === one : k.startsWith(NONCE_PREFIX))) sessionStorage.removeItem(k);
  }
}

// Small DOM helper: el("button", {class: "big", onclick}, "text", child...)
function dispatch(ev) {
  const f = this._on && this._on[ev.type];
  return f ? f.call(this, ev) : undefined;
}

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) {
      // Kept in a table, not bound directly, so that patch() can move a
      // re-rendered node's handlers onto the node already on screen.
      if (!e._on) e._on = {};
      e._on[k.slice(2)] = v;
      e.addEventListener(k.slice(2), dispatch);
    }
    else if (k === "class") e.className = v;
    // Through CSSOM: the Content-Security-Policy forbids style attributes.
    else if (k === "style") for (const [p, val] of Object.entries(v)) e.style.setProperty(p, val);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// Make parent's children look like `next` (fresh nodes from el()) while
// keeping the nodes already on screen wherever the same element is there:
// a re-render caused by someone else's action (a tally, a check-in) must
// not swallow a tap in progress (press and release on two different nodes
// make no click), reset a half-ticked ballot or a chosen option, or move the
// focus. Nodes of `next` that are used are moved into the page; the others
// are dropped. A node already in the page (a form built once) is kept as is.
export function patch(parent, next) {
  let i = 0;
  for (const n of next) {
    const o = parent.childNodes[i];
    if (o !== n) {
      if (o && sameKind(o, n)) update(o, n);
      else parent.insertBefore(n, o || null);
    }
    i++;
  }
  while (parent.childNodes.length > i) parent.lastChild.remove();
}

function sameKind(o, n) {
  if (o.nodeType !== n.nodeType || o.nodeName !== n.nodeName) return false;
  // A node with an id or key is only ever the same thing again.
  return o.nodeType !== 1 || (o.id === n.id && o.getAttribute("data-key") === n.getAttribute("data-key"));
}

function update(o, n) {
  if (o.nodeType !== 1) {
    if (o.data !== n.data) o.data = n.data;
    return;
  }
  for (const a of Array.from(o.attributes)) if (!n.hasAttribute(a.name)) o.removeAttribute(a.name);
  for (const a of Array.from(n.attributes)) {
    if (a.name === "style") {
      // Through CSSOM: the Content-Security-Policy forbids style attributes.
      if (o.style.cssText !== n.style.cssText) o.style.cssText = n.style.cssText;
    } else if (o.getAttribute(a.name) !== a.value) o.setAttribute(a.name, a.value);
  }
  // A node marked data-keep holds content managed by its page (a form built
  // once): its children are left as they are.
  if (o.hasAttribute("data-keep")) return;
  if (n._on || o._on) {
    for (const type of Object.keys(n._on || {})) if (!(o._on && o._on[type])) o.addEventListener(type, dispatch);
    o._on = n._on || {};
  }
  patch(o, Array.from(n.childNodes));
}
