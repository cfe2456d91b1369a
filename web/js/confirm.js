// The confirmation of an action that cannot be undone (the chair's closing
// and cancelling, the secretary's vote entry): a modal <dialog> (focus kept
// inside, Escape cancels) with the consequence spelled out; Cancel has the
// focus, so Enter alone changes nothing. Lives outside <main>, which the
// pages rebuild. Resolves true on the confirm button.
import { el } from "./live.js";
import { t } from "./i18n.js";

export function confirmAction({ title, body, ok }, opener) {
  let d = document.getElementById("confirm-dialog");
  if (!d) {
    d = el("dialog", { id: "confirm-dialog", class: "confirm", "aria-labelledby": "confirm-title", "aria-describedby": "confirm-body" });
    document.body.append(d);
  }
  d.replaceChildren(
    el("h2", { id: "confirm-title" }, title),
    el("div", { id: "confirm-body" }, body.map((x) => el("p", {}, x))),
    el("div", { class: "row" },
      el("button", { type: "button", id: "confirm-cancel", value: "cancel", autofocus: true }, t("chair.confirm.cancel")),
      el("button", { type: "button", id: "confirm-ok", class: "primary danger", value: "ok" }, ok)));
  return new Promise((resolve) => {
    const done = (yes) => {
      d.removeEventListener("close", onClose);
      if (d.open) d.close();
      if (opener && opener.isConnected) opener.focus();
      resolve(yes);
    };
    const onClose = () => done(false);
    d.addEventListener("close", onClose);
    d.querySelector("#confirm-cancel").addEventListener("click", () => done(false));
    d.querySelector("#confirm-ok").addEventListener("click", () => done(true));
    d.showModal();
    d.querySelector("#confirm-cancel").focus();
  });
}
