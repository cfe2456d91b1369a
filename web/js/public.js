// The public page for citizens: no sign-in. The session, its live agenda,
// who is speaking, and published results; says plainly when a sitting is
// closed to the public.
import { Live, clock, el, pickSession, remaining } from "./live.js";
import { initPage, showStatus, memberName, resultView, t } from "./page.js";
import { lang } from "./i18n.js";

const main = document.getElementById("main");
let live = null;

function render() {
  const s = live && live.state;
  if (!s) return;
  const head = el("section", { class: "card" }, el("h2", {}, s.title),
    el("p", {}, s.council_name, " · ", t(`session.state.${s.state}`)), el("p", {}, t("public.watch")));
  if (s.hidden) {
    main.replaceChildren(head, el("section", { class: "card closed-notice", id: "closed-notice", role: "status" },
      el("p", { class: "big" }, `🔒 ${t("sitting.closed_public")}`)));
    return;
  }
  const published = (s.votes || []).filter((v) => v.state === "published");
  main.replaceChildren(head,
    el("section", { class: "card", "aria-labelledby": "floor-h" },
      el("h2", { id: "floor-h" }, t("floor.title")),
      s.turn
        ? el("p", { class: "speaker", id: "public-speaker" }, `${s.turn.name || memberName(s, s.turn.person_id)} — `, el("span", { id: "clock" }, clock(remaining(s.turn, live))))
        : el("p", {}, t("floor.none"))),
    el("section", { class: "card", "aria-labelledby": "ag-h" },
      el("h2", { id: "ag-h" }, t("agenda.title")),
      el("ol", { class: "agenda" }, (s.agenda || []).map((i) => el("li", { class: `depth${i.depth} ${i.state}`, "aria-current": i.id === s.active_item_id ? "step" : null },
        `${i.state === "done" ? "✔ " : i.id === s.active_item_id ? "▶ " : ""}${i.title}`)))),
    el("section", { class: "card", "aria-labelledby": "res-h", id: "public-results" },
      el("h2", { id: "res-h" }, t("vote.results")),
      published.length ? published.map((v) => el("article", { class: "vote-result" }, el("h3", {}, v.question), resultView(s, v))) : el("p", {}, "—")));
}

async function start() {
  await initPage("page.public");
  const sid = await pickSession();
  if (!sid) return main.replaceChildren(el("p", {}, t("session.none")));
  live = new Live(sid, { onChange: render, onStatus: showStatus, lang: lang() });
  live.connect();
  setInterval(() => {
    const c = document.getElementById("clock");
    if (c && live.state && live.state.turn) c.textContent = clock(remaining(live.state.turn, live));
  }, 250);
  window.addEventListener("plenum:lang", render);
}

start();
