// Watching a voter-contact meeting without a camera, in real Chromium
// against plenumd and PostgreSQL. The chair, signed in, creates a meeting
// on /meeting/ (the form, not a hand-made WebSocket message), lands on its
// page and opens it, and watches without connecting a camera; a citizen
// who only watches presses "watch" and their <video> plays (frames decoded,
// time advancing) while getUserMedia is never called on their page; a
// second citizen speaks with Chromium's fake camera, and once admitted the
// chair's picture (still no camera of theirs) and the watcher's show it
// (not black). The camera card's help differs for staff and citizens.
//
// Usage: node meeting-watch.test.mjs BASE_URL SCREENSHOT_DIR
import { axeCheck, check, launch } from "./lib.mjs";

const [base, shots] = process.argv.slice(2);
const WAIT = 60000;

const browser = await launch(["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]);
let failed = false;
const problems = [];
const pages = {};

// A page in its own context, with getUserMedia counted (window.__gum).
async function page(name, path, viewport = { width: 1280, height: 900 }) {
  const ctx = await browser.newContext({ viewport, locale: "vi-VN" });
  await ctx.addInitScript(() => {
    window.__gum = 0;
    const md = navigator.mediaDevices;
    if (md && md.getUserMedia) {
      const real = md.getUserMedia.bind(md);
      md.getUserMedia = (...a) => {
        window.__gum++;
        return real(...a);
      };
    }
  });
  const p = await ctx.newPage();
  p.setDefaultTimeout(WAIT);
  p.on("pageerror", (e) => problems.push(`${name}: ${e}`));
  p.on("console", (m) => {
    if (["warning", "error"].includes(m.type()) && !m.text().includes("401")) console.log(`[${name} console] ${m.text()}`);
  });
  p.on("dialog", (d) => d.accept());
  await p.goto(`${base}${path}`, { waitUntil: "load" });
  pages[name] = p;
  return p;
}

const text = async (p, sel) => (await p.textContent(sel)).trim();
const gum = (p) => p.evaluate(() => window.__gum);

// The program <video> is playing: frames decoded and its time advancing.
async function playing(p) {
  await p.waitForFunction(() => {
    const v = document.querySelector("#remote-program");
    return v && v.videoWidth > 0 && v.getVideoPlaybackQuality().totalVideoFrames > 5 && v.currentTime > 0.5;
  }, null, { polling: 500 });
  const t1 = await p.$eval("#remote-program", (v) => v.currentTime);
  await p.waitForTimeout(1500);
  const t2 = await p.$eval("#remote-program", (v) => v.currentTime);
  return t2 > t1;
}

// Waits until the program's picture is not black (someone's camera on air).
async function picture(p) {
  await p.waitForFunction(() => {
    const v = document.querySelector("#remote-program");
    if (!v || !v.videoWidth) return false;
    const c = document.createElement("canvas");
    c.width = 64;
    c.height = 36;
    const g = c.getContext("2d");
    g.drawImage(v, 0, 0, 64, 36);
    const d = g.getImageData(0, 0, 64, 36).data;
    let s = 0;
    for (let i = 0; i < d.length; i += 4) s += d[i] + d[i + 1] + d[i + 2];
    return s / (d.length / 4) / 3 > 30;
  }, null, { polling: 500 });
}

const t0 = Date.now();
try {
  // The chair signs in and creates a meeting from the page.
  const mod = await page("moderator", "/chair/");
  await mod.fill("#login", "chutich");
  await mod.fill("#password", "plenum-demo");
  await mod.click("form.signin button[type=submit]");
  await mod.waitForSelector('#status[data-state="live"]');
  await mod.goto(`${base}/meeting/`);
  await mod.waitForSelector("#meeting-create");
  await axeCheck(mod, "voter meetings list, with the staff's form to create one");
  await mod.fill("#new-title", "Tiếp xúc cử tri khu phố 5");
  await mod.fill("#new-location", "Nhà văn hoá khu phố 5");
  await mod.fill("#new-start", "2026-12-20T19:00");
  await mod.fill("#new-capacity", "120");
  await mod.click("#create-meeting");
  await mod.waitForURL(/\/meeting\/\?id=\d+$/);
  const mid = new URL(mod.url()).searchParams.get("id");
  await mod.waitForSelector("#moderator");
  check((await text(mod, "#meeting-h")) === "Tiếp xúc cử tri khu phố 5", `the chair creates a meeting from the page (id ${mid}) and moderates it`);
  const staffHint = await text(mod, "#remote-hint");
  check(staffHint.startsWith("Cán bộ điều hành"), `the camera card's help is for staff (${staffHint})`);
  await mod.click("#meeting-open");
  await mod.waitForSelector('#meeting-state[data-state="open"]');
  await mod.click("#remote-watch");
  await mod.waitForSelector('#remote-state[data-state="connected"]');
  check(await playing(mod), "the chair watches the room without a camera");

  // A citizen who only watches: no sign-in, no camera.
  const watcher = await page("watcher", `/meeting/?id=${mid}`, { width: 412, height: 915 });
  await watcher.waitForSelector("#remote-watch");
  const citizenHint = await text(watcher, "#remote-hint");
  check(citizenHint !== staffHint && citizenHint.includes("không cần camera"), `a citizen's help is not the staff's (${citizenHint})`);
  check(!(await watcher.$("#remote-join")), "no camera button for someone only watching");
  await watcher.click("#remote-watch");
  await watcher.waitForSelector('#remote-state[data-state="connected"]');
  check(await playing(watcher), "the watcher's video plays (frames decoded, time advancing)");
  check((await text(watcher, "#remote-state")).includes("Đang xem"), "the watcher is told they are watching");
  check((await text(watcher, "#remote-leave")) === "Ngừng xem", "and can stop watching");
  await mod.waitForFunction(() => document.querySelector("#media-watchers").dataset.n === "2");
  check(true, "the moderator sees two people watching (counted, not listed)");

  // A citizen speaks with their (fake) camera.
  const cit = await page("citizen", `/meeting/?id=${mid}`, { width: 412, height: 915 });
  await cit.waitForSelector("#guest-form");
  await cit.fill("#guest-name", "Trần Văn Bình");
  await cit.click("#guest-form button[type=submit]");
  await cit.waitForSelector('#my-state[data-state="present"]');
  await cit.click("#raise-hand");
  await cit.waitForSelector('#my-state[data-state="hand"]');
  check((await text(cit, "#remote-hint")) !== staffHint, "a citizen with a raised hand gets the citizens' help");
  await cit.click("#remote-join");
  await cit.waitForSelector('#remote-state[data-state="connected"]');
  await mod.waitForSelector("#hands li");
  await mod.click("#admit-next");
  await cit.waitForSelector('#remote-state[data-on-air="true"]');
  await picture(mod);
  check(true, "the chair sees the admitted citizen's picture without a camera of their own");
  await picture(watcher);
  check(true, "the watcher sees the admitted citizen's picture");
  await watcher.screenshot({ path: `${shots}/meeting-watcher.png`, fullPage: true });
  await mod.screenshot({ path: `${shots}/meeting-moderator-watching.png`, fullPage: true });
  await axeCheck(watcher, "voter meeting, a citizen only watching");
  await axeCheck(mod, "voter meeting, the chair watching without a camera");
  check((await gum(watcher)) === 0, "getUserMedia was never called on the watcher's page");
  check((await gum(mod)) === 0, "nor on the chair's");
  check((await gum(cit)) > 0, "the speaking citizen's camera was asked for");
  check(problems.length === 0, `no page errors (${problems.join(" | ")})`);
  console.log(`meeting watch test: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
} catch (e) {
  console.error(String(e.stack || e));
  failed = true;
  if (pages.moderator) {
    // What the room says of each participant (frames received and decoded).
    const st = await pages.moderator.evaluate(async (mid) => new Promise((done) => {
      const ws = new WebSocket(`ws://${location.host}/ws`, "plenum.v1");
      ws.onopen = () => ws.send(JSON.stringify({ type: "meeting.join", id: 1, meeting_id: Number(mid) }));
      ws.onmessage = (ev) => {
        const m = JSON.parse(ev.data);
        if (m.re === 1) ws.send(JSON.stringify({ type: "rtc.status", id: 2 }));
        if (m.re === 2) done(JSON.stringify(m));
      };
      setTimeout(() => done("no answer"), 5000);
    }), new URL(pages.moderator.url()).searchParams.get("id")).catch((e2) => String(e2));
    console.error(`rtc.status: ${st}`);
  }
  for (const [name, p] of Object.entries(pages)) {
    await p.screenshot({ path: `${shots}/failure-meeting-watch-${name}.png`, fullPage: true }).catch(() => {});
    console.error(`${name}: ${(await p.textContent("body").catch(() => "")).slice(0, 800)}`);
  }
}
await browser.close();
process.exit(failed ? 1 : 0);
