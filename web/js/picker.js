// The session picker in a page's header (chair, delegate): which session
// this page shows, and the others the person may open. Choosing one loads
// the page with ?session=N, so a link or a reload keeps the choice.
import { el, listSessions, pickSession } from "./live.js";
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
