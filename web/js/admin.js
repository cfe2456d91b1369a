// The secretary's and administrator's page: the people of the councils one
// manages, with their roles, and one-time sign-in codes printed as cards
// with a QR code for delegates' tablets (POST /api/admin/codes).
import { el, whoami } from "./live.js";
import { initPage, showError, clearMessage, t } from "./page.js";
import { signinForm, signout } from "./signin.js";

const main = document.getElementById("main");
let me = null;

async function load() {
  const r = await fetch("/api/admin/people", { credentials: "same-origin" });
  const councils = await r.json();
  if (!r.ok) return showError(councils);
  document.body.dataset.live = "yes";
  main.replaceChildren(
    el("section", { class: "card no-print" },
      el("p", {}, t("signin.signed_in", { name: me.display_name }), " ",
        el("button", { type: "button", class: "link", onclick: signout }, t("signin.logout")))),
    ...councils.map((c) => council(c)),
    el("p", { id: "print", class: "no-print", hidden: true },
      el("button", { type: "button", class: "primary", onclick: () => window.print() }, t("admin.print"))),
    el("section", { id: "cards", class: "cards" }));
  if (!councils.length) main.prepend(el("p", {}, t("admin.nothing")));
}

function council(c) {
  const boxes = [];
  const rows = c.people.map((p) => {
    const box = el("input", { type: "checkbox", value: p.person_id, "aria-label": p.name, disabled: p.disabled });
    boxes.push(box);
    return el("tr", {}, el("td", {}, box), el("td", {}, p.seat_no || ""), el("td", {}, p.name),
      el("td", {}, p.login), el("td", {}, t(`role.${p.role}`)), el("td", {}, p.disabled ? t("admin.disabled") : ""));
  });
  const ttl = el("input", { id: `ttl-${c.council_id}`, type: "number", min: 1, max: 10080, value: 120 });
  return el("section", { class: "card no-print", "aria-labelledby": `c-${c.council_id}` },
    el("h2", { id: `c-${c.council_id}` }, c.council),
    el("div", { class: "row" },
      el("button", { type: "button", onclick: () => boxes.forEach((b) => { if (!b.disabled) b.checked = true; }) }, t("admin.select_all")),
      el("label", { for: `ttl-${c.council_id}` }, t("admin.ttl")), ttl,
      el("button", { type: "button", class: "primary", id: `codes-${c.council_id}`,
        onclick: () => issue(boxes.filter((b) => b.checked).map((b) => Number(b.value)), Number(ttl.value)) }, t("admin.issue"))),
    el("table", { class: "people" },
      el("thead", {}, el("tr", {}, el("th", {}, "✓"), el("th", {}, "#"), el("th", {}, t("secretary.name")),
        el("th", {}, t("signin.login")), el("th", {}, t("admin.role")), el("th", {}, ""))),
      el("tbody", {}, rows)));
}

async function issue(ids, ttl) {
  clearMessage();
  if (!ids.length) return showError({ message: t("admin.choose") });
  const r = await fetch("/api/admin/codes", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ person_ids: ids, ttl_minutes: ttl }),
  });
  const codes = await r.json();
  if (!r.ok) return showError(codes);
  const until = (iso) => new Date(iso).toLocaleString(document.documentElement.lang === "en" ? "en-GB" : "vi-VN");
  document.getElementById("print").hidden = false;
  document.getElementById("cards").replaceChildren(
    ...codes.map((c) => el("article", { class: "code-card" },
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
  me = await whoami();
  if (!me) {
    main.replaceChildren(signinForm((p) => { me = p; load(); }));
    return;
  }
  load();
}

start();
