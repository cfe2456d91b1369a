// The public player recovers from a network blip by itself (issue 21): the
// page plays the live sitting in Chromium (hls.js), its network is cut for
// 10 s (Playwright's offline emulation: every request fails, as on a
// dropped Wi-Fi), then restored. While the picture stands still the badge
// must not say "live"; once the network is back the player must be playing
// again at the live edge within RESUME_BOUND_MS, with no click and no
// reload. Prints "recovery_ms=N" (network back → playing at the edge).
// Usage: node media-recovery.test.mjs BASE_URL SCREENSHOT_DIR SESSION_ID
import { axeCheck, check, runTest } from "./lib.mjs";

const RESUME_BOUND_MS = 20000;
const EDGE_S = 6; // at most this far behind the newest segment: "the live edge"
const [base, shots, session] = process.argv.slice(2);

await runTest(async (browser) => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "vi-VN" });
  const p = await ctx.newPage();
  const errors = [];
  p.on("pageerror", (e) => errors.push(String(e)));
  await p.goto(`${base}/public/?session=${session}`, { waitUntil: "load" });
  await p.waitForSelector("#player", { timeout: 30000 });
  const look = () => p.evaluate(() => {
    const v = document.getElementById("player");
    const s = v && v.seekable;
    return {
      time: v ? v.currentTime : 0,
      behind: s && s.length ? s.end(s.length - 1) - v.currentTime : null,
      says: (document.getElementById("player-caption") || {}).textContent || "",
      at: Date.now(),
    };
  });
  const saysLive = (x) => x.says.includes("Đang phát trực tiếp");
  await p.waitForFunction(() => (document.getElementById("player-caption") || {}).textContent?.includes("Đang phát trực tiếp"), null, { timeout: 30000 });
  const before = await look();
  check(saysLive(before), `playing, the badge says live (${before.says})`);

  // The blip: 10 s offline, the badge sampled every 250 ms.
  await ctx.setOffline(true);
  const cut = Date.now();
  const during = [];
  while (Date.now() - cut < 10000) {
    during.push(await look());
    await p.waitForTimeout(250);
  }
  await p.screenshot({ path: `${shots}/public-offline.png` });
  await ctx.setOffline(false);
  const back = Date.now();

  // Live only while the picture moves: each sample saying "live" has a
  // later time than the sample 2.25 s before it.
  const lies = during.filter((x) => saysLive(x) && during.some((y) => y.at <= x.at - 2250 && y.at > x.at - 3000 && y.time >= x.time));
  check(lies.length === 0, `the badge never says live while the picture stands still (${lies.length} of ${during.length} samples did)`);
  const stood = during.filter((x) => !saysLive(x));
  check(stood.length > 0, `the badge says so while offline: "${(stood[0] || {}).says}"`);

  // Back: playing again, at the live edge, by itself.
  let now = await look();
  let resumed = null;
  let moving = 0;
  while (Date.now() - back < RESUME_BOUND_MS + 5000) {
    await p.waitForTimeout(250);
    const next = await look();
    moving = next.time > now.time ? moving + 1 : 0;
    now = next;
    if (moving >= 4 && now.behind !== null && now.behind < EDGE_S && saysLive(now)) {
      resumed = now.at - back;
      break;
    }
  }
  await p.screenshot({ path: `${shots}/public-recovered.png` });
  check(resumed !== null && resumed <= RESUME_BOUND_MS,
    `the player resumes the live edge by itself in ${resumed} ms (bound ${RESUME_BOUND_MS} ms; ${now.behind && now.behind.toFixed(1)} s behind the newest segment, badge "${now.says}")`);
  console.log(`recovery_ms=${resumed}`);
  // Checked only now: the offline window is timed and not to be stretched.
  await axeCheck(p, "public, live again after a network cut");
  check(errors.length === 0, `no page errors (${errors.join(" | ")})`);
});
