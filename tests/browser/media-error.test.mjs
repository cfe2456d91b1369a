// A media error is said in words on both pages (issue 21): plenumd runs
// without a GStreamer element it needs (--media-required off) and a sitting
// is open. The chair's console says the recording is in error and why, in
// Vietnamese; the public page says there is no livestream and never asks
// for a live playlist that is not there.
// Usage: node media-error.test.mjs BASE_URL SCREENSHOT_DIR SESSION_ID
import { axeCheck, check, runTest } from "./lib.mjs";

const [base, shots, session] = process.argv.slice(2);
await runTest(async (browser) => {
  const errors = [];
  const pub = await (await browser.newContext({ locale: "vi-VN" })).newPage();
  pub.on("pageerror", (e) => errors.push(String(e)));
  const playlists = [];
  pub.on("request", (r) => { if (r.url().includes(".m3u8")) playlists.push(r.url()); });
  await pub.goto(`${base}/public/?session=${session}`, { waitUntil: "load" });
  await pub.waitForSelector('#live-wait[data-state="media.no_live_error"]', { timeout: 30000 });
  const said = await pub.textContent("#live-wait");
  check(said.includes("Hiện không có truyền hình trực tiếp"), `the public page says there is no livestream (${said})`);
  await pub.waitForTimeout(3000);
  check(playlists.length === 0, `and asks for no playlist (${playlists.join(", ")})`);
  await pub.screenshot({ path: `${shots}/public-media-error.png` });
  await axeCheck(pub, "public, no livestream (media error)");

  const chair = await (await browser.newContext({ locale: "vi-VN" })).newPage();
  chair.on("pageerror", (e) => errors.push(String(e)));
  await chair.goto(`${base}/chair/?session=${session}`, { waitUntil: "load" });
  await chair.fill("#login", "chutich");
  await chair.fill("#password", "plenum-demo");
  await chair.click("form.signin button[type=submit]");
  await chair.waitForFunction(() => (document.getElementById("media-status") || {}).textContent?.includes("Lỗi ghi hình"), null, { timeout: 30000 });
  const status = await chair.textContent("#media-status");
  check(status.includes("máy chủ thiếu thành phần GStreamer") && status.includes("gstreamer1.0-x"),
    `the chair sees the error and its reason in words (${status})`);
  await chair.screenshot({ path: `${shots}/chair-media-error.png` });
  await axeCheck(chair, "chair, media error");
  check(errors.length === 0, `no page errors (${errors.join(" | ")})`);
});
