// signin_browser.js: a person signing in on the registry's web login page,
// played by headless Chromium through puppeteer-core (t/npm/weblogin.t).
//
//   node signin_browser.js <login URL> <attempts as JSON>
//
// Each attempt, {"user", "password", "email"?}, is typed into the fields
// found by their labels (as a screen reader finds them) and sent with the
// button found by its name; the page after each is reported.  Prints one
// JSON object: the first page's status and title, whether the page's own
// style applied and whether an injected script was refused (its
// Content-Security-Policy at work in a real browser), the console's errors,
// and per attempt the status, heading, alert and the value of the user
// field.  Exits 0 when the browser did all that, whatever the pages said:
// the test judges them.
'use strict';

const puppeteer = require('puppeteer-core');

const chromium = process.env.TSCI_CHROMIUM || '/usr/bin/chromium';

async function text(page, selector) {
  return page.$eval(selector, (e) => e.textContent.trim()).catch(() => null);
}

async function main() {
  const [url, attemptsJson] = process.argv.slice(2);
  const attempts = JSON.parse(attemptsJson || '[]');
  const report = { attempts: [], console: [] };
  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    // Chromium's sandbox needs user namespaces that a test run as
    // "nobody" in a container may not have; the pages are our own.
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run',
           '--disable-dev-shm-usage'],
    userDataDir: process.env.TSCI_BROWSER_PROFILE,
  });
  try {
    const page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') report.console.push(m.text());
    });
    const first = await page.goto(url, { waitUntil: 'load' });
    report.status = first.status();
    report.title = await page.title();
    report.heading = await text(page, 'h1');
    // The inline style is allowed by its hash: it applied.
    report.styled = await page.$eval('main', (e) =>
      getComputedStyle(e).borderStyle === 'solid').catch(() => false);
    // No script may run, not even one in the page itself; on a page
    // without the policy the same one runs, so the check can tell.
    const ran = async (p) => {
      await p.addScriptTag({ content: 'window.ran = 1;' }).catch(() => {});
      return p.evaluate(() => window.ran === 1);
    };
    report.script_refused = !(await ran(page));
    // A field by its label, as assistive technology names it.
    const field = (label) =>
      page.locator(`::-p-aria([name="${label}"][role="textbox"])`);
    for (const a of attempts) {
      await field('User name').fill(a.user);
      await field('Password').fill(a.password);
      if (a.email !== undefined) {
        await field('Email (optional)').fill(a.email);
      }
      const [res] = await Promise.all([
        page.waitForNavigation({ waitUntil: 'load' }),
        page.locator('::-p-aria([role="button"])').click(),
      ]);
      report.attempts.push({
        status: res.status(),
        title: await page.title(),
        heading: await text(page, 'h1'),
        alert: await text(page, '[role="alert"]'),
        paragraph: await text(page, 'main p'),
        user_field: await page.$eval('#user', (e) => e.value)
          .catch(() => null),
        form: (await page.$('form')) !== null,
      });
    }
    // Last: a second tab would hide this one, where actions then wait
    // for frames that never come.
    report.script_runs_elsewhere = await ran(await browser.newPage());
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(report) + '\n');
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack || e) + '\n');
  process.exit(1);
});
