// The delegate page: tablet first. Sign in, check in, ask to speak, follow
// the floor, vote with three large buttons; a vote is shown as recorded only
// once the server has acknowledged it (after its durable commit). A delegate
// away from the hall joins remotely on this same page (js/remote.js).
import { Live, patch, ballotNonce, forgetNonces, clock, el, remaining, whoami } from "./live.js";
import { chooseSession } from "./picker.js";
import { initPage, showStatus, act, clearMessage, memberName, resultView, showError, showInfo, t } from "./page.js";
import { lang } from "./i18n.js";
import { signinForm, signout } from "./signin.js";
import { Remote } from "./remote.js";

const main = document.getElementById("main");
let live = null;
let remote = null; // remote participation: its card is built once
let me = null;
const recorded = new Map(); // vote id -> {choice, receipt, entered_by_name}: acknowledged ballots
const confirmed = new Set(); // votes whose count this delegate, on the board, confirmed
const tallies = new Map(); // vote id -> the counted result, seen by a board member
let docs = null; // the session's documents (GET /api/documents), fetched on start and on edits
let docsFor = 0; // the session they are of

function render() {
  const s = live && live.state;
  if (!s) return;
  const present = (s.attendance && s.attendance.present.includes(me.id)) || false;
  const turn = s.turn;
  const active = (s.agenda || []).find((i) => i.id === s.active_item_id);
  const myReq = (s.queue || []).findIndex((q) => q.person_id === me.id);
  const open = (s.votes || []).find((v) => v.state === "open");
  const published = (s.votes || []).filter((v) => v.state === "published");
  // Sections that do not apply now are null: leave them out.
  patch(main, [
    el("section", { class: "card", "aria-labelledby": "who" },
      el("p", { id: "who" }, t("signin.signed_in", { name: me.display_name }), " ",
        el("button", { type: "button", class: "link", onclick: signout }, t("signin.logout"))),
      el("h2", {}, s.title),
      el("p", {}, s.council_name, " · ", t(`session.state.${s.state}`))),
    // Remote participation: its card (videos playing) is the module's own;
    // patch() leaves this slot's content alone.
    el("div", { id: "remote-slot", "data-keep": "" }),
    el("section", { class: "card", "aria-labelledby": "agenda-h" },
      el("h2", { id: "agenda-h" }, t("agenda.active")),
      active ? el("p", { class: "item-title", id: "active-item" }, active.title) : el("p", {}, t("agenda.none")),
      active && active.documents.length
        ? el("ul", { "aria-label": t("agenda.documents") },
          active.documents.map((d) => el("li", {}, el("a", { href: d.url, target: "_blank" }, d.title))))
        : null),
    el("section", { class: "card", "aria-labelledby": "att-h" },
      el("h2", { id: "att-h" }, t("attendance.title")),
      el("p", { id: "att-state" }, present ? `✔ ${t("attendance.present")}` : t("attendance.absent")),
      present
        ? el("button", { type: "button", class: "big", id: "check-out", onclick: () => act(live, "attendance.check_out") }, t("attendance.check_out"))
        : el("button", { type: "button", class: "big primary", id: "check-in", onclick: () => act(live, "attendance.check_in") }, t("attendance.check_in"))),
    voteCard(s, open),
    boardCard(s),
    docsCard(active),
    el("section", { class: "card", "aria-labelledby": "speak-h" },
      el("h2", { id: "speak-h" }, t("speak.title")),
      floorView(s, turn),
      myReq >= 0
        ? el("div", {}, el("p", {}, t("speak.queued", { n: myReq + 1 })),
          el("button", { type: "button", class: "big", id: "withdraw", onclick: () => act(live, "speaker.withdraw") }, t("speak.withdraw")))
        : el("div", { class: "row" },
          el("label", { for: "kind" }, t("speak.kind")),
          el("select", { id: "kind" }, ["speech", "question", "reply", "order"].map((k) => el("option", { value: k }, t(`kind.${k}`)))),
          el("button", { type: "button", class: "big primary", id: "request", onclick: () => act(live, "speaker.request", { kind: document.getElementById("kind").value }) }, t("speak.request"))),
      queueView(s)),
    published.length
      ? el("section", { class: "card", "aria-labelledby": "res-h" },
        el("h2", { id: "res-h" }, t("vote.results")),
        published.map((v) => el("article", { class: "vote-result" }, el("h3", {}, v.question), resultView(s, v))))
      : null].filter(Boolean));
  const slot = document.getElementById("remote-slot");
  if (slot && !slot.contains(remote.card())) slot.replaceChildren(remote.card());
  remote.update();
}

// The session's documents, those of the item under discussion first; each
// opens in the tablet's PDF viewer (the server records who opened what).
function docsCard(active) {
  if (!docs || !docs.length) return null;
  const mine = active ? docs.filter((d) => d.agenda_item_id === active.id) : [];
  const rest = docs.filter((d) => !mine.includes(d));
  // The current version first; earlier ones stay readable, marked as replaced.
  const older = (d) => (d.versions || []).filter((v) => v.id !== d.id);
  const item = (d) => el("li", { "data-doc": d.id },
    el("a", { href: d.url, target: "_blank", rel: "noopener" }, d.title),
    d.version > 1 ? el("span", { class: "hint" }, ` (${t("delegate.docs.version", { n: d.version })})`) : null,
    older(d).length
      ? el("span", { class: "hint replaced" }, ` · ${t("delegate.docs.replaced")}`, older(d).map((v) =>
        [" ", el("a", { href: v.url, target: "_blank", rel: "noopener", class: "old", "data-version": v.version }, `v${v.version}`)]))
      : null);
  return el("section", { class: "card", "aria-labelledby": "docs-h", id: "session-docs" },
    el("h2", { id: "docs-h" }, t("delegate.docs.title")),
    mine.length ? [el("h3", {}, t("delegate.docs.item")), el("ul", { class: "docs" }, mine.map(item))] : null,
    rest.length ? [mine.length ? el("h3", {}, t("delegate.docs.other")) : null, el("ul", { class: "docs" }, rest.map(item))] : null);
}

async function loadDocs(sid) {
  try {
    const r = await fetch(`/api/documents?session_id=${sid}`, { credentials: "same-origin" });
    if (!r.ok) return;
    docs = (await r.json()).documents;
    docsFor = sid;
    render();
  } catch (_) {
    /* the list is an aid; the sitting goes on without it */
  }
}

function floorView(s, turn) {
  if (!turn) return el("p", {}, t("floor.none"));
  return el("div", { class: "floor" },
    el("p", { class: "speaker" }, `${t("floor.title")}: ${turn.name || memberName(s, turn.person_id)} (${t(`kind.${turn.kind}`)})`),
    el("p", { class: "clock", id: "clock", "aria-label": t("floor.remaining") }, clock(remaining(turn, live))));
}

function queueView(s) {
  const q = s.queue || [];
  return el("div", {},
    el("h3", {}, t("queue.title")),
    q.length ? el("ol", { id: "queue" }, q.map((r) => el("li", {}, `${r.name} — ${t(`kind.${r.kind}`)}`))) : el("p", {}, t("queue.empty")));
}

function voteCard(s, v) {
  if (!v) return null;
  const mine = recorded.get(v.id);
  const kids = [el("h2", { id: "vote-h" }, t("vote.open_now")),
    el("p", { class: "question" }, v.question),
    el("p", {}, t(`vote.kind.${v.kind}`), " · ", t("vote.count", { cast: v.cast_count, eligible: v.eligible_count }))];
  if (mine && mine.entered_by_name) {
    // Entered for this delegate by the secretary: said plainly, with the choice.
    kids.push(el("p", { class: "recorded", role: "status", id: "entered" },
      `✔ ${t("vote.entered_for_you", { name: mine.entered_by_name, choice: t(`choice.${mine.choice}`) })}`));
  } else if (mine) {
    kids.push(el("p", { class: "recorded", role: "status", id: "recorded" }, `✔ ${t("vote.recorded")}`));
    if (mine.receipt) kids.push(el("p", { class: "receipt" }, t("vote.receipt", { receipt: mine.receipt })));
  } else if (v.kind === "election") {
    const boxes = v.candidates.map((c) => el("label", { class: "choice" }, el("input", { type: "checkbox", value: c.id }), c.name));
    kids.push(el("p", {}, t("vote.choose_up_to", { n: v.seats })), el("div", { class: "choices" }, boxes),
      el("button", { type: "button", class: "big primary", onclick: () => cast(v, { choose: Array.from(document.querySelectorAll(".choices input:checked"), (i) => Number(i.value)) }) }, t("vote.submit")));
  } else if (v.kind === "confidence") {
    const groups = v.candidates.map((p) => el("fieldset", {}, el("legend", {}, p.name),
      ["high", "confidence", "low"].map((r) => el("label", { class: "choice" }, el("input", { type: "radio", name: `p${p.id}`, value: r, required: true }), t(`choice.${r}`)))));
    kids.push(...groups, el("button", { type: "button", class: "big primary", onclick: () => {
      const ratings = {};
      for (const p of v.candidates) {
        const c = document.querySelector(`input[name=p${p.id}]:checked`);
        if (c) ratings[String(p.id)] = c.value;
      }
      cast(v, { ratings });
    } }, t("vote.submit")));
  } else {
    kids.push(el("div", { class: "vote-buttons", role: "group", "aria-label": v.question },
      ["for", "against", "abstain"].map((c) => el("button", { type: "button", class: `vote ${c}`, "data-choice": c, onclick: () => cast(v, c) }, t(`choice.${c}`)))));
  }
  return el("section", { class: "card vote-card", "aria-labelledby": "vote-h" }, kids);
}

// A member of a counting board sees the count of a counted secret ballot
// and confirms it; the result is announced once a majority has.
function boardCard(s) {
  const mine = (s.votes || []).filter((v) => v.state === "counted" && (v.board || []).includes(me.id));
  if (!mine.length) return null;
  return el("section", { class: "card", "aria-labelledby": "board-h", id: "board-card" },
    el("h2", { id: "board-h" }, t("board.title")),
    mine.map((v) => el("article", { "data-vote": v.id },
      el("h3", {}, v.question),
      tallies.has(v.id)
        ? resultView(s, { ...v, state: "published", result: tallies.get(v.id) })
        : el("button", { type: "button", id: `tally-${v.id}`, onclick: async () => {
          const r = await act(live, "vote.tally", { vote_id: v.id });
          if (r) { tallies.set(v.id, r.result); render(); }
        } }, t("board.tally")),
      confirmed.has(v.id)
        ? el("p", { class: "recorded", id: `confirmed-${v.id}` }, `✔ ${t("board.confirmed")}`)
        : el("button", { type: "button", class: "big primary", id: `confirm-${v.id}`, onclick: async () => {
          if (await act(live, "vote.confirm", { vote_id: v.id })) { confirmed.add(v.id); render(); }
        } }, t("board.confirm")))));
}

// A notice that the secretary entered this delegate's ballot.
function onChange(m) {
  if (m && m.type === "notice" && m.name === "vote.entered" && m.data.person_id === me.id) {
    recorded.set(m.data.vote_id, { choice: m.data.choice, entered_by_name: m.data.entered_by_name });
    showInfo(t("vote.entered_for_you", { name: m.data.entered_by_name, choice: t(`choice.${m.data.choice}`) }));
  }
  render();
}

async function cast(v, choice) {
  const secret = ["secret", "election", "confidence"].includes(v.kind);
  const fields = { vote_id: v.id, choice };
  if (secret) fields.nonce = ballotNonce(me.id, v.id);
  clearMessage();
  let r = null;
  try {
    r = await live.request("vote.cast", fields);
  } catch (e) {
    if (secret && e && e.code === "nonce_in_use") {
      // Someone else's nonce (never recorded for us): once more with a new one.
      forgetNonces(me.id, v.id);
      r = await act(live, "vote.cast", { ...fields, nonce: ballotNonce(me.id, v.id) });
    } else {
      showError(e);
    }
  }
  if (r) {
    // Only now, with the server's acknowledgement of a committed ballot.
    recorded.set(v.id, { receipt: r.receipt });
    showInfo(t("vote.recorded"));
    // The card keeps the confirmation; the banner goes after a while.
    setTimeout(clearMessage, 8000);
    render();
  }
}

async function start() {
  await initPage("page.delegate");
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
  live = new Live(sid, {
    onChange,
    onStatus: (st, detail) => {
      showStatus(st, detail);
      remote.onLiveStatus(st);
    },
    onRtc: (m) => remote.onRtc(m),
    lang: lang(),
  });
  remote = new Remote(live);
  live.connect();
  loadDocs(sid);
  // A new document or version: fetched again every minute and on return to the page.
  setInterval(() => loadDocs(docsFor || sid), 60000);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) loadDocs(sid); });
  setInterval(() => {
    const c = document.getElementById("clock");
    if (c && live.state && live.state.turn) c.textContent = clock(remaining(live.state.turn, live));
  }, 250);
  window.addEventListener("plenum:lang", render);
}

start();
