// Every page under web/ checked with axe-core's WCAG 2.1 A/AA rules (issue
// 22), so that no page is missed: at a desktop and a phone size, in
// Vietnamese and English, each page signed in as the role it is for and in
// its fullest state (test_browser_a11y.py sets the sitting up: an item
// active, a delegate asking to speak, a published result, a vote open).
// Every violation on every page is listed before the test fails.
// Usage: node a11y.test.mjs BASE_URL SCREENSHOT_DIR SESSION_ID MEETING_ID
import { axeCheck, check, runTest } from "./lib.mjs";

const [base, shots, sid, mid] = process.argv.slice(2);
const SIZES = [
  { tag: "desktop", viewport: { width: 1366, height: 768 } },
  { tag: "phone", viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
];
const WAIT = 30000;

await runTest(async (browser) => {
  const failures = [];
  const problems = [];
  let checked = 0;
  const t0 = Date.now();
  // The two languages side by side (each its own contexts): most of the
  // time is spent waiting on the server, not on the two cores.
  await Promise.all(["vi", "en"].map(async (lang) => {
    for (const size of SIZES) {
      const label = (what) => `${what} (${lang}, ${size.tag})`;
      const context = async () => {
        const ctx = await browser.newContext({ viewport: size.viewport, isMobile: !!size.isMobile,
          hasTouch: !!size.hasTouch, locale: lang === "vi" ? "vi-VN" : "en-US" });
        const p = await ctx.newPage();
        p.setDefaultTimeout(WAIT);
        p.on("pageerror", (e) => problems.push(`${label(p.url())}: ${e}`));
        return p;
      };
      const go = (p, path) => p.goto(`${base}${path}${path.includes("?") ? "&" : "?"}lang=${lang}`, { waitUntil: "load" });
      // Each failure is kept and the next page checked: one run lists all.
      const axe = async (p, what) => {
        checked++;
        const l = label(what);
        const htmlLang = await p.evaluate(() => document.documentElement.lang);
        if (htmlLang !== lang) failures.push(`${l}: <html lang="${htmlLang}">, the page shows ${lang}`);
        try {
          await axeCheck(p, l);
        } catch (e) {
          failures.push(e.message);
          await p.screenshot({ path: `${shots}/a11y-${what.replace(/[^a-z0-9]+/gi, "-")}-${lang}-${size.tag}.png`, fullPage: true }).catch(() => {});
        }
      };
      const signIn = async (p, login, password = "plenum-demo") => {
        await p.fill("#login", login);
        await p.fill("#password", password);
        await p.click("form.signin button[type=submit]");
      };

      // --- no account: landing, sign-in, public, display, archive, meeting ---
      const anon = await context();
      await go(anon, "/");
      await anon.waitForSelector('#st-ws[data-state="ok"]');
      await axe(anon, "landing");
      await go(anon, "/delegate/");
      await anon.waitForSelector("form.signin");
      await axe(anon, "sign-in form");
      await signIn(anon, "daibieu03", "sai-mat-khau");
      await anon.waitForSelector("#message:not([hidden])");
      await axe(anon, "sign-in refused");
      await go(anon, `/public/?session=${sid}`);
      await anon.waitForSelector('#status[data-state="live"]');
      await anon.waitForSelector("#public-results article");
      await axe(anon, "public page, live with a result");
      await go(anon, "/display/");
      await anon.waitForSelector("#display-count, #display-result");
      await axe(anon, "hall display, vote");
      await go(anon, "/archive/?council=nhi-chieu");
      await anon.waitForSelector("#petition-form");
      await axe(anon, "public archive and petition form");
      // An empty form is not sent: each field says what is missing.
      await anon.click("#petition-form button[type=submit]");
      await anon.waitForSelector('#petition-form [aria-invalid="true"]');
      await axe(anon, "petition form with its refusals");
      // The petition status page, asked for a code that is not there.
      await go(anon, "/public/petition/");
      await anon.waitForSelector("#lookup-form");
      await axe(anon, "petition status page");
      await anon.fill("#lookup-code-input", "KN-999999-AAAAAAAA");
      await anon.click("#lookup-go");
      await anon.waitForFunction(() => document.getElementById("lookup-err").textContent.trim() !== "");
      await axe(anon, "petition status page, a code not found");
      await go(anon, "/meeting/");
      await anon.waitForSelector("#meeting-list a");
      await axe(anon, "voter meetings list");
      await go(anon, `/meeting/?id=${mid}`);
      await anon.waitForSelector("#guest-form");
      await axe(anon, "voter meeting, guest sign-in");
      await anon.context().close();

      // --- the chair: console with a vote open, the meeting's moderator ---
      const chair = await context();
      await go(chair, `/chair/?session=${sid}`);
      await signIn(chair, "chutich");
      await chair.waitForSelector('#status[data-state="live"]');
      await chair.waitForSelector('button[id^="vote-close-"]');
      await axe(chair, "chair console, vote open");
      await go(chair, `/meeting/?id=${mid}`);
      await chair.waitForSelector("#moderator");
      await axe(chair, "voter meeting, moderator");
      await chair.context().close();

      // --- a delegate: the vote card ---
      const del = await context();
      await go(del, `/delegate/?session=${sid}`);
      await signIn(del, "daibieu03");
      await del.waitForSelector('#status[data-state="live"]');
      await del.waitForSelector(".vote-card");
      await axe(del, "delegate, vote open");
      await del.context().close();

      // --- the secretary: attendance, admin, records (every tab) ---
      const sec = await context();
      await go(sec, `/secretary/?session=${sid}`);
      await signIn(sec, "thuky");
      await sec.waitForSelector('#status[data-state="live"]');
      await sec.waitForSelector("tbody tr");
      await axe(sec, "secretary");
      await go(sec, "/admin/");
      await sec.waitForSelector("table.people");
      await axe(sec, "admin, people and sessions");
      await go(sec, `/records/?session=${sid}`);
      for (const tab of ["documents", "minutes", "petitions", "dashboard"]) {
        await sec.click(`#tab-${tab}`);
        await sec.waitForSelector(`#tab-${tab}[aria-selected="true"]`);
        await sec.waitForFunction(() => document.querySelector("#tab-body").childElementCount > 0);
        await sec.waitForLoadState("networkidle");
        await axe(sec, `records, ${tab}`);
      }
      await sec.context().close();
    }
  }));
  // The check itself is not vacuous: grey text and an unnamed field put in
  // the landing page are caught and named.
  const probe = await browser.newPage();
  await probe.goto(`${base}/`, { waitUntil: "load" });
  await probe.evaluate(() => {
    const p = document.createElement("p");
    p.textContent = "Chữ xám nhạt";
    p.style.cssText = "color: #aaa; background: #fff";
    document.querySelector("main").append(p, document.createElement("input"));
  });
  const caught = await axeCheck(probe, "a probe with two planted faults").then(() => "", (e) => e.message);
  check(caught.includes("color-contrast") && caught.includes("label") && caught.includes("Chữ xám nhạt"),
    "axeCheck catches a planted contrast fault and an unlabelled field, with the element shown");
  await probe.close();
  console.log(`a11y: ${checked} page states checked in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  check(problems.length === 0, `no page errors (${problems.join(" | ")})`);
  check(failures.length === 0, `every page state passes WCAG 2.1 A/AA${failures.length ? ":\n" + failures.join("\n") : ""}`);
});
