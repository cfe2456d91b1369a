// Remote participation in real Chromium (its fake camera and microphone):
// the chair opens a sitting; a delegate signs in on the delegate page, joins
// remotely (WebRTC to plenumd) and, on the same page, checks in and asks to
// speak; the chair's console lists them; the floor puts them on air, the
// chair's mute is shown on their page; the sitting's program plays on their
// page; a named vote is cast from that page and counted. Screenshots
// (Vietnamese) of both pages.
//
// Usage: node remote.test.mjs BASE_URL SCREENSHOT_DIR SESSION_ID
// Prints "VOTE <id>" for the caller to check the recorded ballot.
import { axeCheck, check, launch, openFirstItem, openPage } from "./lib.mjs";

const [base, shots, sid] = process.argv.slice(2);
// Two cores shared with other work, Chromium encoding and plenumd mixing
// with sanitizers: waits are for states, with room to spare.
const WAIT = 60000;

const browser = await launch([
  "--use-fake-ui-for-media-stream",
  "--use-fake-device-for-media-stream",
]);
let failed = false;
const problems = [];
const pages = {};

const page = (name, path, viewport) =>
  openPage(browser, { name, url: `${base}${path}?session=${sid}`, viewport, wait: WAIT, problems, pages });

async function signIn(p, login) {
  await p.fill("#login", login);
  await p.fill("#password", "plenum-demo");
  await p.click("form.signin button[type=submit]");
  await p.waitForSelector('#status[data-state="live"]');
}

const text = async (p, sel) => (await p.textContent(sel)).trim();
const t0 = Date.now();

try {
  // The chair opens the session and a sitting and takes up the first item.
  const chair = await page("chair", "/chair/");
  await signIn(chair, "chutich");
  await openFirstItem(chair);
  await chair.waitForSelector("#rtc-panel");
  check((await text(chair, "#rtc-panel")).includes("Chưa có đại biểu nào tham gia từ xa"),
    "the chair's console has a remote participants panel, empty");
    await axeCheck(chair, "chair, item active, remote panel empty");

  // The delegate joins remotely.
  const del = await page("delegate", "/delegate/", { width: 1024, height: 1366 });
  await signIn(del, "daibieu03");
  await del.waitForSelector("#remote-join:not([disabled])");
  check((await text(del, "#remote-h")) === "Tham gia từ xa", "the delegate page has the remote card, in Vietnamese");
  await del.screenshot({ path: `${shots}/delegate-remote-idle.png` });
  await axeCheck(del, "delegate, remote card idle");
  await del.click("#remote-join");
  await del.waitForSelector('#remote-state[data-state="connected"]');
  check((await text(del, "#remote-state")).startsWith("Đã kết nối"), "the delegate page says connected");
  await del.waitForFunction(() => {
    const v = document.querySelector("#remote-preview");
    return v && v.videoWidth > 0 && v.currentTime > 0;
  });
  check(true, "the delegate's own camera shows in the preview");
  const cams = await del.$$eval("#remote-camera option", (o) => o.length);
  const mics = await del.$$eval("#remote-mic option", (o) => o.length);
  check(cams >= 1 && mics >= 1, `the device lists are filled (${cams} camera(s), ${mics} microphone(s))`);

  // The same page: check in, ask to speak.
  await del.click("#check-in");
  await del.waitForFunction(() => document.querySelector("#att-state").textContent.startsWith("✔"));
  await del.selectOption("#kind", "speech");
  await del.click("#request");
  await del.waitForSelector("#withdraw");
  check(true, "the remote delegate checked in and asked to speak on the same page");
  await axeCheck(del, "delegate, connected remotely, asking to speak");

  // The chair's console lists the remote participant.
  const row = await chair.waitForSelector('#rtc-list tr[data-state="connected"]');
  const person = await row.getAttribute("data-person");
  check((await row.textContent()).includes("Lê Minh Tuấn") && (await row.textContent()).includes("Đã kết nối"),
    "the chair sees the remote delegate, connected");
  // Their sound reaches the room (the fake microphone's beeps).
  await chair.waitForFunction((p) => {
    const q = document.querySelector(`#rtc-list tr[data-person="${p}"] [data-quality]`);
    return q && ["tốt", "trung bình", "kém"].some((w) => q.textContent.startsWith(w));
  }, person);
  check(true, "the chair sees the connection quality in words");

  // The floor: on air on the delegate's page and on the console.
  await chair.click("#grant-next");
  await del.waitForSelector('#remote-state[data-on-air="true"]');
  check((await text(del, "#remote-state")).includes("Đang phát trực tiếp"), "the floor puts the delegate on air, shown on their page");
  await chair.waitForSelector(`#rtc-list tr[data-person="${person}"][data-on-air="true"]`);
  check(true, "the chair's console shows them on air");
  // Their microphone's beeps are in the program mix (measured by the room).
  await chair.waitForFunction(() => {
    const e = document.querySelector("#rtc-program-level");
    return e && Number(e.dataset.db) > -50;
  });
  check(true, `the delegate's sound is in the program (${await text(chair, "#rtc-program-level")})`);
  await chair.screenshot({ path: `${shots}/chair-remote.png`, fullPage: true });
  await axeCheck(chair, "chair, a remote delegate on air");

  // The chair mutes them: the Mute button is updated in place, not rebuilt,
  // by the console's refreshes; the delegate's page says so.
  const muteSel = `#rtc-mute-${person}`;
  await chair.$eval(muteSel, (b) => { b.plenumMark = true; });
  check((await text(chair, muteSel)) === "Tắt tiếng", "the chair's Mute button");
  await chair.click(muteSel);
  await del.waitForSelector('#remote-state[data-muted="true"][data-on-air="false"]');
  check((await text(del, "#remote-state")).includes("Chủ tọa đã tắt tiếng của bạn"), "the delegate page shows muted by the chair");
  await chair.waitForFunction((s) => document.querySelector(s).textContent === "Bật tiếng", muteSel);
  check(await chair.$eval(muteSel, (b) => b.plenumMark === true), "the console refreshed the row without replacing its button");

  // The sitting's program plays on the delegate's page.
  await del.waitForFunction(() => {
    const v = document.querySelector("#remote-program");
    return v && v.videoWidth > 0 && v.readyState >= 2;
  });
  const dims = await del.$eval("#remote-program", (v) => `${v.videoWidth}×${v.videoHeight}`);
  const at = await del.$eval("#remote-program", (v) => v.currentTime);
  await del.waitForFunction((a) => document.querySelector("#remote-program").currentTime > a + 1, at);
  check(true, `the program video plays on the delegate page (${dims}, time moving)`);
  await del.screenshot({ path: `${shots}/delegate-remote.png`, fullPage: true });
  await axeCheck(del, "delegate, on air and muted, program playing");

  // Unmuted again, and the floor ends.
  await chair.click(muteSel);
  await del.waitForSelector('#remote-state[data-muted="false"][data-on-air="true"]');
  // The program's sound (on air: their own voice is in it) as the page
  // plays it, measured by the Web Audio API.
  const loudest = await del.evaluate(async () => {
    const stream = new MediaStream(document.querySelector("#remote-program").srcObject.getAudioTracks());
    const ctx = new AudioContext();
    await ctx.resume();
    const an = ctx.createAnalyser();
    ctx.createMediaStreamSource(stream).connect(an);
    const buf = new Float32Array(an.fftSize);
    let max = 0;
    for (let i = 0; i < 150 && max < 0.01; i++) {
      await new Promise((r) => setTimeout(r, 100));
      an.getFloatTimeDomainData(buf);
      for (const x of buf) max = Math.max(max, Math.abs(x));
    }
    await ctx.close();
    return max;
  });
  check(loudest > 0.01, `the program's sound reaches the delegate page (peak ${loudest.toFixed(3)})`);
  await chair.click("#end");
  await del.waitForSelector('#remote-state[data-on-air="false"]');
  check(true, "unmuted on air again; off air when the floor ends");

  // The quorum (20 of 30): the secretary checks in nineteen more delegates.
  const sec = await page("secretary", "/secretary/");
  await signIn(sec, "thuky");
  for (let n = 2; n <= 20; n++) {
    await sec.locator("tbody button", { hasText: "Ghi có mặt" }).first().click();
    // The secretary's own page first: the chair's may hear of the check-in
    // before it, and a click on its stale first button would check the
    // same delegate in again (a no-op), leaving the count short.
    await sec.waitForFunction((k) => new RegExp(`(^|\\D)${k}/30`).test(document.querySelector("#attendance").textContent), n);
    await chair.waitForFunction((k) => document.querySelector("#attendance").textContent.includes(`${k}/30`), n);
  }

  // A named vote, cast from the same page.
  await chair.fill("#vote-question", "Thông qua Nghị quyết về kế hoạch đầu tư công năm 2027");
  await chair.selectOption("#vote-kind", "named");
  await chair.click("#vote-prepare");
  const open = await chair.waitForSelector('button[id^="vote-open-"]');
  const vote = (await open.getAttribute("id")).replace("vote-open-", "");
  await open.click();
  await chair.waitForSelector(`#count-${vote}`);
  await del.waitForSelector('.vote-card button.vote[data-choice="for"]');
  await del.click('.vote-card button.vote[data-choice="for"]');
  await del.waitForSelector("#recorded");
  check((await text(del, "#recorded")).includes("đã được ghi nhận"), "the remote delegate's vote is recorded on their page");
  await chair.waitForFunction((v) => document.querySelector(`#count-${v}`).textContent.startsWith("Đã có 1/20"), vote);
  await chair.click(`#vote-close-${vote}`);
  await (await chair.waitForSelector(`#vote-publish-${vote}`)).click();
  await chair.waitForSelector(`article[data-vote="${vote}"][data-state="published"] .meter-n`);
  const tally = await chair.$$eval(`article[data-vote="${vote}"] .meter-n`, (n) => n.map((x) => x.textContent));
  check(JSON.stringify(tally) === '["1","0","0"]', `the tally: 1 for, 0 against, 0 abstaining (${tally})`);
  await del.waitForSelector(".vote-result");
  await axeCheck(del, "delegate, remote, published result");
  await axeCheck(chair, "chair, published result");
  check(await del.$eval('#remote-state', (e) => e.dataset.state === "connected"), "still connected after voting");
  console.log(`VOTE ${vote}`);

  // Leaving: the camera stops, the console no longer lists them.
  await del.click("#remote-leave");
  await del.waitForSelector('#remote-state[data-state="left"]');
  await chair.waitForFunction(() => !document.querySelector("#rtc-list"));
  check(await del.$eval("#remote-preview", (v) => v.srcObject === null), "leaving stops the camera and the console empties");
  await del.click('nav button[data-lang="en"]');
  await del.waitForFunction(() => document.querySelector("#remote-h").textContent === "Join remotely");
  check((await text(del, "#remote-state")) === "You left remote participation" && (await text(del, "#remote-join")) === "Join remotely",
    "the card in English");
    await axeCheck(del, "delegate, left remote participation (en)");

  check(problems.length === 0, `no page errors (${problems.join(" | ")})`);
  console.log(`remote participation test: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
} catch (e) {
  console.error(String(e.stack || e));
  failed = true;
  for (const [name, p] of Object.entries(pages)) {
    await p.screenshot({ path: `${shots}/failure-remote-${name}.png`, fullPage: true }).catch(() => {});
    console.error(`${name}: ${(await p.textContent("body").catch(() => "")).slice(0, 600)}`);
  }
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
