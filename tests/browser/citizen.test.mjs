// The citizens' pages in real Chromium (issue 22), as a citizen on a phone
// (390×844) with a Vietnamese browser:
// - the public page says what is true: connected, no livestream, the next
//   sitting's planned start; the agenda numbered as the minutes number it;
//   once the chair opens the sitting, the livestream playing, muted, with
//   an unmute button over the picture that turns the sound on;
// - switched to English, the page's WebSocket is opened again in English
//   (the server's refusals follow the page, not the browser);
// - the archive holds on the phone (no horizontal scrolling, fields full
//   width) and links its open data, as JSON and as CSV;
// - the petition form: "abc" as a phone refused beside the field, over-long
//   text counted and refused, never cut; the receipt's lookup code;
// - the status page: that code shows the status and nobody's details; a
//   wrong code the same answer as an unknown one, in the page's language;
// - searching the archive for one's own (unpublished) petition number or
//   lookup code: a pointer to the status page, the code filled in there
//   (and taken out of the address), not sent until the citizen presses;
// - locked out after ten misses: how many minutes to wait, beside the field,
//   and that the council office can help.
// Usage: node citizen.test.mjs BASE_URL SCREENSHOT_DIR SESSION_ID
// (PL_AGENDA_NUMBERS: the minutes' numbers, in agenda order, as JSON.)
import { axeCheck, check, openFirstItem, runTest } from "./lib.mjs";

const [base, shots, sid] = process.argv.slice(2);
const minutesNumbers = JSON.parse(process.env.PL_AGENDA_NUMBERS || "[]");
const phone = { width: 390, height: 844 };

await runTest(async (browser) => {
  const problems = [];
  const open = async (path, viewport = phone) => {
    const ctx = await browser.newContext({ viewport, locale: "vi-VN" });
    const p = await ctx.newPage();
    p.setDefaultTimeout(20000);
    p.on("pageerror", (e) => problems.push(`${path}: ${e}`));
    await p.goto(`${base}${path}`, { waitUntil: "load" });
    return p;
  };
  // Nothing wider than the screen: no sideways scrolling on a phone.
  const fits = (p) => p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

  // --- the public page before the sitting ---
  const pub = await open(`/public/?session=${sid}`);
  const sockets = [];
  pub.on("websocket", (ws) => sockets.push(ws.url()));
  await pub.waitForSelector('#status[data-state="live"]');
  await pub.waitForSelector("#public-agenda li");
  const status = (await pub.textContent("#status")).trim();
  check(status === "Đã kết nối", `the header says the page is connected, not "live" (${status})`);
  check(await pub.getAttribute("#media-state", "data-state") === "none", "no livestream yet");
  check((await pub.textContent("#media-state")).includes("Hiện không có phát trực tiếp"), "and it says so in words");
  await pub.waitForSelector("#next-sitting:not([hidden])");
  const next = await pub.textContent("#next-sitting");
  check(/Phiên họp tiếp theo:.*dự kiến bắt đầu .*\d{2}\/\d{2}\/\d{4}/.test(next), `the next sitting's planned start (${next})`);
  const numbers = await pub.$$eval("#public-agenda li", (ls) => ls.map((l) => l.dataset.number));
  check(minutesNumbers.length > 0 && JSON.stringify(numbers) === JSON.stringify(minutesNumbers),
    `the agenda is numbered as in the minutes (${numbers.join(" ")})`);
  const nested = minutesNumbers.find((n) => n.includes("."));
  if (nested) {
    const li = await pub.textContent(`#public-agenda li[data-number="${nested}"]`);
    check(li.includes(`${nested}.`), `a sub-item shows its number (${li.trim()})`);
  }
  check(await fits(pub), "the public page fits the phone's width");
  await pub.screenshot({ path: `${shots}/citizen-public-before.png`, fullPage: true });
  await axeCheck(pub, "public page on a phone, the next sitting announced");

  // --- the chair opens the sitting: the livestream plays, muted ---
  const chair = await open(`/chair/?session=${sid}`, { width: 1280, height: 900 });
  await chair.fill("#login", "chutich");
  await chair.fill("#password", "plenum-demo");
  await chair.click("form.signin button[type=submit]");
  await chair.waitForSelector('#status[data-state="live"]');
  await openFirstItem(chair);
  await pub.waitForFunction(() => document.getElementById("media-state").dataset.state === "playing", null, { timeout: 60000 });
  check((await pub.textContent("#media-state")).includes("Đang phát trực tiếp"), "the livestream is playing, and says so");
  check((await pub.textContent("#status")).trim() === "Đã kết nối", "the header still only says connected");
  check(await pub.isHidden("#next-sitting"), "no 'next sitting' while one is open");
  check(await pub.evaluate(() => document.getElementById("player").muted), "autoplay is muted");
  check(await pub.isVisible("#unmute"), "an unmute button over the player");
  check((await pub.textContent("#unmute")).includes("Bật tiếng"), "it says 'Bật tiếng'");
  const over = await pub.evaluate(() => {
    const v = document.getElementById("player").getBoundingClientRect();
    const b = document.getElementById("unmute").getBoundingClientRect();
    return b.left >= v.left && b.right <= v.right && b.top >= v.top && b.bottom <= v.bottom;
  });
  check(over, "the button is over the picture");
  await pub.screenshot({ path: `${shots}/citizen-public-live.png`, fullPage: true });
  await axeCheck(pub, "public page on a phone, livestream muted with its unmute button");
  await pub.setViewportSize({ width: 1280, height: 900 });
  await pub.waitForTimeout(300);
  await pub.screenshot({ path: `${shots}/citizen-public-live-desktop.png` });
  await pub.setViewportSize(phone);
  await pub.click("#unmute");
  await pub.waitForFunction(() => !document.getElementById("player").muted);
  check(await pub.isHidden("#unmute"), "sound on: the button goes");
  await pub.evaluate(() => { document.getElementById("player").muted = true; });
  await pub.waitForSelector("#unmute:not([hidden])");
  check(true, "muted again from the player's controls: the button is back");

  // --- the page's language, for the server too ---
  const before = sockets.length;
  await pub.click('nav button[data-lang="en"]');
  await pub.waitForFunction(() => document.getElementById("status").textContent === "Connected");
  for (let i = 0; i < 50 && !sockets.slice(before).some((u) => u.includes("lang=en")); i++) await pub.waitForTimeout(100);
  check(sockets.slice(before).some((u) => u.includes("lang=en")), `switched to English, the WebSocket is opened again in English (${sockets.join(" ")})`);
  await pub.waitForSelector('#status[data-state="live"]');
  check((await pub.textContent("#media-state")).includes("Livestream playing") || (await pub.getAttribute("#media-state", "data-state")) !== "none",
    "the media line in English, still playing");
  check((await pub.textContent("#unmute")).includes("Unmute"), "the unmute button in English");

  // --- the archive on a phone, its open data ---
  const arc = await open("/archive/?council=nhi-chieu");
  await arc.waitForSelector("#petition-form");
  check(await fits(arc), "the archive fits the phone's width");
  const widths = await arc.evaluate(() => {
    const form = document.getElementById("petition-form");
    const inner = form.clientWidth - parseFloat(getComputedStyle(form).paddingLeft) - parseFloat(getComputedStyle(form).paddingRight);
    return ["p-name", "p-contact", "p-locality", "p-area", "p-content"].map((id) => [id, document.getElementById(id).getBoundingClientRect().width / inner]);
  });
  check(widths.every(([, r]) => r > 0.97 && r < 1.01), `every field is full width (${widths.map(([i, r]) => `${i} ${r.toFixed(2)}`).join(", ")})`);
  const q = await arc.evaluate(() => document.getElementById("search-q").getBoundingClientRect().right <= window.innerWidth);
  check(q, "the search box fits too");
  const json = await arc.getAttribute("#open-data-json", "href");
  const data = await arc.evaluate(async (u) => { const r = await fetch(u); return [r.status, r.headers.get("content-type"), (await r.json()).council.slug]; }, json);
  check(data[0] === 200 && data[1].startsWith("application/json") && data[2] === "nhi-chieu", `the open data link gives the archive as JSON (${data})`);
  for (const [id, head] of [["#open-data-csv-votes", "session_number,"], ["#open-data-csv-petitions", "code,"]]) {
    const csv = await arc.evaluate(async (u) => { const r = await fetch(u); return [r.status, r.headers.get("content-type"), await r.text()]; },
      await arc.getAttribute(id, "href"));
    check(csv[0] === 200 && csv[1].startsWith("text/csv") && csv[2].startsWith(head), `${id}: the archive as CSV too (${csv[0]} ${csv[1]} ${csv[2].slice(0, 40)})`);
  }

  // --- the petition form ---
  const sent = [];
  arc.on("request", (r) => { if (r.url().includes("/api/public/petitions")) sent.push(r.url()); });
  await arc.fill("#p-name", "Lê Thị Thu");
  await arc.fill("#p-contact", "abc");
  await arc.fill("#p-locality", "Tổ dân phố 7");
  await arc.focus("#p-locality");
  await arc.waitForFunction(() => document.getElementById("err-contact").textContent !== "");
  const phoneErr = await arc.textContent("#err-contact");
  check(phoneErr.includes("Số điện thoại không hợp lệ"), `"abc" is not a phone number, said beside the field (${phoneErr})`);
  check(await arc.getAttribute("#p-contact", "aria-invalid") === "true", "the field is marked invalid");
  await arc.selectOption("#p-area", "environment");
  const long = "Rác thải tồn đọng ở đầu ngõ 9. ".repeat(170); // 5100+ characters
  await arc.fill("#p-content", long);
  const counter = await arc.textContent("#count-content");
  check(counter === `${[...long].length}/5000`, `a counter under the text (${counter})`);
  check(await arc.getAttribute("#count-content", "data-over") === "yes", "over the limit, in red");
  check((await arc.inputValue("#p-content")).length === long.length, "nothing was cut");
  check((await arc.textContent("#err-content")).includes("tối đa 5000 ký tự"), `the limit is said beside the field (${await arc.textContent("#err-content")})`);
  await arc.click("#p-submit");
  await arc.waitForTimeout(300);
  check(sent.length === 0, "a form with mistakes is not sent");
  check(await arc.evaluate(() => document.activeElement.id) === "p-contact", "the first field to mend has the focus");
  await arc.screenshot({ path: `${shots}/archive-petition-phone-errors.png`, fullPage: true });
  await axeCheck(arc, "petition form on a phone, with its field messages and counter");
  await arc.fill("#p-contact", "+84 912.345.678");
  await arc.fill("#p-content", "Rác thải tồn đọng ở đầu ngõ 9 tổ dân phố 7 nhiều ngày, đề nghị thu gom.");
  check((await arc.textContent("#count-content")).endsWith("/5000"), "the counter follows");
  await arc.click("#p-submit");
  await arc.waitForSelector("#petition-done:not([hidden])");
  const lookup = (await arc.textContent("#lookup-code")).trim();
  check(/^KN-\d{6}-[0-9A-Z]{8}$/.test(lookup), `the receipt gives a lookup code (${lookup})`);
  check(await arc.$$eval(".field-error", (es) => es.every((e) => e.textContent === "")), "no field errors left");
  check(await fits(arc), "still no sideways scrolling");
  await arc.screenshot({ path: `${shots}/archive-petition-phone-sent.png`, fullPage: true });

  // --- the status page ---
  await arc.click("#lookup-link");
  await arc.waitForSelector("#lookup-form");
  await arc.fill("#lookup-code-input", lookup.toLowerCase());
  await arc.click("#lookup-go");
  await arc.waitForSelector("#lookup-result");
  const result = await arc.textContent("#lookup-result");
  check(result.includes("Đã tiếp nhận") && result.includes(lookup.slice(0, 9)), `the status by the lookup code (${result})`);
  check(!result.includes("Lê Thị Thu") && !result.includes("912") && !result.includes("Rác thải"), "nobody's name, contact or words");
  check(await fits(arc), "the status page fits the phone");
  await arc.screenshot({ path: `${shots}/citizen-petition-status.png`, fullPage: true });
  await axeCheck(arc, "petition status page on a phone, a petition found");
  const wrong = lookup.slice(0, -1) + (lookup.endsWith("A") ? "B" : "A");
  await arc.fill("#lookup-code-input", wrong);
  await arc.click("#lookup-go");
  await arc.waitForFunction(() => document.getElementById("lookup-err").textContent !== "");
  const miss = await arc.textContent("#lookup-err");
  check(miss.includes("Không có kiến nghị nào với mã tra cứu này"), `a wrong code (${miss})`);
  check(await arc.isHidden("#lookup-result"), "and no result");
  await arc.fill("#lookup-code-input", "KN-999999-ABCDEFGH");
  await arc.click("#lookup-go");
  await arc.waitForFunction(() => document.getElementById("lookup-err").textContent !== "" && !document.getElementById("message").hidden);
  check((await arc.textContent("#lookup-err")) === miss, "an unknown code: the same answer");
  // In English on a Vietnamese browser: the server's words in English too.
  await arc.click('nav button[data-lang="en"]');
  await arc.waitForSelector("#lookup-form");
  await arc.fill("#lookup-code-input", wrong);
  await arc.click("#lookup-go");
  await arc.waitForFunction(() => document.getElementById("lookup-err").textContent.includes("No petition"));
  // --- a citizen searches the archive for their own, unpublished petition ---
  // The public search does not find it (only published answers are public),
  // so the page says the query is a petition number and links to the status
  // page with the code filled in, whatever the results.
  const srch = await open("/archive/?council=nhi-chieu");
  await srch.waitForSelector("#search-q");
  const posted = [];
  srch.on("request", (r) => { if (r.url().includes("/api/public/petitions/status")) posted.push(r.url()); });
  for (const query of [lookup.slice(0, 9), ` ${lookup.toLowerCase()} `]) {
    const want = query.trim().toUpperCase();
    await srch.fill("#search-q", query);
    await srch.click("#search-go");
    await srch.waitForFunction((w) => document.getElementById("search-code-link")?.getAttribute("href").endsWith(`#code=${w}`), want);
    const listed = await srch.$$eval(".found-petition", (ls) => ls.map((l) => l.textContent));
    check(!listed.some((l) => l.startsWith(lookup.slice(0, 9))), `the unpublished petition is not listed (${listed.join("; ")})`);
    const hint = await srch.textContent("#search-code-hint");
    check(hint.includes("có dạng số kiến nghị") && hint.includes(`Tra cứu tình trạng kiến nghị ${lookup.slice(0, 9)}`),
      `"${query}": the search says it is a petition number and links to the status page (${hint})`);
  }
  await srch.screenshot({ path: `${shots}/archive-search-own-code.png`, fullPage: true });
  await axeCheck(srch, "archive search for one's own petition code, pointing to the status page");
  await srch.click("#search-code-link");
  await srch.waitForSelector("#lookup-form");
  await srch.waitForSelector("#lookup-prefilled:not([hidden])");
  check(await srch.inputValue("#lookup-code-input") === lookup, `the status page has the code filled in (${await srch.inputValue("#lookup-code-input")})`);
  check(!srch.url().includes("code") && !srch.url().includes(lookup.slice(-8)), `and it is gone from the address bar (${srch.url()})`);
  check(await srch.evaluate(() => document.activeElement.id) === "lookup-code-input", "the field has the focus, to check it");
  await srch.waitForTimeout(300);
  check(posted.length === 0, "nothing is looked up until the citizen presses the button");
  await axeCheck(srch, "petition status page with a code handed over by the archive's search");
  await srch.click("#lookup-go");
  await srch.waitForSelector("#lookup-result");
  check((await srch.textContent("#lookup-result")).includes("Đã tiếp nhận"), "one press: the petition's status");
  // A bare number handed over: filled in, with a word on the secret part.
  await srch.goto(`${base}/public/petition/?code=${lookup.slice(0, 9)}`);
  await srch.waitForSelector("#lookup-prefilled:not([hidden])");
  check(await srch.inputValue("#lookup-code-input") === lookup.slice(0, 9) && !srch.url().includes("code="), "?code= is taken too, and removed from the address");
  check((await srch.textContent("#lookup-prefilled")).includes("thêm phần mã bí mật"), "a number alone: asked for the secret part");

  // Misses count against the address: the tenth locks it out, and the
  // server says so in the page's language, not the browser's: for how long
  // (Retry-After), beside the field, and that the council office can help.
  let message = "";
  let refusal = null;
  for (let i = 0; i < 12 && !message.includes("Too many"); i++) {
    await arc.fill("#lookup-code-input", `KN-${String(900000 + i).padStart(6, "0")}-ZZZZZZZZ`);
    [refusal] = await Promise.all([arc.waitForResponse((r) => r.url().includes("/api/public/petitions/status")), arc.click("#lookup-go")]);
    await arc.waitForTimeout(100); // the answer read and shown
    message = await arc.textContent("#message");
  }
  const after = Number(refusal.headers()["retry-after"]);
  const body = await refusal.json();
  check(refusal.status() === 429 && after > 800 && after <= 900 && body.retry_after === after,
    `locked out: 429 with Retry-After and retry_after (${refusal.status()} ${after} ${JSON.stringify(body)})`);
  const wait = await arc.textContent("#lookup-err");
  check(/Try again in 1[45] min\./.test(wait) && wait.includes("council office"), `beside the field: how long to wait, and the council office (${wait})`);
  check(message === wait, `the banner says the same, in English (${message})`);
  await arc.screenshot({ path: `${shots}/citizen-petition-status-locked.png`, fullPage: true });
  await axeCheck(arc, "petition status page, lookups from this address locked out for a while");
  await arc.click('nav button[data-lang="vi"]');
  await arc.waitForSelector("#lookup-form");
  await arc.fill("#lookup-code-input", lookup);
  await arc.click("#lookup-go");
  await arc.waitForFunction(() => document.getElementById("lookup-err").textContent.includes("Thử lại sau"));
  const viWait = await arc.textContent("#lookup-err");
  check(/Thử lại sau 1[45] phút\./.test(viWait) && viWait.includes("Văn phòng HĐND"), `in Vietnamese, even for the right code while locked (${viWait})`);

  check(problems.length === 0, `no page errors (${problems.join("; ")})`);
});
