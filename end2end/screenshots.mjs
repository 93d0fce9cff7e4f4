// Screenshots of pages, light and dark, for reviews and issue notes. Not a test: it
// checks nothing and `cargo xtask test` does not run it.
//
//   node end2end/screenshots.mjs BASE_URL OUT_DIR PATH...
//   e.g. node end2end/screenshots.mjs http://127.0.0.1:3000 /tmp/shots /catalog /clusters
//
// It signs in through the development sign-in as the first platform admin offered, so
// the server must run with PARKWAY_DEV_SIGN_IN=1 (`cargo xtask run` without an OpenID
// issuer does). Each page is saved as OUT_DIR/<path>-<light|dark>.png at 1280x900,
// half a second after it loaded (the whole page with FULL_PAGE=1). Chromium:
// PARKWAY_CHROMIUM or /usr/bin/chromium.
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

const [, , base, out, ...paths] = process.argv;
if (!base || !out || paths.length === 0) {
  console.error('usage: node end2end/screenshots.mjs BASE_URL OUT_DIR PATH...');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const browser = await chromium.launch({
  executablePath: process.env.PARKWAY_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
try {
  for (const scheme of ['light', 'dark']) {
    const context = await browser.newContext({ baseURL: base, colorScheme: scheme, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto('/sign-in');
    await page.getByRole('button', { name: /platform/i }).first().click();
    await page.waitForURL(base + '/');
    for (const p of paths) {
      await page.goto(p);
      await page.waitForTimeout(500);
      const name = p.replace(/[^a-z0-9]+/gi, '_');
      const file = `${out}/${name}-${scheme}.png`;
      await page.screenshot({ path: file, fullPage: process.env.FULL_PAGE === "1" });
      console.log(file);
    }
    await context.close();
  }
} finally {
  await browser.close();
}
