// A whole sitting in real Chromium (issue 6): the chair opens a sitting,
// three delegates in separate browser contexts check in, one asks to speak
// and gets the floor (the countdown shows on the hall display), the chair
// is refused a vote below the quorum (in words) until the secretary has
// checked in enough delegates, runs a named vote and a secret ballot (its
// counting board, three of the delegates, confirms it), the delegates vote, the display and
// the public page show the published results; a delegate's page survives a
// server restart and catches up. Screenshots (Vietnamese) of every page.
//
// Usage: node sitting.test.mjs BASE_URL SCREENSHOT_DIR SESSION_ID
// Prints "RESTART" on stdout when it wants plenumd restarted and waits for
// a line "RESTARTED" on stdin; likewise "DBSTOP"/"DBSTART" for PostgreSQL.
import { createInterface } from "node:readline";
import { axeCheck, check, launch, openFirstItem } from "./lib.mjs";

const [base, shots, sid] = process.argv.slice(2);
const lines = createInterface({ input: process.stdin });
const waiting = [];
lines.on("line", (l) => waiting.length && waiting.shift()(l));
const nextLine = () => new Promise((r) => waiting.push(r));

const browser = await launch();
let failed = false;
const problems = [];

async function page(path, viewport = { width: 1280, height: 900 }) {
  const ctx = await browser.newContext({ viewport, locale: "vi-VN" });
  const p = await ctx.newPage();
  p.on("pageerror", (e) => problems.push(`${path}: ${e}`));
  await p.goto(`${base}${path}?session=${sid}`, { waitUntil: "load" });
  return p;
}

async function signIn(p, login) {
  await p.fill("#login", login);
  await p.fill("#password", "plenum-demo");
  await p.click("form.signin button[type=submit]");
  await p.waitForSelector('#status[data-state="live"]', { timeout: 15000 });
}

const text = async (p, sel) => (await p.textContent(sel)).trim();
const pages = {};

try {
  const chair = await page("/chair/");
  pages.chair = chair;
  await signIn(chair, "chutich");
  check((await text(chair, "#session-state")) === "Chưa khai mạc", "chair sees the session not yet open");
  await axeCheck(chair, "chair, session not yet open");
  await openFirstItem(chair);
  await axeCheck(chair, "chair, sitting open, item active");

  const display = await page("/display/", { width: 1600, height: 900 });
  await display.waitForSelector('#status[data-state="live"]');
  await axeCheck(display, "hall display, agenda");
  const pub = await page("/public/", { width: 390, height: 844 });
  await pub.waitForSelector('#status[data-state="live"]');
  await axeCheck(pub, "public, live (phone)");

  const delegates = [];
  for (const login of ["daibieu03", "daibieu04", "daibieu05"]) {
    const d = await page("/delegate/", { width: 1024, height: 1366 });
    await signIn(d, login);
    await d.click("#check-in");
    await d.waitForFunction(() => document.querySelector("#att-state").textContent.startsWith("✔"));
    delegates.push(d);
    pages[login] = d;
    if (delegates.length === 1) await axeCheck(d, "delegate, checked in (tablet)");
  }
  await chair.waitForFunction(() => document.querySelector("#attendance").textContent.includes("3/30"));
  check(true, "three delegates checked in; the chair sees 3/30 present");
  // The secretary records a fourth delegate (no device) as present.
  const sec = await page("/secretary/");
  pages.secretary = sec;
  await signIn(sec, "thuky");
  const huong = sec.locator("tr", { hasText: "Đặng Thị Hương" });
  await huong.locator('button[id^="att-"]').click();
  await chair.waitForFunction(() => document.querySelector("#attendance").textContent.includes("4/30"));
  check(true, "the secretary marks a delegate present; the chair sees 4/30");
  await axeCheck(sec, "secretary, attendance");
  check((await text(chair, "#quorum")).includes("Chưa đủ"), "the chair sees the quorum is not met, in words");

  // Below the quorum no vote opens: the chair is told why, in words.
  await chair.fill("#vote-question", "Biểu quyết khi chưa đủ đại biểu");
  await chair.selectOption("#vote-kind", "open");
  await chair.click("#vote-prepare");
  const early = await chair.waitForSelector('button[id^="vote-open-"]');
  const earlyId = (await early.getAttribute("id")).replace("vote-open-", "");
  await early.click();
  // Next to the votes (the chair's console shows refusals in place).
  await chair.waitForSelector('#msg-votes[data-reason="no_quorum"]');
  const refusal = await text(chair, "#msg-votes");
  check(refusal.includes("Chưa đủ số đại biểu có mặt") && refusal.includes("4/30") && refusal.includes("cần ít nhất 20"),
    `the chair sees why the vote did not open: present and needed (${refusal})`);
  await axeCheck(chair, "chair, a vote refused below the quorum");
  // Cancelling asks first, in the console's dialog.
  await chair.click(`#vote-cancel-${earlyId}`);
  await chair.click("dialog#confirm-dialog[open] #confirm-ok");
  await chair.waitForSelector(`article[data-vote="${earlyId}"][data-state="cancelled"]`);
  // The secretary checks in sixteen more delegates: 20 of 30, the quorum.
  for (let n = 5; n <= 20; n++) {
    await sec.locator("tbody button", { hasText: "Ghi có mặt" }).first().click();
    // The secretary's own page first: the chair's may hear of the check-in
    // before it, and a click on its stale first button would check the
    // same delegate in again (a no-op), leaving the count short.
    await sec.waitForFunction((k) => new RegExp(`(^|\\D)${k}/30`).test(document.querySelector("#attendance").textContent), n);
    await chair.waitForFunction((k) => document.querySelector("#attendance").textContent.includes(`${k}/30`), n);
  }
  check(!(await text(chair, "#quorum")).includes("Chưa đủ"), "with 20 of 30 present the chair sees the quorum met");

  // A delegate asks to speak; the chair gives the floor; the display counts down.
  await delegates[0].selectOption("#kind", "speech");
  await delegates[0].click("#request");
  await chair.waitForSelector("#grant-next");
  await axeCheck(chair, "chair, a request to speak");
  await axeCheck(delegates[0], "delegate, asking to speak");
  await chair.click("#grant-next");
  await display.waitForSelector("#display-speaker");
  check((await text(display, "#display-speaker")) === "Lê Minh Tuấn", "the display shows the speaker");
  const c1 = await text(display, "#clock");
  check(/^[67]:\d\d$/.test(c1), `the display counts down from 7:00 (${c1})`);
  await display.waitForTimeout(1300);
  check((await text(display, "#clock")) !== c1, "the countdown moves");
  await display.screenshot({ path: `${shots}/display-speaker.png` });
  await axeCheck(display, "hall display, speaker and countdown");
  await chair.click("#end");

  // A named vote.
  async function runVote(kind, question, choices, byHand = 0) {
    await chair.fill("#vote-question", question);
    await chair.selectOption("#vote-kind", kind);
    const secretKind = ["secret", "election", "confidence"].includes(kind);
    if (secretKind) {
      // The counting board: the ward's three, here the three delegates' pages.
      for (const name of ["Lê Minh Tuấn", "Hoàng Thị Mai", "Vũ Đức Anh"]) {
        await chair.locator("#vote-board label", { hasText: name }).locator("input").check();
      }
    }
    await chair.click("#vote-prepare");
    const open = await chair.waitForSelector('button[id^="vote-open-"]');
    const id = (await open.getAttribute("id")).replace("vote-open-", "");
    await open.click();
    await chair.waitForSelector(`#count-${id}`);
    await axeCheck(chair, `chair, ${kind} vote open`);
    const seen = [];
    // Mark the last delegate's button before the others vote: the tallies
    // their votes cause must update that page in place, not rebuild it
    // (a rebuilt button between press and release swallows the tap).
    const last = delegates[delegates.length - 1];
    const mark = `button.vote[data-choice="${choices[delegates.length - 1]}"]`;
    await last.waitForSelector(mark);
    await last.$eval(mark, (b) => { b.plenumMark = true; });
    for (let i = 0; i < delegates.length; i++) {
      const d = delegates[i];
      await d.waitForSelector(".vote-card");
      if (i === delegates.length - 1 && i > 0) {
        await d.waitForFunction((n) => document.querySelector(".vote-card").textContent.includes(`Đã có ${n}/`), i);
        check(await d.$eval(mark, (b) => b.plenumMark === true), `${kind}: the tally updated the page without replacing the vote buttons`);
      }
      if (i === 0 && kind === "named") await d.screenshot({ path: `${shots}/delegate-vote.png`, fullPage: true });
      if (i === 0) await axeCheck(d, `delegate, ${kind} vote open`);
      await d.click(`button.vote[data-choice="${choices[i]}"]`);
      // Shown only once the server acknowledged the committed ballot.
      await d.waitForSelector("#recorded");
      seen.push({ recorded: await text(d, "#recorded"),
        receipt: (await d.$(".receipt")) ? await text(d, ".receipt") : null });
      if (i === 0) await d.screenshot({ path: `${shots}/delegate-${kind}.png`, fullPage: true });
      if (i === 0) await axeCheck(d, `delegate, ${kind} vote recorded`);
    }
    if (byHand) {
      // The secretary enters the choice of the delegate without a device.
      await sec.waitForSelector('button[id$="-for"]');
      await sec.locator("tr", { hasText: "Đặng Thị Hương" }).locator('button[id$="-for"]').click();
      // It cannot be changed afterwards: the secretary confirms it first.
      await sec.click("dialog#confirm-dialog[open] #confirm-ok");
      await axeCheck(sec, "secretary, a vote entered by hand");
    }
    const cast = delegates.length + byHand;
    await chair.waitForFunction(([v, n]) => document.querySelector(`#count-${v}`).textContent.startsWith(`Đã có ${n}/`), [id, cast]);
    await chair.click(`#vote-close-${id}`);
    if (secretKind) {
      // No publish button for the chair: two of the three on the board
      // look at the count and confirm it, and it is announced.
      await chair.waitForSelector(`article[data-vote="${id}"][data-state="counted"]`);
      check(!(await chair.$(`#vote-publish-${id}`)), `${kind}: the chair cannot publish past the counting board`);
      await axeCheck(chair, `chair, ${kind} vote counted, awaiting the board`);
      for (const d of delegates.slice(0, 2)) {
        await d.click(`#tally-${id}`);
        await d.waitForSelector(`#board-card article[data-vote="${id}"] .result`);
        if (d === delegates[0]) await axeCheck(d, "delegate, the counting board's tally");
        await d.click(`#confirm-${id}`);
      }
    } else {
      const publish = await chair.waitForSelector(`#vote-publish-${id}`);
      await publish.click();
    }
    await chair.waitForSelector(`article[data-vote="${id}"][data-state="published"]`);
    return seen;
  }
  const named = await runVote("named", "Thông qua Nghị quyết về dự toán ngân sách năm 2027", ["for", "for", "against"], 1);
  await sec.screenshot({ path: `${shots}/secretary.png`, fullPage: true });
  check(named.every((x) => x.recorded.includes("đã được ghi nhận")), "each delegate sees their vote recorded");
  await delegates[0].screenshot({ path: `${shots}/delegate.png`, fullPage: true });

  // A secret ballot: each delegate gets a receipt.
  const secret = await runVote("secret", "Bãi nhiệm đại biểu (bỏ phiếu kín)", ["against", "abstain", "against"]);
  check(secret.every((x) => /^Mã xác nhận: [0-9A-Z]{4}-/.test(x.receipt || "")), "each secret ballot gives a receipt");
  await chair.screenshot({ path: `${shots}/chair.png`, fullPage: true });
  await axeCheck(chair, "chair, results published");

  // Results on the display and the public page.
  await chair.click('#disp-h ~ .row button:has-text("Biểu quyết")');
  await display.waitForSelector("#display-result");
  check((await text(display, "#display-result")).includes("Bãi nhiệm"), "the display shows the published result");
  await display.waitForSelector("#display-result .meter");
  await display.screenshot({ path: `${shots}/display-result.png` });
  await axeCheck(display, "hall display, a result");
  await pub.waitForFunction(() => document.querySelectorAll("#public-results article").length === 2);
  check((await text(pub, "#public-results")).includes("Được thông qua") || (await text(pub, "#public-results")).includes("Không được thông qua"),
    "the public page shows both results with passed/not passed in words");
  await pub.screenshot({ path: `${shots}/public.png`, fullPage: true });
  await axeCheck(pub, "public, results (phone)");

  // The server restarts; the delegate's page reconnects, resumes, catches up.
  console.log("RESTART");
  await delegates[0].waitForSelector('#status[data-state="reconnecting"]', { timeout: 15000 });
  check(true, "the delegate page shows it is reconnecting");
  await axeCheck(delegates[0], "delegate, reconnecting");
  // A keyboard user asks to speak while the page reconnects (clicks are
  // blocked then, keys are not): the page says the request is not sent yet
  // and sends it once live, where before it went nowhere without a word.
  await delegates[0].focus("#request");
  await delegates[0].keyboard.press("Enter");
  await delegates[0].waitForFunction(() => document.getElementById("message").textContent.includes("trang sẽ tự gửi khi kết nối lại"),
    null, { timeout: 5000 });
  check(true, "a request pressed while reconnecting is held, and the page says so");
  await nextLine();
  await delegates[0].waitForSelector('#status[data-state="live"]', { timeout: 30000 });
  await delegates[0].waitForSelector("#withdraw", { timeout: 30000 });
  check(true, "once live again, the held request to speak is sent and taken");
  await delegates[0].click("#withdraw");
  await delegates[0].waitForSelector("#request");
  await chair.waitForSelector('#status[data-state="live"]', { timeout: 30000 });
  const before = await text(delegates[0], "#active-item");
  await chair.click("#next");
  await delegates[0].waitForFunction(
    (t) => document.querySelector("#active-item") && document.querySelector("#active-item").textContent !== t,
    before, { timeout: 15000 });
  check(true, "after the restart the delegate page caught up with the chair's next step");

  // PostgreSQL stops: the pages say plainly that nothing is being recorded
  // and disable their buttons; when it is back they are live again.
  console.log("DBSTOP");
  await nextLine();
  await delegates[0].waitForSelector('#status[data-state="db_down"]', { timeout: 15000 });
  await chair.waitForSelector('#status[data-state="db_down"]', { timeout: 15000 });
  check((await text(delegates[0], "#status")).includes("Mất kết nối cơ sở dữ liệu"),
    "during a database outage the delegate page says the database is unavailable, in Vietnamese");
  check(await delegates[0].evaluate(() => document.body.dataset.live === "no"),
    "and its buttons are disabled (nothing would be recorded)");
  await delegates[0].screenshot({ path: `${shots}/delegate-db-down.png`, fullPage: true });
  await axeCheck(delegates[0], "delegate, database down");
  await axeCheck(chair, "chair, database down");
  console.log("DBSTART");
  await nextLine();
  await delegates[0].waitForSelector('#status[data-state="live"]', { timeout: 30000 });
  await chair.waitForSelector('#status[data-state="live"]', { timeout: 30000 });
  check(true, "when the database is back both pages are live again");

  check(problems.length === 0, `no page errors (${problems.join(" | ")})`);
} catch (e) {
  console.error(String(e.stack || e));
  failed = true;
  // What each page showed when it failed, for the person reading the log.
  for (const [name, p] of Object.entries(pages)) {
    await p.screenshot({ path: `${shots}/failure-${name}.png`, fullPage: true }).catch(() => {});
    console.error(`${name}: ${(await p.textContent("body").catch(() => "")).slice(0, 400)}`);
  }
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
