// Low-latency HLS on the public page in Chromium: with hls.js (Media Source
// Extensions) the page plays the live sitting from its LL-HLS parts, with
// blocking playlist reloads, well under a second behind the newest part;
// without Media Source Extensions (as on a phone whose browser plays HLS
// itself) the browser's own player plays the same live playlist as plain
// HLS (no _HLS_ parameters, whole segments).
// Usage: node media-llhls.test.mjs BASE_URL SCREENSHOT_DIR SESSION_ID
import { check, runTest } from "./lib.mjs";

const [base, shots, session] = process.argv.slice(2);

// Opens the public page in a new context (init: a script run before the
// page's own), waits for the picture to move for 3 s; what was fetched.
async function watch(browser, init, label) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "vi-VN" });
  if (init) await ctx.addInitScript(init);
  const p = await ctx.newPage();
  const errors = [];
  p.on("pageerror", (e) => errors.push(String(e)));
  const fetched = { parts: 0, blocking: 0, plain: 0, segments: 0 };
  p.on("request", (r) => {
    const u = r.url();
    if (/\/part-[0-9a-f]{16}-\d+\.ts$/.test(u)) fetched.parts++;
    else if (/\/seg-[0-9a-f]{16}-\d+\.ts$/.test(u)) fetched.segments++;
    else if (/live\.m3u8\?(.*&)?_HLS_msn=\d+/.test(u)) fetched.blocking++;
    else if (/live\.m3u8$/.test(u)) fetched.plain++;
  });
  await p.goto(`${base}/public/?session=${session}`, { waitUntil: "load" });
  await p.waitForSelector("#player", { timeout: 30000 });
  await p.waitForFunction(() => (document.getElementById("player-caption") || {}).textContent?.includes("Đang phát trực tiếp"), null, { timeout: 40000 });
  const time = () => p.evaluate(() => document.getElementById("player").currentTime);
  const t1 = await time();
  await p.waitForTimeout(3000);
  const t2 = await time();
  check(t2 > t1 + 1.5, `${label}: the livestream plays (currentTime ${t1.toFixed(2)} -> ${t2.toFixed(2)})`);
  // How far the picture is behind the newest media the page has: the
  // end of what it buffered.
  const behind = await p.evaluate(() => {
    const v = document.getElementById("player");
    return v.buffered.length ? v.buffered.end(v.buffered.length - 1) - v.currentTime : null;
  });
  await p.screenshot({ path: `${shots}/public-live-${label}.png` });
  check(errors.length === 0, `${label}: no script errors (${errors.join("; ")})`);
  await ctx.close();
  return { fetched, behind };
}

await runTest(async (browser) => {
  const ll = await watch(browser, null, "llhls");
  check(ll.fetched.parts > 5, `hls.js loads LL-HLS parts (${JSON.stringify(ll.fetched)})`);
  check(ll.fetched.blocking > 5, `hls.js reloads the playlist blocking, with _HLS_msn (${ll.fetched.blocking})`);
  check(ll.behind !== null && ll.behind < 2.0, `it plays close to the newest part: ${ll.behind?.toFixed(2)} s buffered ahead`);

  // No Media Source Extensions: hls.js is not supported, the page gives
  // the playlist to the browser's own player.
  const plain = await watch(browser, () => {
    delete window.MediaSource;
    delete window.ManagedMediaSource;
    delete window.WebKitMediaSource;
  }, "native");
  check(plain.fetched.parts === 0 && plain.fetched.blocking === 0,
    `the native player asks no LL-HLS (${JSON.stringify(plain.fetched)})`);
  check(plain.fetched.plain >= 1, `it reads the plain live playlist (${plain.fetched.plain})`);
});
