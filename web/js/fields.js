// Contact checks shared by the citizens' forms (archive, meeting): the
// same rules as pl_rec_phone_ok and pl_rec_email_ok on the server
// (server/records/records_input.c), so a typo is said before sending; the server
// checks again.
export function phoneOk(s) {
  const v = s.trim();
  if (!/^\+?[0-9][0-9 .-]*$/.test(v)) return false;
  const d = v.replace(/[^0-9]/g, "");
  const national = !v.startsWith("+") && d.startsWith("0") ? d.slice(1) : d.startsWith("84") ? d.slice(2) : null;
  return national !== null && (/^[1-9][0-9]{8}$/.test(national) || /^2[0-9]{9}$/.test(national));
}

export function emailOk(s) {
  const v = s.trim();
  const at = v.indexOf("@");
  if (at < 1 || at !== v.lastIndexOf("@") || at > 64) return false;
  const local = v.slice(0, at);
  const domain = v.slice(at + 1);
  if (!/^[!#-'*+\-./0-9=?A-Z^-~]+$/.test(local) || local.startsWith(".") || local.endsWith(".") || local.includes("..")) return false;
  const labels = domain.split(".");
  return domain.length >= 3 && domain.length <= 190 && labels.length >= 2 &&
    labels.every((l) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l));
}
