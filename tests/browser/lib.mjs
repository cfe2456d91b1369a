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
