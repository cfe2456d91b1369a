// The landing page in real Chromium: Vietnamese by default with correct
// diacritics, server / database / live connection all shown as working,
// English on request, the choice remembered, no console errors or CSP
// violations. Usage: node landing.test.mjs BASE_URL SCREENSHOT_DIR SCHEMA_VERSION
import { axeCheck, check, runTest } from "./lib.mjs";

const base = process.argv[2];
const shots = process.argv[3];
const schema = process.argv[4];
await runTest(async (browser) => {
  const page = await browser.newPage({ viewport: { width: 1024, height: 768 } });
  const problems = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(String(e)));

  await page.goto(base + "/", { waitUntil: "load" });
  check((await page.getAttribute("html", "lang")) === "vi", "page language is vi");
  await page.waitForSelector('#st-ws[data-state="ok"]', { timeout: 15000 });
  await page.waitForSelector('#st-db[data-state="ok"]', { timeout: 15000 });
  check((await page.textContent("#st-server")) === "Hoạt động bình thường", "server ok, in Vietnamese");
  check(
    (await page.textContent("#st-db")) === `Hoạt động bình thường (phiên bản lược đồ ${schema})`,
    "database ok with schema version",
  );
  check(/^Đã kết nối \(độ trễ [\d.]+ ms\)$/.test(await page.textContent("#st-ws")), "WebSocket pong received");
  check((await page.textContent("h2")) === "Trạng thái hệ thống", "heading in Vietnamese");
  await page.screenshot({ path: `${shots}/landing-vi.png` });
  await axeCheck(page, "landing (vi)");

  await page.click('button[data-lang="en"]');
  await page.waitForFunction(() => document.documentElement.lang === "en");
  check((await page.textContent("h2")) === "System status", "switched to English");
  check((await page.textContent("#st-db")).startsWith("Working normally"), "status text in English");
  check((await page.getAttribute('button[data-lang="en"]', "aria-pressed")) === "true", "English button pressed");
  await page.screenshot({ path: `${shots}/landing-en.png` });
  await axeCheck(page, "landing (en)");

  await page.reload({ waitUntil: "load" });
  await page.waitForFunction(() => document.documentElement.lang === "en");
  check((await page.textContent("h2")) === "System status", "language choice remembered");

  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
  await phone.goto(base + "/?lang=vi", { waitUntil: "load" });
  await phone.waitForSelector('#st-ws[data-state="ok"]', { timeout: 15000 });
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  check(!overflow, "no horizontal scrolling on a phone");
  await phone.screenshot({ path: `${shots}/landing-phone.png` });
  await axeCheck(phone, "landing (phone)");

  check(problems.length === 0, `no console errors (${problems.join(" | ")})`);
});
