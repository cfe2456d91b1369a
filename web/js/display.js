// The hall display: full screen, 16:9, readable from the back of the room.
// Anonymous (an observer): it shows only public state. The chair chooses
// what it shows (display.set); a vote in progress shows its count only.
// A kiosk: no header or language buttons (?lang=en for English); the
// attendance line stays on screen at 1366×768 and 1920×1080.
import { Live, agendaNumbers, patch, clock, el, pickSession, remaining } from "./live.js";
import { nextSession } from "./picker.js";
import { initPage, showStatus, memberName, resultView, t } from "./page.js";
import { lang } from "./i18n.js";

const main = document.getElementById("main");
let live = null;
let next; // once the shown session has closed: the next one, null (none), undefined (being read)

// The shown session has closed. A kiosk nobody touches must not keep the
// old item and message up: it clears them at once, then moves to the
// session a fresh page would open (the default choice made again). A
// display given ?session= explicitly stays on that session and names the
// next one instead.
function closedScreen(s) {
  if (next === undefined) {
    next = null;
    nextSession(live.sessionId).then((n) => {
      next = n;
      const explicit = new URLSearchParams(location.search).has("session");
      if (n && !explicit) location.replace(location.pathname + location.search);
      else render();
    });
  }
  return el("div", { class: "screen", id: "display-closed" },
    el("div", { class: "body" },
      el("p", { class: "council" }, `${s.council_name} — ${s.title}`),
      el("h1", { class: "item" }, t("display.session_closed")),
      next ? el("p", { class: "huge", id: "display-next" }, t("display.next_session", { title: next.title })) : null));
}

function render() {
  const s = live && live.state;
  if (!s) return;
  if (s.hidden) {
    patch(main, [el("div", { class: "screen" }, el("h1", {}, s.title), el("p", { class: "huge" }, t("sitting.closed_public")))]);
    return;
  }
  if (s.state === "closed") {
    patch(main, [closedScreen(s)]);
    return;
  }
  const active = (s.agenda || []).find((i) => i.id === s.active_item_id);
  const open = (s.votes || []).find((v) => v.state === "open");
  const last = (s.votes || []).filter((v) => v.state === "published").slice(-1)[0];
  const mode = (s.display && s.display.mode) || "agenda";
  const parts = [el("p", { class: "council" }, `${s.council_name} — ${s.title}`),
    el("h1", { class: "item", id: "display-item", "data-number": active ? agendaNumbers(s.agenda).get(active.id) : null },
      active ? `${agendaNumbers(s.agenda).get(active.id)}. ${active.title}` : t("agenda.none"))];
  if (mode === "message" && s.display.message) {
    parts.push(el("p", { class: "huge", id: "display-message" }, s.display.message));
  } else if (open) {
    parts.push(el("div", { class: "vote-live" },
      el("p", { class: "label" }, t("vote.open_now")), el("p", { class: "question" }, open.question),
      el("p", { class: "huge", id: "display-count" }, `${open.cast_count} / ${open.eligible_count}`)));
  } else if (mode === "vote" && last) {
    parts.push(el("div", { class: "vote-result", id: "display-result" }, el("p", { class: "question" }, last.question), resultView(s, last)));
  } else if (s.turn && mode !== "blank") {
    parts.push(el("div", { class: "speaker-box" },
      el("p", { class: "label" }, t("floor.title")),
      el("p", { class: "speaker", id: "display-speaker" }, s.turn.name || memberName(s, s.turn.person_id)),
      el("p", { class: `countdown ${remaining(s.turn, live) < 0 ? "over" : ""}`, id: "clock", "aria-label": t("floor.remaining") },
        clock(remaining(s.turn, live))),
      s.turn.paused ? el("p", { class: "label" }, `⏸ ${t("floor.paused")}`) : null));
  }
  if (mode === "queue" || mode === "speaker" || mode === "agenda") {
    const q = (s.queue || []).slice(0, 6);
    if (q.length) parts.push(el("div", { class: "queue-box" }, el("p", { class: "label" }, t("queue.title")),
      el("ol", { id: "display-queue" }, q.map((r) => el("li", {}, `${r.name} — ${t(`kind.${r.kind}`)}`)))));
  }
  parts.push(s.attendance ? el("p", { class: "footer", id: "display-attendance" }, t("attendance.count", { present: s.attendance.present_count, total: s.attendance.total_seats })) : null);
  const foot = parts.pop();
  // The body scrolls nothing: what does not fit is cut in the middle, never
  // the attendance line at the bottom.
  patch(main, [el("div", { class: "screen" }, el("div", { class: "body" }, parts), foot)]);
}

async function start() {
  await initPage("page.display");
  const sid = await pickSession();
  if (!sid) return main.replaceChildren(el("p", {}, t("session.none")));
  live = new Live(sid, { onChange: render, onStatus: showStatus, lang: lang() });
  live.connect();
  setInterval(() => {
    const c = document.getElementById("clock");
    if (c && live.state && live.state.turn) {
      const ms = remaining(live.state.turn, live);
      c.textContent = clock(ms);
      c.classList.toggle("over", ms < 0);
    }
  }, 250);
  window.addEventListener("plenum:lang", render);
}

start();
