// The delegate page on a phone (390×844), issue 22. Two delegates on phones:
// daibieu03 checks in on the page (the focus goes to "leave the sitting",
// not to the page's body), asks to speak, and keeps the focus when the
// chair moves the agenda on. A named vote opens: its card is at the top of
// the screen, announced in a live region, the phone vibrates where allowed,
// and leaving the sitting is far from the vote buttons. daibieu04 checks in
// after the opening and is told in the card why there is no ballot for
// them. An election for three seats: large choices, "Đã chọn n/3", a fourth
// refused with the reason, and the ballot recorded.
//
// Usage: node delegate.test.mjs BASE_URL SCREENSHOT_DIR FACTS_JSON
// (FACTS_JSON: {session, items, board}; the sitting is open, item 1
// active, twenty present: tests/integration/test_browser_delegate.py).
import { axeCheck, check, openPage, runTest } from "./lib.mjs";

const [base, shots, factsJson] = process.argv.slice(2);
const facts = JSON.parse(factsJson);
const sid = facts.session;
const WAIT = 30000;
const PHONE = { width: 390, height: 844 };
const problems = [];
const pages = {};

async function signIn(p, login) {
  await p.fill("#login", login);
  await p.fill("#password", "plenum-demo");
  await p.click("form.signin button[type=submit]");
  await p.waitForSelector('#status[data-state="live"]');
}

// The chair's commands over plenum.v1 from a signed-in page of their own
// (the sign-in cookie goes with the WebSocket); returns ask(type, fields).
async function chairSocket(browser) {
  const ctx = await browser.newContext();
  const p = await ctx.newPage();
  await p.goto(`${base}/`);
  await p.evaluate(async (session) => {
    const r = await fetch("/api/login", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ login: "chutich", password: "plenum-demo" }), credentials: "same-origin" });
    if (!r.ok) throw new Error(`chair login: ${r.status}`);
    const ws = new WebSocket(`ws://${location.host}/ws`, "plenum.v1");
    const waiting = new Map();
    let n = 0;
    ws.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if ("re" in m && waiting.has(m.re)) {
        waiting.get(m.re)(m);
        waiting.delete(m.re);
      }
    };
    await new Promise((ok, bad) => { ws.onopen = ok; ws.onerror = bad; });
    window.plAsk = (type, fields) => new Promise((ok) => {
      const id = ++n;
      waiting.set(id, ok);
      ws.send(JSON.stringify({ type, id, ...fields }));
    });
    const j = await window.plAsk("join", { session_id: session });
    if (j.type !== "ok") throw new Error(`chair join: ${JSON.stringify(j)}`);
  }, sid);
  return async (type, fields = {}) => {
    const r = await p.evaluate(([ty, f]) => window.plAsk(ty, f), [type, fields]);
    if (r.type !== "ok") throw new Error(`${type} refused: ${JSON.stringify(r)}`);
    return r.data;
  };
}

// A delegate's phone; navigator.vibrate is watched (calls counted, then
// passed on to Chromium's own).
async function phone(browser, name, login) {
  const p = await openPage(browser, { name, url: `${base}/delegate/?session=${sid}`, viewport: PHONE, wait: WAIT, problems, pages });
  await p.addInitScript(() => {
    window.plVibrations = [];
    const real = navigator.vibrate && navigator.vibrate.bind(navigator);
    if (real) navigator.vibrate = (pattern) => { window.plVibrations.push(pattern); return real(pattern); };
  });
  await p.reload({ waitUntil: "load" });
  await signIn(p, login);
  return p;
}

const focused = (p) => p.evaluate(() => {
  const a = document.activeElement;
  return a && a !== document.body ? a.id || a.tagName : "BODY";
});
const rect = (p, sel) => p.$eval(sel, (e) => {
  const r = e.getBoundingClientRect();
  return { top: r.top, bottom: r.bottom };
});

await runTest(async (browser) => {
  const t0 = Date.now();
  const chair = await chairSocket(browser);
  const del = await phone(browser, "daibieu03", "daibieu03");

  try {
    // Check-in: the pressed button is replaced; the focus goes to its successor.
    await del.focus("#check-in");
    await del.click("#check-in");
    await del.waitForSelector("#check-out");
    await del.waitForFunction(() => document.activeElement && document.activeElement.id === "check-out");
    check((await del.textContent("#att-state")).startsWith("✔"), "checked in on the phone");
    check((await focused(del)) === "check-out", "after check-in the focus is on the check-out button, not the page body");

    // Agenda moves keep the focus: on the request button (still there) ...
    await del.focus("#request");
    const item0 = await del.textContent("#active-item");
    await chair("agenda.activate", { item_id: facts.items[1] });
    await del.waitForFunction((t) => document.querySelector("#active-item").textContent !== t, item0);
    check((await focused(del)) === "request", "an agenda move keeps the focus on the focused control");
    // ... and from a control the move takes away (withdraw: the new item's
    // queue is empty) to its successor in the same place.
    await del.click("#request");
    await del.waitForSelector("#withdraw");
    await del.focus("#withdraw");
    await chair("agenda.activate", { item_id: facts.items[0] });
    await del.waitForSelector("#request");
    const after = await focused(del);
    check(after === "request", `a control removed by an agenda move hands the focus on, not to the body (${after})`);

    // A named vote opens while the delegate is scrolled down the page.
    const late = await phone(browser, "daibieu04", "daibieu04");
    await del.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    const question = "Thông qua Nghị quyết về kế hoạch đầu tư công năm 2027";
    const vote = (await chair("vote.prepare", { kind: "named", question })).seq;
    await chair("vote.open", { vote_id: vote });
    await del.waitForSelector('#vote-card button.vote[data-choice="for"]');
    await del.waitForTimeout(300); // the scroll settles
    const card = await rect(del, "#vote-card");
    const buttons = await rect(del, "#vote-card .vote-buttons");
    check(card.top > -2 && card.top < 200, // scrolled to: a fraction of a pixel above 0
       `the open vote's card is at the top of the phone's screen (top ${Math.round(card.top)} px)`);
    check(buttons.bottom <= PHONE.height, `its vote buttons are all on the first screen (bottom ${Math.round(buttons.bottom)} of ${PHONE.height} px)`);
    const alert = await del.$eval("#vote-alert", (e) => ({ live: e.getAttribute("aria-live"), text: e.textContent }));
    check(alert.live === "assertive" && alert.text.includes(question) && alert.text.startsWith("Biểu quyết đã bắt đầu"),
      `the opening is announced in an aria-live region (${alert.text})`);
    check(await del.evaluate(() => document.activeElement.id === "vote-h"), "the focus moved to the vote's heading");
    const vib = await del.evaluate(() => window.plVibrations.length);
    check(vib === 1, `the phone was asked to vibrate once (${vib})`);
    const out = await rect(del, "#check-out");
    check(out.top - buttons.bottom > 300, `the check-out button is far from the vote buttons (${Math.round(out.top - buttons.bottom)} px apart)`);
    await del.screenshot({ path: `${shots}/delegate-vote-phone.png` });
    await axeCheck(del, "delegate on a phone, a vote open");
    // The same moment on a tablet, for docs/screenshots/delegate-vote.png.
    await del.setViewportSize({ width: 1024, height: 1366 });
    await del.evaluate(() => window.scrollTo(0, 0));
    await del.screenshot({ path: `${shots}/delegate-vote-tablet.png` });
    await del.setViewportSize(PHONE);

    // The late arrival: checked in after the opening, told in the card.
    await late.waitForSelector("#vote-ineligible");
    check((await late.textContent("#vote-ineligible")).includes("chưa có mặt khi biểu quyết bắt đầu"),
      "a delegate absent at the opening sees why, in the card");
    const lateCard = await rect(late, "#vote-ineligible");
    check(lateCard.top >= 0 && lateCard.bottom <= PHONE.height, "the reason is on the first screen");
    await late.click("#check-in");
    await late.waitForSelector('#vote-ineligible[data-reason="late"]');
    check((await late.textContent("#vote-ineligible")).includes("điểm danh sau khi biểu quyết bắt đầu"),
      "after a late check-in the card says they checked in after the opening");
    check((await late.$$("#vote-card button.vote")).length === 0, "and shows no vote buttons to press in vain");
    const note = await rect(late, "#att-vote-note");
    check(note.top >= 0 && note.bottom <= PHONE.height && (await late.textContent("#att-vote-note")).includes("điểm danh sau khi"),
      "the reason is also beside the check-in they just pressed, on screen");
    await late.screenshot({ path: `${shots}/delegate-ineligible-phone.png` });
    await axeCheck(late, "delegate on a phone, not eligible for the open vote");

    // The eligible delegate votes.
    await del.click('#vote-card button.vote[data-choice="for"]');
    await del.waitForSelector("#recorded");
    check((await del.textContent("#recorded")).includes("đã được ghi nhận"), "the vote is recorded");
    await chair("vote.close", { vote_id: vote });
    await del.waitForSelector("#vote-card", { state: "detached" });

    // An election for three seats out of five.
    const names = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em"];
    const election = (await chair("vote.prepare", { kind: "election", question: "Bầu Ủy viên Thường trực HĐND",
      seats: 3, candidates: names.map((name, i) => ({ id: i + 1, name })), board: facts.board })).seq;
    await chair("vote.open", { vote_id: election });
    await del.waitForSelector("#ballot");
    const pick = await rect(del, 'label.pick[data-key="1"]');
    check(pick.bottom - pick.top >= 48, `each candidate is a large choice (${Math.round(pick.bottom - pick.top)} px high)`);
    check((await del.textContent("#chosen-count")).startsWith("Đã chọn 0/3"), "the count starts at 0/3");
    for (const id of [1, 3, 4]) await del.click(`label.pick[data-key="${id}"]`);
    await del.waitForSelector('#chosen-count[data-n="3"]');
    check((await del.textContent("#chosen-count")).startsWith("Đã chọn 3/3"), "three chosen: 3/3");
    check(await del.$eval("#pick-2", (i) => i.disabled) && await del.$eval("#pick-5", (i) => i.disabled),
      "with every seat chosen the others cannot be ticked");
    check((await del.textContent("#seats-full")).includes("Đã chọn đủ 3 người"), "and the reason is shown beside the count");
    // A fourth, forced past the disabled box, is still refused.
    await del.click('label.pick[data-key="2"]', { force: true });
    await del.evaluate(() => document.querySelector("#pick-5").click());
    await del.waitForTimeout(200);
    check(await del.$eval("#chosen-count", (e) => e.dataset.n === "3") && !(await del.$eval("#pick-2", (i) => i.checked)),
      "a fourth choice is refused: still 3/3");
    await del.screenshot({ path: `${shots}/delegate-election-phone.png`, fullPage: true });
    await axeCheck(del, "delegate on a phone, an election ballot with every seat chosen");
    // Untick one, tick another: allowed.
    await del.click('label.pick[data-key="4"]');
    await del.waitForSelector('#chosen-count[data-n="2"]');
    check(!(await del.$eval("#pick-2", (i) => i.disabled)), "unticking one frees the others");
    await del.click('label.pick[data-key="2"]');
    await del.waitForSelector('#chosen-count[data-n="3"]');
    await del.click("#ballot-send");
    await del.waitForSelector("#recorded");
    check(/^Mã xác nhận: [0-9A-Z]{4}-/.test((await del.textContent(".receipt")).trim()), "the election ballot is recorded, with a receipt");
    await late.waitForSelector("#ballot");
    check(!(await late.$("#vote-ineligible")), "present at this opening, the late delegate now has a ballot");

    // The same card in English.
    await del.click('nav button[data-lang="en"]');
    await del.waitForFunction(() => document.querySelector("#vote-h").textContent === "Vote in progress");
    check(true, "the vote card in English");
    await del.click('nav button[data-lang="vi"]');

    check(problems.length === 0, `no page errors (${problems.join(" | ")})`);
    console.log(`delegate phone test: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } catch (e) {
    for (const [name, p] of Object.entries(pages)) {
      await p.screenshot({ path: `${shots}/failure-delegate-${name}.png`, fullPage: true }).catch(() => {});
      console.error(`${name}: ${(await p.textContent("body").catch(() => "")).slice(0, 600)}`);
    }
    throw e;
  }
});
