// The voter-contact meeting page (docs/protocol.md, "Voter-contact
// meetings"): /meeting/?id=N. Anyone watches; a citizen signs in with a
// name and an optional phone (no account), raises a hand, connects camera
// and microphone, speaks when the moderator admits them, and sends written
// petitions. The council's staff, signed in, see the moderator's panel:
// open and close, the raised hands in order, admit, end a turn, remove,
// each citizen's phone, the petitions as they come, the media room.
//
// The citizen's token (their only key, to come back as the same citizen
// after a reload or a dropped connection) is kept for this tab in
// sessionStorage.
import { Live, el, patch } from "./live.js";
import { phoneOk } from "./fields.js";
import { has, lang } from "./i18n.js";
import { act as pageAct, clearMessage, getJSON, initPage, showError, showInfo, showStatus, t } from "./page.js";
import { Remote } from "./remote.js";
import { signinForm } from "./signin.js";

// The petition's limits, as the server's (server/records/records_input.c): text
// over them is refused with too_long, never cut.
const LIMITS = { content: 5000, locality: 200 };

const AREAS = ["land", "construction", "transport", "environment", "health", "education", "social", "security", "economy", "administration", "other"];

// The WebSocket to the meeting: Live's connection (requests and their
// replies, the server's status, rtc.* pushes, reconnecting with backoff),
// joining a meeting instead of a session; the meeting's state kept current
// from its events, and a rejoin (with the citizen's token) after a drop.
class MeetingLive extends Live {
  constructor(id, opts) {
    super(null, { ...opts, lang: lang() });
    this.id = id;
    this.role = null; // guest, moderator, observer
    this.me = null; // the citizen's own row
    this.petitions = []; // petition.received events seen (the moderator's list)
  }

  key() {
    return `plenum.meeting.${this.id}.token`;
  }

  token() {
    try {
      return sessionStorage.getItem(this.key());
    } catch (_) {
      return null;
    }
  }

  keepToken(tok) {
    try {
      if (tok) sessionStorage.setItem(this.key(), tok);
      else sessionStorage.removeItem(this.key());
    } catch (_) {
      /* private mode: the citizen signs in again after a reload */
    }
  }

  async opened() {
    const tok = this.token();
    try {
      await this.enter(tok ? { token: tok } : {});
    } catch (e) {
      // A token that no longer works (removed, the meeting over): watch.
      if (tok && e && ["forbidden", "missing_field", "invalid_state"].includes(e.code)) {
        this.keepToken(null);
        showError(e);
        await this.enter({}).catch((e2) => this.setStatus("error", e2));
      } else this.setStatus("error", e);
    }
  }

  async enter(fields) {
    const r = await this.request("meeting.join", { meeting_id: this.id, ...fields });
    this.role = r.role;
    this.state = r.meeting;
    this.me = r.guest || null;
    if (r.token) this.keepToken(r.token);
    this.setStatus("live");
  }

  // From watching to taking part (or back): the server's one place per
  // connection is left first.
  async signIn(name, phone) {
    await this.request("meeting.leave");
    try {
      await this.enter(phone ? { name, phone } : { name });
    } catch (e) {
      await this.enter({}).catch(() => {});
      throw e;
    }
  }

  async signOut() {
    this.keepToken(null);
    await this.request("meeting.leave");
    await this.enter({});
  }

  receive(m) {
    if (m.type === "event" && m.meeting_id === this.id) {
      if (!this.state || m.seq <= this.state.seq) return;
      this.apply(m);
      this.state.seq = m.seq;
      this.onChange(m);
    } else super.receive(m);
  }

  guest(id) {
    return this.state.guests.find((g) => g.guest_id === id);
  }

  setGuest(id, fields) {
    const g = this.guest(id);
    if (g) Object.assign(g, fields);
    if (this.me && this.me.guest_id === id) Object.assign(this.me, fields);
  }

  dropGuest(id) {
    this.state.guests = this.state.guests.filter((g) => g.guest_id !== id);
    this.state.present = this.state.guests.length;
  }

  // One event on the meeting's state (docs/protocol.md).
  apply(m) {
    const s = this.state;
    const d = m.data || {};
    switch (m.name) {
      case "meeting.opened":
        s.state = "open";
        break;
      case "meeting.closed":
        s.state = "closed";
        for (const g of s.guests) g.state = "present";
        if (this.me) this.me.state = "present";
        break;
      case "guest.joined":
        if (!this.guest(d.guest_id)) s.guests.push({ guest_id: d.guest_id, name: d.name, phone: d.phone, state: "present", hand_at_ms: null, spoke: 0 });
        s.present = s.guests.length;
        break;
      case "guest.left":
        this.dropGuest(d.guest_id);
        break;
      case "guest.removed":
        this.dropGuest(d.guest_id);
        if (this.me && this.me.guest_id === d.guest_id) {
          this.me = null;
          this.role = "observer";
          this.keepToken(null);
          showInfo(t("meeting.removed_you"));
        }
        break;
      case "hand.raised":
        this.setGuest(d.guest_id, { state: "hand", hand_at_ms: d.hand_at_ms });
        break;
      case "hand.lowered":
      case "guest.released":
        this.setGuest(d.guest_id, { state: "present", hand_at_ms: null });
        break;
      case "guest.admitted":
        if (d.released) this.setGuest(d.released, { state: "present" });
        this.setGuest(d.guest_id, { state: "admitted", hand_at_ms: null });
        break;
      case "petition.received":
        this.petitions.unshift({ ...d, at_ms: m.at_ms });
        break;
      default:
        break;
    }
  }
}

// --- the page -------------------------------------------------------------------

const main = document.getElementById("main");
const params = new URLSearchParams(location.search);
const meetingId = Number(params.get("id"));
let live = null;
let remote = null;
let rtcStatus = null; // the moderator's last rtc.status
let rtcTimer = null;
const slot = el("div", { id: "remote-slot", "data-keep": "" });
const body = el("div", { id: "meeting-part" });

function when(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleString(lang() === "en" ? "en-GB" : "vi-VN", { dateStyle: "full", timeStyle: "short" });
}

function hands(s) {
  return s.guests.filter((g) => g.state === "hand").sort((a, b) => a.hand_at_ms - b.hand_at_ms);
}

function render() {
  const s = live && live.state;
  if (!s) return;
  const onAir = s.guests.find((g) => g.state === "admitted");
  const queue = hands(s);
  const head = el("section", { class: "card", "aria-labelledby": "meeting-h" },
    el("h2", { id: "meeting-h" }, s.title),
    el("p", {}, s.council, s.location ? ` · ${s.location}` : "", s.planned_start ? ` · ${when(s.planned_start)}` : ""),
    el("p", { id: "meeting-state", "data-state": s.state, class: s.state === "open" ? "ok" : "" },
      t(`meeting.state.${s.state}`), " · ", t("meeting.present", { n: s.present, capacity: s.capacity })));
  const floor = el("section", { class: "card", "aria-labelledby": "floor-h" },
    el("h2", { id: "floor-h" }, t("meeting.floor")),
    onAir ? el("p", { class: "speaker", id: "meeting-speaker" }, `🎙 ${onAir.name}`) : el("p", { id: "meeting-speaker" }, t("meeting.nobody")),
    el("h3", {}, t("meeting.hands", { n: queue.length })),
    queue.length ? el("ol", { id: "hands" }, queue.map((g) => el("li", { "data-guest": g.guest_id }, g.name))) : el("p", { id: "hands" }, "—"));
  const parts = [head, floor];
  // The camera card (kept across redraws) right under what it is for.
  if (live.role === "moderator") parts.push(moderatorPanel(s, queue, onAir), slot);
  else if (live.role === "guest" && live.me) parts.push(citizenPanel(s), slot, petitionForm(s));
  else parts.push(signInForm(s), slot);
  patch(body, parts);
  if (remote) remote.update();
  // Shown while the meeting can be watched (everyone: receive-only, no
  // camera), once a hand is raised, and while connected (a citizen back in
  // the audience keeps the connection for the next turn, and sees it).
  slot.hidden = !remote || (!mediaWanted() && !watchable() && !remote.inRoom);
}

// Watching needs no camera: the program's picture and sound, receive-only.
// The audience while the meeting is open; the staff from before it opens.
function watchable() {
  if (!live || !live.state || live.state.state === "closed") return false;
  return live.state.state === "open" || live.role === "moderator";
}

// The camera card's words for whom it is shown to.
function mediaHint() {
  if (live && live.role === "moderator") return "meeting.media_hint_staff";
  if (live && live.role === "guest" && live.me && ["hand", "admitted"].includes(live.me.state)) return "meeting.media_hint";
  return "meeting.media_hint_watch";
}

function mediaWanted() {
  if (!live || !live.state || live.state.state === "closed") return false;
  if (live.role === "moderator") return true;
  return live.role === "guest" && live.me && ["hand", "admitted"].includes(live.me.state);
}

function act(type, fields = {}) {
  return pageAct(live, type, fields);
}

// A field's message beside it (aria-invalid, read out through
// aria-describedby): the page's own words for the code if it has them.
function fieldMessage(field, code, vars = {}) {
  const own = `meeting.err.${field}.${code}`;
  return has(own) ? t(own, vars) : t(`records.err.${code}`, vars);
}

function showField(input, error, code, vars) {
  error.textContent = code ? fieldMessage(input.name, code, vars) : "";
  input.setAttribute("aria-invalid", code ? "true" : "false");
}

// Kept across redraws like the petition form: what is typed and the
// message beside a field stay while the page redraws.
function signInForm(s) {
  if (signInForm.cached) {
    signInForm.cached.button.disabled = s.state === "closed";
    return signInForm.cached.form;
  }
  const name = el("input", { id: "guest-name", name: "name", autocomplete: "name", required: true, maxlength: 100,
    "aria-describedby": "guest-name-err", "aria-invalid": "false" });
  const nameErr = el("span", { class: "field-error", id: "guest-name-err", "aria-live": "polite" });
  const phone = el("input", { id: "guest-phone", name: "phone", type: "tel", autocomplete: "tel", maxlength: 21,
    "aria-describedby": "guest-phone-err guest-phone-hint", "aria-invalid": "false" });
  const phoneErr = el("span", { class: "field-error", id: "guest-phone-err", "aria-live": "polite" });
  const button = el("button", { type: "submit", class: "big primary", disabled: s.state === "closed" }, t("meeting.join"));
  const form = el("form", { class: "card signin", id: "guest-form", "aria-labelledby": "guest-h", "data-keep": "", novalidate: true },
    el("h2", { id: "guest-h" }, t("meeting.join_title")),
    el("p", { class: "hint" }, t("meeting.join_hint")),
    el("label", { for: "guest-name" }, t("meeting.name")), name, nameErr,
    el("label", { for: "guest-phone" }, t("meeting.phone")), phone, phoneErr,
    el("p", { class: "hint", id: "guest-phone-hint" }, t("meeting.phone_hint")),
    button);
  // Checked on sending, not on leaving the field: a message appearing as
  // the field loses focus would move the button from under the pointer.
  phone.addEventListener("input", () => {
    if (phoneErr.textContent && (!phone.value.trim() || phoneOk(phone.value))) showField(phone, phoneErr, null);
  });
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearMessage();
    showField(name, nameErr, name.value.trim() ? null : "missing_field");
    if (!name.value.trim()) return name.focus();
    if (phone.value.trim() && !phoneOk(phone.value)) {
      showField(phone, phoneErr, "bad_phone");
      phone.focus(); // the field to mend, its message read out
      return;
    }
    try {
      await live.signIn(name.value.trim(), phone.value.trim());
      showField(phone, phoneErr, null);
      signInForm.cached = null; // signed in: a fresh form next time
    } catch (e) {
      const input = e && { name, phone }[e.field];
      if (input) {
        showField(input, input === name ? nameErr : phoneErr, e.code);
        input.focus();
      } else showError(e);
    }
  });
  signInForm.cached = { form, button };
  return form;
}

function citizenPanel(s) {
  const me = live.me;
  const b = (id, label, onclick, cls = "big") => el("button", { type: "button", id, class: cls, onclick, disabled: s.state !== "open" }, label);
  const line = me.state === "admitted" ? el("p", { class: "on-air", id: "my-state", "data-state": "admitted" }, t("meeting.you_on_air"))
    : me.state === "hand" ? el("p", { id: "my-state", "data-state": "hand" }, t("meeting.you_hand", { n: hands(s).findIndex((g) => g.guest_id === me.guest_id) + 1 }))
      : el("p", { id: "my-state", "data-state": "present" }, s.state === "open" ? t("meeting.you_present") : t(`meeting.wait.${s.state}`));
  return el("section", { class: "card", "aria-labelledby": "me-h" },
    el("h2", { id: "me-h" }, t("meeting.you", { name: me.name })),
    line,
    el("div", { class: "row" },
      me.state === "present" ? b("raise-hand", `✋ ${t("meeting.raise")}`, () => act("meeting.hand", { raised: true })) : null,
      me.state === "hand" ? b("lower-hand", t("meeting.lower"), () => act("meeting.hand", { raised: false })) : null,
      me.state === "admitted" ? b("end-turn", t("meeting.end_turn"), () => act("meeting.hand", { raised: false })) : null,
      el("button", { type: "button", id: "guest-leave", onclick: async () => {
        if (remote) await remote.leave();
        await live.signOut().catch(showError);
      } }, t("meeting.leave"))));
}

function petitionForm(s) {
  // Kept across redraws (its text is being typed): built once per sign-in.
  if (petitionForm.cached && petitionForm.cached.guest === live.me.guest_id) {
    petitionForm.cached.button.disabled = s.state === "closed";
    return petitionForm.cached.form;
  }
  const content = el("textarea", { id: "petition-content", name: "content", rows: 5, required: true });
  const area = el("select", { id: "petition-area" }, AREAS.map((a) => el("option", { value: a, selected: a === "other" }, t(`records.area.${a}`))));
  const locality = el("input", { id: "petition-locality", name: "locality" });
  const inputs = { content, locality };
  const errors = {};
  const counters = {};
  const done = el("div", { id: "petition-done", role: "status", "aria-live": "polite" });
  const button = el("button", { type: "submit", class: "big", disabled: s.state === "closed" }, t("meeting.petition_send"));
  const count = (k) => {
    const n = [...inputs[k].value].length;
    counters[k].textContent = t("archive.count", { n, max: LIMITS[k] });
    counters[k].dataset.over = n > LIMITS[k] ? "yes" : "no";
  };
  // A text field with its counter ("120/5000", red over the limit) and its
  // message, both read with it.
  const field = (k, label) => {
    errors[k] = el("span", { class: "field-error", id: `petition-${k}-err`, "aria-live": "polite" });
    counters[k] = el("span", { class: "counter", id: `petition-${k}-count` });
    inputs[k].setAttribute("aria-describedby", `petition-${k}-err petition-${k}-count`);
    inputs[k].setAttribute("aria-invalid", "false");
    inputs[k].addEventListener("input", () => {
      count(k);
      // Over the limit is said at once; other problems wait for the send.
      if ([...inputs[k].value].length > LIMITS[k]) showField(inputs[k], errors[k], "too_long", { max: LIMITS[k] });
      else if (errors[k].textContent) showField(inputs[k], errors[k], null);
    });
    count(k);
    return [el("label", { for: inputs[k].id }, t(label)), inputs[k], counters[k], errors[k]];
  };
  const form = el("form", { class: "card petition", id: "petition-form", "data-keep": "", "aria-labelledby": "pet-h", novalidate: true },
    el("h2", { id: "pet-h" }, t("meeting.petition")),
    el("p", { class: "hint" }, t("meeting.petition_hint")),
    ...field("content", "meeting.petition_content"),
    el("label", { for: "petition-area" }, t("meeting.petition_area")), area,
    ...field("locality", "meeting.petition_locality"),
    button, done);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    let first = null;
    for (const [k, e] of Object.entries(inputs)) {
      const v = e.value.trim();
      const n = [...v].length;
      const code = n > LIMITS[k] ? "too_long" : k === "content" && !n ? "missing_field" : k === "content" && n < 10 ? "bad_field" : null;
      showField(e, errors[k], code, { max: LIMITS[k] });
      if (code && !first) first = e;
    }
    if (first) {
      first.focus();
      return;
    }
    const fields = { content: content.value.trim(), area: area.value };
    if (locality.value.trim()) fields.locality = locality.value.trim();
    const r = await act("meeting.petition", fields, {
      onError: (e) => {
        if (e && inputs[e.field]) {
          showField(inputs[e.field], errors[e.field], e.code, { max: e.max || LIMITS[e.field] });
          inputs[e.field].focus();
        } else showError(e);
      },
    });
    if (r) {
      // The lookup code is shown once: the citizen follows the petition up
      // with it on /public/petition/, like one filed on the public form.
      done.replaceChildren(el("p", { class: "ok" }, `✔ ${t("meeting.petition_received", { code: r.code })}`),
        r.lookup_code ? el("p", {}, t("archive.lookup_code"), " ", el("strong", { class: "lookup-code", id: "petition-lookup-code" }, r.lookup_code)) : null,
        r.lookup_code ? el("p", { class: "hint" }, t("archive.lookup_help"), " ",
          el("a", { href: "/public/petition/", id: "petition-lookup-link", target: "_blank", rel: "noopener" }, t("archive.lookup_link"))) : null);
      content.value = "";
      for (const k of Object.keys(inputs)) {
        showField(inputs[k], errors[k], null);
        count(k);
      }
    }
  });
  petitionForm.cached = { form, button, guest: live.me.guest_id };
  return form;
}

function moderatorPanel(s, queue, onAir) {
  const b = (id, label, onclick, cls = "", disabled = false) => el("button", { type: "button", id, class: cls, onclick, disabled }, label);
  const closed = s.state === "closed";
  const rows = s.guests.slice().sort((a, c) => a.guest_id - c.guest_id).map((g) => el("tr", { "data-guest": g.guest_id },
    el("td", {}, g.name), el("td", {}, g.phone || "—"), el("td", {}, t(`meeting.guest_state.${g.state}`)), el("td", {}, String(g.spoke || 0)),
    el("td", {},
      g.state === "hand" ? b(`admit-${g.guest_id}`, t("meeting.admit"), () => act("meeting.admit", { guest_id: g.guest_id }), "primary", closed) : null,
      g.state === "admitted" ? b(`release-${g.guest_id}`, t("meeting.release"), () => act("meeting.release", { guest_id: g.guest_id }), "", closed) : null,
      b(`remove-${g.guest_id}`, t("meeting.remove"), () => {
        if (confirm(t("meeting.remove_confirm", { name: g.name }))) act("meeting.remove", { guest_id: g.guest_id });
      }, "danger", closed))));
  const all = rtcStatus && rtcStatus.participants ? rtcStatus.participants : [];
  // The audience watching (receive-only) is counted, not listed.
  const media = all.filter((p) => !p.receive_only);
  const watchers = all.length - media.length;
  return el("section", { class: "card", id: "moderator", "aria-labelledby": "mod-h" },
    el("h2", { id: "mod-h" }, t("meeting.moderator")),
    el("div", { class: "row" },
      s.state === "planned" ? b("meeting-open", t("meeting.open"), () => act("meeting.open"), "big primary") : null,
      s.state === "open" ? b("meeting-close", t("meeting.close"), () => {
        if (confirm(t("meeting.close_confirm"))) act("meeting.close");
      }, "big") : null,
      queue.length && s.state === "open" ? b("admit-next", t("meeting.admit_next", { name: queue[0].name }), () => act("meeting.admit", { guest_id: queue[0].guest_id }), "big primary") : null,
      onAir ? b("release-current", t("meeting.release_name", { name: onAir.name }), () => act("meeting.release", { guest_id: onAir.guest_id }), "big") : null),
    el("table", { id: "guests" },
      el("thead", {}, el("tr", {}, ["meeting.col.name", "meeting.col.phone", "meeting.col.state", "meeting.col.spoke", "meeting.col.actions"].map((k) => el("th", {}, t(k))))),
      el("tbody", {}, rows.length ? rows : el("tr", {}, el("td", { colspan: 5 }, t("meeting.no_guests"))))),
    el("h3", {}, t("meeting.media")),
    media.length
      ? el("ul", { id: "media-list" }, media.map((p) => el("li", { "data-person": p.person_id },
        `${p.name} — ${t(`remote.state.${p.state}`)}${p.on_floor ? ` · ${t("meeting.media_on_air")}` : ""}${p.muted ? ` · ${t("meeting.media_muted")}` : ""}`,
        p.audio_level_db != null && p.audio_level_db > -200 ? ` · ${Math.round(p.audio_level_db)} dB` : "",
        p.person_id < 0 ? b(`mute-${-p.person_id}`, p.muted ? t("meeting.unmute") : t("meeting.mute"), () => act("rtc.mute", { person_id: p.person_id, muted: !p.muted }).then(pollMedia)) : null)))
      : el("p", { id: "media-list" }, t("meeting.media_none")),
    el("p", { id: "media-watchers", "data-n": watchers }, t("meeting.media_watchers", { n: watchers })),
    el("h3", {}, t("meeting.petitions", { n: live.petitions.length })),
    live.petitions.length
      ? el("ul", { id: "petitions" }, live.petitions.map((p) => el("li", {}, `${p.code} — ${p.name}`)))
      : el("p", { id: "petitions" }, "—"),
    el("p", { class: "hint" }, t("meeting.petitions_hint")));
}

async function pollMedia() {
  if (!live || live.role !== "moderator" || live.status !== "live") return;
  try {
    rtcStatus = await live.request("rtc.status");
  } catch (_) {
    rtcStatus = null;
  }
  render();
}

// A connection for one request outside any meeting (meeting.create).
class OneShot extends Live {
  constructor(ready) {
    super(null, { lang: lang() });
    this.ready = ready;
  }

  async opened() {
    this.setStatus("live");
    this.ready(this);
  }
}

// The council's staff create a meeting here (meeting.create), then moderate
// it on its page. The councils offered: those the person manages or works
// for (GET /api/admin/sessions); the database decides (forbidden not_staff).
function createForm(councils) {
  const f = (id, label, attrs = {}, hint = null) => [
    el("label", { for: id }, t(label)), el("input", { id, name: id, ...attrs, ...(hint ? { "aria-describedby": `${id}-hint` } : {}) }),
    hint ? el("p", { class: "hint", id: `${id}-hint` }, t(hint)) : null];
  const council = el("select", { id: "new-council", name: "council" }, councils.map((c) => el("option", { value: c.council_id }, c.council)));
  const form = el("form", { class: "card", id: "meeting-create", "aria-labelledby": "create-h" },
    el("h2", { id: "create-h" }, t("meeting.create_title")),
    el("p", { class: "hint" }, t("meeting.create_hint")),
    councils.length > 1 ? [el("label", { for: "new-council" }, t("meeting.create_council")), council] : null,
    ...f("new-title", "meeting.create_name", { required: true, maxlength: 300 }),
    ...f("new-location", "meeting.create_location", { maxlength: 300 }),
    ...f("new-start", "meeting.create_start", { type: "datetime-local" }),
    ...f("new-capacity", "meeting.create_capacity", { type: "number", min: 1, max: 10000, value: 300 }, "meeting.create_capacity_hint"),
    el("button", { type: "submit", class: "big primary", id: "create-meeting" }, t("meeting.create")));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearMessage();
    const v = (id) => form.querySelector(`#${id}`).value.trim();
    const fields = { council_id: Number(council.value || councils[0].council_id), title: v("new-title") };
    if (v("new-location")) fields.location = v("new-location");
    if (v("new-start")) fields.planned_start = new Date(v("new-start")).toISOString();
    if (v("new-capacity")) fields.capacity = Number(v("new-capacity"));
    const conn = await new Promise((ready) => new OneShot(ready).connect());
    try {
      const r = await conn.request("meeting.create", fields);
      location.href = `/meeting/?id=${r.meeting_id}`;
    } catch (e) {
      showError(e);
    } finally {
      conn.close();
    }
  });
  return form;
}

async function showList() {
  // No meeting chosen: the meetings there are, and for the staff a form to
  // create one. No connection is open here: the badge says nothing.
  const badge = document.getElementById("status");
  if (badge) badge.hidden = true;
  let list = [];
  let mine = [];
  try {
    list = (await getJSON("/api/public/meetings")).meetings || [];
  } catch (e) {
    showError(e);
  }
  try {
    mine = await getJSON("/api/admin/sessions");
  } catch (_) {
    mine = []; // not signed in, or nobody's staff: no form
  }
  // Not signed in (or nobody's staff): the way in for the council's staff,
  // then the list again with the form to create a meeting.
  const staff = mine.length ? "" : el("details", { class: "card", id: "staff-signin" },
    el("summary", {}, t("meeting.staff_signin")),
    el("p", { class: "hint" }, t("meeting.staff_hint")),
    signinForm(() => showList()));
  main.replaceChildren(mine.length ? createForm(mine) : "", el("section", { class: "card", "aria-labelledby": "list-h" },
    el("h2", { id: "list-h" }, t("meeting.list")),
    list.length ? el("ul", { id: "meeting-list" }, list.map((m) => el("li", {},
      el("a", { href: `/meeting/?id=${m.meeting_id}` }, m.title), ` · ${m.council}`, m.planned_start ? ` · ${when(m.planned_start)}` : "",
      ` · ${t(`meeting.state.${m.state}`)}`))) : el("p", {}, "—")), staff);
}

async function start() {
  await initPage("meeting.title");
  if (!meetingId) return showList();
  main.replaceChildren(body);
  live = new MeetingLive(meetingId, {
    onChange: (m) => {
      render();
      // Admitted or released: the media follow (the server's rtc.state says
      // on air); the meeting closed: out of the room.
      if (m && m.name === "meeting.closed" && remote) remote.close("closed");
    },
    onStatus: (s) => {
      showStatus(s);
      // "Connected", not "Live": whether the meeting is under way is said
      // in its own line (#meeting-state), as on the public page.
      const badge = document.getElementById("status");
      if (badge && s === "live") badge.textContent = t("public.connected");
      if (remote) remote.onLiveStatus(s);
    },
    onRtc: (m) => remote && remote.onRtc(m),
  });
  remote = new Remote(live, {
    canJoin: () => mediaWanted(),
    canWatch: () => watchable(),
    hint: mediaHint,
    keys: { title: "meeting.live_title", hint: "meeting.media_hint_watch", join: "meeting.media_join", not_ready: "meeting.media_not_ready", watch: "meeting.watch" },
  });
  slot.replaceChildren(remote.card());
  live.connect();
  rtcTimer = setInterval(pollMedia, 2000);
  window.addEventListener("plenum:lang", () => {
    const badge = document.getElementById("status");
    if (badge && live.status === "live") badge.textContent = t("public.connected");
    render();
  });
}

start();
window.addEventListener("beforeunload", () => clearInterval(rtcTimer));
