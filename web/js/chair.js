// The chair's console: the session and its sittings, the agenda, attendance
// and quorum, the speaker queue and timer, the hall display, and votes of
// every kind. Every control sends one request; a refusal is shown next to
// the control, in words that say what to do; an irreversible action asks
// first. The state shown is the server's, kept live by events.
import { Live, agendaNumbers, patch, clock, el, remaining, whoami } from "./live.js";
import { confirmAction } from "./confirm.js";
import { initPage, showStatus, act, memberName, refusalText, resultView, t } from "./page.js";
import { has, lang } from "./i18n.js";
import { chooseSession, nextSessionOffer, showSessionState } from "./picker.js";
import { signinForm, signout } from "./signin.js";

const main = document.getElementById("main");
let live = null;
let me = null;
let form = null; // the vote form, built once so typing survives re-renders
let rtc = null; // the last rtc.status reply while a sitting is open, or null
let rtcError = null; // its refusal (remote participation off), or null
const lostBefore = new Map(); // person id -> packets_lost at the previous poll

// Refusals shown next to the action that was refused, one per part of the
// console (session, agenda, floor, queue, display, votes, rtc): the chair
// looks where they pressed, not at the top of the page.
const notes = {};
let pastOpen = false; // the finished votes unfolded (kept across renders)

// The words for a refusal: the console's own, saying what to do next, for
// the reasons and fields a chair can meet; else the page's (refusalText).
function chairRefusal(e) {
  // The server names the first thing missing for the action; the advice
  // follows the order the chair must go in: a sitting before an item, and
  // "first item" makes no sense on an empty agenda.
  const s = live && live.state;
  if (e && s && e.reason === "no_active_item" && !s.open_sitting_id && s.state === "open") return t("chair.refusal.no_active_item_no_sitting");
  if (e && s && ["no_previous_item", "no_next_item"].includes(e.reason) && !(s.agenda || []).length) return t("chair.refusal.agenda_empty");
  if (e && s && e.reason === "no_previous_item" && !s.active_item_id) return t("chair.refusal.no_previous_none_active");
  if (e && e.reason && has(`chair.refusal.${e.reason}`)) return t(`chair.refusal.${e.reason}`, e.detail || {});
  if (e && e.code === "bad_field" && e.field && has(`chair.field.${e.field}`)) return t(`chair.field.${e.field}`);
  return refusalText(e);
}

async function run(area, type, fields = {}) {
  for (const k of Object.keys(notes)) delete notes[k];
  render();
  const r = await act(live, type, fields, {
    onError: (e) => {
      notes[area] = { reason: (e && (e.reason || e.code)) || "", text: chairRefusal(e) };
      render();
    },
  });
  return r;
}

// The live region of one part: always there (an alert appearing with its
// text is announced), empty when there is nothing to say.
function note(area) {
  const n = notes[area];
  return el("p", { id: `msg-${area}`, class: "refusal", role: "alert", "data-reason": n ? n.reason : null }, n ? `⚠ ${n.text}` : "");
}

function btn(id, label, type, fields, cls = "", area = "session") {
  return el("button", { type: "button", id, class: cls, onclick: () => run(area, type, fields) }, label);
}

// A small queue button: a symbol shown, its action named for screen readers
// and in a tooltip.
function iconBtn(id, symbol, name, type, fields) {
  return el("button", { type: "button", id, class: "icon", "aria-label": name, title: name, onclick: () => run("queue", type, fields) }, symbol);
}

// An action that cannot be undone: asked first, in a dialog that says what
// will happen (see confirmAction).
function guarded(id, label, area, type, fields, ask, cls = "") {
  return el("button", { type: "button", id, class: cls, onclick: async (ev) => {
    const opener = ev.currentTarget;
    if (await confirmAction(ask(), opener)) run(area, type, fields);
  } }, label);
}

function askCloseSitting(sitting) {
  return { title: t("chair.confirm.close_sitting.title"), ok: t("chair.close_sitting"),
    body: [t("chair.confirm.close_sitting.body", { title: sitting.title })] };
}

function askCloseSession(s) {
  const unheld = (s.sittings || []).filter((x) => x.state === "planned");
  const body = [t("chair.confirm.close_session.body", { title: s.title })];
  if (unheld.length) body.push(t("chair.confirm.close_session.unheld", { n: unheld.length, list: unheld.map((x) => x.title).join("; ") }));
  return { title: t("chair.confirm.close_session.title"), ok: t("chair.close_session"), body };
}

function askCancelVote(v) {
  const body = [t("chair.confirm.cancel_vote.body", { question: v.question })];
  if (v.state === "open" || v.cast_count) body.push(t("chair.confirm.cancel_vote.ballots", { n: v.cast_count || 0 }));
  body.push(t("chair.confirm.cancel_vote.again"));
  return { title: t("chair.confirm.cancel_vote.title"), ok: t("chair.confirm.cancel_vote.ok"), body };
}

// The console: three columns from 1200 px (the session and agenda; the
// attendance, floor and queue; the votes, the current one first) so that
// everything live is on a laptop's first screen; one column below that.
function render() {
  const s = live && live.state;
  if (!s) return;
  const a = s.attendance || { present_count: 0, total_seats: s.total_seats, quorum: 0, quorum_met: false };
  const openSitting = (s.sittings || []).find((x) => x.id === s.open_sitting_id);
  const votes = (s.votes || []).slice().reverse();
  // Votes under way, then the one that ended last (its result is still
  // being read out); older ones folded away below the form.
  const ended = (v) => ["published", "cancelled"].includes(v.state);
  const past = votes.filter(ended);
  const current = votes.filter((v) => !ended(v)).concat(past.slice(0, 1));
  past.shift();
  const numbers = agendaNumbers(s.agenda);
  patch(main, [
    el("div", { class: "console" },
      el("div", { class: "col" },
        el("section", { class: "card", "aria-labelledby": "sess-h" },
          el("h2", { id: "sess-h" }, s.title),
          el("p", {}, t("signin.signed_in", { name: me.display_name }), " ",
            el("button", { type: "button", class: "link", onclick: signout }, t("signin.logout"))),
          el("p", { id: "session-state" }, t(`session.state.${s.state}`)),
          nextSessionOffer(live.sessionId, s.state, render),
          s.state === "planned" ? btn("open-session", t("chair.open_session"), "session.open", {}, "primary") : null,
          s.state === "open" && !openSitting
            ? guarded("close-session", t("chair.close_session"), "session", "session.close", {}, () => askCloseSession(s)) : null,
          el("ul", { class: "plain" }, (s.sittings || []).map((x) => el("li", {},
            `${x.title} — ${t(`session.state.${x.state}`)} `,
            x.state === "planned" && s.state === "open" && !openSitting
              ? btn(`open-sitting-${x.id}`, t("chair.open_sitting"), "sitting.open", { sitting_id: x.id }, "primary") : null))),
          openSitting ? guarded("close-sitting", t("chair.close_sitting"), "session", "sitting.close", {}, () => askCloseSitting(openSitting)) : null,
          openSitting ? el("p", { id: "media-status", role: "status" }, mediaText(openSitting.id)) : null,
          note("session")),
        el("section", { class: "card", "aria-labelledby": "ag-h" },
          el("h2", { id: "ag-h" }, t("agenda.title")),
          el("div", { class: "row" }, btn("previous", t("chair.previous"), "agenda.previous", {}, "", "agenda"), btn("next", t("chair.next"), "agenda.next", {}, "primary", "agenda")),
          note("agenda"),
          el("ol", { class: "agenda numbered", id: "chair-agenda" }, (s.agenda || []).map((i) => el("li", { class: `depth${i.depth} ${i.state}`, "aria-current": i.id === s.active_item_id ? "step" : null, "data-number": numbers.get(i.id) },
            el("span", {}, `${i.state === "done" ? "✔ " : i.id === s.active_item_id ? "▶ " : ""}`, el("span", { class: "num" }, `${numbers.get(i.id)}.`), ` ${i.title}`), " ",
            i.id !== s.active_item_id ? btn(`activate-${i.id}`, t("chair.activate"), "agenda.activate", { item_id: i.id }, "", "agenda") : null,
            i.state !== "done" ? btn(`done-${i.id}`, t("chair.done"), "agenda.done", { item_id: i.id }, "", "agenda") : null))))),
      el("div", { class: "col" },
        el("section", { class: "card", "aria-labelledby": "att-h" },
          el("h2", { id: "att-h" }, t("attendance.title")),
          el("p", { class: "big-number", id: "attendance" }, t("attendance.count", { present: a.present_count, total: a.total_seats })),
          el("p", { id: "quorum", class: a.quorum_met ? "ok" : "warn" },
            a.quorum_met ? `✔ ${t("attendance.quorum_met", { quorum: a.quorum })}` : `⚠ ${t("attendance.quorum_not_met", { quorum: a.quorum })}`)),
        el("section", { class: "card", id: "floor-card", "aria-labelledby": "floor-h" },
          el("h2", { id: "floor-h" }, t("floor.title")),
          s.turn
            ? el("div", {},
              // The clock on the speaker's line: the queue below stays on
              // a laptop's first screen.
              el("div", { class: "row floor-now" },
                el("p", { class: "speaker" }, `${s.turn.name || memberName(s, s.turn.person_id)} (${t(`kind.${s.turn.kind}`)})`),
                el("p", { class: "clock", id: "clock" }, clock(remaining(s.turn, live)))),
              el("div", { class: "row" },
                s.turn.paused ? btn("resume", t("chair.resume"), "timer.resume", {}, "primary", "floor") : btn("pause", t("chair.pause"), "timer.pause", {}, "", "floor"),
                btn("extend", t("chair.extend"), "timer.extend", { seconds: 60 }, "", "floor"),
                btn("end", t("chair.end"), "speaker.end", {}, "", "floor")))
            : el("p", {}, t("floor.none")),
          el("div", { class: "row" },
            el("label", { for: "floor-person" }, t("chair.give_floor")),
            el("select", { id: "floor-person" }, (s.members || []).map((m) => el("option", { value: m.person_id }, m.name))),
            el("button", { type: "button", id: "give-floor", "aria-label": t("chair.give_floor_go"),
              onclick: () => run("floor", "speaker.give_floor", { person_id: Number(document.getElementById("floor-person").value) }) }, "▶")),
          note("floor")),
        el("section", { class: "card", id: "queue-card", "aria-labelledby": "queue-h" },
          el("div", { class: "card-head" },
            el("h2", { id: "queue-h" }, (s.queue || []).length ? t("queue.title_count", { n: s.queue.length }) : t("queue.title")),
            (s.queue || []).length ? btn("grant-next", t("chair.grant_next"), "speaker.grant", {}, "primary", "queue") : null),
          // One line a request: the name, then small icon buttons (their
          // names for screen readers, a tooltip for the mouse), so that six
          // or more requests fit on a laptop's first screen.
          (s.queue || []).length
            ? el("ol", { id: "queue", class: "queue-compact" }, s.queue.map((r, k) => el("li", {},
              el("span", { class: "who" }, `${r.name} — ${t(`kind.${r.kind}`)}`),
              el("span", { class: "acts" },
                iconBtn(`grant-${r.request_id}`, "▶", t("chair.grant_who", { name: r.name }), "speaker.grant", { request_id: r.request_id }),
                k > 0 ? iconBtn(`up-${r.request_id}`, "▲", t("chair.up_who", { name: r.name }), "speaker.reorder", { request_id: r.request_id, index: k - 1 }) : null,
                k < s.queue.length - 1 ? iconBtn(`down-${r.request_id}`, "▼", t("chair.down_who", { name: r.name }), "speaker.reorder", { request_id: r.request_id, index: k + 1 }) : null,
                iconBtn(`remove-${r.request_id}`, "✕", t("chair.remove_who", { name: r.name }), "speaker.remove", { request_id: r.request_id })))))
            : el("p", {}, t("queue.empty")),
          note("queue")),
        el("section", { class: "card", "aria-labelledby": "disp-h" },
          el("h2", { id: "disp-h" }, t("chair.display")),
          el("div", { class: "row" }, ["agenda", "speaker", "queue", "vote", "blank"].map((m) =>
            el("button", { type: "button", "aria-pressed": String(s.display && s.display.mode === m), onclick: () => run("display", "display.set", { mode: m }) }, t(`display.mode.${m}`)))),
          note("display"))),
      el("div", { class: "col" },
        el("section", { class: "card", id: "votes-card", "aria-labelledby": "votes-h" },
          el("h2", { id: "votes-h" }, t("vote.title")),
          note("votes"),
          el("div", { id: "votes" }, current.map((v) => voteRow(s, v))),
          // The form is built once and never moved (moving it would take the
          // focus from a field being typed in): patch() leaves this slot's
          // content alone.
          el("div", { id: "vote-form-slot", "data-keep": "" }),
          past.length
            ? el("details", { id: "votes-past", open: pastOpen, ontoggle: (ev) => { pastOpen = ev.currentTarget.open; } },
              el("summary", {}, t("chair.votes_past", { n: past.length })),
              past.map((v) => voteRow(s, v)))
            : null)),
      // Under the live and vote columns: its table needs their width.
      openSitting ? rtcPanel() : null)]);
  const slot = document.getElementById("vote-form-slot");
  if (slot && !slot.contains(form)) slot.replaceChildren(voteForm(s));
  showSessionState(live.sessionId, s.title, s.state);
}

// Remote participants (rtc.status, polled every 2 s while a sitting is
// open): who, connected or not, on air, their sound level, the quality of
// their connection in words, and the chair's mute. Rows are keyed by person
// so a refresh updates them in place and a Mute button is never replaced
// between press and release.
function rtcPanel() {
  const people = (rtc && rtc.participants) || [];
  const level = (db) => (db === null || db === undefined || db <= -90 ? t("chair.rtc.silent") : `${Math.round(db)} dB`.replace("-", "−"));
  const meter = (db) => el("span", { class: "level-bar" },
    el("span", { class: "meter", style: { "--w": `${typeof db === "number" ? Math.max(0, Math.min(100, ((db + 60) * 100) / 60)) : 0}%` } }));
  return el("section", { class: "card wide", id: "rtc-panel", "aria-labelledby": "rtc-h" },
    el("h2", { id: "rtc-h" }, t("chair.rtc.title")),
    rtcError ? el("p", { class: "warn" }, rtcError.message || t("error.generic")) : null,
    note("rtc"),
    rtc && rtc.program_level_db !== null
      ? el("p", { id: "rtc-program-level", "data-db": Math.round(rtc.program_level_db) }, t("chair.rtc.program_level", { level: level(rtc.program_level_db) }))
      : null,
    people.length
      ? el("table", { class: "rtc" },
        el("thead", {}, el("tr", {}, ["name", "state", "floor", "level", "quality", "action"].map((c) => el("th", { scope: "col" }, t(`chair.rtc.col.${c}`))))),
        el("tbody", { id: "rtc-list" }, people.map((p) => el("tr", { "data-key": p.person_id, "data-person": p.person_id, "data-state": p.state, "data-on-air": String(p.on_floor && !p.muted), "data-muted": String(p.muted) },
          el("td", { class: "name" }, p.name),
          el("td", { class: p.state === "connected" ? "ok" : p.state === "connecting" ? "" : "warn" }, t(`chair.rtc.state.${p.state}`)),
          el("td", {}, p.on_floor && !p.muted ? el("strong", { class: "on-air" }, t("chair.rtc.on_air")) : p.on_floor ? t("chair.rtc.on_floor") : "—",
            p.muted ? [" · ", el("span", { class: "warn" }, t("chair.rtc.muted"))] : null),
          el("td", { class: "level-cell" }, meter(p.audio_level_db), " ", level(p.audio_level_db)),
          el("td", {}, quality(p)),
          el("td", {}, el("button", { type: "button", id: `rtc-mute-${p.person_id}`, class: p.muted ? "primary" : "", "aria-pressed": String(p.muted),
            onclick: () => mute(p.person_id, !currentlyMuted(p.person_id)) }, p.muted ? t("chair.rtc.unmute") : t("chair.rtc.mute")))))))
      : el("p", {}, t("chair.rtc.none")));
}

// Good, fair or poor from the losses since the last poll, the jitter and the
// round trip (0: not measured yet).
function quality(p) {
  if (p.state !== "connected") return "—";
  const lost = Math.max(0, p.packets_lost - (lostBefore.get(p.person_id) ?? p.packets_lost));
  const rtt = Math.round(p.rtt_ms || 0);
  const jitter = Math.round(p.jitter_ms || 0);
  let q = "good";
  if (lost > 10 || jitter > 50 || rtt > 400) q = "poor";
  else if (lost > 2 || jitter > 20 || rtt > 150) q = "fair";
  const details = [t("chair.rtc.lost", { n: p.packets_lost }), t("chair.rtc.jitter", { ms: jitter }), rtt ? t("chair.rtc.rtt", { ms: rtt }) : null];
  return el("span", { class: `quality ${q}`, "data-quality": q },
    t(`chair.rtc.q.${q}`), el("span", { class: "hint" }, ` (${details.filter(Boolean).join(", ")})`));
}

function currentlyMuted(person) {
  const p = ((rtc && rtc.participants) || []).find((x) => x.person_id === person);
  return !!(p && p.muted);
}

async function mute(person, muted) {
  if (await run("rtc", "rtc.mute", { person_id: person, muted })) pollRtc();
}

let rtcPolling = false;
async function pollRtc() {
  const s = live && live.state;
  // The media need no database: shown during an outage too.
  if (!s || !s.open_sitting_id || !["live", "db_down"].includes(live.status)) {
    if (rtc || rtcError) {
      rtc = null;
      rtcError = null;
      lostBefore.clear();
      render();
    }
    return;
  }
  if (rtcPolling) return;
  rtcPolling = true;
  try {
    const next = await live.request("rtc.status");
    if (rtc) for (const p of rtc.participants || []) lostBefore.set(p.person_id, p.packets_lost);
    rtc = next;
    rtcError = null;
  } catch (e) {
    rtcError = e && e.code !== "disconnected" ? e : null;
  } finally {
    rtcPolling = false;
  }
  render();
}

// Counted by a counting board, which publishes the result (the chair cannot).
const SECRET_KINDS = ["secret", "election", "confidence"];

function voteRow(s, v) {
  return el("article", { class: "vote-row", "data-vote": v.id, "data-state": v.state },
    el("h3", {}, v.question),
    el("p", {}, `${t(`vote.kind.${v.kind}`)} · ${t(`rule.name.${v.rule}`)} · ${t(`vote.state.${v.state}`)}`),
    v.state === "open" ? el("p", { class: "big-number", id: `count-${v.id}` }, t("vote.count", { cast: v.cast_count, eligible: v.eligible_count })) : null,
    el("div", { class: "row" },
      v.state === "prepared" ? btn(`vote-open-${v.id}`, t("vote.open"), "vote.open", { vote_id: v.id }, "primary", "votes") : null,
      v.state === "open" ? btn(`vote-close-${v.id}`, t("vote.close"), "vote.close", { vote_id: v.id }, "primary", "votes") : null,
      v.state === "counted" && !(v.board || []).length && !SECRET_KINDS.includes(v.kind) ? btn(`vote-publish-${v.id}`, t("vote.publish"), "vote.publish", { vote_id: v.id }, "primary", "votes") : null,
      ["prepared", "open", "closed", "counted"].includes(v.state)
        ? guarded(`vote-cancel-${v.id}`, t("vote.cancel"), "votes", "vote.cancel", { vote_id: v.id }, () => askCancelVote(v)) : null),
    v.state === "counted" && SECRET_KINDS.includes(v.kind) ? el("p", { class: "hint" }, t("vote.awaiting_board")) : null,
    v.state === "published" ? resultView(s, v) : null);
}

function voteForm(s) {
  if (form) return form;
  const kind = el("select", { id: "vote-kind" }, ["open", "named", "secret", "election", "confidence"].map((k) => el("option", { value: k }, t(`vote.kind.${k}`))));
  const rule = el("select", { id: "vote-rule" }, ["total_majority", "present_majority", "cast_majority", "total_two_thirds", "cast_two_thirds"].map((r) => el("option", { value: r }, t(`rule.name.${r}`))));
  const question = el("input", { id: "vote-question", required: true });
  const seats = el("input", { id: "vote-seats", type: "number", min: 1, value: 1 });
  const cands = el("textarea", { id: "vote-candidates", rows: 3 });
  const change = el("input", { id: "vote-change", type: "checkbox" });
  const liveNamed = el("input", { id: "vote-live", type: "checkbox" });
  const duration = el("input", { id: "vote-duration", type: "number", min: 0, value: 0 });
  // The counting board (secret kinds): exactly the council's number of
  // delegates, none of them a candidate; the server checks both.
  const boardSize = s.counting_board_size || 3;
  const board = el("fieldset", { id: "vote-board" },
    el("legend", {}, t("vote.board", { n: boardSize })),
    (s.members || []).filter((m) => m.is_delegate).map((m) =>
      el("label", { class: "check" }, el("input", { type: "checkbox", id: `board-${m.person_id}`, value: m.person_id }), m.name)));
  const pair = (label, field) => [el("label", { for: field.id }, label), field];
  const ruleRow = pair(t("vote.rule"), rule);
  const liveRow = el("label", { class: "check", id: "vote-live-row" }, liveNamed, t("vote.live_named"));
  const seatsRow = pair(t("vote.seats"), seats);
  const candsRow = pair(t("vote.candidates"), cands);
  form = el("form", { class: "vote-form", id: "vote-form" },
    el("h3", {}, t("vote.prepare")),
    el("label", { for: "vote-question" }, t("vote.question")), question,
    el("label", { for: "vote-kind" }, t("vote.kind")), kind,
    ruleRow, seatsRow, candsRow,
    el("label", { class: "check" }, change, t("vote.allow_change")),
    liveRow,
    el("label", { for: "vote-duration" }, t("vote.duration")), duration,
    board,
    el("button", { type: "submit", class: "primary", id: "vote-prepare" }, t("vote.prepare")));
  // Only the fields the kind uses: a rule for the yes/no kinds, seats for an
  // election, candidates for an election or a confidence vote, a counting
  // board for the secret kinds (the server ignores or refuses the rest).
  const fit = () => {
    const k = kind.value;
    for (const e of ruleRow) e.hidden = ["election", "confidence"].includes(k);
    for (const e of seatsRow) e.hidden = k !== "election";
    for (const e of candsRow) e.hidden = !["election", "confidence"].includes(k);
    board.hidden = !SECRET_KINDS.includes(k);
    // Who chose what is shown only for named votes (server/session/vote.c: never
    // for other kinds), so the option is offered only there.
    liveRow.hidden = k !== "named";
  };
  kind.addEventListener("change", fit);
  fit();
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const fields = { kind: kind.value, question: question.value.trim(), allow_change: change.checked, live_named: kind.value === "named" && liveNamed.checked };
    if (!["election", "confidence"].includes(kind.value)) fields.rule = rule.value;
    if (Number(duration.value) > 0) fields.duration_s = Number(duration.value);
    if (SECRET_KINDS.includes(kind.value)) fields.board = Array.from(board.querySelectorAll("input:checked"), (i) => Number(i.value));
    if (["election", "confidence"].includes(kind.value)) {
      fields.candidates = cands.value.split("\n").map((x) => x.trim()).filter(Boolean).map((name, i) => ({ id: i + 1, name }));
      if (kind.value === "election") fields.seats = Number(seats.value);
    }
    if (await run("votes", "vote.prepare", fields)) question.value = "";
  });
  return form;
}

async function start() {
  await initPage("page.chair");
  me = await whoami();
  if (!me) {
    main.replaceChildren(signinForm((p) => { me = p; start2(); }));
    return;
  }
  start2();
}

// The recording and livestream of the open sitting, from /healthz (every
// 5 s): the chair sees at once when the picture stops.
let media = null;
function mediaText(sitting) {
  const st = media && media.streams.find((x) => x.sitting_id === sitting);
  if (!media || media.source === "none") return t("media.off");
  // The media cannot work at all (started with --media-required off): the
  // reason in words, then GStreamer's (what to install, for the operator).
  if (!st && media.state === "error") return `⚠ ${t("media.unavailable")}: ${t(`media.reason.${media.reason}`)} · ${media.error}`;
  if (!st) return t("media.state.none");
  const parts = [`${st.state === "live" ? "● " : "⚠ "}${t(`media.state.${st.state}`)}`];
  if (st.state === "error" && st.reason) parts.push(t(`media.reason.${st.reason}`));
  if (st.state === "live") parts.push(st.public ? t("media.streaming") : t("media.not_streamed"),
    `${(st.bitrate_kbps / 1000).toFixed(1)} Mbit/s`, t("media.dropped", { n: st.dropped_frames }));
  if (st.slate) parts.push(t("media.slate"));
  if (st.restream) parts.push(t(st.restream.state === "error" ? "media.restream_error" : "media.restream", { url: st.restream.url }));
  if (st.error) parts.push(st.error);
  return parts.join(" · ");
}

async function pollMedia() {
  const r = await fetch("/healthz", { cache: "no-store" }).catch(() => null);
  media = r ? (await r.json().catch(() => ({}))).media || null : null;
  const e = document.getElementById("media-status");
  if (e && live.state) e.textContent = mediaText(live.state.open_sitting_id);
}

async function start2() {
  const sid = await chooseSession();
  if (!sid) return main.replaceChildren(el("p", {}, t("session.none")));
  live = new Live(sid, { onChange: render, onStatus: showStatus, lang: lang() });
  live.connect();
  pollMedia();
  setInterval(pollMedia, 5000);
  setInterval(pollRtc, 2000);
  setInterval(() => {
    const c = document.getElementById("clock");
    if (c && live.state && live.state.turn) c.textContent = clock(remaining(live.state.turn, live));
  }, 250);
  window.addEventListener("plenum:lang", () => { form = null; render(); });
}

start();
