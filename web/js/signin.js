// Sign-in for the delegate and chair pages: password or one-time code.
// The server sets an HttpOnly cookie, which the WebSocket then carries.
import { el, forgetNonces } from "./live.js";
import { t, withLang } from "./i18n.js";
import { showError, showInfo } from "./page.js";

// A code card's QR code opens /delegate/?code=XXXXX-XXXXX. The code is
// taken out of the address at once, before anything else runs (signed in
// already or not), so it stays in no history entry, bookmark or shared link;
// it is single-use and short-lived anyway (docs/security.md).
const codeFromLink = (() => {
  try {
    const u = new URL(location.href);
    const c = u.searchParams.get("code");
    if (c === null) return "";
    u.searchParams.delete("code");
    history.replaceState(history.state, "", u.pathname + u.search + u.hash);
    return c.trim().slice(0, 32);
  } catch (_) {
    return "";
  }
})();

export function signinForm(onDone) {
  const login = el("input", { id: "login", name: "login", autocomplete: "username", required: true });
  const password = el("input", { id: "password", name: "password", type: "password", autocomplete: "current-password" });
  const code = el("input", { id: "code", name: "code", autocomplete: "one-time-code", placeholder: "ABCDE-FGHJK" });
  const form = el("form", { class: "signin", "aria-labelledby": "signin-title" },
    el("h2", { id: "signin-title" }, t("signin.title")),
    el("label", { for: "login" }, t("signin.login")), login,
    el("label", { for: "password" }, t("signin.password")), password,
    el("label", { for: "code" }, t("signin.code")), code,
    el("button", { type: "submit", class: "big primary" }, t("signin.submit")));
  // A one-time code alone is enough: the login is only required without one,
  // or the browser would refuse to submit a code-only form.
  code.addEventListener("input", () => {
    login.required = !code.value.trim();
  });
  if (codeFromLink) {
    // Filled in from the card's link: one press signs in.
    code.value = codeFromLink;
    login.required = false;
    queueMicrotask(() => form.querySelector("button[type=submit]").focus());
  }
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = code.value.trim() ? { code: code.value.trim() } : { login: login.value.trim(), password: password.value };
    // A hall signs in at once from one address: a check refused only
    // because others from here or the queue were busy (rate_limited,
    // server_busy) is sent again after its Retry-After, twice at most.
    // A wrong password's "locked" is shown, not retried.
    for (let attempt = 0; ; attempt++) {
      const r = await fetch(withLang("/api/login"), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
        credentials: "same-origin",
      });
      const data = await r.json().catch(() => ({}));
      const busy = data.error === "rate_limited" || data.error === "server_busy";
      if (!r.ok && busy && attempt < 2) {
        await new Promise((done) => setTimeout(done, 1000 * Math.min(data.retry_after || 1, 5)));
        continue;
      }
      if (!r.ok) return showError(data);
      onDone(data.person);
      showAccessNotices();
      return;
    }
  });
  return form;
}

export async function signout() {
  forgetNonces(); // the next person on this tablet gets nonces of their own
  await fetch(withLang("/api/logout"), { method: "POST", credentials: "same-origin" });
  location.reload();
}

// Sign-in codes made and resets done for this person since their previous
// sign-in (GET /api/account/notices): nobody signs in as them unseen.
async function showAccessNotices() {
  let out;
  try {
    const r = await fetch(withLang("/api/account/notices"), { credentials: "same-origin" });
    if (!r.ok) return;
    out = await r.json();
  } catch {
    return;
  }
  const fresh = (out.notices || []).filter((n) => n.new);
  if (!fresh.length) return;
  const when = (iso) => new Date(iso).toLocaleString(document.documentElement.lang === "en" ? "en-GB" : "vi-VN");
  showInfo(fresh.map((n) => t(`signin.notice.${n.kind}`, { by: n.by, time: when(n.at) })).join(" "));
}
