// The admin page in Chromium: the secretary signs in, sees the council's
// people with their roles, is refused a sign-in code for the chair, makes
// codes for three delegates who have no password yet and gets printable
// cards with QR codes; a code from a card signs a delegate in.
// Then the secretary adds and edits a person (a refusal names the field),
// imports a CSV file (every bad row listed, then a good file), creates a
// session with sittings and a two-level agenda, and edits that agenda while
// a citizen's public page watches it change live.
// Usage: node admin.test.mjs BASE_URL SCREENSHOT_DIR
import { axeCheck, check, runTest } from "./lib.mjs";

const [base, shots] = process.argv.slice(2);
await runTest(async (browser) => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "vi-VN" });
  const p = await ctx.newPage();
  const errors = [];
  p.on("pageerror", (e) => errors.push(String(e)));
  await p.goto(`${base}/admin/`, { waitUntil: "load" });
  await p.fill("#login", "thuky");
  await p.fill("#password", "plenum-demo");
  await p.click("form.signin button[type=submit]");
  await p.waitForSelector("table.people");
  const people = 'section[aria-labelledby^="c-"] table.people tbody tr';
  check((await p.locator("#status").count()) === 0, "no live-connection badge on a page without one");
  check((await p.locator(people).count()) === 31, "31 people of the council listed");
  check((await p.textContent(`${people}:first-child`)).includes("Chủ tịch"), "roles in Vietnamese");
  await axeCheck(p, "admin, people and sessions");
  // Never a code for the chair: the refusal says why and for whom.
  const chair = p.locator("tr", { hasText: "Nguyễn Văn Thành" }).locator("input[type=checkbox]");
  await chair.check();
  await p.click('button[id^="codes-"]');
  await p.waitForSelector('#message[data-kind="error"]:not([hidden])');
  const refused = await p.textContent("#message");
  check(refused.includes("cấp bậc") && refused.includes("Nguyễn Văn Thành"), `no code for the chair (${refused})`);
  check((await p.locator(".code-card").count()) === 0, "no card made");
  await axeCheck(p, "admin, a refusal shown");
  await chair.uncheck();
  for (const name of ["Lê Minh Tuấn", "Hoàng Thị Mai", "Vũ Đức Anh"])
    await p.locator("tr", { hasText: name }).locator("input[type=checkbox]").check();
  await p.click('button[id^="codes-"]');
  await p.waitForSelector(".code-card img");
  check((await p.locator(".code-card").count()) === 3, "three printable cards");
  const ok = await p.evaluate(() => [...document.querySelectorAll(".code-card img")].every((i) => i.complete && i.naturalWidth > 0));
  check(ok, "each card's QR image renders");
  const code = (await p.textContent(".code-card .code")).trim();
  const name = (await p.textContent(".code-card .name")).trim();
  await p.screenshot({ path: `${shots}/admin-codes.png`, fullPage: true });
  await axeCheck(p, "admin, sign-in code cards");
  // The QR code is a link to the delegate page with the code (the API test
  // decodes the image): opened, the code is filled in and leaves the
  // address bar at once.
  const link = await p.getAttribute(".code-card", "data-link");
  check(link === `${base}/delegate/?code=${code}`, `the card's QR opens the delegate page with its code (${link})`);
  const d = await (await browser.newContext()).newPage();
  await d.goto(link, { waitUntil: "load" });
  await d.waitForSelector("form.signin #code");
  check((await d.inputValue("#code")) === code, "the code from the link is filled in");
  await axeCheck(d, "delegate, sign-in with a code from the card's link");
  check(!d.url().includes("code=") && (await d.evaluate(() => location.href)) === `${base}/delegate/`, `the code is taken out of the address (${d.url()})`);
  await d.click("form.signin button[type=submit]");
  await d.waitForSelector('#status[data-state="live"]');
  check((await d.textContent("#who")).includes(name), `a printed code signs ${name} in`);
  await axeCheck(d, "delegate, signed in by code, no session open");

  // --- people: add, refuse with the field named, edit ---
  const cid = (await p.getAttribute('button[id^="add-"]', "id")).slice(4);
  await p.click(`#add-${cid}`);
  await p.fill("#p-new-login", "daibieumoi");
  await p.fill("#p-new-name", "Trương Thị Mới");
  await p.fill("#p-new-seat", "3");
  await p.click("#save-new");
  await p.waitForSelector('#message[data-kind="error"]:not([hidden])');
  const msg = await p.textContent("#message");
  check(msg.includes("Số ghế") && msg.includes("đã được dùng"), `a taken seat is refused, naming the field (${msg})`);
  await p.fill("#p-new-seat", "31");
  await p.click("#save-new");
  await p.waitForSelector('#message[data-kind="info"]:not([hidden])');
  check((await p.locator(people).count()) === 32, "the new delegate is listed");
  const row = p.locator(people, { hasText: "Trương Thị Mới" });
  await row.locator("button").click();
  await p.fill('[id^="p-"][id$="-name"]', "Trương Thị Mới Sửa");
  await p.locator("form.edit").screenshot({ path: `${shots}/admin-person.png` });
  await axeCheck(p, "admin, person edit form");
  await p.click('[id^="save-"]:not([id^="save-session"])');
  await p.waitForSelector(`${people} >> text=Trương Thị Mới Sửa`);
  check(true, "an edit is saved and shown");

  // --- a CSV file: all rows checked, nothing written until all are good ---
  const file = (text) => ({ name: "nguoi.csv", mimeType: "text/csv", buffer: Buffer.from(text) });
  await p.setInputFiles(`#csv-${cid}`, file("login,display_name,role,seat_no\nnhap01,Nhập Một,delegate,32\nNhap 02,Nhập Hai,delegate,33\nnhap03,Nhập Ba,truong_ban,34\n"));
  await p.click(`#import-${cid}`);
  await p.waitForSelector(`#import-errors-${cid} tbody tr`);
  const bad = await p.locator(`#import-errors-${cid} tbody tr`).allTextContents();
  check(bad.length === 2 && bad[0].startsWith("3") && bad[1].startsWith("4"), `every bad row is listed (${bad.join(" / ")})`);
  check((await p.locator(people).count()) === 32, "nothing imported from a bad file");
  await axeCheck(p, "admin, CSV rows refused");
  await p.setInputFiles(`#csv-${cid}`, file("login,display_name,role,seat_no\nnhap01,Nhập Một,delegate,32\nnhap02,Nhập Hai,staff,\n"));
  await p.click(`#import-${cid}`);
  await p.waitForSelector('#message[data-kind="info"]:not([hidden])');
  check((await p.textContent("#message")).includes("2 người mới"), "a good file is imported");
  check((await p.locator(people).count()) === 34, "the imported people are listed");
  // Excel on a Vietnamese Windows saves CP1258 (tone marks as separate
  // bytes): "Đỗ Quang Hùng" arrives whole, not as "��� Quang H�ng".
  const cp1258 = Buffer.concat([Buffer.from("login,display_name,role,seat_no\r\nnhap01,"),
    Buffer.from([0xd0, 0xf4, 0xde]), Buffer.from(" Quang Hu"), Buffer.from([0xcc]), Buffer.from("ng,delegate,32\r\n")]);
  await p.setInputFiles(`#csv-${cid}`, { name: "nguoi-excel.csv", mimeType: "text/csv", buffer: cp1258 });
  await p.click(`#import-${cid}`);
  await p.waitForSelector(`${people} >> text=Đỗ Quang Hùng`);
  check(!(await p.textContent(people.split(" ")[0])).includes("\ufffd"), "a CP1258 file from Excel is imported with its Vietnamese names intact");

  // --- a session with sittings and an agenda tree ---
  await p.click(`#new-session-${cid}`);
  await p.fill("#s-new-title", "Kỳ họp chuyên đề về chuyển đổi số");
  await p.fill("#s-new-location", "Hội trường UBND phường");
  await p.click("#add-sitting-new");
  await p.click("#add-item-new");
  await p.fill("#item-new-0-0", "Khai mạc kỳ họp");
  await p.click("#add-item-new");
  await p.fill("#item-new-0-1", "Thảo luận các tờ trình");
  await p.click('button[aria-label="Thêm mục con cho: Thảo luận các tờ trình"]');
  await p.fill("#item-new-1-1-0", "Tờ trình về chuyển đổi số");
  await p.click("#add-item-new");
  await p.fill("#item-new-0-2", "Bế mạc");
  await p.locator("#session-new").screenshot({ path: `${shots}/admin-session.png` });
  await axeCheck(p, "admin, new session with its agenda tree");
  await p.click("#save-session-new");
  await p.waitForSelector('#message[data-kind="info"]:not([hidden])');
  const edit = p.locator('button[id^="edit-session-"]', { hasText: "Sửa" }).first();
  const sid = (await edit.getAttribute("id")).slice("edit-session-".length);

  // A citizen watches the planned session; the edit reaches them live.
  const c = await (await browser.newContext({ locale: "vi-VN" })).newPage();
  c.on("pageerror", (e) => errors.push(String(e)));
  await c.goto(`${base}/public/?session=${sid}`, { waitUntil: "load" });
  await c.waitForSelector('#status[data-state="live"]');
  const agenda = async () => (await c.locator("ol.agenda li").allTextContents()).join(" | ");
  check((await agenda()).includes("Tờ trình về chuyển đổi số"), "the public page shows the new agenda");
  await axeCheck(c, "public, a planned session");
  await edit.click();
  await p.click(`button[aria-label="Chuyển lên: Bế mạc"]`);
  await p.fill(`#session-${sid} input[value="Khai mạc kỳ họp"]`, "Khai mạc");
  await p.click(`#save-session-${sid}`);
  await p.waitForSelector('#message[data-kind="info"]:not([hidden])');
  await c.waitForFunction(() => [...document.querySelectorAll("ol.agenda li")].some((li) => li.textContent.replace(/^[\d.]+\s+/, "").startsWith("Khai mạc") && !li.textContent.includes("kỳ họp")));
  const now = await agenda();
  check(now.indexOf("Bế mạc") < now.indexOf("Thảo luận"), `the reordered agenda reaches the public page live (${now})`);
  check((await c.getAttribute("#status", "data-state")) === "live", "and the page stays live");
  check(errors.length === 0, `no page errors (${errors.join(" | ")})`);
});
