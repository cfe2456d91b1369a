// The secretary's page: attendance of every delegate (for those checking in
// at the door or without a device) and manual entry of a present delegate's
// choice in an open or named vote. Everything goes through the same
// requests as elsewhere (attendance.set, vote.enter), so every entry is in
// the record as made by the secretary.
import { Live, patch, el, whoami } from "./live.js";
import { chooseSession, showSessionState } from "./picker.js";
import { confirmAction } from "./confirm.js";
import { initPage, showStatus, act, t } from "./page.js";
import { lang } from "./i18n.js";
import { signinForm, signout } from "./signin.js";

const main = document.getElementById("main");
let live = null;
let me = null;

// An entry cannot be changed afterwards (the server refuses it with
// entered_by_secretary), so it is asked first: who, which choice, which vote.
async function enter(opener, vote, m, choice) {
  const ask = { title: t("secretary.confirm.title"), ok: t("secretary.confirm.ok", { choice: t(`choice.${choice}`) }),
    body: [t("secretary.confirm.body", { name: m.name, choice: t(`choice.${choice}`), question: vote.question }), t("secretary.confirm.final")] };
  if (await confirmAction(ask, opener)) act(live, "vote.enter", { vote_id: vote.id, person_id: m.person_id, choice });
}

function render() {
  const s = live && live.state;
  if (!s) return;
  const a = s.attendance || { present: [], present_count: 0, total_seats: s.total_seats, quorum: 0, quorum_met: false };
  const open = (s.votes || []).find((v) => v.state === "open" && (v.kind === "open" || v.kind === "named"));
  const delegates = (s.members || []).filter((m) => m.is_delegate);
  patch(main, [
    el("section", { class: "card" },
      el("p", {}, t("signin.signed_in", { name: me.display_name }), " ",
        el("button", { type: "button", class: "link", onclick: signout }, t("signin.logout"))),
      el("h2", {}, s.title),
      el("p", { class: "big-number", id: "attendance" }, t("attendance.count", { present: a.present_count, total: a.total_seats })),
      el("p", { class: a.quorum_met ? "ok" : "warn" },
        a.quorum_met ? `✔ ${t("attendance.quorum_met", { quorum: a.quorum })}` : `⚠ ${t("attendance.quorum_not_met", { quorum: a.quorum })}`)),
    open ? el("section", { class: "card", "aria-labelledby": "entry-h" },
      el("h2", { id: "entry-h" }, t("secretary.entry")),
      el("p", {}, open.question),
      el("p", {}, t("secretary.entry_help"))) : null,
    el("section", { class: "card", "aria-labelledby": "people-h" },
      el("h2", { id: "people-h" }, t("attendance.title")),
      s.open_sitting_id ? null : el("p", {}, t("sitting.none")),
      el("table", { class: "people" },
        el("thead", {}, el("tr", {}, el("th", {}, "#"), el("th", {}, t("secretary.name")), el("th", {}, t("attendance.title")),
          open ? el("th", {}, t("secretary.entry")) : null)),
        el("tbody", {}, delegates.map((m) => {
          const here = a.present.includes(m.person_id);
          const voted = open && open.named && open.named.find((n) => n.person_id === m.person_id);
          return el("tr", { "data-person": m.person_id },
            el("td", {}, m.seat_no || ""),
            el("td", {}, m.name),
            el("td", {}, here ? `✔ ${t("secretary.present")} ` : `${t("secretary.absent")} `,
              s.open_sitting_id ? el("button", { type: "button", id: `att-${m.person_id}`, onclick: () => act(live, "attendance.set", { person_id: m.person_id, present: !here }) },
                here ? t("secretary.mark_absent") : t("secretary.mark_present")) : null),
            open ? el("td", {}, voted ? `✔ ${t(`choice.${voted.choice}`)}` : here
              ? ["for", "against", "abstain"].map((c) => el("button", { type: "button", id: `enter-${m.person_id}-${c}`, onclick: (ev) => enter(ev.currentTarget, open, m, c) }, t(`choice.${c}`)))
              : "—") : null);
        }))))].filter(Boolean));
  showSessionState(live.sessionId, s.title, s.state);
}

async function start() {
  await initPage("page.secretary");
  me = await whoami();
  if (!me) {
    main.replaceChildren(signinForm((p) => { me = p; start2(); }));
    return;
  }
  start2();
}

async function start2() {
  const sid = await chooseSession();
  if (!sid) return main.replaceChildren(el("p", {}, t("session.none")));
  live = new Live(sid, { onChange: render, onStatus: showStatus, lang: lang() });
  live.connect();
  window.addEventListener("plenum:lang", render);
}

start();
