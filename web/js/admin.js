// The secretary's and administrator's page, per council one manages:
// - people and their roles: add, edit, lock (POST /api/admin/person), or a
//   whole CSV file at once (POST /api/admin/import, all or nothing);
// - one-time sign-in codes printed as cards with a QR code (POST /api/admin/codes);
// - sessions with their sittings and agenda tree, editable until the session
//   opens (GET /api/admin/sessions, POST /api/admin/session).
// The server decides who may do what; a refusal is shown with its message,
// the field it names and its reason.
import { el, whoami } from "./live.js";
import { initPage, showError, showInfo, clearMessage, getJSON, postJSON, t } from "./page.js";
import { signinForm, signout } from "./signin.js";
import { has } from "./i18n.js";

const main = document.getElementById("main");
const ROLES = ["chair", "vice_chair", "secretary", "delegate", "staff"];
let me = null;
const names = new Map(); // person id -> name, to say whom a refusal concerns

// The server's message, then which field, the reason and the row, in words.
function refusal(err) {
  const parts = [err.message || t("error.generic")];
  if (err.field) parts.push(t("admin.about", { field: fieldName(err.field) }));
  if (err.reason) parts.push(t(`admin.reason.${err.reason}`));
  if (err.row) parts.push(t("admin.row", { row: err.row }));
  if (err.person_id) parts.push(t("admin.concerns", { name: names.get(err.person_id) || `#${err.person_id}` }));
  showError({ message: parts.join(" — ") });
}

function fieldName(f) {
  const key = `admin.f.${f}`;
  const s = t(key);
  return s === key ? f : s;
}

async function load() {
  clearMessage();
  let people, sessions;
  try {
    [people, sessions] = await Promise.all([getJSON("/api/admin/people"), getJSON("/api/admin/sessions")]);
  } catch (e) {
    return showError(e);
  }
  document.body.dataset.live = "yes";
  for (const c of people) for (const p of c.people) names.set(p.person_id, p.name);
  main.replaceChildren(
    el("section", { class: "card no-print" },
      el("p", {}, t("signin.signed_in", { name: me.display_name }), " ",
        el("button", { type: "button", class: "link", onclick: signout }, t("signin.logout")))),
    ...people.map((c) => council(c, sessions.find((s) => s.council_id === c.council_id))),
    el("p", { id: "print", class: "no-print", hidden: true },
      el("button", { type: "button", class: "primary", onclick: () => window.print() }, t("admin.print"))),
    el("section", { id: "cards", class: "cards" }));
  if (!people.length) main.prepend(el("p", {}, t("admin.nothing")));
}

function council(c, s) {
  const boxes = [];
  const form = el("div", { id: `person-form-${c.council_id}` });
  const rows = c.people.map((p) => {
    const box = el("input", { type: "checkbox", value: p.person_id, "aria-label": p.name, disabled: p.disabled });
    boxes.push(box);
    return el("tr", {}, el("td", {}, box), el("td", {}, p.seat_no || ""), el("td", {}, p.name),
      el("td", {}, p.login), el("td", {}, t(`role.${p.role}`)), el("td", {}, p.disabled ? t("admin.disabled") : ""),
      el("td", {}, el("button", { type: "button", id: `edit-${p.person_id}`, "aria-label": t("admin.edit_who", { name: p.name }),
        onclick: () => personForm(form, c, p) }, t("admin.edit")),
        me.is_admin ? el("button", { type: "button", class: "link", id: `reset-${p.person_id}`,
          "aria-label": t("admin.reset_who", { name: p.name }), onclick: () => reset(p) }, t("admin.reset")) : null));
  });
  const ttl = el("input", { id: `ttl-${c.council_id}`, type: "number", min: 1, max: 10080, value: 120 });
  return el("div", {},
    el("section", { class: "card no-print", "aria-labelledby": `c-${c.council_id}` },
      el("h2", { id: `c-${c.council_id}` }, c.council),
      el("div", { class: "row" },
        el("button", { type: "button", id: `add-${c.council_id}`, onclick: () => personForm(form, c, null) }, t("admin.add")),
        el("button", { type: "button", onclick: () => boxes.forEach((b) => { if (!b.disabled) b.checked = true; }) }, t("admin.select_all")),
        el("label", { for: `ttl-${c.council_id}` }, t("admin.ttl")), ttl,
        el("button", { type: "button", class: "primary", id: `codes-${c.council_id}`,
          onclick: () => issue(boxes.filter((b) => b.checked).map((b) => Number(b.value)), Number(ttl.value)) }, t("admin.issue"))),
      form,
      el("table", { class: "people" },
        el("thead", {}, el("tr", {}, el("th", {}, "✓"), el("th", {}, "#"), el("th", {}, t("secretary.name")),
          el("th", {}, t("signin.login")), el("th", {}, t("admin.role")), el("th", {}, ""), el("th", {}, ""))),
        el("tbody", {}, rows))),
    importCard(c),
    sessionsCard(c, s ? s.sessions : []));
}

// --- one person ---------------------------------------------------------------

function field(id, label, input) {
  input.id = id;
  return el("div", { class: "field" }, el("label", { for: id }, label), input);
}

function personForm(box, c, p) {
  clearMessage();
  const k = p ? p.person_id : "new";
  const roles = ROLES.filter((r) => c.grantable.includes(r) || (p && p.role === r));
  const inputs = {
    login: el("input", { value: p ? p.login : "", required: true, autocomplete: "off", pattern: "[a-z0-9][a-z0-9._\\-]{1,63}" }),
    name: el("input", { value: p ? p.name : "", required: true, maxlength: 200 }),
    role: el("select", {}, roles.map((r) => el("option", { value: r, selected: (p ? p.role : "delegate") === r }, t(`role.${r}`)))),
    seat_no: el("input", { type: "number", min: 1, value: p && p.seat_no ? p.seat_no : "" }),
    title: el("input", { value: (p && p.title) || "", maxlength: 200 }),
    email: el("input", { type: "email", value: (p && p.email) || "" }),
    phone: el("input", { type: "tel", value: (p && p.phone) || "" }),
    disabled: el("input", { type: "checkbox", checked: !!(p && p.disabled) }),
  };
  const save = async (ev) => {
    ev.preventDefault();
    const doc = { council_id: c.council_id, login: inputs.login.value.trim(), name: inputs.name.value.trim(),
      role: inputs.role.value, seat_no: inputs.seat_no.value ? Number(inputs.seat_no.value) : null,
      title: inputs.title.value.trim(), email: inputs.email.value.trim(), phone: inputs.phone.value.trim(),
      disabled: inputs.disabled.checked };
    if (p) {
      doc.person_id = p.person_id;
      // Send only what changed: the server keeps the rest as it is.
      if (doc.role === p.role) delete doc.role;
      if (doc.disabled === p.disabled) delete doc.disabled;
      if (doc.login === p.login) delete doc.login;
    }
    try {
      const out = await postJSON("/api/admin/person", doc);
      await load();
      showInfo(t(out.created ? "admin.created" : "admin.saved", { name: doc.name }));
    } catch (e) {
      refusal(e);
    }
  };
  box.replaceChildren(el("form", { class: "card edit", id: `person-${k}`, onsubmit: save },
    el("h3", {}, p ? t("admin.edit_who", { name: p.name }) : t("admin.add")),
    el("div", { class: "grid" },
      field(`p-${k}-login`, t("signin.login"), inputs.login),
      field(`p-${k}-name`, t("admin.f.name"), inputs.name),
      field(`p-${k}-role`, t("admin.role"), inputs.role),
      field(`p-${k}-seat`, t("admin.seat"), inputs.seat_no),
      field(`p-${k}-title`, t("admin.f.title"), inputs.title),
      field(`p-${k}-email`, t("admin.f.email"), inputs.email),
      field(`p-${k}-phone`, t("admin.f.phone"), inputs.phone)),
    el("label", { class: "check" }, inputs.disabled, " ", t("admin.lock")),
    el("div", { class: "row" },
      el("button", { type: "submit", class: "primary", id: `save-${k}` }, t("admin.save")),
      el("button", { type: "button", onclick: () => box.replaceChildren() }, t("admin.cancel")))));
  inputs.name.focus();
}

// --- a CSV file -----------------------------------------------------------------

const TEMPLATE = "login,display_name,role,seat_no,email,phone,title\r\n" +
  "daibieu31,Nguyễn Văn A,delegate,31,a@example.vn,0912345678,Tổ đại biểu số 1\r\n";

function base64(bytes) {
  let bin = "";
  // In slices: String.fromCharCode takes its arguments on the stack.
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

function importCard(c) {
  const file = el("input", { type: "file", id: `csv-${c.council_id}`, accept: ".csv,text/csv" });
  const errors = el("div", { id: `import-errors-${c.council_id}` });
  const run = async () => {
    clearMessage();
    errors.replaceChildren();
    if (!file.files.length) return showError({ message: t("admin.import_choose") });
    // The file's bytes, not file.text(): that reads everything as UTF-8 and
    // turns a CP1258 or Windows-1252 file from Excel into "�". The server
    // tells the encodings apart (server/admin/csv.c).
    const csv_base64 = base64(new Uint8Array(await file.files[0].arrayBuffer()));
    try {
      const out = await postJSON("/api/admin/import", { council_id: c.council_id, csv_base64 });
      await load();
      showInfo(t("admin.imported", out));
    } catch (e) {
      refusal(e);
      if (e.rows) errors.replaceChildren(el("table", { class: "people errors" },
        el("thead", {}, el("tr", {}, el("th", {}, t("admin.row_h")), el("th", {}, t("admin.field_h")), el("th", {}, t("admin.problem_h")))),
        el("tbody", {}, e.rows.map((r) => el("tr", {}, el("td", {}, r.row), el("td", {}, fieldName(r.field || "")),
          el("td", {}, t(`admin.err.${r.error}`), r.reason && has(`admin.reason.${r.reason}`) ? `: ${t(`admin.reason.${r.reason}`)}` : "",
            r.value ? ` («${r.value}»)` : ""))))));
    }
  };
  return el("section", { class: "card no-print", "aria-labelledby": `imp-${c.council_id}` },
    el("h2", { id: `imp-${c.council_id}` }, t("admin.import_title")),
    el("p", {}, t("admin.import_help"), " ",
      el("a", { href: `data:text/csv;charset=utf-8,${encodeURIComponent(TEMPLATE)}`, download: "plenum-nguoi.csv" }, t("admin.template"))),
    el("p", { class: "hint" }, t("admin.import_encodings")),
    el("div", { class: "row" },
      el("label", { for: `csv-${c.council_id}` }, t("admin.file")), file,
      el("button", { type: "button", class: "primary", id: `import-${c.council_id}`, onclick: run }, t("admin.import"))),
    errors);
}

// --- sessions, sittings, agenda ------------------------------------------------

function sessionsCard(c, sessions) {
  const form = el("div", { id: `session-form-${c.council_id}` });
  const when = (iso) => iso ? new Date(iso).toLocaleString(document.documentElement.lang === "en" ? "en-GB" : "vi-VN") : "";
  return el("section", { class: "card no-print", "aria-labelledby": `s-${c.council_id}` },
    el("h2", { id: `s-${c.council_id}` }, t("admin.sessions")),
    el("div", { class: "row" },
      el("button", { type: "button", id: `new-session-${c.council_id}`, onclick: () => sessionForm(form, c, null) }, t("admin.new_session"))),
    form,
    el("table", { class: "people" },
      el("thead", {}, el("tr", {}, el("th", {}, t("admin.f.number")), el("th", {}, t("admin.f.session_title")),
        el("th", {}, t("admin.f.planned_start")), el("th", {}, t("admin.state")), el("th", {}, ""))),
      el("tbody", {}, sessions.map((s) => el("tr", {},
        el("td", {}, s.number), el("td", {}, s.title), el("td", {}, when(s.planned_start)),
        el("td", {}, t(`admin.state.${s.state}`)),
        el("td", {}, s.state === "planned"
          ? el("button", { type: "button", id: `edit-session-${s.id}`, "aria-label": t("admin.edit_who", { name: s.title }),
            onclick: () => sessionForm(form, c, s) }, t("admin.edit"))
          : t("admin.locked_session")))))));
}

// The flat list from the server as a tree of {id, title, presenter, children}.
function tree(items) {
  const byId = new Map(items.map((i) => [i.id, { id: i.id, title: i.title, presenter: i.presenter || "", children: [] }]));
  const roots = [];
  for (const i of [...items].sort((a, b) => a.position - b.position)) {
    (i.parent_id ? byId.get(i.parent_id).children : roots).push(byId.get(i.id));
  }
  return roots;
}

// ISO time <-> the value of an <input type="datetime-local"> (local time).
function toLocalInput(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
const fromLocalInput = (v) => (v ? new Date(v).toISOString() : null);

function sessionForm(box, c, s) {
  clearMessage();
  const k = s ? s.id : "new";
  const model = {
    sittings: s ? s.sittings.map((x) => ({ id: x.id, title: x.title, closed: x.visibility === "closed", start: toLocalInput(x.planned_start) }))
      : [{ title: t("admin.sitting_default", { n: 1 }), closed: false, start: "" }],
    agenda: s ? tree(s.agenda) : [],
  };
  const inputs = {
    title: el("input", { value: s ? s.title : "", required: true, maxlength: 500 }),
    number: el("input", { type: "number", min: 1, value: s ? s.number : "" }),
    kind: el("select", {}, ["regular", "extraordinary"].map((v) => el("option", { value: v, selected: s && s.kind === v }, t(`admin.kind.${v}`)))),
    visibility: el("select", {}, ["public", "closed"].map((v) => el("option", { value: v, selected: s && s.visibility === v }, t(`admin.vis.${v}`)))),
    location: el("input", { value: (s && s.location) || "", maxlength: 300 }),
    start: el("input", { type: "datetime-local", value: s ? toLocalInput(s.planned_start) : "" }),
    source: el("input", { value: (s && s.media_source) || "", placeholder: "test, srt://:9000, rtsp://…, v4l2:/dev/video0", autocomplete: "off" }),
    restream: el("input", { value: (s && s.media_restream) || "", placeholder: "rtmp://a.rtmp.youtube.com/live2/…", autocomplete: "off" }),
  };
  const sittingsBox = el("ol", { class: "sittings" });
  const agendaBox = el("div", { class: "agenda-edit" });
  const redraw = () => {
    sittingsBox.replaceChildren(...model.sittings.map((x, i) => el("li", {},
      el("input", { value: x.title, "aria-label": t("admin.sitting_title", { n: i + 1 }), id: `sitting-${k}-${i}`, oninput: (e) => { x.title = e.target.value; } }),
      el("input", { type: "datetime-local", value: x.start, "aria-label": t("admin.f.planned_start"), oninput: (e) => { x.start = e.target.value; } }),
      el("label", { class: "check" }, el("input", { type: "checkbox", checked: x.closed, onchange: (e) => { x.closed = e.target.checked; } }), " ", t("admin.closed_sitting")),
      el("button", { type: "button", "aria-label": t("admin.remove_sitting", { n: i + 1 }), onclick: () => { model.sittings.splice(i, 1); redraw(); } }, "✕"))));
    agendaBox.replaceChildren(items(model.agenda, 0, redraw, k));
  };
  redraw();
  const save = async (ev) => {
    ev.preventDefault();
    const strip = (list) => list.map((n) => ({ ...(n.id ? { id: n.id } : {}), title: n.title.trim(), presenter: n.presenter.trim(),
      ...(n.children.length ? { children: strip(n.children) } : {}) }));
    const doc = { council_id: c.council_id, title: inputs.title.value.trim(), kind: inputs.kind.value,
      visibility: inputs.visibility.value, location: inputs.location.value.trim(), planned_start: fromLocalInput(inputs.start.value),
      media_source: inputs.source.value.trim(), media_restream: inputs.restream.value.trim(),
      sittings: model.sittings.map((x) => ({ ...(x.id ? { id: x.id } : {}), title: x.title.trim(),
        visibility: x.closed ? "closed" : "public", planned_start: fromLocalInput(x.start) })),
      agenda: strip(model.agenda) };
    if (inputs.number.value) doc.number = Number(inputs.number.value);
    if (s) doc.id = s.id;
    try {
      await postJSON("/api/admin/session", doc);
      await load();
      showInfo(t("admin.session_saved", { title: doc.title }));
    } catch (e) {
      refusal(e);
    }
  };
  box.replaceChildren(el("form", { class: "card edit", id: `session-${k}`, onsubmit: save },
    el("h3", {}, s ? t("admin.edit_who", { name: s.title }) : t("admin.new_session")),
    el("div", { class: "grid" },
      field(`s-${k}-title`, t("admin.f.session_title"), inputs.title),
      field(`s-${k}-number`, t("admin.f.number"), inputs.number),
      field(`s-${k}-kind`, t("admin.f.kind"), inputs.kind),
      field(`s-${k}-vis`, t("admin.f.visibility"), inputs.visibility),
      field(`s-${k}-location`, t("admin.f.location"), inputs.location),
      field(`s-${k}-start`, t("admin.f.planned_start"), inputs.start),
      field(`s-${k}-source`, t("admin.f.media_source"), inputs.source),
      field(`s-${k}-restream`, t("admin.f.media_restream"), inputs.restream)),
    el("p", { class: "small" }, t("admin.source_help")),
    el("h4", {}, t("admin.f.sittings")), sittingsBox,
    el("button", { type: "button", id: `add-sitting-${k}`, onclick: () => { model.sittings.push({ title: t("admin.sitting_default", { n: model.sittings.length + 1 }), closed: false, start: "" }); redraw(); } }, t("admin.add_sitting")),
    el("h4", {}, t("admin.f.agenda")), agendaBox,
    el("button", { type: "button", id: `add-item-${k}`, onclick: () => { model.agenda.push({ title: "", presenter: "", children: [] }); redraw(); } }, t("admin.add_item")),
    el("div", { class: "row" },
      el("button", { type: "submit", class: "primary", id: `save-session-${k}` }, t("admin.save")),
      el("button", { type: "button", onclick: () => box.replaceChildren() }, t("admin.cancel")))));
  inputs.title.focus();
}

// One level of the agenda editor; every move is a labelled button, so the
// tree can be rearranged from the keyboard.
function items(list, depth, redraw, k, parentList = null, parentIndex = -1) {
  return el("ol", { class: "items" }, list.map((n, i) => {
    const label = (what) => t(what, { title: n.title || t("admin.untitled") });
    const buttons = [];
    const btn = (text, what, fn, disabled = false) => {
      const b = el("button", { type: "button", class: "small", "aria-label": label(what), title: label(what), disabled, onclick: () => { fn(); redraw(); } }, text);
      b.dataset.what = what;
      buttons.push(b);
      return b;
    };
    // The buttons are named after the item: rename them as the title is typed.
    const retitle = (e) => {
      n.title = e.target.value;
      for (const b of buttons) b.setAttribute("aria-label", label(b.dataset.what)), b.setAttribute("title", label(b.dataset.what));
    };
    return el("li", {},
      el("div", { class: "item-row" },
        el("input", { value: n.title, class: "item-title", "aria-label": t("admin.item_title"), placeholder: t("admin.item_title"),
          id: `item-${k}-${depth}-${i}`, oninput: retitle }),
        el("input", { value: n.presenter, class: "item-presenter", "aria-label": t("admin.presenter"), placeholder: t("admin.presenter"),
          oninput: (e) => { n.presenter = e.target.value; } }),
        btn("↑", "admin.move_up", () => list.splice(i - 1, 0, list.splice(i, 1)[0]), i === 0),
        btn("↓", "admin.move_down", () => list.splice(i + 1, 0, list.splice(i, 1)[0]), i === list.length - 1),
        btn("→", "admin.indent", () => list[i - 1].children.push(list.splice(i, 1)[0]), i === 0 || depth >= 2),
        btn("←", "admin.outdent", () => parentList.splice(parentIndex + 1, 0, list.splice(i, 1)[0]), depth === 0),
        btn("+", "admin.add_child", () => n.children.push({ title: "", presenter: "", children: [] }), depth >= 2),
        btn("✕", "admin.remove_item", () => list.splice(i, 1))),
      n.children.length ? items(n.children, depth + 1, redraw, `${k}-${i}`, list, i) : null);
  }));
}

// --- printed codes --------------------------------------------------------------

// An administrator's reset (POST /api/admin/reset): the person's password and
// sign-ins end, so a new one-time code may be printed for them. They are told
// at their next sign-in, and it is in the security log.
async function reset(p) {
  clearMessage();
  if (!window.confirm(t("admin.reset_confirm", { name: p.name }))) return;
  try {
    await postJSON("/api/admin/reset", { person_id: p.person_id });
  } catch (e) {
    return refusal(e);
  }
  showInfo(t("admin.reset_done", { name: p.name }));
}

async function issue(ids, ttl) {
  clearMessage();
  if (!ids.length) return showError({ message: t("admin.choose") });
  let codes;
  try {
    codes = await postJSON("/api/admin/codes", { person_ids: ids, ttl_minutes: ttl });
  } catch (e) {
    return refusal(e);
  }
  const until = (iso) => new Date(iso).toLocaleString(document.documentElement.lang === "en" ? "en-GB" : "vi-VN");
  document.getElementById("print").hidden = false;
  document.getElementById("cards").replaceChildren(
    ...codes.map((c) => el("article", { class: "code-card", "data-link": c.signin_url || "" },
      el("img", { src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(c.qr_svg)}`, alt: t("admin.qr_alt", { name: c.name }) }),
      el("div", {},
        el("p", { class: "name" }, c.name),
        c.seat_no ? el("p", {}, `${t("admin.seat")} ${c.seat_no}`) : null,
        el("p", { class: "code" }, c.code),
        el("p", { class: "small" }, t("admin.valid_until", { time: until(c.expires_at) })),
        el("p", { class: "small" }, t("admin.how"))))));
}

async function start() {
  await initPage("page.admin");
  // This page has no live connection: no connection badge to mislead.
  document.getElementById("status")?.remove();
  window.addEventListener("plenum:lang", () => { if (me) load(); });
  me = await whoami();
  if (!me) {
    main.replaceChildren(signinForm((p) => { me = p; load(); }));
    return;
  }
  load();
}

start();
