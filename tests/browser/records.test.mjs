// The records in Chromium: the secretary reads the minutes of a scripted
// sitting (every turn and vote with its figures), adds notes and finalises
// them (then frozen, the hash shown, a later edit refused); uploads a
// document (and sees a disguised file refused), then a new version of it; a
// delegate's tablet lists the documents and opens one, and the secretary
// sees who read it; a citizen on the public archive sees only public
// material, sends a petition (an empty form names every missing field),
// searches without diacritics; the petition reaches the secretary's list,
// a duplicate from a voters' meeting (overdue) is merged into it, it is
// answered and published, and the archive shows the answer.
// Usage: node records.test.mjs BASE_URL SCREENSHOT_DIR SESSION_ID
import { axeCheck, check, runTest } from "./lib.mjs";

const [base, shots, sid] = process.argv.slice(2);
await runTest(async (browser) => {
  const errors = [];
  const sec = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "vi-VN" })).newPage();
  sec.on("pageerror", (e) => errors.push(String(e)));
  await sec.goto(`${base}/records/?session=${sid}`, { waitUntil: "load" });
  await sec.fill("#login", "thuky");
  await sec.fill("#password", "plenum-demo");
  await sec.click("form.signin button[type=submit]");

  // --- the minutes ---
  await sec.click("#tab-minutes");
  await sec.waitForSelector("#minutes");
  check((await sec.textContent("#minutes-state")).includes("dự thảo"), "the minutes are a draft");
  const turns = await sec.locator("tr.turn").allTextContents();
  check(turns.length === 2, `two speaking turns listed (${turns.length})`);
  check(turns[0].includes("Lê Minh Tuấn") && turns[0].includes("Phát biểu"), "the first turn: who and what kind");
  check(turns[1].includes("Hoàng Thị Mai") && turns[1].includes("Chất vấn"), "the second turn: a question");
  const votes = await sec.locator("article.vote").allTextContents();
  check(votes.length === 2, "both votes listed");
  check(votes[0].includes("Tán thành 3 · Không tán thành 1 · Không biểu quyết 1 · cần ít nhất 16"),
    `the named vote's figures (${votes[0].slice(0, 160)})`);
  check(votes[0].includes("Lê Minh Tuấn: Tán thành"), "each delegate's choice in the named vote");
  check(votes[1].includes("Tán thành 2 · Không tán thành 3"), "the secret ballot's figures");
  check(!votes[1].includes("Lê Minh Tuấn"), "no name in the secret ballot");
  await sec.fill("#minutes-notes", "Kỳ họp diễn ra đúng chương trình; đại biểu thống nhất cao.");
  await sec.click("#minutes-save");
  await sec.waitForFunction(() => document.querySelector("#message").textContent.includes("Đã lưu ghi chú"));
  check(true, "notes saved");
  await sec.click("#minutes-finalise");
  await sec.waitForSelector("#minutes-confirm");
  await sec.screenshot({ path: `${shots}/records-minutes-confirm.png`, fullPage: true });
  await axeCheck(sec, "records, minutes before finalising");
  await sec.click("#minutes-confirm");
  await sec.waitForSelector("#minutes-hash");
  const hash = (await sec.textContent("#minutes-hash")).trim();
  check(/^[0-9a-f]{64}$/.test(hash), `the finalised minutes show their hash (${hash})`);
  check(await sec.$eval("#minutes-notes", (t) => t.readOnly), "the notes are read-only once finalised");
  check((await sec.locator("#minutes-save, #minutes-finalise").count()) === 0, "no more save or finalise");
  const again = await sec.evaluate(async (s) => {
    const r = await fetch("/api/minutes/notes", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ session_id: Number(s), notes: "sửa lại" }) });
    const b = await r.json();
    return [r.status, b.error, b.reason];
  }, sid);
  check(again[0] === 409 && again[1] === "invalid_state" && again[2] === "minutes_finalised",
    `an edit after finalising is refused (${again})`);
  const printable = await sec.evaluate(async (s) => (await fetch(`/api/minutes?session_id=${s}&format=html`)).text(), sid);
  check(printable.includes("BIÊN BẢN") && printable.includes(hash), "the printable minutes carry the hash");
  await sec.screenshot({ path: `${shots}/records-minutes.png`, fullPage: true });
  await axeCheck(sec, "records, finalised minutes");

  // --- documents ---
  await sec.click("#tab-documents");
  await sec.waitForSelector("#doc-form");
  await sec.fill("#doc-title", "Báo cáo thẩm tra dự toán");
  await sec.setInputFiles("#doc-file", { name: "bao-cao.pdf", mimeType: "application/pdf",
    buffer: Buffer.from("%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n") });
  await sec.click("#doc-upload");
  await sec.waitForSelector('#doc-list tr:has-text("Báo cáo thẩm tra dự toán")');
  check(true, "an uploaded document is listed");
  const row = (title) => sec.locator(`#doc-list tr:has-text("${title}")`);
  const v1 = await row("Báo cáo thẩm tra dự toán").getAttribute("data-doc");
  check((await row("Báo cáo thẩm tra dự toán").textContent()).includes("v1"), "as version 1");
  await sec.setInputFiles(`#doc-new-${v1}`, { name: "bao-cao-sua.pdf", mimeType: "application/pdf",
    buffer: Buffer.from("%PDF-1.4\n% sửa theo ý kiến thẩm tra\n%%EOF\n") });
  await sec.click(`#doc-replace-${v1}`);
  await sec.waitForSelector(`#doc-list tr[data-doc]:has-text("Báo cáo thẩm tra dự toán"):has(a.old[data-version="1"])`);
  const v2row = await row("Báo cáo thẩm tra dự toán").textContent();
  check(v2row.includes("v2") && v2row.includes("Thay thế 1 phiên bản trước"), `a new version replaces it, the old one kept (${v2row.slice(0, 120)})`);
  const v2 = await row("Báo cáo thẩm tra dự toán").getAttribute("data-doc");
  check(v2 !== v1, "the new version is a document of its own");
  const sha = await row("Báo cáo thẩm tra dự toán").locator("code").getAttribute("title");
  check(/^[0-9a-f]{64}$/.test(sha) && v2row.includes(sha.slice(0, 12)), "its SHA-256 shortened, whole in the title");
  await sec.fill("#doc-title", "Tệp giả mạo");
  await sec.setInputFiles("#doc-file", { name: "gia-mao.pdf", mimeType: "application/pdf", buffer: Buffer.from("MZ\x90\x00 not a pdf") });
  await sec.click("#doc-upload");
  await sec.waitForFunction(() => !document.querySelector("#message").hidden && document.querySelector("#message").dataset.kind === "error");
  const refusal = await sec.textContent("#message");
  check(refusal.includes("không được lưu") && refusal.includes("không khớp"), `a disguised file is refused in words (${refusal})`);
  check((await sec.locator('#doc-list tr:has-text("Tệp giả mạo")').count()) === 0, "and not listed");
  await sec.click("#tab-documents"); // a fresh form: the message above goes
  await sec.waitForFunction(() => document.querySelector("#message").hidden);
  await sec.fill("#doc-title", "Phụ lục quá lớn");
  await sec.setInputFiles("#doc-file", { name: "phu-luc.pdf", mimeType: "application/pdf",
    buffer: Buffer.concat([Buffer.from("%PDF-1.4\n"), Buffer.alloc(1536 * 1024, 0x20), Buffer.from("\n%%EOF\n")]) });
  await sec.click("#doc-upload");
  await sec.waitForFunction(() => !document.querySelector("#message").hidden && document.querySelector("#message").dataset.kind === "error");
  const tooBig = await sec.textContent("#message");
  check(tooBig.includes("vượt quá dung lượng"), `a file over the limit is refused in words (${tooBig})`);
  check((await sec.locator('#doc-list tr:has-text("Phụ lục quá lớn")').count()) === 0, "and not listed either");
  await sec.screenshot({ path: `${shots}/records-documents.png`, fullPage: true });
  await axeCheck(sec, "records, documents with a refusal");

  // --- the delegate's tablet: the session's documents ---
  const delCtx = await browser.newContext({ viewport: { width: 1024, height: 1366 }, locale: "vi-VN" });
  const del = await delCtx.newPage();
  del.on("pageerror", (e) => errors.push(String(e)));
  await del.goto(`${base}/delegate/?session=${sid}`, { waitUntil: "load" });
  await del.fill("#login", "daibieu03");
  await del.fill("#password", "plenum-demo");
  await del.click("form.signin button[type=submit]");
  await del.waitForSelector("#session-docs");
  const card = await del.textContent("#session-docs");
  check(card.includes("Tài liệu kỳ họp") && card.includes("Dự thảo chỉ dành cho đại biểu") &&
    card.includes("Nghị quyết về quy hoạch sử dụng đất đai"), "the delegate's tablet lists the session's documents, delegates-only ones too");
  const li = del.locator(`#session-docs li[data-doc="${v2}"]`);
  check((await li.textContent()).includes("phiên bản 2") && (await li.locator('a.old[data-version="1"]').count()) === 1,
    "the current version first, the replaced one marked");
  const draft = del.locator('#session-docs a:has-text("Dự thảo chỉ dành cho đại biểu")');
  const draftUrl = await draft.getAttribute("href");
  check(/^\/api\/documents\/file\?id=\d+$/.test(draftUrl) && (await draft.getAttribute("target")) === "_blank",
    `a document opens in a new tab (${draftUrl})`);
  const opened = delCtx.waitForEvent("response", (r) => r.url().endsWith(draftUrl));
  await draft.click();
  const resp = await opened;
  check(resp.status() === 200 && (resp.headers()["content-type"] || "").startsWith("application/pdf"),
    `the tablet's browser gets the PDF (${resp.status()} ${resp.headers()["content-type"]})`);
  await del.screenshot({ path: `${shots}/delegate-documents.png`, fullPage: true });
  await axeCheck(del, "delegate, session documents (tablet)");
  const draftId = draftUrl.split("=")[1];
  await sec.click(`#doc-opens-${draftId}`);
  await sec.waitForFunction((id) => document.querySelector(`#doc-readers-${id}`).textContent !== "", draftId);
  const readers = await sec.textContent(`#doc-readers-${draftId}`);
  check(readers.includes("Đã mở: Lê Minh Tuấn") && /Đại biểu chưa mở:.*\S/.test(readers) &&
    !readers.split("Đại biểu chưa mở:")[1].includes("Lê Minh Tuấn"), `the secretary sees who opened it and who has not (${readers.slice(0, 160)})`);
  await delCtx.close();

  // --- a citizen on the public archive ---
  const cit = await (await browser.newContext({ viewport: { width: 414, height: 896 }, locale: "vi-VN" })).newPage();
  cit.on("pageerror", (e) => errors.push(String(e)));
  await cit.goto(`${base}/archive/?council=nhi-chieu`, { waitUntil: "load" });
  await cit.waitForSelector("#petition-form");
  const page = await cit.textContent("main");
  check(page.includes("Nghị quyết về quy hoạch sử dụng đất đai"), "a public resolution is in the archive");
  check(!page.includes("Dự thảo chỉ dành cho đại biểu"), "a delegates-only document is not");
  check((await cit.textContent(`#minutes-link-${sid}`)).includes("Biên bản"), "the finalised minutes are linked");
  check(page.includes(hash), "with their hash");
  check(page.includes("Không được thông qua"), "the published results in words");
  await axeCheck(cit, "archive (phone)");
  await cit.click("#p-submit");
  await cit.waitForFunction(() => document.querySelector("#err-name").textContent !== "");
  for (const f of ["name", "contact", "content", "area", "locality"])
    check((await cit.textContent(`#err-${f}`)).length > 0, `an empty form says what is missing: ${f} (${await cit.textContent(`#err-${f}`)})`);
  await cit.screenshot({ path: `${shots}/archive-petition-errors.png`, fullPage: true });
  await axeCheck(cit, "archive, petition form with its refusals (phone)");
  await cit.fill("#p-name", "Trần Văn Bình");
  await cit.fill("#p-contact", "0912 345 678");
  await cit.fill("#p-locality", "Tổ dân phố 3");
  await cit.selectOption("#p-area", "transport");
  await cit.fill("#p-content", "Đề nghị sửa chữa đường ngõ 5 tổ dân phố 3, mặt đường xuống cấp.");
  await cit.click("#p-submit");
  await cit.waitForSelector("#petition-done:not([hidden])");
  const done = await cit.textContent("#petition-done");
  const code = (done.match(/KN-\d{6}/) || [""])[0];
  check(code !== "", `the citizen gets the petition's number (${done})`);
  check(await cit.$$eval(".field-error", (es) => es.every((e) => e.textContent === "")), "no field errors left");
  await cit.screenshot({ path: `${shots}/archive-petition-sent.png`, fullPage: true });
  await axeCheck(cit, "archive, petition sent (phone)");
  await cit.fill("#search-q", "quy hoach dat dai");
  await cit.click("#search-go");
  await cit.waitForFunction(() => document.querySelector("#search-results").textContent.includes("quy hoạch"));
  check((await cit.textContent("#found-documents")).includes("Nghị quyết về quy hoạch sử dụng đất đai"),
    "search without diacritics finds the resolution, under the documents");
  await cit.fill("#search-q", "chi danh cho dai bieu");
  await cit.click("#search-go");
  await cit.waitForFunction(() => document.querySelector("#search-results").textContent.includes("Tìm thấy 0"));
  check(true, "and not the delegates-only document");
  await cit.screenshot({ path: `${shots}/archive.png`, fullPage: true });
  await axeCheck(cit, "archive, search results (phone)");

  // --- the petition reaches the secretary ---
  await sec.click("#tab-petitions");
  await sec.waitForSelector(`article.petition[data-code="${code}"]`);
  check((await sec.textContent(`article.petition[data-code="${code}"]`)).includes("0912 345 678"), "staff see the citizen's contact");
  // One received at a voters' meeting a month ago, given to an agency whose
  // deadline has passed: flagged overdue, found by the filter.
  const day = (n) => new Date(Date.now() + n * 86400000).toLocaleDateString("sv-SE", { timeZone: "Asia/Ho_Chi_Minh" });
  await sec.click("#tab-petitions");
  await sec.click("#pet-form >> xpath=.. >> summary");
  await sec.fill("#pn-name", "Nguyễn Thị Hoa");
  await sec.fill("#pn-locality", "Tổ dân phố 3");
  await sec.fill("#pn-meeting", "Tiếp xúc cử tri tổ dân phố 3");
  await sec.fill("#pn-received_on", day(-30));
  await sec.selectOption("#pn-area", "transport");
  await sec.fill("#pn-content", "Ngõ 5 tổ dân phố 3 xuống cấp, đề nghị sửa chữa sớm.");
  await sec.click("#pn-submit");
  await sec.waitForFunction(() => /Đã lưu kiến nghị KN-\d{6}/.test(document.querySelector("#message").textContent));
  const dup = (await sec.textContent("#message")).match(/KN-\d{6}/)[0];
  const dupCard = sec.locator(`article.petition[data-code="${dup}"]`);
  await dupCard.waitFor();
  check((await dupCard.textContent()).includes("Hội nghị tiếp xúc cử tri — Tiếp xúc cử tri tổ dân phố 3"), "a petition from a voters' meeting is entered");
  const dupId = await dupCard.getAttribute("data-petition");
  await sec.fill(`#pa-agency-${dupId}`, "UBND phường Nhị Chiểu");
  await sec.fill(`#pa-due-${dupId}`, day(-10));
  await sec.click(`#pa-assign-${dupId}`);
  await sec.waitForSelector(`article.petition.overdue[data-code="${dup}"]`);
  check((await dupCard.textContent()).includes("Quá hạn trả lời"), "given to an agency with a past deadline: flagged overdue");
  await sec.check("#pet-overdue");
  await sec.click("#pet-filter");
  await sec.waitForFunction(() => document.querySelectorAll("article.petition").length === 1);
  check((await sec.getAttribute("article.petition", "data-code")) === dup, "the overdue filter lists it alone");
  await sec.uncheck("#pet-overdue");
  await sec.click("#pet-filter");
  await sec.waitForSelector(`article.petition[data-code="${code}"]`);
  // The same request twice: merged into the citizen's, which then counts both.
  await sec.fill(`#pa-into-${dupId}`, code);
  await sec.click(`#pa-merge-${dupId}`);
  await sec.waitForSelector(`article.petition[data-code="${dup}"]:has-text("Đã gộp vào kiến nghị ${code}")`);
  const main = sec.locator(`article.petition[data-code="${code}"]`);
  await sec.waitForFunction((c) => document.querySelector(`article.petition[data-code="${c}"]`).textContent.includes("2 cử tri cùng kiến nghị"), code);
  check(true, "a duplicate merged: the petition counts two voters");
  const id = await main.getAttribute("data-petition");
  await sec.fill(`#pa-agency-${id}`, "UBND phường Nhị Chiểu");
  await sec.fill(`#pa-due-${id}`, day(20));
  await sec.click(`#pa-assign-${id}`);
  await sec.waitForSelector(`#pa-answer-${id}`);
  const reply = "UBND phường đã đưa ngõ 5 vào kế hoạch sửa chữa quý I năm 2027.";
  await sec.fill(`#pa-answer-${id}`, reply);
  await sec.click(`#pa-answer-btn-${id}`);
  await sec.waitForSelector(`#pa-publish-${id}`);
  await sec.click(`#pa-publish-${id}`);
  await sec.waitForSelector(`article.petition[data-code="${code}"]:has-text("Đã công khai")`);
  await main.locator("summary").click();
  const history = await main.locator("details li").allTextContents();
  check(history.length === 5 && history[0].includes("Tiếp nhận") && history[history.length - 1].includes("Công khai"),
    `assigned, answered and published, its history kept (${history.join(" | ")})`);
  await sec.screenshot({ path: `${shots}/records-petitions.png`, fullPage: true });
  await axeCheck(sec, "records, petitions with history");
  // Another visitor (the archive may be kept a minute in a browser's cache).
  const later = await (await browser.newContext({ viewport: { width: 414, height: 896 }, locale: "vi-VN" })).newPage();
  later.on("pageerror", (e) => errors.push(String(e)));
  await later.goto(`${base}/archive/?council=nhi-chieu`, { waitUntil: "load" });
  await later.waitForSelector(`#archive-petitions article.petition[data-code="${code}"]`);
  const pub = await later.textContent(`#archive-petitions article.petition[data-code="${code}"]`);
  check(pub.includes(reply) && pub.includes("2 cử tri cùng kiến nghị") && !pub.includes("Trần Văn Bình") && !pub.includes("0912"),
    `the answer is public in the archive, without the citizen's name or contact (${pub.slice(0, 120)})`);
  await sec.click("#tab-dashboard");
  await sec.waitForSelector("#ward-plan");
  check((await sec.textContent("#ward-plan")).includes("100%"), "the dashboard shows the ward plan's figures");
  await sec.screenshot({ path: `${shots}/records-dashboard.png`, fullPage: true });
  await axeCheck(sec, "records, dashboard");
  check(errors.length === 0, `no page errors (${errors.join(" | ")})`);
});
