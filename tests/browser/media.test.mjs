// The livestream and the archive on the public page in Chromium (hls.js,
// which the page uses wherever Media Source Extensions exist): the open sitting plays live and its
// picture advances; the recorded sitting is listed with its chapters, and a
// chapter jumps the recording to its moment.
// Usage: node media.test.mjs BASE_URL SCREENSHOT_DIR SESSION_ID
import { axeCheck, check, runTest } from "./lib.mjs";

const [base, shots, session] = process.argv.slice(2);
await runTest(async (browser) => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "vi-VN" });
  const p = await ctx.newPage();
  const errors = [];
  p.on("pageerror", (e) => errors.push(String(e)));
  await p.goto(`${base}/public/?session=${session}`, { waitUntil: "load" });
  await p.waitForSelector("#player", { timeout: 30000 });
  const time = () => p.evaluate(() => document.getElementById("player").currentTime);
  // The badge says live once the picture moves (hls.js starts near the
  // live edge, and may rebuffer once there).
  await p.waitForFunction(() => (document.getElementById("player-caption") || {}).textContent?.includes("Đang phát trực tiếp"), null, { timeout: 30000 });
  const t1 = await time();
  await p.waitForTimeout(2000);
  const t2 = await time();
  check(t2 > t1 + 1, `the livestream plays: currentTime ${t1.toFixed(2)} -> ${t2.toFixed(2)}`);
  check((await p.textContent("#player-caption")).includes("trực tiếp"), "it says it is live, in Vietnamese");
  await p.screenshot({ path: `${shots}/public-live.png` });
  await axeCheck(p, "public, livestream playing");

  await p.waitForSelector("ol.chapters li button", { timeout: 30000 });
  const chapters = await p.locator("ol.chapters li button").allTextContents();
  check(chapters.length === 3, `the recorded sitting lists its chapters (${chapters.join(" | ")})`);
  check(chapters[1].startsWith("Phát biểu:"), "a speaker's chapter, in Vietnamese");
  const offset = Number(await p.locator("ol.chapters li button").nth(2).getAttribute("data-offset")) / 1000;
  await p.locator("ol.chapters li button").nth(2).click();
  await p.waitForFunction((o) => {
    const v = document.getElementById("player");
    return v && !v.paused && Math.abs(v.currentTime - o) < 1.5 && v.readyState >= 2;
  }, offset, { timeout: 30000 });
  const v1 = await time();
  await p.waitForTimeout(1500);
  const v2 = await time();
  check(Math.abs(v1 - offset) < 1.5 && v2 > v1, `the chapter jumps the recording to ${offset.toFixed(1)} s and it plays (${v1.toFixed(2)} -> ${v2.toFixed(2)})`);
  check((await p.textContent("#player-caption")).includes("Bản ghi"), "the player says it is a recording");
  await p.screenshot({ path: `${shots}/public-archive.png`, fullPage: true });
  await axeCheck(p, "public, a recording at a chapter");
  await p.click("#back-live");
  await p.waitForFunction(() => (document.getElementById("player-caption") || {}).textContent?.includes("trực tiếp"), null, { timeout: 30000 });
  await p.waitForFunction(() => document.getElementById("player").currentTime > 0.5, null, { timeout: 30000 });
  check(true, "back to the live stream in one click");

  // The chair console shows the recording's state.
  const chair = await (await browser.newContext({ locale: "vi-VN" })).newPage();
  chair.on("pageerror", (e) => errors.push(String(e)));
  await chair.goto(`${base}/chair/?session=${session}`, { waitUntil: "load" });
  await chair.fill("#login", "chutich");
  await chair.fill("#password", "plenum-demo");
  await chair.click("form.signin button[type=submit]");
  await chair.waitForFunction(() => (document.getElementById("media-status") || {}).textContent?.includes("Đang ghi hình"), null, { timeout: 30000 });
  const status = await chair.textContent("#media-status");
  check(/đang phát trực tiếp · [0-9.]+ Mbit\/s · \d+ khung hình bị bỏ/.test(status), `the chair sees the recording live (${status})`);
  await axeCheck(chair, "chair, recording live");
  check(errors.length === 0, `no page errors (${errors.join(" | ")})`);
});
