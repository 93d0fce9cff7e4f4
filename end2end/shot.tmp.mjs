import { chromium } from 'playwright-core';
const [,, base, out, ...paths] = process.argv;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
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
    await page.screenshot({ path: `${out}/${name}-${scheme}.png`, fullPage: false });
  }
  await context.close();
}
await browser.close();
