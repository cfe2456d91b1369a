// What every page shares: the language, the header with the connection
// state, refusals shown with the server's own message, vote results.
import { apply as applyI18n, has, initialLang, lang, setLang, t, withLang } from "./i18n.js";
import { el } from "./live.js";

export async function initPage(titleKey) {
  await setLang(initialLang());
  document.title = `${t(titleKey)} — Plenum`;
  const header = document.querySelector("header.bar");
  if (header) {
    header.replaceChildren(
      el("h1", { "data-i18n": titleKey }, t(titleKey)),
      el("span", { id: "status", role: "status", "aria-live": "polite", "data-state": "connecting" },
        t("live.connecting")),
      el("nav", { "aria-label": t("language") },
        el("button", { type: "button", "data-lang": "vi", onclick: () => switchLang("vi") }, "Tiếng Việt"),
        el("button", { type: "button", "data-lang": "en", onclick: () => switchLang("en") }, "English")));
    markLang();
  }
}

async function switchLang(l) {
  await setLang(l);
  markLang();
  window.dispatchEvent(new Event("plenum:lang"));
}

function markLang() {
  for (const b of document.querySelectorAll("nav button[data-lang]"))
    b.setAttribute("aria-pressed", String(b.dataset.lang === lang()));
}

// Shows the connection state; the body carries it so stale data is dimmed
// and actions are disabled while not live.
export function showStatus(s) {
  const e = document.getElementById("status");
  document.body.dataset.live = s === "live" ? "yes" : "no";
  if (!e) return;
  e.dataset.state = s;
  e.textContent = t(`live.${s}`);
}

// The words for a refusal: the page's own for a reason it knows (with the
// numbers of the refusal's detail, e.g. no_quorum's present and needed),
// otherwise the server's message (in the connection's language).
export function refusalText(err) {
  if (err && err.reason && has(`refusal.${err.reason}`)) return t(`refusal.${err.reason}`, err.detail || {});
  return err && err.message ? err.message : t("error.generic");
}

// Shows a refusal in words.
export function showError(err) {
  const box = document.getElementById("message");
  if (!box) return;
  box.dataset.kind = "error";
  box.dataset.reason = (err && err.reason) || "";
  box.textContent = refusalText(err);
  box.hidden = false;
}

export function showInfo(text) {
  const box = document.getElementById("message");
  if (!box) return;
  box.dataset.kind = "info";
  box.textContent = text;
  box.hidden = false;
}

export function clearMessage() {
  const box = document.getElementById("message");
  if (box) box.hidden = true;
}

// A fresh idempotency key for one action: 16 random characters (base64url
// of 96 bits). See docs/protocol.md, "Retrying safely".
export function newKey() {
  const b = new Uint8Array(12);
  crypto.getRandomValues(b);
  return btoa(String.fromCharCode(...b)).replace(/\+/g, "-").replace(/\//g, "_");
}

// Session commands that change state take a key; ballots are made safe to
// retry by their nonce or choice, and vote.tally only reads.
const SESSION_GROUPS = ["session.", "sitting.", "agenda.", "attendance.", "speaker.", "timer.", "display.", "vote."];
function takesKey(type) {
  return SESSION_GROUPS.some((g) => type.startsWith(g)) && !["vote.cast", "vote.enter", "vote.tally"].includes(type);
}

// Whether a request whose answer did not come may be sent again as it was:
// with its key, or a ballot (same nonce, same choice).
function safeToResend(type) {
  return takesKey(type) || type === "vote.cast" || type === "vote.enter";
}

// Runs an action, showing its refusal; returns the reply data or null. An
// action that reached the server and whose outcome is unknown (the database
// stopped answering: outcome_unknown; or the connection dropped before the
// answer) is sent again, the very same request with the same key, once the
// database and the connection are back: the answer then says whether it had
// been recorded ({repeated: true}, or a ballot's "duplicate") or is done
// now. A new key could do it twice. db_unavailable means nothing was
// recorded: shown, and the person may simply press again. opts.onError(e),
// if given, shows a refusal instead (the chair's console: next to the
// action, in its own words).
export async function act(live, type, fields = {}, opts = {}) {
  clearMessage();
  const request = takesKey(type) ? { ...fields, key: newKey() } : fields;
  for (let attempt = 0; ; attempt++) {
    try {
      const r = await live.request(type, request);
      if (attempt) clearMessage();
      return r;
    } catch (e) {
      const unknown = e && (e.code === "outcome_unknown" || e.code === "disconnected");
      // Never sent (the connection was down): sending it once live is
      // always safe. Sent but unanswered: only if it can be recognised.
      if (((e && e.unsent) || (unknown && safeToResend(type))) && attempt < 5) {
        showInfo(t(e.unsent ? "error.offline_wait" : "error.checking"));
        await live.ready(30000);
        continue;
      }
      if (opts.onError) opts.onError(e);
      else showError(e);
      return null;
    }
  }
}

// JSON over fetch with the sign-in cookie; a refusal is thrown as the
// server's error body ({error, message, field, fields, reason}).
export async function getJSON(path) {
  const r = await fetch(withLang(path), { credentials: "same-origin" });
  const body = await r.json().catch(() => ({ message: t("error.generic") }));
  if (!r.ok) throw body;
  return body;
}

export async function postJSON(path, body) {
  const r = await fetch(withLang(path), {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const out = await r.json().catch(() => ({ message: t("error.generic") }));
  if (!r.ok) throw out;
  return out;
}

export function memberName(state, id) {
  const m = (state.members || []).find((x) => x.person_id === id);
  return m ? m.name : `#${id}`;
}

// A published (or counted) result as text and bars.
export function resultView(state, v) {
  const r = v.result;
  if (!r) return el("p", {}, t(`vote.state.${v.state}`));
  const box = el("div", { class: "result" });
  if (v.kind === "election") {
    box.append(el("p", {}, t("result.election", { threshold: r.threshold, seats: r.seats })));
    box.append(bars(r.candidates.map((c) => [c.name + (c.elected ? ` ✔ ${t("result.elected")}` : ""), c.votes]), r.base));
    if (r.tie) box.append(el("p", { class: "tie" }, t("result.tie")));
  } else if (v.kind === "confidence") {
    for (const p of r.persons) {
      box.append(el("h4", {}, p.name));
      box.append(bars([[t("choice.high"), p.high], [t("choice.confidence"), p.confidence], [t("choice.low"), p.low]], r.base));
      if (p.low_two_thirds) box.append(el("p", { class: "flag" }, t("result.low_two_thirds")));
      else if (p.low_over_half) box.append(el("p", { class: "flag" }, t("result.low_over_half")));
    }
  } else {
    box.append(el("p", { class: r.passed ? "passed" : "failed" },
      r.passed ? `✔ ${t("result.passed")}` : `✘ ${t("result.failed")}`));
    box.append(bars([[t("choice.for"), r.for], [t("choice.against"), r.against], [t("choice.abstain"), r.abstain]], r.base));
    box.append(el("p", { class: "rule" },
      t(`rule.${r.rule}`, { threshold: r.threshold, base: r.base, for: r.for })));
  }
  return box;
}

function bars(rows, base) {
  const max = Math.max(base || 1, ...rows.map((r) => r[1]), 1);
  return el("div", { class: "meters" }, rows.map(([label, n]) =>
    el("div", { class: "meter-row" },
      el("span", { class: "meter-label" }, label),
      el("span", { class: "meter", style: { "--w": `${(100 * n) / max}%` } }),
      el("span", { class: "meter-n" }, String(n)))));
}

export { t, applyI18n };
