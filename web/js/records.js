// The records page, for the council's staff (the secretary first):
// - documents of a session: upload (the server reads the type from the
//   content), new versions, who read what (/api/documents...);
// - the minutes built from the sitting: read, add notes, finalise (then
//   frozen, with its hash), export as printable HTML, CSV or JSON;
// - voters' petitions: enter one from a meeting, assign, answer, publish,
//   close, merge duplicates; overdue ones flagged;
// - the dashboard for the standing board and the ward plan's figures.
// The server decides who may do what; a refusal shows its message.
import { el, whoami } from "./live.js";
import { clearMessage, getJSON, initPage, postJSON, resultView, showError, showInfo, t } from "./page.js";
import { signinForm, signout } from "./signin.js";
import { withLang } from "./i18n.js";

const main = document.getElementById("main");
const AREAS = ["land", "construction", "transport", "environment", "health", "education", "social",
  "security", "economy", "administration", "other"];
const STATUSES = ["received", "assigned", "answered", "published", "closed", "merged"];
let me = null;
let councils = []; // from /api/admin/sessions: [{council_id, council, sessions}]
const sel = { council: null, session: null, tab: "documents" };
let confirming = false; // the finalise button asked once already

// A refusal in words: the server's message, then the fields it names.
function refusal(err) {
  const parts = [err.message || t("error.generic")];
  if (err.reason) parts.push(t(`records.reason.${err.reason}`));
  if (err.fields) parts.push(err.fields.map((f) => `${fieldLabel(f.field)}: ${t(`records.err.${f.error}`)}`).join("; "));
  else if (err.field) parts.push(fieldLabel(err.field));
  showError({ message: parts.join(" — ") });
}

function fieldLabel(f) {
  const key = `records.f.${f}`;
  const s = t(key);
  return s === key ? f : s;
}

function council() {
  return councils.find((c) => c.council_id === sel.council) || null;
}

function session() {
  const c = council();
  return c ? c.sessions.find((s) => s.id === sel.session) || null : null;
}

function when(iso, withDate = true) {
  if (!iso) return "—";
  const d = new Date(iso);
  const opts = { timeZone: "Asia/Ho_Chi_Minh", hour: "2-digit", minute: "2-digit" };
  if (withDate) Object.assign(opts, { day: "2-digit", month: "2-digit", year: "numeric" });
  return d.toLocaleString(t("locale"), opts);
}

// A calendar date ("2026-12-12"), as the reader writes dates.
function day(ymd) {
  if (!ymd) return "—";
  return new Date(`${ymd}T00:00:00Z`).toLocaleDateString(t("locale"), { timeZone: "UTC", day: "2-digit", month: "2-digit", year: "numeric" });
}

function duration(s) {
  if (s === null || s === undefined) return "—";
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function size(n) {
  return n >= 1048576 ? `${(n / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`;
}

// --- the frame: council, session, tabs -------------------------------------------

async function load() {
  clearMessage();
  try {
    councils = await getJSON("/api/admin/sessions");
  } catch (e) {
    return refusal(e);
  }
  document.body.dataset.live = "yes";
  if (!councils.length) return main.replaceChildren(el("p", {}, t("records.nothing")));
  if (!council()) sel.council = councils[0].council_id;
  const c = council();
  if (!session() && c.sessions.length) {
    const q = Number(new URLSearchParams(location.search).get("session"));
    sel.session = (c.sessions.find((s) => s.id === q) || c.sessions[0]).id;
  }
  frame();
}

function frame() {
  const c = council();
  const tabs = ["documents", "minutes", "petitions", "dashboard"];
  const body = el("div", { id: "tab-body" });
  main.replaceChildren(
    el("section", { class: "card" },
      el("p", {}, t("signin.signed_in", { name: me.display_name }), " ",
        el("button", { type: "button", class: "link", onclick: signout }, t("signin.logout"))),
      el("div", { class: "row" },
        councils.length > 1 ? el("select", { id: "council", "aria-label": t("records.council"), onchange: (e) => {
          sel.council = Number(e.target.value);
          sel.session = null;
          load();
        } }, councils.map((x) => el("option", { value: x.council_id, selected: x.council_id === sel.council }, x.council))) : el("strong", {}, c.council),
        el("label", { for: "session" }, t("records.session")),
        el("select", { id: "session", onchange: (e) => {
          sel.session = Number(e.target.value);
          confirming = false;
          show(body);
        } }, c.sessions.map((s) => el("option", { value: s.id, selected: s.id === sel.session }, `${s.title} (${t(`session.state.${s.state}`)})`)))),
      el("nav", { class: "tabs row", role: "tablist" }, tabs.map((k) =>
        el("button", { type: "button", role: "tab", id: `tab-${k}`, "aria-selected": String(sel.tab === k), onclick: () => {
          sel.tab = k;
          confirming = false;
          frame();
        } }, t(`records.tab.${k}`))))),
    body);
  show(body);
}

function show(body) {
  clearMessage();
  const views = { documents, minutes, petitions, dashboard };
  views[sel.tab](body).catch((e) => refusal(e));
}

// --- documents ------------------------------------------------------------------------

function items(s) {
  // The agenda tree, flat, with its numbering ("2.1").
  const out = [];
  const walk = (parent, prefix) => s.agenda.filter((a) => a.parent_id === parent)
    .sort((a, b) => a.position - b.position)
    .forEach((a) => {
      const n = prefix ? `${prefix}.${a.position}` : String(a.position);
      out.push({ id: a.id, label: `${n}. ${a.title}` });
      walk(a.id, n);
    });
  walk(null, "");
  return out;
}

async function upload(fields, file) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) if (v !== "" && v !== null && v !== undefined) form.append(k, v);
  form.append("file", file, file.name);
  const r = await fetch(withLang("/api/documents"), { method: "POST", credentials: "same-origin", body: form });
  const out = await r.json().catch(() => ({ message: t("error.generic") }));
  if (!r.ok) throw out;
  return out;
}

async function documents(body) {
  const s = session();
  if (!s) return body.replaceChildren(el("p", {}, t("session.none")));
  const list = await getJSON(`/api/documents?session_id=${s.id}`);
  const its = items(s);
  const itemName = (id) => (its.find((i) => i.id === id) || { label: "—" }).label;
  const title = el("input", { id: "doc-title", required: true, maxlength: 300 });
  const item = el("select", { id: "doc-item" }, el("option", { value: "" }, t("records.doc.whole_session")),
    its.map((i) => el("option", { value: i.id }, i.label)));
  const kind = el("select", { id: "doc-kind" }, ["draft", "report", "resolution", "other"].map((k) =>
    el("option", { value: k }, t(`records.kind.${k}`))));
  const vis = el("select", { id: "doc-visibility" }, ["delegates", "public"].map((v) =>
    el("option", { value: v }, t(`records.visibility.${v}`))));
  const file = el("input", { id: "doc-file", type: "file", required: true,
    accept: ".pdf,.docx,.xlsx,.pptx,.doc,.xls,.ppt,.odt,.ods,.odp,.png,.jpg,.jpeg,.txt" });
  const form = el("form", { class: "card edit", id: "doc-form", onsubmit: async (ev) => {
    ev.preventDefault();
    try {
      await upload({ session_id: s.id, agenda_item_id: item.value, title: title.value.trim(), kind: kind.value,
        visibility: vis.value }, file.files[0]);
      show(body);
      showInfo(t("records.doc.uploaded"));
    } catch (e) {
      refusal(e);
    }
  } },
  el("h2", {}, t("records.doc.upload")),
  el("label", { for: "doc-title" }, t("records.f.title")), title,
  el("label", { for: "doc-item" }, t("records.f.agenda_item_id")), item,
  el("label", { for: "doc-kind" }, t("records.f.kind")), kind,
  el("label", { for: "doc-visibility" }, t("records.f.visibility")), vis,
  el("label", { for: "doc-file" }, t("records.f.file")), file,
  el("p", { class: "hint" }, t("records.doc.types")),
  el("button", { type: "submit", class: "primary", id: "doc-upload" }, t("records.doc.send")));
  const rows = list.documents.map((d) => {
    const newer = el("input", { type: "file", id: `doc-new-${d.id}`, "aria-label": t("records.doc.new_version") });
    const who = el("div", { id: `doc-readers-${d.id}` });
    const older = (d.versions || []).filter((v) => v.id !== d.id); // the replaced ones
    return el("tr", { "data-doc": d.id },
      el("td", {}, el("a", { href: d.url, target: "_blank", rel: "noopener" }, d.title),
        older.length ? el("p", { class: "hint" }, t("records.doc.replaces", { n: older.length }),
          " ", older.map((v) => el("a", { href: v.url, target: "_blank", rel: "noopener", class: "old", "data-version": v.version }, ` v${v.version}`))) : null,
        who),
      el("td", {}, itemName(d.agenda_item_id)),
      el("td", {}, t(`records.kind.${d.kind}`)),
      el("td", {}, t(`records.visibility.${d.visibility}`)),
      el("td", {}, `v${d.version}`),
      el("td", {}, size(d.bytes)),
      el("td", {}, el("code", { title: d.sha256 }, d.sha256.slice(0, 12))),
      el("td", {}, t("records.doc.reads", { opens: d.opens ?? 0, readers: d.readers ?? 0 }), " ",
        el("button", { type: "button", class: "link", id: `doc-opens-${d.id}`, onclick: async () => {
          try {
            const o = await getJSON(`/api/documents/opens?id=${d.id}`);
            who.replaceChildren(
              el("p", {}, t("records.doc.read_by"), " ", o.opens.length ? o.opens.map((x) => `${x.name} (${when(x.opened_at)})`).join(", ") : "—"),
              el("p", {}, t("records.doc.unread"), " ", o.unread.length ? o.unread.map((x) => x.name).join(", ") : "—"));
          } catch (e) {
            refusal(e);
          }
        } }, t("records.doc.who"))),
      el("td", {}, newer, el("button", { type: "button", id: `doc-replace-${d.id}`, onclick: async () => {
        if (!newer.files[0]) return showError({ message: t("records.doc.pick_file") });
        try {
          await upload({ replaces: d.id }, newer.files[0]);
          show(body);
          showInfo(t("records.doc.uploaded"));
        } catch (e) {
          refusal(e);
        }
      } }, t("records.doc.new_version"))));
  });
  body.replaceChildren(form,
    el("section", { class: "card" }, el("h2", {}, t("records.doc.list")),
      rows.length
        ? el("table", { class: "people", id: "doc-list" },
          el("thead", {}, el("tr", {}, ["title", "agenda_item_id", "kind", "visibility", "version", "size", "sha256", "reads", "actions"]
            .map((h) => el("th", {}, t(`records.col.${h}`))))),
          el("tbody", {}, rows))
        : el("p", {}, t("records.doc.none"))));
}

// --- minutes --------------------------------------------------------------------------

// The public page at that moment of the recording, in a new tab (the
// minutes stay open).
function videoLink(href, text) {
  return el("a", { href, target: "_blank", rel: "noopener", class: "video", title: t("records.min.video") }, text);
}

async function minutes(body) {
  const s = session();
  if (!s) return body.replaceChildren(el("p", {}, t("session.none")));
  const r = await fetch(withLang(`/api/minutes?session_id=${s.id}&format=json`), { credentials: "same-origin" });
  const m = await r.json();
  if (!r.ok) throw m;
  const hash = r.headers.get("X-Content-SHA256");
  const final = Boolean(m.finalised_at);
  const notes = el("textarea", { id: "minutes-notes", rows: 5, maxlength: 20000, readonly: final }, m.notes || "");
  const base = `/api/minutes?session_id=${s.id}`;
  const itemTitle = (id) => (m.agenda.find((a) => a.id === id) || { number: "", title: "—" });
  const state = final
    ? el("p", { id: "minutes-state", class: "ok" }, `✔ ${t("records.min.final", { at: when(m.finalised_at), by: m.finalised_by })} `,
      t("records.min.hash"), " ", el("code", { id: "minutes-hash" }, hash || ""))
    : el("p", { id: "minutes-state", class: "warn" }, t("records.min.draft"));
  const actions = final ? [] : [
    el("button", { type: "button", id: "minutes-save", onclick: async () => {
      try {
        await postJSON("/api/minutes/notes", { session_id: s.id, notes: notes.value });
        showInfo(t("records.min.saved"));
      } catch (e) {
        refusal(e);
      }
    } }, t("records.min.save")),
    confirming
      ? el("button", { type: "button", class: "primary", id: "minutes-confirm", onclick: async () => {
        try {
          await postJSON("/api/minutes/notes", { session_id: s.id, notes: notes.value });
          await postJSON("/api/minutes/finalise", { session_id: s.id });
          confirming = false;
          await minutes(body);
          showInfo(t("records.min.finalised"));
        } catch (e) {
          confirming = false;
          refusal(e);
        }
      } }, t("records.min.confirm"))
      : el("button", { type: "button", class: "primary", id: "minutes-finalise", disabled: s.state !== "closed", onclick: () => {
        confirming = true;
        minutes(body);
      } }, t("records.min.finalise")),
    confirming ? el("p", { class: "warn" }, t("records.min.confirm_help")) : null,
    s.state !== "closed" ? el("p", { class: "hint" }, t("records.min.needs_closed")) : null];
  body.replaceChildren(el("section", { class: "card", id: "minutes", "aria-labelledby": "min-h" },
    el("h2", { id: "min-h" }, t("records.min.title"), " — ", m.session.title),
    state,
    el("p", { class: "row" },
      el("a", { href: `${base}&format=html`, target: "_blank", id: "minutes-html" }, t("records.min.html")),
      el("a", { href: `${base}&format=csv`, id: "minutes-csv" }, "CSV"),
      el("a", { href: `${base}&format=json`, target: "_blank", id: "minutes-json" }, "JSON")),
    el("h3", {}, t("records.min.sittings")),
    m.sittings.map((x) => el("div", { class: "sitting" },
      el("h4", {}, x.title),
      el("p", {}, x.opened_at ? t("records.min.sitting_times", { from: when(x.opened_at), to: when(x.closed_at),
        present: x.present_count, total: x.total_seats }) : t("records.min.not_held"),
      x.video ? [" ", videoLink(x.video, t("records.min.video"))] : null),
      x.opened_at ? el("p", { class: "hint" }, t("records.min.present"), " ", x.present.map((p) => p.name).join(", ") || "—") : null,
      x.opened_at && x.absent && x.absent.length ? el("p", { class: "hint absent" }, t("records.min.absent"), " ", x.absent.map((p) => p.name).join(", ")) : null)),
    el("h3", {}, t("records.min.agenda")),
    el("ol", { class: "plain" }, m.agenda.map((a) => el("li", {}, `${a.number}. ${a.title}`,
      a.first_active_at ? ` — ${when(a.first_active_at)}` : ""))),
    el("h3", {}, t("records.min.turns")),
    m.turns.length
      ? el("table", { class: "people", id: "minutes-turns" },
        el("thead", {}, el("tr", {}, ["#", t("records.col.speaker"), t("records.col.turn_kind"), t("records.col.item"),
          t("records.col.start"), t("records.col.duration")].map((h) => el("th", {}, h)))),
        el("tbody", {}, m.turns.map((x, i) => {
          const it = itemTitle(x.agenda_item_id);
          return el("tr", { class: "turn" }, el("td", {}, String(i + 1)), el("td", {}, x.name), el("td", {}, t(`kind.${x.kind}`)),
            el("td", {}, `${it.number}. ${it.title}`), el("td", {}, when(x.started_at, false),
              x.video ? [" ", videoLink(x.video, "▶")] : null),
            el("td", {}, duration(x.duration_s), x.overran ? ` (${t("records.min.overran")})` : ""));
        })))
      : el("p", {}, t("records.min.no_turns")),
    el("h3", {}, t("records.min.votes")),
    m.votes.length ? m.votes.map((v) => el("article", { class: "vote", "data-vote": v.id },
      el("h4", {}, v.question),
      el("p", {}, `${t(`vote.kind.${v.kind}`)} · ${t(`rule.name.${v.rule}`)} · ${t(`vote.state.${v.state}`)} · `,
        t("records.min.eligible", { n: v.eligible_count })),
      v.result && v.result.for !== undefined
        ? el("p", { class: "counts" }, t("records.min.counts", { for: v.result.for, against: v.result.against,
          abstain: v.result.abstain, threshold: v.result.threshold }))
        : null,
      resultView(null, v),
      v.named ? el("p", { class: "hint" }, v.named.map((n) => `${n.name}: ${t(`choice.${n.choice}`)}`).join("; ")) : null,
      v.video ? el("p", {}, videoLink(v.video, t("records.min.video"))) : null))
      : el("p", {}, t("records.min.no_votes")),
    el("h3", {}, el("label", { for: "minutes-notes" }, t("records.min.notes"))),
    notes,
    el("div", { class: "row" }, actions)));
}

// --- petitions ------------------------------------------------------------------------

const filter = { status: "", area: "", overdue: false, q: "" };

// A petition's code from its id, as the server writes it (KN-000012).
function petitionCode(id) {
  return `KN-${String(id).padStart(6, "0")}`;
}

// What a step of a petition's history was about, briefly: the agency and its
// deadline, the petition merged into or from, a note (the answer itself is
// shown above).
function historyDetail(d) {
  if (!d) return "";
  if (d.agency) return `: ${d.agency}${d.due_on ? ` (${t("records.f.due_on")} ${day(d.due_on)})` : ""}`;
  if (d.into) return ` ${petitionCode(d.into)}`;
  if (d.from) return `: ${petitionCode(d.from)}`;
  if (d.note) return `: ${d.note}`;
  return "";
}

async function petitions(body) {
  const c = council();
  const qs = new URLSearchParams({ council_id: c.council_id });
  for (const k of ["status", "area", "q"]) if (filter[k]) qs.set(k, filter[k]);
  if (filter.overdue) qs.set("overdue", "1");
  const list = await getJSON(`/api/petitions?${qs}`);
  const act = async (id, fields) => {
    try {
      await postJSON("/api/petitions/action", { id, ...fields });
      await petitions(body);
      showInfo(t("records.pet.saved"));
    } catch (e) {
      refusal(e);
    }
  };
  const status = el("select", { id: "pet-status", "aria-label": t("records.f.status") }, el("option", { value: "" }, t("records.pet.all")),
    STATUSES.map((x) => el("option", { value: x, selected: filter.status === x }, t(`records.status.${x}`))));
  const area = el("select", { id: "pet-area", "aria-label": t("records.f.area") }, el("option", { value: "" }, t("records.pet.all")),
    AREAS.map((x) => el("option", { value: x, selected: filter.area === x }, t(`records.area.${x}`))));
  const overdue = el("input", { type: "checkbox", id: "pet-overdue", checked: filter.overdue });
  const q = el("input", { id: "pet-q", type: "search", value: filter.q, placeholder: t("records.pet.search"), "aria-label": t("records.f.q") });
  const filters = el("form", { class: "row card", id: "pet-filters", onsubmit: (ev) => {
    ev.preventDefault();
    Object.assign(filter, { status: status.value, area: area.value, overdue: overdue.checked, q: q.value.trim() });
    petitions(body).catch(refusal);
  } }, el("label", { for: "pet-status" }, t("records.f.status")), status, el("label", { for: "pet-area" }, t("records.f.area")), area,
  el("label", { class: "check" }, overdue, t("records.pet.overdue_only")), q,
  el("button", { type: "submit", id: "pet-filter" }, t("records.pet.filter")));

  const f = {
    name: el("input", { id: "pn-name", maxlength: 200 }), contact: el("input", { id: "pn-contact", maxlength: 200 }),
    locality: el("input", { id: "pn-locality", maxlength: 200 }), meeting: el("input", { id: "pn-meeting", maxlength: 200 }),
    received_on: el("input", { id: "pn-received_on", type: "date" }),
    area: el("select", { id: "pn-area" }, el("option", { value: "" }, "—"), AREAS.map((x) => el("option", { value: x }, t(`records.area.${x}`)))),
    content: el("textarea", { id: "pn-content", rows: 3, maxlength: 5000 }),
  };
  const entry = el("details", { class: "card" }, el("summary", {}, t("records.pet.enter")),
    el("form", { class: "edit", id: "pet-form", onsubmit: async (ev) => {
      ev.preventDefault();
      const doc = { council_id: c.council_id, source: f.meeting.value.trim() ? "meeting" : "staff" };
      for (const [k, e] of Object.entries(f)) if (e.value.trim()) doc[k] = e.value.trim();
      try {
        const p = await postJSON("/api/petitions", doc);
        await petitions(body);
        showInfo(t("records.pet.created", { code: p.code }));
      } catch (e) {
        refusal(e);
      }
    } }, Object.entries(f).map(([k, e]) => [el("label", { for: e.id }, t(`records.f.${k}`)), e]),
    el("button", { type: "submit", class: "primary", id: "pn-submit" }, t("records.pet.save"))));

  const cards = list.petitions.map((p) => {
    const agency = el("input", { id: `pa-agency-${p.id}`, value: p.agency || "", placeholder: t("records.f.agency"), "aria-label": t("records.f.agency") });
    const due = el("input", { id: `pa-due-${p.id}`, type: "date", value: p.due_on || "", "aria-label": t("records.f.due_on"), title: t("records.f.due_on") });
    const answer = el("textarea", { id: `pa-answer-${p.id}`, rows: 2, placeholder: t("records.f.answer"), "aria-label": t("records.f.answer") });
    const into = el("input", { id: `pa-into-${p.id}`, placeholder: "KN-000001", size: 10, "aria-label": t("records.f.into") });
    const open = !["merged", "closed"].includes(p.status);
    return el("article", { class: `petition card ${p.overdue ? "overdue" : ""}`, "data-petition": p.id, "data-code": p.code },
      el("h3", {}, `${p.code} · `, el("span", { class: "pet-state" }, t(`records.status.${p.status}`)),
        p.overdue ? el("span", { class: "flag" }, ` ⚠ ${t("records.pet.overdue")}`) : null,
        p.count > 1 ? ` · ${t("records.pet.count", { n: p.count })}` : null),
      el("p", {}, p.content),
      el("p", { class: "hint" }, `${t(`records.area.${p.area}`)} · ${p.locality} · ${p.name}${p.contact ? ` (${p.contact})` : ""} · `,
        t(`records.source.${p.source}`), p.meeting ? ` — ${p.meeting}` : "", ` · ${day(p.received_on)}`),
      p.agency ? el("p", {}, t("records.pet.assigned", { agency: p.agency, due: day(p.due_on) })) : null,
      p.answer ? el("p", { class: "answer" }, `${t("records.f.answer")}: ${p.answer}`) : null,
      p.merged_into ? el("p", { class: "hint" }, t("records.pet.merged_into", { id: petitionCode(p.merged_into) })) : null,
      open ? el("div", { class: "row" },
        ["received", "assigned"].includes(p.status) ? [agency, due,
          el("button", { type: "button", id: `pa-assign-${p.id}`, onclick: () => act(p.id, { action: "assign", agency: agency.value.trim(), due_on: due.value }) }, t("records.pet.assign"))] : null,
        p.status === "assigned" ? [answer,
          el("button", { type: "button", id: `pa-answer-btn-${p.id}`, onclick: () => act(p.id, { action: "answer", answer: answer.value.trim() }) }, t("records.pet.answer"))] : null,
        p.status === "answered" ? el("button", { type: "button", class: "primary", id: `pa-publish-${p.id}`, onclick: () => act(p.id, { action: "publish" }) }, t("records.pet.publish")) : null,
        into, el("button", { type: "button", id: `pa-merge-${p.id}`, onclick: () => {
          const n = Number(into.value.trim().replace(/^KN-0*/i, ""));
          act(p.id, { action: "merge", into: n });
        } }, t("records.pet.merge")),
        el("button", { type: "button", id: `pa-close-${p.id}`, onclick: () => act(p.id, { action: "close" }) }, t("records.pet.close"))) : null,
      el("details", {}, el("summary", {}, t("records.pet.history")),
        el("ul", { class: "plain" }, (p.history || []).map((h) => el("li", {},
          `${when(h.at)} · ${t(`records.action.${h.action}`)}${historyDetail(h.detail)} · ${h.by || t("records.pet.citizen")}`)))));
  });
  body.replaceChildren(filters, entry,
    el("section", { id: "pet-list" }, el("p", {}, t("records.pet.total", { n: list.total })), cards));
}

// --- dashboard ------------------------------------------------------------------------

function share(x) {
  return x === null || x === undefined ? "—" : `${Math.round(x * 1000) / 10}%`;
}

async function dashboard(body) {
  const c = council();
  const d = await getJSON(`/api/dashboard?council_id=${c.council_id}`);
  const table = (obj, prefix) => el("table", { class: "people" }, el("tbody", {},
    Object.entries(obj).map(([k, n]) => el("tr", {}, el("td", {}, prefix ? t(`${prefix}.${k}`) : k), el("td", {}, String(n))))));
  const w = d.ward_plan;
  body.replaceChildren(el("div", { class: "grid", id: "dashboard" },
    el("section", { class: "card" }, el("h2", {}, t("records.dash.plan")),
      el("table", { class: "people", id: "ward-plan" }, el("tbody", {},
        ["petitions_digital", "documents_digital", "sittings_recorded", "sittings_streamed", "petitions_answered", "results_published"]
          .map((k) => el("tr", {}, el("td", {}, t(`records.dash.${k}`)), el("td", { class: "big-number" }, share(w[k]))))))),
    el("section", { class: "card" }, el("h2", {}, t("records.dash.petitions")),
      el("p", { class: "big-number" }, String(d.petitions.total)),
      el("p", { class: d.petitions.overdue ? "warn" : "ok", id: "dash-overdue" }, t("records.dash.overdue", { n: d.petitions.overdue })),
      el("h3", {}, t("records.dash.by_status")), table(d.petitions.by_status, "records.status"),
      el("h3", {}, t("records.dash.by_area")), table(d.petitions.by_area, "records.area"),
      el("h3", {}, t("records.dash.by_agency")), table(d.petitions.by_agency, null)),
    el("section", { class: "card" }, el("h2", {}, t("records.dash.sessions")),
      el("p", {}, t("records.dash.sessions_line", d.sessions)),
      el("p", {}, t("records.dash.sittings_line", d.sittings)),
      el("p", {}, t("records.dash.votes_line", d.votes)),
      el("p", {}, t("records.dash.documents_line", d.documents)))));
}

async function start() {
  await initPage("page.records");
  document.getElementById("status")?.remove(); // no live connection on this page
  me = await whoami();
  if (!me) return main.replaceChildren(signinForm((p) => { me = p; load(); }));
  load();
}

window.addEventListener("plenum:lang", () => { if (me) frame(); });
start();
