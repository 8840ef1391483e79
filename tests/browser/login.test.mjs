// Browser tests for signing in and out, with axe-core accessibility checks.
//
// Runs Debian's Chromium (CHROMIUM_PATH, default /usr/bin/chromium) through
// playwright-core against a throw-away Linkwork server with demo data (see
// server.mjs). Run with ./run.sh, or `node --test login.test.mjs` once
// `npm ci` has been run here and the Linkwork binary is built.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { DEMO_PASSWORD, DEMO_USERS, startServer } from './server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

const RESULTS_DIR = path.join(here, 'test-results');
const SESSION_COOKIE = 'lw_session';
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const PHONE = { width: 375, height: 667 };

const axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');

let server;
let browser;

before(async () => {
  await mkdir(RESULTS_DIR, { recursive: true });
  server = await startServer();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// --- helpers ---------------------------------------------------------------

/**
 * A new browser context on the test server.
 *
 * `axe: true` sets Playwright's `bypassCSP`. Linkwork's Content-Security-Policy
 * (`script-src 'self'`) rightly forbids inline scripts, so injecting axe-core
 * with `page.addScriptTag({ content })` would otherwise be blocked. Only the
 * contexts that run axe bypass the policy; the other tests run with it
 * enforced, as a real browser would.
 */
async function newContext({ axe = false, ...options } = {}) {
  const context = await browser.newContext({
    baseURL: server.baseUrl,
    bypassCSP: axe,
    ...options,
  });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(20_000);
  return context;
}

const urlPath = (page) => new URL(page.url()).pathname;

async function sessionCookie(context) {
  const cookies = await context.cookies(server.baseUrl);
  return cookies.find((c) => c.name === SESSION_COOKIE);
}

/** Signs in through the login form, filling the fields by their labels. */
async function signIn(page, email, password = DEMO_PASSWORD) {
  await page.goto('/login');
  await page.getByLabel('Email address', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Signs in and waits for the home page. */
async function signInToHome(page, user) {
  await signIn(page, user.email);
  await page.waitForURL(`${server.baseUrl}/`);
  const firstName = user.name.split(' ')[0];
  await page.getByRole('heading', { level: 1, name: `Hello ${firstName}` }).waitFor();
}

/** Collects console errors (including CSP violations) and uncaught exceptions. */
function collectPageErrors(page) {
  const errors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()} (${page.url()})`);
  });
  page.on('pageerror', (err) => errors.push(`exception: ${err.message} (${page.url()})`));
  return errors;
}

function formatViolations(label, url, violations) {
  const lines = [`${violations.length} axe violation(s) on ${label} (${url}):`];
  for (const v of violations) {
    lines.push('', `- ${v.id} [${v.impact}]: ${v.help}`, `  ${v.helpUrl}`);
    for (const node of v.nodes) {
      lines.push(`    target: ${node.target.map((t) => [].concat(t).join(' >>> ')).join(', ')}`);
      lines.push(`      html: ${node.html.replace(/\s+/g, ' ').slice(0, 200)}`);
      if (node.failureSummary) {
        for (const s of node.failureSummary.split('\n')) lines.push(`      ${s.trim()}`);
      }
    }
  }
  return lines.join('\n');
}

/** Runs axe-core on the page (WCAG 2.2 A and AA) and fails on any violation. */
async function assertNoAxeViolations(page, label) {
  await page.waitForLoadState('load');
  // Needs a context made with `bypassCSP: true`: see newContext().
  await page.addScriptTag({ content: axeSource });
  const results = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }),
    AXE_TAGS,
  );
  assert.ok(results.passes.length > 0, `axe ran no checks on ${label}`);
  if (results.violations.length > 0) {
    assert.fail(formatViolations(label, page.url(), results.violations));
  }
}

async function screenshot(page, name) {
  await page.screenshot({ path: path.join(RESULTS_DIR, name), fullPage: true });
}

// --- tests -------------------------------------------------------------------

describe('login page', () => {
  it('has no axe WCAG 2.2 A/AA violations', async () => {
    const context = await newContext({ axe: true });
    try {
      const page = await context.newPage();
      const response = await page.goto('/login');
      assert.equal(response.status(), 200);
      assert.equal(await page.title(), 'Sign in – Linkwork');
      await page.getByRole('heading', { level: 1, name: 'Sign in to Linkwork' }).waitFor();
      await screenshot(page, 'login.png');
      await assertNoAxeViolations(page, 'the login page');
    } finally {
      await context.close();
    }
  });

  it('shows an error for a wrong password and does not sign in', async () => {
    const context = await newContext();
    try {
      const page = await context.newPage();
      const posted = page.waitForResponse(
        (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/login',
      );
      await signIn(page, DEMO_USERS.linkWorker.email, 'not-the-password');
      assert.equal((await posted).status(), 401, 'POST /login with a wrong password');
      await page.waitForLoadState('load');
      assert.equal(urlPath(page), '/login');

      const summary = page.locator('.nhsuk-error-summary');
      assert.equal(
        await summary.count(),
        1,
        'the error summary ("There is a problem") should be shown after a wrong password',
      );
      await summary.getByRole('heading', { name: 'There is a problem' }).waitFor();
      const message = await summary.locator('.nhsuk-error-summary__list').innerText();
      assert.match(message, /Enter a correct email address and password/);
      assert.match(await page.title(), /^Error: Sign in/);
      assert.equal(await sessionCookie(context), undefined, 'no session cookie expected');
      // The email address typed is kept; the password is not.
      assert.equal(
        await page.getByLabel('Email address', { exact: true }).inputValue(),
        DEMO_USERS.linkWorker.email,
      );
      assert.equal(await page.getByLabel('Password', { exact: true }).inputValue(), '');
    } finally {
      await context.close();
    }
  });

  it('with errors has no axe WCAG 2.2 A/AA violations', async () => {
    const context = await newContext({ axe: true });
    try {
      const page = await context.newPage();
      await page.goto('/login');
      // Submitting the form empty shows both field errors and the summary.
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('.nhsuk-error-summary').waitFor();
      await assertNoAxeViolations(page, 'the login page with errors');
    } finally {
      await context.close();
    }
  });
});

describe('signed in as the demo administrator', () => {
  const admin = DEMO_USERS.admin;
  let context;
  let page;

  before(async () => {
    context = await newContext({ axe: true });
    page = await context.newPage();
  });

  after(async () => {
    await context?.close();
  });

  /** Later tests still work when run alone (e.g. with --test-name-pattern). */
  async function ensureSignedIn() {
    if (!(await sessionCookie(context))) await signInToHome(page, admin);
  }

  it('signs in and lands on the home page', async () => {
    await signIn(page, admin.email);
    await page.waitForURL(`${server.baseUrl}/`);
    await page.getByRole('heading', { level: 1, name: 'Hello Alex' }).waitFor();
    assert.ok(await sessionCookie(context), 'session cookie expected after signing in');

    const account = page.getByRole('navigation', { name: 'Account' });
    const header = await account.innerText();
    assert.ok(header.includes(admin.name), `header should show "${admin.name}": ${header}`);
    assert.ok(
      header.includes(admin.organisation),
      `header should show "${admin.organisation}": ${header}`,
    );
    await screenshot(page, 'home.png');
  });

  it('home page has no axe WCAG 2.2 A/AA violations', async () => {
    await ensureSignedIn();
    await page.goto('/');
    await assertNoAxeViolations(page, 'the home page');
  });

  for (const [href, heading] of [
    ['/admin/users', 'Users'],
    ['/admin/organisations', 'Organisations'],
    ['/admin/audit', 'Audit log'],
    ['/account', 'Your account'],
  ]) {
    it(`${href} has no axe WCAG 2.2 A/AA violations`, async () => {
      await ensureSignedIn();
      const response = await page.goto(href);
      assert.equal(response.status(), 200, `GET ${href}`);
      assert.equal(urlPath(page), href);
      const h1 = (await page.getByRole('heading', { level: 1 }).first().innerText()).trim();
      assert.ok(h1.length > 0, `${href} should have a main heading`);
      if (heading) assert.match(h1, new RegExp(heading, 'i'), `${href} heading`);
      await assertNoAxeViolations(page, href);
    });
  }
});

describe('phone viewport', () => {
  it(`home page has no axe WCAG 2.2 A/AA violations at ${PHONE.width}x${PHONE.height}`, async () => {
    const context = await newContext({
      axe: true,
      viewport: PHONE,
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 2,
    });
    try {
      const page = await context.newPage();
      await signInToHome(page, DEMO_USERS.admin);
      await screenshot(page, 'home-phone.png');
      await assertNoAxeViolations(page, `the home page at ${PHONE.width}x${PHONE.height}`);
    } finally {
      await context.close();
    }
  });
});

describe('signing out', () => {
  it('returns to the login page with "You have logged out"', async () => {
    // Content-Security-Policy enforced here: the site's own scripts must run
    // without console errors or CSP violations.
    const context = await newContext();
    try {
      const page = await context.newPage();
      const errors = collectPageErrors(page);
      await signInToHome(page, DEMO_USERS.admin);
      assert.ok(await sessionCookie(context), 'session cookie expected after signing in');

      await page.getByRole('button', { name: 'Log out' }).click();
      await page.waitForURL((url) => url.pathname === '/login');
      await page.getByText('You have logged out').waitFor();
      assert.equal(await sessionCookie(context), undefined, 'session cookie should be gone');

      // The old session no longer opens signed-in pages.
      await page.goto('/');
      assert.equal(urlPath(page), '/login');

      assert.deepEqual(errors, [], 'no console errors or CSP violations expected');
    } finally {
      await context.close();
    }
  });
});

describe('without JavaScript', () => {
  it('can sign in, reach the home page and sign out', async () => {
    const context = await newContext({ javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      const user = DEMO_USERS.linkWorker;
      await signInToHome(page, user);
      const header = await page.getByRole('navigation', { name: 'Account' }).innerText();
      assert.ok(header.includes(user.name), `header should show "${user.name}": ${header}`);
      assert.ok(await sessionCookie(context), 'session cookie expected after signing in');

      await page.getByRole('button', { name: 'Log out' }).click();
      await page.waitForURL((url) => url.pathname === '/login');
      await page.getByText('You have logged out').waitFor();
    } finally {
      await context.close();
    }
  });
});
