// The admin page in Chromium: the secretary signs in, sees the council's
// people with their roles, makes sign-in codes for three delegates and gets
// printable cards with QR codes; a code from a card signs a delegate in.
// Usage: node admin.test.mjs BASE_URL SCREENSHOT_DIR
import { check, launch } from "./lib.mjs";

const [base, shots] = process.argv.slice(2);
const browser = await launch();
let failed = false;
try {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "vi-VN" });
  const p = await ctx.newPage();
  const errors = [];
  p.on("pageerror", (e) => errors.push(String(e)));
  await p.goto(`${base}/admin/`, { waitUntil: "load" });
  await p.fill("#login", "thuky");
  await p.fill("#password", "plenum-demo");
  await p.click("form.signin button[type=submit]");
  await p.waitForSelector("table.people");
  check((await p.locator("#status").count()) === 0, "no live-connection badge on a page without one");
  check((await p.locator("table.people tbody tr").count()) === 31, "31 people of the council listed");
  check((await p.textContent("table.people tbody tr:first-child")).includes("Chủ tịch"), "roles in Vietnamese");
  for (const name of ["Lê Minh Tuấn", "Hoàng Thị Mai", "Vũ Đức Anh"])
    await p.locator("tr", { hasText: name }).locator("input[type=checkbox]").check();
  await p.click('button[id^="codes-"]');
  await p.waitForSelector(".code-card img");
  check((await p.locator(".code-card").count()) === 3, "three printable cards");
  const ok = await p.evaluate(() => [...document.querySelectorAll(".code-card img")].every((i) => i.complete && i.naturalWidth > 0));
  check(ok, "each card's QR image renders");
  const code = (await p.textContent(".code-card .code")).trim();
  const name = (await p.textContent(".code-card .name")).trim();
  await p.screenshot({ path: `${shots}/admin-codes.png`, fullPage: true });
  const d = await (await browser.newContext()).newPage();
  await d.goto(`${base}/delegate/`, { waitUntil: "load" });
  await d.fill("#code", code.toLowerCase());
  await d.click("form.signin button[type=submit]");
  await d.waitForSelector('#status[data-state="live"]');
  check((await d.textContent("#who")).includes(name), `a printed code signs ${name} in`);
  check(errors.length === 0, `no page errors (${errors.join(" | ")})`);
} catch (e) {
  console.error(String(e.stack || e));
  failed = true;
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
