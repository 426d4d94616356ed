// Step reporting shared by the browser tests (e2e/console/run.mjs, e2e/spa/run.mjs): one line per
// passed check, the step a failure happened in, and what the browser saw on the way there
// (console errors, failed requests, HTTP errors), printed with the page's text and a screenshot
// when a step fails. Plain Node; it imports no npm package, so each test directory keeps its own
// package.json.

import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A check that did not hold; its message is the whole explanation. */
export class CheckFailed extends Error {}

export function check(condition, message) {
  if (!condition) throw new CheckFailed(message);
}

export function equal(actual, expected, what) {
  check(actual === expected, `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

/**
 * A run's report.
 *
 * - `expectedConsoleError(text)`: console errors a page causes on purpose (a refused form answers
 *   422, say); every other console error is a failure the caller checks for.
 * - `recordHttpErrors`: also keep every response of 400 or more, for the failure report.
 */
export function createReport({ actionTimeoutMs, navigationTimeoutMs, expectedConsoleError = () => false, recordHttpErrors = false }) {
  const report = {
    started: Date.now(),
    log: [],
    consoleErrors: [],
    failedRequests: [],
    httpErrors: [],
    currentStep: '(start)',

    note(line) {
      report.log.push(line);
      console.log(line);
    },

    async step(name, fn) {
      report.currentStep = name;
      const t0 = Date.now();
      const result = await fn();
      report.note(`  ok  ${name} (${Date.now() - t0} ms)`);
      return result;
    },

    /** Records what goes wrong on `page` under `label`, and sets its timeouts. */
    watch(page, label) {
      page.on('console', (m) => {
        if (m.type() === 'error' && !expectedConsoleError(m.text())) report.consoleErrors.push(`[${label}] ${m.text()}`);
      });
      page.on('pageerror', (e) => report.consoleErrors.push(`[${label}] uncaught: ${e.message}`));
      page.on('requestfailed', (r) =>
        report.failedRequests.push(`[${label}] ${r.method()} ${r.url()}: ${r.failure()?.errorText}`),
      );
      if (recordHttpErrors) {
        page.on('response', (r) => {
          if (r.status() >= 400) report.httpErrors.push(`[${label}] ${r.request().method()} ${r.url()} -> ${r.status()}`);
        });
      }
      page.setDefaultTimeout(actionTimeoutMs);
      page.setDefaultNavigationTimeout(navigationTimeoutMs);
    },

    /** Exits the process with 1 when the whole run takes longer than `ms`; returns the timer. */
    watchdog(ms) {
      return setTimeout(() => {
        console.error(`FAILED: overall timeout of ${ms / 1000} s during "${report.currentStep}"`);
        process.exit(1);
      }, ms);
    },

    /**
     * Prints why the run failed: the step, the error, each open page's address and text with a
     * screenshot (named `<prefix>-<time>.png` in `E2E_SCREENSHOT_DIR` or the temp dir), and what
     * the browser recorded.
     */
    async failure(error, browser, prefix) {
      console.error(`\nFAILED at "${report.currentStep}": ${error instanceof CheckFailed ? error.message : error?.stack || error}`);
      const pages = browser?.contexts().flatMap((c) => c.pages()) ?? [];
      for (const page of pages) {
        console.error(`page: ${page.url()}`);
        try {
          const body = await page.evaluate(() => document.body?.innerText ?? '');
          console.error(`page text:\n${body.trim().slice(0, 3000).replace(/^/gm, '  | ')}`);
          const path = join(process.env.E2E_SCREENSHOT_DIR || tmpdir(), `${prefix}-${Date.now()}.png`);
          await page.screenshot({ path, fullPage: true, timeout: 5_000 });
          console.error(`screenshot: ${path}`);
        } catch (err) {
          console.error(`(could not read the page: ${err.message})`);
        }
      }
      const dump = (title, lines) => lines.length && console.error(`${title}:\n${lines.map((l) => `  ${l}`).join('\n')}`);
      dump('console errors', report.consoleErrors);
      dump('failed requests', report.failedRequests);
      dump('HTTP errors', report.httpErrors);
    },
  };
  return report;
}
