// The delegate page: tablet and phone. Sign in, check in, ask to speak, follow
// the floor, vote with three large buttons; a vote is shown as recorded only
// once the server has acknowledged it (after its durable commit). A delegate
// away from the hall joins remotely on this same page (js/remote.js).
//
// When a vote is open its card comes first, is announced (a live region, a
// vibration where allowed) and scrolled to; leaving the sitting is far from
// the vote buttons. A delegate who may not vote is told why in the card,
// not after pressing. Each section sits in a slot that is always there, so
// patch() matches sections by place and a re-render keeps the focus (see
// keepFocus()).
import { Live, agendaNumbers, patch, ballotNonce, forgetNonces, clock, el, remaining, whoami } from "./live.js";
import { chooseSession, nextSessionOffer } from "./picker.js";
import { initPage, showStatus, act, clearMessage, memberName, refusalText, resultView, showInfo, t } from "./page.js";
import { lang, withLang } from "./i18n.js";
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
const picks = new Map(); // election vote id -> Set of chosen candidate ids (not yet sent)
const castErrors = new Map(); // vote id -> the refusal of this delegate's last ballot, shown in the card
let alerted = 0; // the open vote already announced
let focusNext = null; // {id, until}: to focus once a render has it (after one's own action), for a few seconds

function render() {
  const s = live && live.state;
  if (!s) return;
  const present = (s.attendance && s.attendance.present.includes(me.id)) || false;
  const turn = s.turn;
  const active = (s.agenda || []).find((i) => i.id === s.active_item_id);
  const myReq = (s.queue || []).findIndex((q) => q.person_id === me.id);
  const open = (s.votes || []).find((v) => v.state === "open");
  const published = (s.votes || []).filter((v) => v.state === "published");
  const focus = focusBefore();
  // Why this delegate has no ballot in the open vote (null: they have one).
  const why = open && !recorded.has(open.id) ? ineligible(s, open, present) : null;
  // Every section has its slot, present or empty, always in this order:
  // the open vote first (on a phone it is the screen), leaving the sitting
  // far below its buttons.
  const slot = (id, content) => el("div", { id, class: "slot" }, content);
  patch(main, [
    slot("vote-slot", voteCard(s, open, why)),
    el("section", { class: "card", id: "who-card", "aria-labelledby": "session-h" },
      el("p", { id: "who" }, t("signin.signed_in", { name: me.display_name }), " ",
        el("button", { type: "button", class: "link", onclick: signout }, t("signin.logout"))),
      el("h2", { id: "session-h", tabindex: "-1" }, s.title),
      el("p", {}, s.council_name, " · ", t(`session.state.${s.state}`)),
      nextSessionOffer(live.sessionId, s.state, render)),
    // Remote participation: its card (videos playing) is the module's own;
    // patch() leaves this slot's content alone.
    el("div", { id: "remote-slot", "data-keep": "" }),
    el("section", { class: "card", id: "agenda-card", "aria-labelledby": "agenda-h" },
      el("h2", { id: "agenda-h", tabindex: "-1" }, t("agenda.active")),
      active ? el("p", { class: "item-title", id: "active-item", "data-number": agendaNumbers(s.agenda).get(active.id) }, el("span", { class: "num" }, `${agendaNumbers(s.agenda).get(active.id)}. `), active.title) : el("p", { id: "no-item" }, t("agenda.none")),
      active && active.documents.length
        ? el("ul", { "aria-label": t("agenda.documents") },
          active.documents.map((d) => el("li", {}, el("a", { href: d.url, target: "_blank" }, d.title))))
        : null),
    el("section", { class: "card", id: "att-card", "aria-labelledby": "att-h" },
      el("h2", { id: "att-h", tabindex: "-1" }, t("attendance.title")),
      el("p", { id: "att-state", role: "status" }, present ? `✔ ${t("attendance.present")}` : t("attendance.absent")),
      present
        ? el("button", { type: "button", class: "big", id: "check-out", onclick: () => attend("attendance.check_out", "check-in") }, t("attendance.check_out"))
        : el("button", { type: "button", class: "big primary", id: "check-in", onclick: () => attend("attendance.check_in", "check-out") }, t("attendance.check_in")),
      // Checking in during a vote: the answer to "may I vote now?" is here
      // too, where the delegate pressed, not only in the card at the top.
      why ? el("p", { class: "ineligible", id: "att-vote-note", "data-reason": why }, t(`vote.ineligible.${why}`)) : null),
    slot("board-slot", boardCard(s)),
    slot("docs-slot", docsCard(active)),
    el("section", { class: "card", id: "speak-card", "aria-labelledby": "speak-h" },
      el("h2", { id: "speak-h", tabindex: "-1" }, t("speak.title")),
      floorView(s, turn),
      myReq >= 0
        ? el("div", {}, el("p", {}, t("speak.queued", { n: myReq + 1 })),
          el("button", { type: "button", class: "big", id: "withdraw", onclick: () => act(live, "speaker.withdraw") }, t("speak.withdraw")))
        : el("div", { class: "row" },
          el("label", { for: "kind" }, t("speak.kind")),
          el("select", { id: "kind" }, ["speech", "question", "reply", "order"].map((k) => el("option", { value: k }, t(`kind.${k}`)))),
          el("button", { type: "button", class: "big primary", id: "request", onclick: () => act(live, "speaker.request", { kind: document.getElementById("kind").value }) }, t("speak.request"))),
      queueView(s)),
    slot("results-slot", published.length
      ? el("section", { class: "card", "aria-labelledby": "res-h" },
        el("h2", { id: "res-h", tabindex: "-1" }, t("vote.results")),
        published.map((v) => el("article", { class: "vote-result" }, el("h3", {}, v.question), resultView(s, v))))
      : null)]);
  const rslot = document.getElementById("remote-slot");
  if (rslot && !rslot.contains(remote.card())) rslot.replaceChildren(remote.card());
  remote.update();
  syncPicks();
  keepFocus(focus);
  if (open && open.id !== alerted) announce(open);
}

// Checks in or out; the focus then goes to the button that took the place
// of the one pressed (its section is re-rendered when the event arrives).
async function attend(type, then) {
  if (await act(live, type)) {
    focusNext = { id: then, until: Date.now() + 5000 };
    render();
  }
}

// Where the focus is before a render: the element, and how to find its
// like again if the render replaces it.
function focusBefore() {
  const f = document.activeElement;
  if (!f || f === document.body || !main.contains(f)) return null;
  const doc = f.closest("[data-doc]");
  const section = f.closest("section, .slot");
  const heading = section && section.querySelector("h2[id]");
  return { el: f, id: f.id, doc: doc && doc.dataset.doc, heading: heading && heading.id };
}

// After a render: the focus stays where the delegate was. A control that was
// replaced (check-in by check-out, "withdraw" once the agenda moved on) hands
// it to its successor or, failing that, to its section's heading; never to
// the page's body, which would send a screen reader back to the top.
const SUCCESSOR = { "check-in": "check-out", "check-out": "check-in", withdraw: "request", request: "withdraw" };
function keepFocus(before) {
  if (focusNext && Date.now() > focusNext.until) focusNext = null; // its event never came
  const want = focusNext && document.getElementById(focusNext.id);
  if (want) {
    focusNext = null;
    want.focus();
    return;
  }
  if (!before || document.contains(before.el)) return;
  const found = (before.id && document.getElementById(before.id))
    || (before.doc && main.querySelector(`[data-doc="${before.doc}"] a`))
    || (SUCCESSOR[before.id] && document.getElementById(SUCCESSOR[before.id]))
    || (before.heading && document.getElementById(before.heading))
    || document.getElementById("session-h");
  if (found) found.focus();
}

// A vote has opened: said aloud, felt, and put on the screen.
function announce(v) {
  alerted = v.id;
  const say = document.getElementById("vote-alert");
  if (say) say.textContent = t("vote.alert", { question: v.question });
  // Where the device and browser allow (a tap on the page first, in Chrome).
  try {
    if (navigator.vibrate) navigator.vibrate([200, 100, 200]);
  } catch (_) {
    /* no vibration: the card and the announcement remain */
  }
  const card = document.getElementById("vote-card");
  if (!card) return;
  const r = card.getBoundingClientRect();
  if (r.top < 0 || r.bottom > window.innerHeight) card.scrollIntoView({ block: "start" });
  // A text being typed keeps its focus; anything else moves to the vote.
  const f = document.activeElement;
  if (!f || !["INPUT", "TEXTAREA"].includes(f.tagName) || f.type === "checkbox") document.getElementById("vote-h").focus({ preventScroll: true });
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
    const r = await fetch(withLang(`/api/documents?session_id=${sid}`), { credentials: "same-origin" });
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

// Whether this delegate may vote in v, and if not the words saying why.
// The server's rule (vote.c): present when it opened, or present now if it
// allows late check-in. A server too old to send `eligible` decides alone.
function ineligible(s, v, present) {
  const m = (s.members || []).find((x) => x.person_id === me.id);
  if (m && !m.is_delegate) return "not_delegate";
  if (!Array.isArray(v.eligible) || v.eligible.includes(me.id)) return null;
  if (v.options && v.options.late_checkin) return present ? null : "check_in";
  return present ? "late" : "absent";
}

function voteCard(s, v, why) {
  if (!v) return null;
  const mine = recorded.get(v.id);
  const kids = [el("h2", { id: "vote-h", tabindex: "-1" }, t("vote.open_now")),
    el("p", { class: "question", id: "vote-question" }, v.question),
    el("p", {}, t(`vote.kind.${v.kind}`), " · ", t("vote.count", { cast: v.cast_count, eligible: v.eligible_count }))];
  if (mine && mine.entered_by_name) {
    // Entered for this delegate by the secretary: said plainly, with the choice.
    kids.push(el("p", { class: "recorded", role: "status", id: "entered" },
      `✔ ${t("vote.entered_for_you", { name: mine.entered_by_name, choice: t(`choice.${mine.choice}`) })}`));
  } else if (mine) {
    kids.push(el("p", { class: "recorded", role: "status", id: "recorded" }, `✔ ${t("vote.recorded")}`));
    if (mine.receipt) kids.push(el("p", { class: "receipt" }, t("vote.receipt", { receipt: mine.receipt })));
  } else if (why) {
    // No ballot to fill in and send only to be refused: the reason instead.
    kids.push(el("p", { class: "ineligible", id: "vote-ineligible", role: "status", "data-reason": why }, t(`vote.ineligible.${why}`)));
  } else if (v.kind === "election") {
    kids.push(electionBallot(v));
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
  // A refused ballot is explained here, where the delegate is looking.
  const err = !mine && castErrors.get(v.id);
  if (err) kids.push(el("p", { class: "ineligible", id: "vote-error", role: "alert", "data-code": err.code || "" }, refusalText(err)));
  // data-key: another vote is another card (no ticks carried over).
  return el("section", { class: "card vote-card", id: "vote-card", "data-key": String(v.id), "aria-labelledby": "vote-h" }, kids);
}

function picked(v) {
  if (!picks.has(v.id)) picks.set(v.id, new Set());
  return picks.get(v.id);
}

// An election ballot: one large choice per candidate, the count chosen
// against the seats, and no more than the seats: once they are all chosen
// the others are disabled, with the reason beside the count.
function electionBallot(v) {
  const chosen = picked(v);
  const full = chosen.size >= v.seats;
  const toggle = (c) => (e) => {
    if (e.target.checked && chosen.size >= v.seats) e.target.checked = false; // never a seats+1'th
    else if (e.target.checked) chosen.add(c.id);
    else chosen.delete(c.id);
    render();
  };
  return el("div", { class: "ballot" },
    el("fieldset", { class: "picks", id: "ballot", "aria-describedby": "chosen-count" },
      el("legend", {}, t("vote.choose_up_to", { n: v.seats })),
      v.candidates.map((c) => el("label", { class: "pick", "data-key": String(c.id) },
        el("input", { type: "checkbox", value: c.id, id: `pick-${c.id}`, onchange: toggle(c),
          disabled: full && !chosen.has(c.id) }),
        el("span", {}, c.name)))),
    el("p", { class: "chosen-count", id: "chosen-count", "aria-live": "polite", "data-n": String(chosen.size) },
      t("vote.chosen", { n: chosen.size, seats: v.seats }),
      full ? el("span", { class: "hint", id: "seats-full" }, " ", t("vote.seats_full", { seats: v.seats })) : null),
    el("button", { type: "button", class: "big primary", id: "ballot-send", disabled: chosen.size > v.seats,
      onclick: () => cast(v, { choose: Array.from(chosen) }) }, t("vote.submit")));
}

// The ticks follow picks (patch() sets attributes, not a box's checked state).
function syncPicks() {
  const v = (live.state.votes || []).find((x) => x.state === "open");
  if (!v || !picks.has(v.id)) return;
  for (const i of main.querySelectorAll("#ballot input[type=checkbox]")) i.checked = picks.get(v.id).has(Number(i.value));
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
  castErrors.delete(v.id);
  let r = null;
  try {
    r = await live.request("vote.cast", fields);
  } catch (e) {
    if (secret && e && e.code === "nonce_in_use") {
      // Someone else's nonce (never recorded for us): once more with a new one.
      forgetNonces(me.id, v.id);
      r = await act(live, "vote.cast", { ...fields, nonce: ballotNonce(me.id, v.id) });
    } else {
      castErrors.set(v.id, e || {});
      render();
    }
  }
  if (r) {
    // Only now, with the server's acknowledgement of a committed ballot.
    recorded.set(v.id, { receipt: r.receipt });
    picks.delete(v.id);
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
