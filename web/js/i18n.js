// Strings live in /i18n/<lang>.json, one file per language; Vietnamese is the
// default. Elements carry data-i18n="<key>" (text) or data-i18n-attr="<attr>:<key>".
const SUPPORTED = ["vi", "en"];
let strings = {};
let current = "vi";

export function lang() {
  return current;
}

// Whether the current language has a string for key.
export function has(key) {
  return key in strings;
}

// An API path with the page's language (?lang=): the server answers errors
// in the language the page shows, not the browser's Accept-Language.
export function withLang(path) {
  return `${path}${path.includes("?") ? "&" : "?"}lang=${encodeURIComponent(current)}`;
}

export function t(key, vars = {}) {
  const s = strings[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ""));
}

export function apply(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) {
    el.textContent = t(el.dataset.i18n, el.i18nVars || {});
  }
  for (const el of root.querySelectorAll("[data-i18n-attr]")) {
    const [attr, key] = el.dataset.i18nAttr.split(":");
    el.setAttribute(attr, t(key));
  }
  document.documentElement.lang = current;
}

export async function setLang(next) {
  if (!SUPPORTED.includes(next)) next = "vi";
  const r = await fetch(`/i18n/${next}.json`);
  strings = await r.json();
  current = next;
  try {
    localStorage.setItem("plenum.lang", next);
  } catch (_) {
    /* private mode: the choice lasts for this page only */
  }
  apply();
}

export function initialLang() {
  const fromUrl = new URLSearchParams(location.search).get("lang");
  let stored = null;
  try {
    stored = localStorage.getItem("plenum.lang");
  } catch (_) {
    stored = null;
  }
  return SUPPORTED.includes(fromUrl) ? fromUrl : SUPPORTED.includes(stored) ? stored : "vi";
}
