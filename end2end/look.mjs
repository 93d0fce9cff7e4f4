import { chromium } from 'playwright-core';
const [,, user, ...paths] = process.argv;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
for (const scheme of ['light', 'dark']) {
  const ctx = await browser.newContext({ baseURL: 'http://127.0.0.1:3000', viewport: { width: 1280, height: 900 }, colorScheme: scheme });
  const page = await ctx.newPage();
  page.on('console', (m) => { if (m.type() === 'error') console.log('console error', m.text()); });
  await page.goto('/sign-in');
  await page.locator(`button[value="${user}"], form:has(input[value="${user}"]) button`).first().click();
  await page.waitForLoadState('networkidle');
  for (const p of paths) {
    const r = await page.goto(p);
    await page.waitForTimeout(1500);
    const name = p.replace(/[^a-z0-9]+/gi, '_');
    await page.screenshot({ path: `/tmp/shots/${user}${name}-${scheme}.png`, fullPage: true });
    console.log(scheme, p, r.status());
  }
  await ctx.close();
  if (process.env.LIGHT_ONLY) break;
}
await browser.close();
