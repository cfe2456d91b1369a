// Launches Debian's chromium through playwright-core (no browser download).
// Background networking is off: this machine's network is closed.
// extraArgs: more switches (the remote participation test's fake camera).
import { chromium } from "playwright-core";

export async function launch(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.PL_CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      ...extraArgs,
    ],
  });
}

// Opens url in a new browser context (its own cookies) as `name`: page
// errors go into problems, the page's warnings and errors to the output
// (the sign-in page's expected 401 aside), confirm() dialogs accepted if
// asked (else Playwright dismisses them); the page is kept in pages[name]
// for the failure screenshots.
export async function openPage(browser, { name, url, viewport = { width: 1280, height: 900 }, wait, problems, pages, acceptDialogs = false }) {
  const ctx = await browser.newContext({ viewport, locale: "vi-VN" });
  const p = await ctx.newPage();
  p.setDefaultTimeout(wait);
  p.on("pageerror", (e) => problems.push(`${name}: ${e}`));
  p.on("console", (m) => {
    if (["warning", "error"].includes(m.type()) && !m.text().includes("401")) console.log(`[${name} console] ${m.text()}`);
  });
  if (acceptDialogs) p.on("dialog", (d) => d.accept());
  await p.goto(url, { waitUntil: "load" });
  pages[name] = p;
  return p;
}

export function check(cond, what) {
  if (!cond) {
    throw new Error(`check failed: ${what}`);
  }
  console.log(`ok - ${what}`);
}

// Runs one browser test script: launches Chromium, runs body(browser),
// prints a failure with its stack, always closes the browser, and exits
// with 0 (every check passed) or 1.
export async function runTest(body) {
  const browser = await launch();
  let failed = false;
  try {
    await body(browser);
  } catch (e) {
    console.error(String(e.stack || e));
    failed = true;
  } finally {
    await browser.close();
  }
  process.exit(failed ? 1 : 0);
}

// The chair's console (signed in, the session not yet open): opens the
// session and its first sitting and takes up the first agenda item.
export async function openFirstItem(chair) {
  await chair.click("#open-session");
  await chair.waitForFunction(() => document.querySelector("#session-state").textContent === "Đang họp");
  await chair.click('button[id^="open-sitting-"]');
  await chair.waitForSelector("#close-sitting");
  await chair.click("#next");
  await chair.waitForSelector(".agenda li[aria-current]");
}
