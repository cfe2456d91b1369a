// A council's public archive (open data): past sessions with their published
// results, resolutions, public documents, finalised minutes and recordings;
// voters' petitions with their answers; search that works with or without
// diacritics; and the form a citizen sends a petition with. Anonymous: the
// server answers only public material (GET /api/public/archive).
import { el } from "./live.js";
import { emailOk, phoneOk } from "./fields.js";
import { clearMessage, getJSON, initPage, postJSON, resultView, showError, showInfo, t } from "./page.js";

const main = document.getElementById("main");
const AREAS = ["land", "construction", "transport", "environment", "health", "education", "social",
  "security", "economy", "administration", "other"];
const slug = new URLSearchParams(location.search).get("council");

function when(iso) {
  if (!iso) return "—";
  return new Date(iso).toLocaleString(t("locale"), { timeZone: "Asia/Ho_Chi_Minh", day: "2-digit",
    month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit" });
}

function docLinks(list) {
  return el("ul", { class: "plain" }, list.map((d) => el("li", {},
    el("a", { href: d.url, target: "_blank", rel: "noopener" }, d.title),
    ` (${d.file_name}${d.version > 1 ? `, v${d.version}` : ""})`)));
}

function sessionView(s) {
  return el("article", { class: "card archive-session", "data-session": s.id },
    el("h3", {}, s.title),
    el("p", { class: "hint" }, t("archive.held", { from: when(s.opened_at), to: when(s.closed_at) }),
      s.location ? ` · ${s.location}` : ""),
    s.votes.length ? [el("h4", {}, t("vote.results")), s.votes.map((v) =>
      el("div", { class: "vote-result" }, el("p", { class: "question" }, v.question), resultView(null, v),
        v.named ? el("p", { class: "hint" }, v.named.map((n) => `${n.name}: ${t(`choice.${n.choice}`)}`).join("; ")) : null))] : null,
    s.resolutions.length ? [el("h4", {}, t("archive.resolutions")), docLinks(s.resolutions)] : null,
    s.documents.length ? [el("h4", {}, t("archive.documents")), docLinks(s.documents)] : null,
    s.minutes ? el("p", { class: "minutes" },
      el("a", { href: s.minutes.url, target: "_blank", id: `minutes-link-${s.id}` }, t("archive.minutes")),
      " · ", el("a", { href: s.minutes.json, target: "_blank", type: "application/json" }, t("archive.minutes_json")),
      " · ", el("a", { href: `/api/minutes?session_id=${s.id}&format=csv`, type: "text/csv", id: `minutes-csv-${s.id}` }, t("archive.minutes_csv")), " · ",
      t("archive.hash"), " ", el("code", { class: "hash" }, s.minutes.sha256)) : null,
    s.recordings.length ? [el("h4", {}, t("archive.recordings")), el("ul", { class: "plain" },
      s.recordings.map((r) => el("li", {}, el("a", { href: r.page }, `${r.title} — ${when(r.opened_at)}`))))] : null);
}

function petitionView(p) {
  return el("article", { class: "card petition", "data-code": p.code },
    el("h3", {}, `${p.code} · ${t(`records.area.${p.area}`)} · ${p.locality}`,
      p.count > 1 ? ` · ${t("records.pet.count", { n: p.count })}` : ""),
    el("p", {}, p.content),
    el("p", { class: "answer" }, el("strong", {}, `${p.agency || ""}: `), p.answer || ""));
}

// The limits of the citizen's form, as the server checks them
// (server/records/records_input.c): text is counted in characters, never cut.
const LIMITS = { name: 200, contact: 200, locality: 200, content: 5000 };
const MIN = { content: 10 };

// The contact rules live in fields.js (the meeting page uses them too).
export { phoneOk, emailOk };

// What is wrong with one field's value, as the server's error code (or null).
function problem(k, value) {
  const v = value.trim();
  if (!v) return k === "meeting" ? null : "missing_field";
  if ([...v].length > (LIMITS[k] || Infinity)) return "too_long";
  if (k === "contact") return v.includes("@") ? (emailOk(v) ? null : "bad_email") : (phoneOk(v) ? null : "bad_phone");
  if ([...v].length < (MIN[k] || 0)) return "bad_field";
  return null;
}

// A field's message for an error code: the field's own words if it has
// them, else the general ones.
function fieldMessage(k, code, vars) {
  const own = `archive.err.${k}.${code}`;
  if (t(own) !== own) return t(own, vars);
  return t(`records.err.${code}`, vars);
}

// The citizen's form: each field's refusal shown beside it, a counter
// under every text ("120/2000") that turns red over the limit; nothing is
// cut, the form is refused until it fits.
function petitionForm() {
  const fields = {
    name: el("input", { id: "p-name", autocomplete: "name", required: true }),
    contact: el("input", { id: "p-contact", autocomplete: "tel", inputmode: "text", required: true }),
    locality: el("input", { id: "p-locality", required: true }),
    area: el("select", { id: "p-area", required: true }, el("option", { value: "" }, t("archive.pick_area")),
      AREAS.map((a) => el("option", { value: a }, t(`records.area.${a}`)))),
    content: el("textarea", { id: "p-content", rows: 5, required: true }),
  };
  const errors = {};
  const counters = {};
  const showField = (k, code, vars = {}) => {
    errors[k].textContent = code ? fieldMessage(k, code, { max: LIMITS[k], ...vars }) : "";
    fields[k].setAttribute("aria-invalid", code ? "true" : "false");
  };
  const count = (k) => {
    const n = [...fields[k].value].length;
    counters[k].textContent = t("archive.count", { n, max: LIMITS[k] });
    counters[k].dataset.over = n > LIMITS[k] ? "yes" : "no";
  };
  const done = el("div", { id: "petition-done", role: "status", hidden: true });
  const form = el("form", { class: "card edit", id: "petition-form", "aria-labelledby": "petition-h", novalidate: true, onsubmit: async (ev) => {
    ev.preventDefault();
    clearMessage();
    done.hidden = true;
    let first = null;
    for (const [k, e] of Object.entries(fields)) {
      const code = problem(k, e.value);
      showField(k, code);
      if (code && !first) first = e;
    }
    if (first) {
      first.focus(); // the first field to mend, with its message read out
      return;
    }
    const doc = { council: slug };
    for (const [k, e] of Object.entries(fields)) if (e.value.trim()) doc[k] = e.value.trim();
    try {
      const p = await postJSON("/api/public/petitions", doc);
      form.reset();
      for (const k of Object.keys(LIMITS)) count(k);
      done.hidden = false;
      done.replaceChildren(el("p", { class: "ok" }, `✔ ${t("archive.sent", { code: p.code })}`),
        el("p", {}, t("archive.lookup_code"), " ", el("strong", { class: "lookup-code", id: "lookup-code" }, p.lookup_code)),
        el("p", { class: "hint" }, t("archive.lookup_help"), " ",
          el("a", { href: "/public/petition/", id: "lookup-link" }, t("archive.lookup_link"))));
      showInfo(t("archive.sent", { code: p.code }));
      done.focus();
    } catch (e) {
      for (const f of e.fields || []) if (errors[f.field]) showField(f.field, f.error, f.max ? { max: f.max } : {});
      showError(e);
    }
  } },
  el("h2", { id: "petition-h" }, t("archive.petition")),
  el("p", { class: "hint" }, t("archive.petition_help")),
  Object.entries(fields).map(([k, e]) => {
    errors[k] = el("span", { class: "field-error", id: `err-${k}`, "aria-live": "polite" });
    const described = [`err-${k}`];
    const parts = [el("label", { for: e.id }, t(`records.f.${k}`)), e];
    if (LIMITS[k]) {
      counters[k] = el("span", { class: "counter", id: `count-${k}` });
      described.push(`count-${k}`);
      parts.push(counters[k]);
      e.addEventListener("input", () => {
        count(k);
        // Over the limit is said at once; other problems wait for the send.
        if ([...e.value].length > LIMITS[k]) showField(k, "too_long");
        else if (errors[k].textContent && !problem(k, e.value)) showField(k, null);
      });
      count(k);
    }
    if (k === "contact") e.addEventListener("blur", () => { if (e.value.trim()) showField(k, problem(k, e.value)); });
    e.setAttribute("aria-describedby", described.join(" "));
    parts.push(errors[k]);
    return el("div", { class: "form-field" }, parts);
  }),
  el("button", { type: "submit", class: "primary big", id: "p-submit" }, t("archive.send")));
  done.tabIndex = -1;
  return [form, done];
}

// A search snippet: the server marks the words found with <b>…</b>; shown
// as <mark>, the rest as text (never parsed as HTML).
function marked(snippet) {
  return (snippet || "").split(/(<b>.*?<\/b>)/).map((part) =>
    (part.startsWith("<b>") ? el("mark", {}, part.slice(3, -4)) : part));
}

// A search for a petition's number or lookup code (KN-000123, with or
// without its secret part): the public search finds only petitions whose
// answer is published, so a citizen looking for their own gets no result.
// Point them to the status page instead. The hint is the same whatever the
// results are, so it says nothing about unpublished petitions. The code
// goes in the link's fragment, which the browser never sends to a server.
export function petitionCode(s) {
  const v = s.replace(/\s+/g, "").toUpperCase();
  const m = /^KN-?(\d{6})(-[0-9A-Z]{4,20})?$/.exec(v);
  return m ? `KN-${m[1]}${m[2] || ""}` : null;
}

function codeHint(query) {
  const code = petitionCode(query);
  if (!code) return null;
  return el("div", { class: "found", id: "search-code-hint" },
    el("p", {}, t("archive.code_hint", { q: code })),
    el("p", {}, el("a", { href: `/public/petition/#code=${encodeURIComponent(code)}`, id: "search-code-link" },
      t("archive.code_link", { code: code.slice(0, 9) }))));
}

function searchBox() {
  const q = el("input", { id: "search-q", type: "search", maxlength: 200, placeholder: t("archive.search_hint") });
  const out = el("div", { id: "search-results", "aria-live": "polite" });
  const form = el("form", { class: "row", role: "search", onsubmit: async (ev) => {
    ev.preventDefault();
    if (!q.value.trim()) return;
    try {
      const r = await getJSON(`/api/search?council=${encodeURIComponent(slug)}&q=${encodeURIComponent(q.value.trim())}`);
      const n = r.petitions.length + r.documents.length + r.minutes.length;
      // One group a kind of material, each with its heading.
      const group = (kind, list, item) => (list.length
        ? el("section", { class: "found", id: `found-${kind}` }, el("h3", {}, t(`archive.group.${kind}`)),
          el("ul", { class: "plain" }, list.map(item)))
        : null);
      out.replaceChildren(...[el("p", {}, t("archive.found", { n })), codeHint(q.value),
        group("documents", r.documents, (d) => el("li", {}, el("a", { href: d.url, target: "_blank", rel: "noopener" }, d.title))),
        group("minutes", r.minutes, (m) => el("li", {},
          el("a", { href: `/api/minutes?session_id=${m.session_id}&format=html`, target: "_blank", rel: "noopener" }, m.title),
          " — ", marked(m.snippet))),
        group("petitions", r.petitions, (p) => el("li", { class: "found-petition" }, `${p.code}: ${p.content}`,
          p.answer ? el("p", { class: "answer" }, `${t("records.f.answer")}: ${p.answer}`) : null))]
        .filter(Boolean));
    } catch (e) {
      showError(e);
    }
  } }, el("label", { for: "search-q" }, t("archive.search")), q, el("button", { type: "submit", id: "search-go" }, t("archive.search")));
  return el("section", { class: "card", "aria-labelledby": "search-h" }, el("h2", { id: "search-h" }, t("archive.search")), form, out);
}

async function load() {
  clearMessage();
  if (!slug) {
    const list = await getJSON("/api/public/councils");
    return main.replaceChildren(el("section", { class: "card" }, el("h2", {}, t("archive.councils")),
      el("ul", { class: "plain" }, list.map((c) => el("li", {}, el("a", { href: `?council=${encodeURIComponent(c.slug)}` }, c.name))))));
  }
  let a;
  try {
    a = await getJSON(`/api/public/archive?council=${encodeURIComponent(slug)}`);
  } catch (e) {
    return showError(e);
  }
  document.body.dataset.live = "yes";
  main.replaceChildren(
    el("h2", { id: "council-name" }, a.council.name),
    searchBox(),
    el("section", { "aria-labelledby": "sessions-h", id: "archive-sessions" }, el("h2", { id: "sessions-h" }, t("archive.sessions")),
      a.sessions.length ? a.sessions.map(sessionView) : el("p", {}, t("archive.no_sessions"))),
    el("section", { "aria-labelledby": "pets-h", id: "archive-petitions" }, el("h2", { id: "pets-h" }, t("archive.petitions")),
      a.petitions.length ? a.petitions.map(petitionView) : el("p", {}, t("archive.no_petitions")),
      el("p", {}, el("a", { href: "/public/petition/", id: "status-link" }, t("archive.lookup_link")))),
    ...petitionForm(),
    openData());
}

// The archive as open data: the same material, machine-readable, under
// the addresses the page itself reads (docs/protocol.md, HTTP API).
function openData() {
  const json = `/api/public/archive?council=${encodeURIComponent(slug)}`;
  return el("section", { class: "card", id: "open-data", "aria-labelledby": "open-data-h" },
    el("h2", { id: "open-data-h" }, t("archive.open_data")),
    el("p", { class: "hint" }, t("archive.open_data_help")),
    el("ul", { class: "plain" },
      el("li", {}, el("a", { href: json, type: "application/json", id: "open-data-json" }, t("archive.open_data_json"))),
      // The same, as tables a spreadsheet opens (no one's name or contact).
      el("li", {}, el("a", { href: `${json}&format=csv&table=votes`, type: "text/csv", id: "open-data-csv-votes" }, t("archive.open_data_csv_votes"))),
      el("li", {}, el("a", { href: `${json}&format=csv&table=petitions`, type: "text/csv", id: "open-data-csv-petitions" }, t("archive.open_data_csv_petitions"))),
      el("li", {}, el("a", { href: "/api/public/councils", type: "application/json" }, t("archive.open_data_councils"))),
      el("li", {}, t("archive.open_data_minutes"))));
}

async function start() {
  await initPage("page.archive");
  document.getElementById("status")?.remove();
  load().catch(showError);
}

window.addEventListener("plenum:lang", () => load().catch(showError));
start();
