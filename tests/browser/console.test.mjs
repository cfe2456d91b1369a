// The chair's console and the hall display (issue 22) in real Chromium:
// - with no ?session, every page opens the open session, else the next
//   planned one, else the latest; after the first session closes, the next
//   one (not the newest) opens; the header's picker lists the others;
// - closing a sitting or the session and cancelling a vote ask first, in a
//   dialog that says what will happen; its cancel button changes nothing;
// - at 1366×768 the floor, the queue and the open vote are on the first
//   screen; election fields only for elections; a refusal is shown next to
//   the action in words that say what to do;
// - the display is a kiosk: no header or language buttons, the attendance
//   line on screen at 1366×768 and 1920×1080, every text at least 4.5:1;
// - (the independent tester's findings) the agenda numbered as the minutes
//   (2.1) on the chair and the display; a refusal's advice follows the
//   state (no sitting open: open one); no sideways scroll at 390×844; the
//   live named option only for named votes; with 6 queued at 1366×768 the
//   queue's rows are on the first screen and its heading counts them; the
//   secretary's vote entry asks first and has the session picker; once the
//   session closes the display moves to the next one by itself (or, pinned
//   by ?session=, says it has closed and names the next), the chair and
//   delegate pages offer the next session.
// Saves chair.png (the console with a vote open, 1366×768).
//
// Usage: node console.test.mjs BASE_URL SCREENSHOT_DIR SESSION1 SESSION2 SESSION3
import { axeCheck, check, launch, openPage } from "./lib.mjs";

const [base, shots, ...sessionArgs] = process.argv.slice(2);
const [s1, s2, s3] = sessionArgs.map(Number);
const WAIT = 30000;
const LAPTOP = { width: 1366, height: 768 };

const browser = await launch();
let failed = false;
const problems = [];
const pages = {};

const page = (name, path, viewport = LAPTOP) =>
  openPage(browser, { name, url: `${base}${path}`, viewport, wait: WAIT, problems, pages });

async function signIn(p, login) {
  await p.fill("#login", login);
  await p.fill("#password", "plenum-demo");
  await p.click("form.signin button[type=submit]");
  await p.waitForSelector('#status[data-state="live"]');
}

// Whether `fn` comes true within `ms` (a check's message then says what
// failed instead of a bare timeout).
const comesTrue = (p, fn, arg, ms = 10000) => p.waitForFunction(fn, arg, { timeout: ms }).then(() => true, () => false);
const text = async (p, sel) => (await p.textContent(sel)).trim();
const box = (p, sel) => p.locator(sel).first().boundingBox();

// Every visible text of the page against its background, in the page:
// colours from getComputedStyle (text alpha and the ancestors' opacity
// included), the background the first opaque one up the tree. Returns the
// texts below `min`.
async function lowContrast(p, min = 4.5) {
  return p.evaluate((minimum) => {
    const rgba = (c) => {
      const m = c.match(/rgba?\(([\d.]+)[ ,]+([\d.]+)[ ,]+([\d.]+)(?:[ ,/]+([\d.]+))?/);
      return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])] : [0, 0, 0, 0];
    };
    const over = (top, under) => [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3])).concat(1);
    const lum = (c) => {
      const [r, g, b] = c.slice(0, 3).map((v) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const background = (e) => {
      const layers = [];
      for (let n = e; n && n.nodeType === 1; n = n.parentElement) {
        const c = rgba(getComputedStyle(n).backgroundColor);
        if (c[3] > 0) layers.push(c);
        if (c[3] === 1) break;
      }
      let bg = [255, 255, 255, 1];
      for (const c of layers.reverse()) bg = over(c, bg);
      return bg;
    };
    const bad = [];
    for (const e of document.body.querySelectorAll("*")) {
      const own = Array.from(e.childNodes).some((n) => n.nodeType === 3 && n.data.trim());
      const r = e.getBoundingClientRect();
      if (!own || r.width <= 1 || r.height <= 1 || getComputedStyle(e).visibility === "hidden") continue;
      let alpha = 1;
      for (let n = e; n && n.nodeType === 1; n = n.parentElement) alpha *= Number(getComputedStyle(n).opacity);
      const bg = background(e);
      const fg = rgba(getComputedStyle(e).color);
      const shown = over([fg[0], fg[1], fg[2], fg[3] * alpha], bg);
      const [a, b] = [lum(shown), lum(bg)].sort((x, y) => y - x);
      const ratio = (a + 0.05) / (b + 0.05);
      if (ratio < minimum) bad.push(`${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""}.${e.className} "${e.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}:1`);
    }
    return bad;
  }, min);
}

async function footerOnScreen(display, what) {
  for (const size of [LAPTOP, { width: 1920, height: 1080 }]) {
    await display.setViewportSize(size);
    await display.waitForTimeout(200);
    const b = await box(display, "#display-attendance");
    check(b && b.y >= 0 && b.y + b.height <= size.height,
      `display (${what}) at ${size.width}×${size.height}: the attendance line is on screen (${b && Math.round(b.y)}–${b && Math.round(b.y + b.height)})`);
    const scroll = await display.evaluate(() => document.documentElement.scrollHeight - innerHeight);
    check(scroll <= 0, `display (${what}) at ${size.width}×${size.height}: nothing below the screen (${scroll} px)`);
    const bad = await lowContrast(display);
    check(bad.length === 0, `display (${what}) at ${size.width}×${size.height}: every text at least 4.5:1 (${bad.join(" | ")})`);
    await axeCheck(display, `display (${what}) at ${size.width}×${size.height}`);
  }
  await display.setViewportSize(LAPTOP);
}

// The confirmation of an irreversible action: opens it with `button`,
// checks its words, and answers with `answer` ("cancel" or "ok").
async function confirmDialog(p, button, words, answer) {
  await p.click(button);
  const dlg = await p.waitForSelector("dialog#confirm-dialog[open]");
  const said = (await dlg.textContent()).trim();
  for (const w of words) check(said.includes(w), `the dialog for ${button} says "${w}"`);
  await axeCheck(p, `the confirmation dialog for ${button}`);
  check(await p.evaluate(() => document.activeElement && document.activeElement.id === "confirm-cancel"),
    `the dialog for ${button} has the focus on its cancel button`);
  check(await p.evaluate(() => {
    const d = document.getElementById("confirm-dialog");
    const title = document.getElementById(d.getAttribute("aria-labelledby"));
    return d.matches(":modal") && title && title.textContent.length > 0;
  }), `the dialog for ${button} is modal and has an accessible name`);
  await p.click(`#confirm-${answer}`);
  await p.waitForSelector("dialog#confirm-dialog:not([open])", { state: "attached" });
}

try {
  const sessions = await (await fetch(`${base}/api/sessions`)).json();
  const title = (id) => sessions.find((s) => s.id === id).title;

  // Nothing open yet: the next planned session (s1), not the newest (s3).
  const display = await page("display", "/display/");
  await display.waitForSelector("#display-item");
  check((await text(display, ".council")).includes(title(s1)), "the display opens the next planned session, not the newest");
  check(!(await display.$("header")) && !(await display.$("button[data-lang]")), "the display has no header and no language buttons");

  const chair = await page("chair", "/chair/");
  await signIn(chair, "chutich");
  check(Number(await chair.inputValue("#session-picker")) === s1, "the chair's picker shows the next planned session");
  check((await chair.$$eval("#session-picker option", (o) => o.map((x) => Number(x.value)))).join() === [s3, s2, s1].join(),
    "the picker lists every session");
  check((await text(chair, "#sess-h")) === title(s1), "the console shows that session");

  // Open the session and a sitting, no item yet: a vote is refused, next to
  // the votes, saying what to do.
  await chair.click("#open-session");
  await chair.waitForFunction(() => document.querySelector("#session-state").textContent === "Đang họp");
  await chair.waitForFunction((id) => document.querySelector(`#session-picker option[value="${id}"]`).textContent.endsWith("Đang họp"), s1);
  check(true, "the picker shows the session open now");
  // No sitting open yet: the advice is to open one (not to move to an item,
  // which the server would refuse next with "no sitting open").
  await chair.fill("#vote-question", "Biểu quyết khi chưa mở phiên");
  await chair.click("#vote-prepare");
  await chair.waitForSelector("#msg-votes[data-reason]");
  const noSitting = await text(chair, "#msg-votes");
  check(noSitting.includes("Mở phiên") && !noSitting.includes("Chuyển đến"), `with no sitting open, the advice is to open one first (${noSitting})`);
  await chair.click('button[id^="open-sitting-"]');
  await chair.waitForSelector("#close-sitting");
  await chair.fill("#vote-question", "Biểu quyết khi chưa có nội dung");
  await chair.click("#vote-prepare");
  await chair.waitForSelector('#msg-votes[data-reason="no_active_item"]');
  const refusal = await text(chair, "#msg-votes");
  check(refusal.includes("Chưa có nội dung nào đang bàn") && refusal.includes("Chuyển đến"),
    `the refusal says why and what to do (${refusal})`);
  check(await chair.$eval("#msg-votes", (e) => e.closest("#votes-card") !== null && e.getAttribute("role") === "alert"),
    "the refusal is in the votes' card, as an alert");
  const [msg, prep] = [await box(chair, "#msg-votes"), await box(chair, "#vote-prepare")];
  check(msg.y + msg.height <= LAPTOP.height && Math.abs(msg.x - prep.x) < 400, "the refusal is on screen near the action");
  check(await chair.$eval("#message", (e) => e.hidden), "no message at the top of the page instead");
  await chair.click("#next");
  await chair.waitForSelector(".agenda li[aria-current]");
  check(!(await chair.$("#msg-votes[data-reason]")), "the refusal goes with the next action");

  // The agenda numbered as in the minutes and on /public/ (1, 2, 2.1, …),
  // not flat 1–12.
  const numbers = await chair.$$eval("#chair-agenda li", (l) => l.map((x) => x.dataset.number));
  const texts = await chair.$$eval("#chair-agenda li", (l) => l.map((x) => x.textContent));
  check(numbers.some((n) => /^\d+\.\d+$/.test(n)) && numbers.every((n, k) => n && texts[k].includes(`${n}. `)),
    `the chair's agenda has the minutes' numbers (${numbers.join(" ")})`);
  const activeNo = await chair.$eval(".agenda li[aria-current]", (e) => e.dataset.number);
  const shownNo = await comesTrue(display, (n) => document.querySelector("#display-item")?.textContent.startsWith(`${n}. `), activeNo);
  check(shownNo, `the display shows the active item's number (${await text(display, "#display-item")})`);

  // A phone: nothing wider than the screen (the vote form stacks).
  await chair.setViewportSize({ width: 390, height: 844 });
  await chair.waitForTimeout(200);
  const wide = await chair.evaluate(() => document.documentElement.scrollWidth - innerWidth);
  check(wide <= 0, `390×844: the console does not scroll sideways (${wide} px too wide)`);
  await chair.setViewportSize(LAPTOP);

  // Election fields only where they apply.
  const shown = async (sel) => chair.isVisible(sel);
  check(!(await shown("#vote-seats")) && !(await shown("#vote-candidates")) && !(await shown("#vote-board")) && (await shown("#vote-rule")),
    "an open vote: a rule, no seats, candidates or counting board");
  for (const k of ["open", "secret", "election", "confidence"]) {
    await chair.selectOption("#vote-kind", k);
    check(!(await shown("#vote-live")), `a ${k} vote does not offer to show each delegate's choice live`);
  }
  await chair.selectOption("#vote-kind", "named");
  check(await shown("#vote-live"), "a named vote offers to show each delegate's choice live");
  await chair.selectOption("#vote-kind", "election");
  check((await shown("#vote-seats")) && (await shown("#vote-candidates")) && (await shown("#vote-board")) && !(await shown("#vote-rule")),
    "an election: seats, candidates and the counting board, no rule");
  await chair.selectOption("#vote-kind", "confidence");
  check(!(await shown("#vote-seats")) && (await shown("#vote-candidates")), "a confidence vote: the persons, no seats");
  await chair.selectOption("#vote-kind", "named");

  // Two delegates (the default session on their page too) ask to speak;
  // the first gets the floor.
  const delegates = [];
  for (const login of ["daibieu03", "daibieu04"]) {
    const d = await page(login, "/delegate/", { width: 1024, height: 768 });
    await signIn(d, login);
    check(Number(await d.inputValue("#session-picker")) === s1, `${login}'s page opens the open session`);
    await d.click("#check-in");
    await d.waitForFunction(() => document.querySelector("#att-state").textContent.startsWith("✔"));
    await d.selectOption("#kind", "speech");
    await d.click("#request");
    delegates.push(d);
  }
  await chair.waitForFunction(() => document.querySelectorAll("#queue li").length === 2);
  await chair.click("#grant-next");
  // Five more ask to speak: six waiting, one on the floor.
  for (const login of ["daibieu05", "daibieu06", "daibieu07", "daibieu08", "daibieu09"]) {
    const d = await page(login, "/delegate/", { width: 800, height: 600 });
    await signIn(d, login);
    await d.click("#check-in");
    await d.waitForFunction(() => document.querySelector("#att-state").textContent.startsWith("✔"));
    await d.click("#request");
    await d.waitForSelector("#withdraw");
  }
  await chair.waitForFunction(() => document.querySelectorAll("#queue li").length === 6);
  await display.waitForSelector("#display-speaker");
  await display.waitForSelector("#display-queue li");
  await footerOnScreen(display, "speaker and queue");

  // The quorum (20 of 30): the secretary checks in eighteen more.
  const sec = await page("secretary", "/secretary/");
  await signIn(sec, "thuky");
  check((await sec.$("#session-picker")) && Number(await sec.inputValue("#session-picker")) === s1, "the secretary's page has the session picker, on the open session");
  const present = Number((await text(chair, "#attendance")).match(/(\d+)\/30/)[1]);
  for (let n = present + 1; n <= 20; n++) {
    await sec.locator("tbody button", { hasText: "Ghi có mặt" }).first().click();
    // The secretary's own page first: the chair's may hear of the check-in
    // before it, and a click on its stale first button would check the
    // same delegate in again (a no-op), leaving the count short.
    await sec.waitForFunction((k) => new RegExp(`(^|\\D)${k}/30`).test(document.querySelector("#attendance").textContent), n);
    await chair.waitForFunction((k) => document.querySelector("#attendance").textContent.includes(`${k}/30`), n);
  }
  const question = "Thông qua Nghị quyết về kế hoạch đầu tư công năm 2027";
  await chair.fill("#vote-question", question);
  await chair.click("#vote-prepare");
  const open = await chair.waitForSelector('button[id^="vote-open-"]');
  const vote = (await open.getAttribute("id")).replace("vote-open-", "");
  await open.click();
  await chair.waitForSelector(`#count-${vote}`);

  // The live part on a laptop's first screen.
  await chair.evaluate(() => window.scrollTo(0, 0));
  const att = await box(chair, "#quorum");
  check(att.y + att.height <= LAPTOP.height, `1366×768: attendance and quorum are on the first screen (${Math.round(att.y)})`);
  const floor = await box(chair, "#floor-card");
  const queue = await box(chair, "#queue-card");
  const current = await box(chair, `article[data-vote="${vote}"]`);
  check(floor.y + floor.height <= LAPTOP.height, `1366×768: the floor card is on the first screen (${Math.round(floor.y)}–${Math.round(floor.y + floor.height)})`);
  check(queue.y + Math.min(queue.height, 150) <= LAPTOP.height, `1366×768: the queue is on the first screen (from ${Math.round(queue.y)})`);
  check(current.y + current.height <= LAPTOP.height, `1366×768: the open vote is on the first screen (${Math.round(current.y)}–${Math.round(current.y + current.height)})`);
  check(await chair.evaluate(() => document.documentElement.scrollWidth <= innerWidth), "1366×768: no sideways scrolling");
  const qHead = await text(chair, "#queue-h");
  check(qHead === "Danh sách đăng ký phát biểu (6)", `the queue's heading has the count (${qHead})`);
  const rows = await chair.$$eval("#queue li", (l) => l.map((x) => x.getBoundingClientRect().bottom));
  const seen = rows.filter((b) => b <= LAPTOP.height).length;
  check(seen >= 5, `1366×768: at least 5 of the 6 queued requests on the first screen (${rows.map(Math.round).join(", ")})`);
  check(await chair.$$eval("#queue li button", (b) => b.every((x) => x.getAttribute("aria-label") && x.title)),
    "every queue button has an accessible name and a tooltip");
  await chair.screenshot({ path: `${shots}/chair.png` });
  await axeCheck(chair, "chair console at 1366×768, a vote open");
  const chairLow = await lowContrast(chair);
  check(chairLow.length === 0, `the console's texts are all at least 4.5:1 (${chairLow.join(" | ")})`);
  await display.waitForSelector("#display-count");
  await footerOnScreen(display, "a vote open");

  // The secretary's entry for a delegate cannot be changed: asked first.
  const entry = await sec.waitForSelector('button[id^="enter-"][id$="-for"]');
  const entryId = await entry.getAttribute("id");
  const person = entryId.split("-")[1];
  const who = (await text(sec, `tr[data-person="${person}"] td:nth-child(2)`));
  const cast0 = await text(chair, `#count-${vote}`);
  await confirmDialog(sec, `#${entryId}`, ["Ghi lựa chọn thay đại biểu?", who, "Tán thành", question, "không thể sửa"], "cancel");
  await sec.waitForTimeout(800);
  check((await text(chair, `#count-${vote}`)) === cast0, "cancel in the secretary's dialog: nothing recorded");
  await confirmDialog(sec, `#${entryId}`, [who], "ok");
  await chair.waitForFunction(([id, c]) => document.querySelector(`#count-${id}`).textContent.trim() !== c, [vote, cast0]);
  check(true, "confirmed: the secretary's entry is recorded");

  // Cancelling the vote asks first; "go back" keeps it open.
  await confirmDialog(chair, `#vote-cancel-${vote}`, ["Hủy cuộc biểu quyết?", question, "không được tính"], "cancel");
  await chair.waitForTimeout(500);
  check(await chair.$(`article[data-vote="${vote}"][data-state="open"]`), "cancel in the dialog: the vote is still open");
  check(await chair.evaluate(() => document.activeElement && document.activeElement.id.startsWith("vote-cancel-")),
    "the focus is back on the button that opened the dialog");
  await confirmDialog(chair, `#vote-cancel-${vote}`, [question], "ok");
  await chair.waitForSelector(`article[data-vote="${vote}"][data-state="cancelled"]`);
  check(true, "confirmed: the vote is cancelled");

  // Closing the sitting says the recording stops; going back keeps it open.
  const sitting = (await text(chair, "#sess-h ~ ul li")).split(" — ")[0];
  await confirmDialog(chair, "#close-sitting", ["Kết thúc phiên họp?", sitting, "ghi hình"], "cancel");
  check(await chair.$("#close-sitting"), "cancel in the dialog: the sitting is still open");
  // A second display pinned to this session by its URL.
  const pinned = await page("display-pinned", `/display/?session=${s1}`);
  await pinned.waitForSelector("#display-item");
  await confirmDialog(chair, "#close-sitting", ["ghi hình"], "ok");
  await chair.waitForSelector("#close-session");
  // Closing the session names the sittings never held.
  await confirmDialog(chair, "#close-session", ["Bế mạc kỳ họp?", "chưa diễn ra sẽ không bao giờ được tổ chức"], "cancel");
  check((await text(chair, "#session-state")) === "Đang họp", "cancel in the dialog: the session is still open");
  // The same in English.
  // setLang fetches the strings: wait for the page to be English first.
  await chair.click('button[data-lang="en"]');
  await chair.waitForFunction(() => document.documentElement.lang === "en");
  await confirmDialog(chair, "#close-session", ["Close the session?", "never take place"], "cancel");
  await chair.click('button[data-lang="vi"]');
  await chair.waitForFunction(() => document.documentElement.lang === "vi");
  await confirmDialog(chair, "#close-session", ["Bế mạc kỳ họp?"], "ok");
  await chair.waitForFunction(() => document.querySelector("#session-state").textContent === "Đã bế mạc");
  check(true, "confirmed: the session is closed");
  // The kiosk moves by itself to the next session; one pinned by ?session=
  // shows that the session has closed and names the next, not the old item.
  // (It reloads itself: polled, as a reload destroys a waitForFunction.)
  let moved = false;
  for (let k = 0; k < 60 && !moved; k++) {
    moved = await display.evaluate((t) => !!(document.querySelector(".council")?.textContent.includes(t) && document.querySelector("#display-item")), title(s2)).catch(() => false);
    if (!moved) await display.waitForTimeout(500);
  }
  check(moved, "the display moves by itself to the next session once its session closes");
  check(await comesTrue(pinned, () => !!document.querySelector("#display-closed #display-next")), "a pinned display says its session has closed");
  check(!(await pinned.$("#display-item")) && (await text(pinned, "#display-closed")).includes("Kỳ họp đã bế mạc")
    && (await text(pinned, "#display-next")).includes(title(s2)), "a pinned display shows the session closed and the next one, not the old item");
  await axeCheck(pinned, "the display of a closed session");
  // The chair and the delegates are offered the next session (not moved).
  check(await comesTrue(chair, () => !!document.querySelector("#next-session")), "the chair's console offers something once the session closed");
  check((await text(chair, "#next-session")).includes(`Mở kỳ họp tiếp theo: ${title(s2)}`), "the chair is offered the next session");
  await axeCheck(chair, "chair console, the session closed");
  check(await comesTrue(delegates[0], () => !!document.querySelector("#next-session")), "so does the delegate page");
  check((await text(delegates[0], "#next-session")).includes(title(s2)), "the delegate is offered the next session");

  // The first session closed: every page opens the next one by default.
  await chair.goto(`${base}/chair/`);
  await chair.waitForSelector("#sess-h");
  check((await text(chair, "#sess-h")) === title(s2) && Number(await chair.inputValue("#session-picker")) === s2,
    "after the first session closes, the chair opens the next one");
  await delegates[0].goto(`${base}/delegate/`);
  await delegates[0].waitForSelector("#session-picker");
  check(Number(await delegates[0].inputValue("#session-picker")) === s2, "and so does the delegate page");
  await display.goto(`${base}/display/`);
  await display.waitForSelector("#display-item");
  check((await text(display, ".council")).includes(title(s2)), "and so does the display");
  // The picker opens another session.
  await chair.selectOption("#session-picker", String(s3));
  await chair.waitForURL(`**/chair/?session=${s3}`);
  await chair.waitForFunction((t) => document.querySelector("#sess-h")?.textContent === t, title(s3));
  check(true, "the picker opens the session chosen");
  // That session has no agenda: "previous item" says the agenda is empty
  // (not "this is the first item").
  await chair.click("#open-session");
  await chair.click('button[id^="open-sitting-"]');
  await chair.waitForSelector("#close-sitting");
  await chair.click("#previous");
  await chair.waitForSelector("#msg-agenda[data-reason]");
  const emptyAgenda = await text(chair, "#msg-agenda");
  check(emptyAgenda.includes("Chương trình của kỳ họp đang trống"), `previous on an empty agenda says it is empty (${emptyAgenda})`);

  check(problems.length === 0, `no page errors (${problems.join(" | ")})`);
} catch (e) {
  console.error(String(e.stack || e));
  failed = true;
  for (const [name, p] of Object.entries(pages)) {
    await p.screenshot({ path: `${shots}/failure-console-${name}.png`, fullPage: true }).catch(() => {});
    console.error(`${name}: ${(await p.textContent("body").catch(() => "")).slice(0, 400)}`);
  }
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
