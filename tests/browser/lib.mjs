// Launches Debian's chromium through playwright-core (no browser download).
// Background networking is off: this machine's network is closed.
// extraArgs: more switches (the remote participation test's fake camera).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
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

// axe-core's engine, read once and evaluated in each page checked: through
// the DevTools protocol, which the pages' CSP (nonce scripts only) does not
// govern, where a <script> tag would be refused.
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

// The WCAG 2.0 and 2.1 levels A and AA rules only: the bar. axe's
// "best-practice" rules (region, heading order...) are advice, not checked.
const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

// Runs axe-core on page as it is now and fails (through check()) with each
// violation readable: rule, impact, the elements (selector and a snippet of
// their HTML) and axe's summary of what to fix. `what` names the state, e.g.
// "delegate, vote open (phone)". Call it at each meaningful state of a page,
// after that state has rendered.
export async function axeCheck(page, what) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(axeSource);
  const result = await page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(" "), html: n.html.replace(/\s+/g, " ").slice(0, 160), summary: (n.failureSummary || "").replace(/\s+/g, " ").slice(0, 240) })),
    }));
  }, WCAG_TAGS);
  const lines = [];
  for (const v of result) {
    lines.push(`  ${v.id} (${v.impact}): ${v.help}`);
    for (const n of v.nodes.slice(0, 8)) lines.push(`    ${n.target}  ${n.html}\n      ${n.summary}`);
    if (v.nodes.length > 8) lines.push(`    ... and ${v.nodes.length - 8} more`);
  }
  check(result.length === 0, `no WCAG 2.1 A/AA violations: ${what}${lines.length ? "\n" + lines.join("\n") : ""}`);
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
