// The session picker in a page's header (chair, delegate): which session
// this page shows, and the others the person may open. Choosing one loads
// the page with ?session=N, so a link or a reload keeps the choice.
import { defaultSession, el, listSessions, pickSession } from "./live.js";
import { t } from "./i18n.js";

// Picks the session to show (see pickSession) and puts the picker in the
// header; returns the session id (undefined: there is none).
export async function chooseSession() {
  const list = await listSessions();
  const id = await pickSession(list);
  mountPicker(list, id);
  window.addEventListener("plenum:lang", () => mountPicker(list, id));
  return id;
}

function mountPicker(list, id) {
  const header = document.querySelector("header.bar");
  if (!header || !list.length) return;
  const select = el("select", { id: "session-picker" },
    list.map((s) => el("option", { value: s.id, selected: s.id === id },
      `${s.title} — ${t(`session.state.${s.state}`)}`)));
  select.addEventListener("change", () => {
    const u = new URL(location.href);
    u.searchParams.set("session", select.value);
    location.assign(u.toString());
  });
  const box = el("div", { class: "session-picker" },
    el("label", { for: "session-picker" }, t("session.picker")), select);
  document.getElementById("session-picker")?.parentElement.remove();
  const nav = header.querySelector("nav");
  header.insertBefore(box, nav || null);
}

// Keeps the shown session's line in the picker true to the live state (the
// list was read once, at load: the session may since have opened or closed).
export function showSessionState(id, title, state) {
  const o = document.querySelector(`#session-picker option[value="${id}"]`);
  const line = `${title} — ${t(`session.state.${state}`)}`;
  if (o && o.textContent !== line) o.textContent = line;
}

// The session after the one shown, once that one has closed: the default
// choice (see defaultSession) made again over a fresh list; null if it is
// the closed one itself (there is no next). Fetched once per closed session.
const nextOf = new Map(); // closed session id -> the next session, null, or undefined (being read)
export async function nextSession(id) {
  const list = await listSessions();
  const d = defaultSession(list.filter((s) => s.id !== id && s.state !== "closed"));
  return d || null;
}

// On the chair's and the delegate's pages, once their session has closed:
// a prominent link to the next one (they are used by people, so the page
// does not move away by itself). Renders nothing until the list is read;
// calls rerender then.
export function nextSessionOffer(id, state, rerender) {
  if (state !== "closed") return null;
  if (!nextOf.has(id)) {
    nextOf.set(id, undefined);
    nextSession(id).then((n) => { nextOf.set(id, n); rerender(); });
    return null;
  }
  const n = nextOf.get(id);
  if (n === undefined) return null;
  if (!n) return el("p", { id: "next-session", class: "next-session" }, t("session.no_next"));
  const u = new URL(location.href);
  u.searchParams.set("session", n.id);
  return el("p", { class: "next-session" },
    el("a", { id: "next-session", class: "button primary", href: u.pathname + u.search }, t("session.open_next", { title: n.title })));
}
