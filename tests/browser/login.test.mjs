// Browser tests for signing in and out, with axe-core accessibility checks.
//
// Runs Debian's Chromium (CHROMIUM_PATH, default /usr/bin/chromium) through
// playwright-core against a throw-away Linkwork server with demo data (see
// server.mjs and helpers.mjs). Run with ./run.sh, or `node --test login.test.mjs`
// once `npm ci` has been run here and the Linkwork binary is built.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  PHONE,
  assertNoAxeViolations,
  base32Decode,
  currentStep,
  rememberAuthenticator,
  totp,
  baseUrl,
  collectPageErrors,
  newContext,
  screenshot,
  sessionCookie,
  signIn,
  signInToHome,
  urlPath,
  useTestServer,
} from './helpers.mjs';
import { DEMO_USERS } from './server.mjs';

useTestServer();

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

  it('must set up an authenticator app first, then lands on the home page', async () => {
    await signIn(page, admin.email);
    await page.waitForURL(`${baseUrl()}/login/second-factor`);
    await page
      .getByRole('heading', { level: 1, name: 'Set up your authenticator app' })
      .waitFor();
    // Nothing else is open until it is done.
    await page.goto('/admin/users');
    assert.equal(urlPath(page), '/login/second-factor');
    await assertNoAxeViolations(page, 'setting up an authenticator app');
    await screenshot(page, 'second-factor-set-up.png');

    const secret = base32Decode(await page.locator('#setup-key').innerText());
    await page.getByLabel('Code from your authenticator app').fill('000000');
    await page.getByRole('button', { name: 'Confirm and set up' }).click();
    await page.locator('.nhsuk-error-summary').waitFor();
    await assertNoAxeViolations(page, 'a wrong set-up code');

    const step = currentStep();
    await page.getByLabel('Code from your authenticator app').fill(totp(secret, step));
    await page.getByRole('button', { name: 'Confirm and set up' }).click();
    rememberAuthenticator(admin.email, secret, step);
    await page.getByRole('heading', { level: 1, name: 'Your authenticator app is set up' }).waitFor();
    assert.equal(await page.locator('#recovery-codes li').count(), 10);
    await assertNoAxeViolations(page, 'the recovery codes');
    await page.getByRole('button', { name: 'I have saved my recovery codes' }).click();
    await page.waitForURL(`${baseUrl()}/`);
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
    ['/admin/security', 'Security events'],
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
      await signInToHome(page, DEMO_USERS.commissioner);
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
