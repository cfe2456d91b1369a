// Glass-to-glass latency as a citizen sees it: the public page plays the
// live sitting in Chromium (hls.js as the page sets it up: low-latency HLS,
// PART-HOLD-BACK behind the edge), and every
// 200 ms the frame on screen is drawn into an 8x6 canvas (one pixel per
// block of stamp_sender.py's picture), its 48 bits read back as the wall
// clock of its capture and subtracted from the browser's clock.
// Then recovery (issue 21): the page's network is cut for 10 s
// (Playwright's offline emulation) and restored; recovery_ms is the time
// from the network's return to the first frame on screen again within
// 1.5 s of the glass-to-glass p50 (the player back at the live edge, by
// itself).
// What the player fetched is counted too: LL-HLS parts, blocking playlist
// reloads (_HLS_msn), whole segments (the plain-HLS way), so a figure says
// which way it was measured.
// With MODE "native" the page runs without Media Source Extensions, so it
// hands the playlist to Chromium's own HLS player (the plain-HLS fallback,
// as on an iPhone); the recovery phase is then skipped.
// Usage: node latency.mjs BASE_URL SESSION_ID SECONDS [native]  -> JSON on stdout
import { launch } from "../browser/lib.mjs";

const [base, session, seconds, mode] = process.argv.slice(2);
const browser = await launch();
try {
  const ctx = await browser.newContext();
  if (mode === "native") {
    await ctx.addInitScript(() => {
      delete window.MediaSource;
      delete window.ManagedMediaSource;
    });
  }
  const p = await ctx.newPage();
  const fetched = { parts: 0, blocking_reloads: 0, segments: 0 };
  p.on("request", (r) => {
    const u = r.url();
    if (/\/part-[0-9a-f]+-\d+\.ts$/.test(u)) fetched.parts++;
    else if (/\/seg-[0-9a-f]+-\d+\.ts$/.test(u)) fetched.segments++;
    else if (/live\.m3u8\?.*_HLS_msn=/.test(u)) fetched.blocking_reloads++;
  });
  await p.goto(`${base}/public/?session=${session}`, { waitUntil: "load" });
  await p.waitForSelector("#player", { timeout: 30000 });
  await p.waitForFunction(() => document.getElementById("player").currentTime > 1, null, { timeout: 60000 });
  const { out: samples, ahead } = await p.evaluate(async (ms) => {
    const v = document.getElementById("player");
    const c = document.createElement("canvas");
    c.width = 8;
    c.height = 6;
    const g = c.getContext("2d", { willReadFrequently: true });
    const out = [], ahead = [];
    const end = Date.now() + ms;
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, 200));
      if (v.paused || v.readyState < 2) continue;
      g.drawImage(v, 0, 0, 8, 6);
      const px = g.getImageData(0, 0, 8, 6).data;
      let stamp = 0;
      for (let i = 47; i >= 0; i--) stamp = stamp * 2 + (px[i * 4] > 128 ? 1 : 0);
      const lat = Date.now() - stamp;
      if (lat > 0 && lat < 60000) { // a frame from the slate is not a stamp
        out.push(lat);
        if (v.buffered.length) ahead.push(Math.round(1000 * (v.buffered.end(v.buffered.length - 1) - v.currentTime)));
      }
    }
    ahead.sort((a, b) => a - b);
    return { out, ahead: ahead[ahead.length >> 1] };
  }, Number(seconds) * 1000);
  samples.sort((a, b) => a - b);
  const q = (f) => samples[Math.min(samples.length - 1, Math.floor(f * samples.length))];

  if (mode === "native") {
    console.log(JSON.stringify({ n: samples.length, min: samples[0], p50: q(0.5), p95: q(0.95), max: samples[samples.length - 1], buffered_ahead_ms: ahead, recovery_ms: null, fetched }));
    process.exit(0);
  }
  await ctx.setOffline(true);
  await p.waitForTimeout(10000);
  await ctx.setOffline(false);
  const recovery = await p.evaluate(async (target) => {
    const v = document.getElementById("player");
    const c = document.createElement("canvas");
    c.width = 8;
    c.height = 6;
    const g = c.getContext("2d", { willReadFrequently: true });
    const back = Date.now();
    while (Date.now() - back < 60000) {
      await new Promise((r) => setTimeout(r, 100));
      if (v.paused || v.readyState < 2) continue;
      g.drawImage(v, 0, 0, 8, 6);
      const px = g.getImageData(0, 0, 8, 6).data;
      let stamp = 0;
      for (let i = 47; i >= 0; i--) stamp = stamp * 2 + (px[i * 4] > 128 ? 1 : 0);
      const lat = Date.now() - stamp;
      if (lat > 0 && lat < target) return Date.now() - back;
    }
    return null;
  }, q(0.5) + 1500);
  console.log(JSON.stringify({ n: samples.length, min: samples[0], p50: q(0.5), p95: q(0.95), max: samples[samples.length - 1], buffered_ahead_ms: ahead, recovery_ms: recovery, fetched }));
} finally {
  await browser.close();
}
