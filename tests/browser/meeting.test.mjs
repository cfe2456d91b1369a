// The online voter-contact meeting in real Chromium (its fake camera and
// microphone), against plenumd and PostgreSQL: the chair, signed in, opens
// the demo meeting on /meeting/; a citizen with no account signs in on the
// same page with a name and a phone, raises a hand, connects camera and
// microphone, is invited to speak (on air on their page and on the
// moderator's list), sends a written petition (its code shown to them and
// to the moderator), finishes speaking; an observer never sees the phone;
// the moderator ends the meeting. Screenshots (Vietnamese), one in English.
//
// Usage: node meeting.test.mjs BASE_URL SCREENSHOT_DIR MEETING_ID
// Prints "PETITION <code>" for the caller to check the record.
import { axeCheck, check, launch, openPage } from "./lib.mjs";

const [base, shots, mid] = process.argv.slice(2);
const WAIT = 60000;
const PHONE = "0912 345 678";

const browser = await launch(["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]);
let failed = false;
const problems = [];
const pages = {};

const page = (name, path, viewport) => openPage(browser, { name, url: `${base}${path}`, viewport, wait: WAIT, problems, pages, acceptDialogs: true });

const text = async (p, sel) => (await p.textContent(sel)).trim();
const t0 = Date.now();

try {
  // The chair signs in (on the chair's page) and moderates the meeting.
  const mod = await page("moderator", "/chair/");
  await mod.fill("#login", "chutich");
  await mod.fill("#password", "plenum-demo");
  await mod.click("form.signin button[type=submit]");
  await mod.waitForSelector('#status[data-state="live"]');
  await mod.goto(`${base}/meeting/?id=${mid}`);
  await mod.waitForSelector("#moderator");
  check((await text(mod, "#mod-h")) === "Điều hành buổi tiếp xúc", "the council's chair gets the moderator's panel");
  await mod.click("#meeting-open");
  await mod.waitForSelector('#meeting-state[data-state="open"]');
  check(true, "the moderator opens the meeting");
  await axeCheck(mod, "meeting, moderator, open");

  // The list of meetings.
  const list = await page("list", "/meeting/");
  await list.waitForSelector("#meeting-list a");
  check((await text(list, "#meeting-list")).includes("Đang diễn ra"), "the meeting list shows it in progress");
  // No connection on the list: no "Trực tiếp" badge (issue 22).
  check(await list.$eval("#status", (e) => e.hidden || !e.textContent.includes("Trực tiếp")), "the list page claims no live connection");
  await axeCheck(list, "meeting list");
  // Staff not signed in find the way in there, and then the create form
  // (issue 22: the list only, never the form).
  check((await text(list, "#staff-signin summary")) === "Cán bộ đăng nhập", "the list offers the staff sign-in");
  await list.click("#staff-signin summary");
  await axeCheck(list, "meeting list, staff sign-in open");
  await list.fill("#staff-signin #login", "thuky");
  await list.fill("#staff-signin #password", "plenum-demo");
  await list.click("#staff-signin button[type=submit]");
  await list.waitForSelector("#meeting-create");
  check(!(await list.$("#staff-signin")), "signed in on the list, the staff get the create form");
  await axeCheck(list, "meeting list, staff signed in");

  // A citizen, no account: name and phone.
  const cit = await page("citizen", `/meeting/?id=${mid}`, { width: 412, height: 915 });
  await cit.waitForSelector("#guest-form");
  await cit.screenshot({ path: `${shots}/meeting-citizen-signin.png`, fullPage: true });
  await axeCheck(cit, "meeting, citizen sign-in (phone)");
  // The connection badge says connected, not "live": the meeting's own
  // state is in its line (issue 22).
  await cit.waitForFunction(() => document.querySelector("#status").dataset.state === "live");
  check((await text(cit, "#status")) === "Đã kết nối", "the badge says connected, not live");
  // No name: said beside the field, which gets the focus.
  await cit.click("#guest-form button[type=submit]");
  await cit.waitForFunction(() => document.querySelector("#guest-name-err").textContent !== "");
  check((await text(cit, "#guest-name-err")) === "Vui lòng nhập họ và tên." && (await cit.getAttribute("#guest-name", "aria-invalid")) === "true" &&
    (await cit.evaluate(() => document.activeElement.id)) === "guest-name", "a missing name is said beside its field");
  await cit.fill("#guest-name", "Nguyễn Thị Hoa");
  // A phone that is not one is said beside the field, before sending
  // (issue 22: "123456" was taken, "abc" refused with no field named).
  for (const bad of ["123456", "abc"]) {
    await cit.fill("#guest-phone", bad);
    await cit.click("#guest-form button[type=submit]");
    await cit.waitForFunction(() => document.querySelector("#guest-phone-err").textContent !== "");
    const seen = [await text(cit, "#guest-phone-err"), await cit.getAttribute("#guest-phone", "aria-invalid"),
      await cit.getAttribute("#guest-phone", "aria-describedby"), await cit.evaluate(() => document.activeElement.id)];
    check(seen[0].startsWith("Số điện thoại không hợp lệ") && seen[1] === "true" && seen[2].includes("guest-phone-err") && seen[3] === "guest-phone",
      `the phone "${bad}" is refused beside its field (${seen.join(" | ")})`);
  }
  check(!!(await cit.$("#guest-form")), "not signed in with a bad phone");
  await axeCheck(cit, "meeting, citizen sign-in, bad phone (phone)");
  await cit.fill("#guest-phone", PHONE);
  check((await text(cit, "#guest-phone-err")) === "" && (await cit.getAttribute("#guest-phone", "aria-invalid")) === "false", "a good phone clears the message");
  await cit.click("#guest-form button[type=submit]");
  await cit.waitForSelector('#my-state[data-state="present"]');
  check((await text(cit, "#me-h")) === "Bạn: Nguyễn Thị Hoa", "the citizen is in the meeting under their name");
  // The camera waits for a raised hand (watching needs none: the card
  // offers only that before).
  check(!(await cit.$("#remote-join")) && !!(await cit.$("#remote-watch")), "no camera button before raising a hand, only watching");
  await cit.click("#raise-hand");
  await cit.waitForSelector('#my-state[data-state="hand"]');
  check((await text(cit, "#my-state")).includes("thứ 1"), "the citizen's hand is raised, first in line");
  await cit.click("#remote-join");
  await cit.waitForSelector('#remote-state[data-state="connected"]');
  check(true, "the citizen's camera and microphone are connected (WebRTC to plenumd)");
  await axeCheck(cit, "meeting, citizen hand raised, camera connected (phone)");

  // The moderator sees the hand and the phone; an observer sees neither phone nor form.
  await mod.waitForSelector("#hands li");
  check((await text(mod, "#guests")).includes(PHONE), "the moderator sees the citizen's phone");
  const obs = await page("observer", `/meeting/?id=${mid}`);
  await obs.waitForSelector("#hands li");
  check((await text(obs, "#hands")).includes("Nguyễn Thị Hoa"), "an observer sees the raised hand");
  check(!(await obs.textContent("body")).includes(PHONE), "an observer never sees the phone");
  await axeCheck(obs, "meeting, observer");
  await mod.waitForSelector('#media-list li[data-person]');
  check(true, "the moderator sees the citizen's media connection");

  // Invited to speak: on air on their page.
  await mod.click("#admit-next");
  await cit.waitForSelector('#my-state[data-state="admitted"]');
  await cit.waitForSelector('#remote-state[data-on-air="true"]');
  check((await text(cit, "#my-state")).includes("Bạn đang được mời phát biểu"), "the citizen is on air, and told so");
  await obs.waitForFunction(() => document.querySelector("#meeting-speaker").textContent.includes("Nguyễn Thị Hoa"));
  check(true, "everyone sees who is speaking");
  await mod.waitForFunction(() => /đang phát/.test(document.querySelector("#media-list").textContent));
  check(true, "the moderator's media list shows the citizen on air");
  await cit.screenshot({ path: `${shots}/meeting-citizen-on-air.png`, fullPage: true });
  await mod.screenshot({ path: `${shots}/meeting-moderator.png`, fullPage: true });
  await axeCheck(cit, "meeting, citizen on air (phone)");
  await axeCheck(mod, "meeting, moderator, citizen on air");

  // A petition over the limit: nothing cut, a counter over the limit and
  // the limit said beside the field; not sent (issue 22: maxlength cut it).
  const long = "Đ".repeat(5001);
  await cit.fill("#petition-content", long);
  check((await cit.$eval("#petition-content", (e) => [...e.value].length)) === 5001, "a petition over the limit is not cut");
  check((await text(cit, "#petition-content-count")) === "5001/5000" &&
    (await cit.getAttribute("#petition-content-count", "data-over")) === "yes", "the counter shows it over the limit");
  check((await text(cit, "#petition-content-err")).includes("5000") && (await cit.getAttribute("#petition-content", "aria-invalid")) === "true", "the limit is said beside the field");
  await cit.click("#petition-form button[type=submit]");
  check((await text(cit, "#petition-done")) === "", "over the limit, nothing is sent");
  await axeCheck(cit, "meeting, petition too long (phone)");
  // A written petition.
  await cit.fill("#petition-content", "Đề nghị sửa chữa đèn chiếu sáng trên đường Lê Lợi, khu phố 3.");
  await cit.selectOption("#petition-area", "transport");
  await cit.fill("#petition-locality", "Khu phố 3");
  await cit.click("#petition-form button[type=submit]");
  await cit.waitForFunction(() => document.querySelector("#petition-done").textContent.includes("KN-"));
  const code = (await text(cit, "#petition-done")).match(/KN-\d+/)[0];
  check(true, `the citizen gets the petition's number (${code})`);
  // And a lookup code for /public/petition/, as on the public form.
  await cit.waitForSelector("#petition-lookup-code");
  const lookup = await text(cit, "#petition-lookup-code");
  check(new RegExp(`^${code}-[0-9A-Z]{8}$`).test(lookup) && (await text(cit, "#petition-done")).includes("hãy ghi lại") &&
    (await cit.getAttribute("#petition-lookup-link", "href")) === "/public/petition/", `the citizen gets a lookup code (${lookup}) and the way to use it`);
  check((await text(cit, "#petition-content-err")) === "" && (await cit.getAttribute("#petition-content", "aria-invalid")) === "false", "the old message is gone after sending");
  await mod.waitForFunction((c) => document.querySelector("#petitions").textContent.includes(c), code);
  check(true, "the moderator sees the petition arrive");
  await axeCheck(cit, "meeting, petition sent (phone)");
  await axeCheck(mod, "meeting, moderator with a petition");
  console.log(`PETITION ${code}`);
  console.log(`LOOKUP ${lookup}`);

  // The citizen finishes; the moderator ends the meeting.
  await cit.click("#end-turn");
  await cit.waitForSelector('#my-state[data-state="present"]');
  await cit.waitForSelector('#remote-state[data-on-air="false"]');
  check(true, "finishing the turn takes the citizen off air");
  await mod.click("#meeting-close");
  await cit.waitForSelector('#meeting-state[data-state="closed"]');
  check((await text(cit, "#my-state")).includes("đã kết thúc"), "the citizen's page says the meeting ended");
  await cit.click('nav button[data-lang="en"]');
  await cit.waitForFunction(() => document.querySelector("#floor-h").textContent === "Speaking now");
  check((await text(cit, "#meeting-state")).startsWith("Ended"), "the page in English");
  await cit.screenshot({ path: `${shots}/meeting-citizen-en.png`, fullPage: true });
  await axeCheck(cit, "meeting, ended (en, phone)");
  check(problems.length === 0, `no page errors (${problems.join(" | ")})`);
  console.log(`voter meeting test: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
} catch (e) {
  console.error(String(e.stack || e));
  failed = true;
  for (const [name, p] of Object.entries(pages)) {
    await p.screenshot({ path: `${shots}/failure-meeting-${name}.png`, fullPage: true }).catch(() => {});
    console.error(`${name}: ${(await p.textContent("body").catch(() => "")).slice(0, 600)}`);
  }
}
await browser.close();
process.exit(failed ? 1 : 0);
