// Where a citizen follows up a petition by the lookup code they were given
// when they sent it (KN-000123-ABCD2345): its status, its dates and, once
// published, the answer. Never who sent it or what it said: anyone holding
// the code sees this page. The code is posted, not put in the address, so
// it stays out of the history and the server's logs.
import { el } from "./live.js";
import { clearMessage, initPage, postJSON, showError, t } from "./page.js";

const main = document.getElementById("main");
let last = null; // the last answer, redrawn in a new language
let given = takeCode(); // a code handed over by a link, filled in once

// A code handed over in the address (#code=…, as the archive's search links
// it, or ?code=…): taken out of the address bar at once (replaceState), so it
// is not left in the history or on the screen to be photographed. It is only
// filled in, never sent: a link anyone made could otherwise spend this
// address's allowance of misses (and lock it out) without the citizen
// pressing anything; one press of the button is little to ask.
function takeCode() {
  const query = new URLSearchParams(location.search);
  const hash = new URLSearchParams(location.hash.slice(1));
  const code = hash.get("code") || query.get("code");
  if (!query.has("code") && !hash.has("code")) return null;
  query.delete("code");
  const rest = query.toString();
  history.replaceState(null, "", location.pathname + (rest ? `?${rest}` : ""));
  // Only the characters a code has, and no more than one could be long.
  const v = (code || "").replace(/[^0-9A-Za-z-]/g, "").toUpperCase().slice(0, 40);
  return v || null;
}

// How long a locked-out address waits, in whole minutes (at least one).
function minutes(seconds) {
  return Math.max(1, Math.ceil((Number(seconds) || 0) / 60));
}

function day(iso) {
  if (!iso) return null;
  return new Date(iso).toLocaleDateString(t("locale"), { timeZone: "Asia/Ho_Chi_Minh", day: "2-digit", month: "2-digit", year: "numeric" });
}

function view(p) {
  const rows = [
    ["lookup.code", p.code],
    ["lookup.status", t(`lookup.state.${p.status}`)],
    ["lookup.received_on", day(p.received_on)],
    ["lookup.agency", p.agency],
    ["lookup.due_on", day(p.due_on)],
    ["lookup.answered_at", day(p.answered_at)],
    ["lookup.published_at", day(p.published_at)],
    ["lookup.closed_at", day(p.closed_at)],
  ].filter(([, v]) => v);
  return el("section", { class: "card", id: "lookup-result", "aria-labelledby": "lookup-result-h", "data-status": p.status, tabindex: "-1" },
    el("h2", { id: "lookup-result-h" }, t("lookup.result")),
    p.merged ? el("p", { class: "hint" }, t("lookup.merged")) : null,
    el("dl", { class: "facts" }, rows.map(([k, v]) => [el("dt", {}, t(k)), el("dd", {}, v)])),
    p.answer ? [el("h3", {}, t("lookup.answer")), el("p", { class: "answer", id: "lookup-answer" }, p.answer)]
      : ["received", "assigned", "answered", "closed"].includes(p.status) ? el("p", { class: "hint", id: "lookup-next" }, t(`lookup.next.${p.status}`)) : null);
}

function render() {
  const code = el("input", { id: "lookup-code-input", autocomplete: "off", spellcheck: "false", autocapitalize: "characters",
    required: true, "aria-describedby": "lookup-err lookup-hint" });
  const err = el("span", { class: "field-error", id: "lookup-err", "aria-live": "polite" });
  const out = el("div", { id: "lookup-out" }, last ? view(last) : null);
  const prefill = el("p", { class: "hint", id: "lookup-prefilled", hidden: true });
  const form = el("form", { class: "card edit", id: "lookup-form", "aria-labelledby": "lookup-h", novalidate: true, onsubmit: async (ev) => {
    ev.preventDefault();
    clearMessage();
    given = null; // sent: a new language no longer brings the handed-over code back
    prefill.hidden = true;
    err.textContent = "";
    code.removeAttribute("aria-invalid");
    const v = code.value.replace(/\s+/g, "");
    // The shape of a lookup code; a staff code (no secret part) is not one.
    if (!/^KN-?\d{1,18}-[0-9A-Za-z-]{4,20}$/i.test(v)) {
      err.textContent = t(v ? "lookup.err.bad_field" : "lookup.err.missing_field");
      code.setAttribute("aria-invalid", "true");
      code.focus();
      return;
    }
    try {
      last = await postJSON("/api/public/petitions/status", { code: v });
      out.replaceChildren(view(last));
      document.getElementById("lookup-result").focus();
    } catch (e) {
      last = null;
      out.replaceChildren();
      if (e.error === "not_found") {
        // The server's not_found speaks of "items in a session": the
        // page's own sentence fits a citizen's code better.
        err.textContent = t("lookup.err.not_found");
        code.setAttribute("aria-invalid", "true");
        showError({ ...e, message: t("lookup.err.not_found") });
      } else if (e.error === "rate_limited") {
        // Too many misses from this address: how long to wait, and the
        // other way to the answer (the council office), beside the field.
        const m = t("lookup.err.rate_limited", { n: minutes(e.retry_after) });
        err.textContent = m;
        showError({ ...e, message: m });
      } else {
        showError(e); // in the page's language (?lang=)
      }
    }
  } },
  el("h2", { id: "lookup-h" }, t("lookup.title")),
  el("p", { class: "hint", id: "lookup-hint" }, t("lookup.help")),
  prefill,
  el("div", { class: "form-field" }, el("label", { for: "lookup-code-input" }, t("lookup.code_label")), code, err),
  el("button", { type: "submit", class: "primary big", id: "lookup-go" }, t("lookup.go")));
  if (given) {
    code.value = given;
    prefill.textContent = t(/^KN-\d{6}-/.test(given) ? "lookup.prefilled" : "lookup.prefilled_partial");
    prefill.hidden = false;
  }
  main.replaceChildren(form, out,
    el("p", {}, el("a", { href: "/archive/" }, t("lookup.to_archive"))));
}

async function start() {
  await initPage("page.lookup");
  document.getElementById("status")?.remove();
  document.body.dataset.live = "yes";
  render();
  if (given) document.getElementById("lookup-code-input").focus(); // to check it, or add the secret part
}

window.addEventListener("plenum:lang", render);
start();
