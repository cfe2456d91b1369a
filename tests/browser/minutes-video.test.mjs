// From the minutes to the recording, in Chromium: a speaking turn in the
// secretary's minutes links to the public page at that moment of the
// sitting's recording (?sitting=N&t=SECONDS); the link opens in a new tab
// and the public page plays the recording from there.
// Usage: node minutes-video.test.mjs BASE_URL SCREENSHOT_DIR SESSION_ID
import { axeCheck, check, runTest } from "./lib.mjs";

const [base, shots, sid] = process.argv.slice(2);
await runTest(async (browser) => {
  const errors = [];
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "vi-VN" });
  const sec = await ctx.newPage();
  sec.on("pageerror", (e) => errors.push(String(e)));
  await sec.goto(`${base}/records/?session=${sid}`, { waitUntil: "load" });
  await sec.fill("#login", "thuky");
  await sec.fill("#password", "plenum-demo");
  await sec.click("form.signin button[type=submit]");
  await sec.click("#tab-minutes");
  await sec.waitForSelector("#minutes tr.turn");
  const link = sec.locator("#minutes tr.turn a.video").first();
  const href = await link.getAttribute("href");
  const m = /^\/public\/\?session=(\d+)&sitting=(\d+)&t=(\d+)$/.exec(href || "");
  check(m && m[1] === sid, `the turn links to the public page at its moment (${href})`);
  check((await link.getAttribute("target")) === "_blank", "in a new tab, the minutes stay open");
  const at = Number(m[3]);
  check(at >= 2, `some seconds into the recording (${at} s)`);
  await axeCheck(sec, "records, minutes with video links");

  const [pub] = await Promise.all([ctx.waitForEvent("page"), link.click()]);
  pub.on("pageerror", (e) => errors.push(String(e)));
  await pub.waitForLoadState("load");
  await pub.waitForSelector("#player", { timeout: 30000 });
  await pub.waitForFunction((o) => {
    const v = document.getElementById("player");
    return v && v.readyState >= 2 && Math.abs(v.currentTime - o) < 1.5;
  }, at, { timeout: 30000 });
  const t1 = await pub.evaluate(() => document.getElementById("player").currentTime);
  check(Math.abs(t1 - at) < 1.5, `the recording opens at ${at} s (${t1.toFixed(2)})`);
  check((await pub.textContent("#player-caption")).includes("Bản ghi"), "the player says it is a recording");
  await pub.screenshot({ path: `${shots}/minutes-video.png`, fullPage: true });
  await axeCheck(pub, "public, a recording opened at a turn");
  check(errors.length === 0, `no page errors (${errors.join(" | ")})`);
});
