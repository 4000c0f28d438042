// Chromium through Playwright and its DevTools protocol, for the bench
// (bench/run.mjs reads Chromium's performance metrics): not the tests, which
// drive every engine through WebDriver (helpers.mjs). Debian's Chromium,
// never a downloaded one.
import { chromium } from 'playwright-core';
import { QUIET_CHROMIUM_FLAGS, dateText } from './shared.mjs';

const EXECUTABLE = process.env.CHROMIUM ?? '/usr/bin/chromium';

export async function launch() {
  return chromium.launch({
    executablePath: EXECUTABLE,
    args: QUIET_CHROMIUM_FLAGS,
  });
}

export { dateText };
