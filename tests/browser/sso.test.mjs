// Single sign-on against a real OpenID Connect provider: the certified
// `oidc-provider` package (tests/oidc/provider.mjs), with its development
// login form. The demo admin sets North PCN's sign-on up on the
// organisation's page; North's link worker then signs in through the
// provider, mapped by the `email` claim; the ICB's commissioner (another
// organisation) and someone with no account are refused, and audited.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  assertNoAxeViolations,
  baseUrl,
  newContext,
  screenshot,
  sessionCookie,
  signInToHome,
  urlPath,
  useTestServer,
} from './helpers.mjs';
import { DEMO_USERS, startOidcProvider } from './server.mjs';

useTestServer();

let provider;

const NORTH = 'Riverside North Primary Care Network';

/** From Linkwork's sign-in page, through the provider's form, as `login`. */
async function signInThroughProvider(page, email, login) {
  await page.goto('/login');
  await page.getByRole('link', { name: 'sign in with your organisation' }).click();
  await page.getByLabel('Your work email address').fill(email);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('heading', { level: 1, name: "Continue to your organisation's sign-in" }).waitFor();
  await page.getByRole('button', { name: 'Continue to sign in' }).click();
  // The provider's own (development) login form.
  await page.waitForURL((url) => url.origin === provider.issuer);
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.locator('button[type="submit"]').click();
}

describe('single sign-on through an OpenID Connect provider', () => {
  // Inside the suite, so Linkwork (useTestServer) is running first.
  before(async () => {
    provider = await startOidcProvider({ redirectUri: `${baseUrl()}/login/sso/callback` });
  });

  after(async () => {
    await provider?.stop();
  });

  it('an admin sets it up for North PCN; the secret is never shown again', async () => {
    const context = await newContext({ axe: true });
    try {
      const page = await context.newPage();
      await signInToHome(page, DEMO_USERS.admin);
      await page.goto('/admin/organisations');
      await page.getByRole('link', { name: NORTH }).click();
      await page.getByRole('heading', { level: 2, name: 'Single sign-on' }).waitFor();
      await page.getByLabel('Issuer address').fill(provider.issuer);
      await page.getByLabel('Client ID').fill(provider.clientId);
      await page.getByLabel('Client secret').fill(provider.clientSecret);
      await page.getByLabel("Claim holding the person's email address").selectOption('email');
      await page.getByLabel('Staff email domain').fill('riverside.example');
      await page.getByRole('button', { name: 'Save single sign-on' }).click();
      await page.getByText('The sign-in settings have been saved.').waitFor();
      assert.equal(await page.getByLabel('Client secret').inputValue(), '');
      assert.ok(!(await page.content()).includes(provider.clientSecret), 'secret never shown');
      assert.equal(await page.getByLabel('Issuer address').inputValue(), provider.issuer);
      await assertNoAxeViolations(page, 'the organisation page with single sign-on');
    } finally {
      await context.close();
    }
  });

  it("signs North's link worker in, mapped by the email claim, with no second factor", async () => {
    const context = await newContext({ axe: true });
    try {
      const page = await context.newPage();
      await page.goto('/login/sso');
      await assertNoAxeViolations(page, 'the single sign-on page');
      await signInThroughProvider(page, DEMO_USERS.linkWorker.email, 'samuel');
      await page.waitForURL(`${baseUrl()}/`);
      await page.getByRole('heading', { level: 1, name: 'Hello Samuel' }).waitFor();
      assert.ok(await sessionCookie(context), 'signed in');
      await screenshot(page, 'sso-signed-in.png');
    } finally {
      await context.close();
    }
  });

  for (const [who, login] of [
    ['a user of another organisation', 'priya'],
    ['someone with no Linkwork account', 'nobody'],
  ]) {
    it(`refuses ${who} with a clear page`, async () => {
      const context = await newContext({ axe: true });
      try {
        const page = await context.newPage();
        const callback = page.waitForResponse((r) => new URL(r.url()).pathname === '/login/sso/callback');
        await signInThroughProvider(page, 'someone@riverside.example', login);
        assert.equal((await callback).status(), 403);
        await page
          .getByRole('heading', { level: 1, name: 'You cannot sign in to Linkwork this way' })
          .waitFor();
        assert.match(await page.locator('#sso-refused').innerText(), /Ask your Linkwork administrator/);
        assert.equal(await sessionCookie(context), undefined, 'not signed in');
        await assertNoAxeViolations(page, 'a refused single sign-on');
        await page.goto('/');
        assert.equal(urlPath(page), '/login');
      } finally {
        await context.close();
      }
    });
  }

  it('the refusals are in the security events', async () => {
    const context = await newContext();
    try {
      const page = await context.newPage();
      await signInToHome(page, DEMO_USERS.admin);
      await page.goto('/admin/security');
      const text = await page.locator('main').innerText();
      assert.match(text, /commissioner@riverside\.example belongs to another organisation/);
      assert.match(text, /nobody@riverside\.example has no Linkwork account/);
    } finally {
      await context.close();
    }
  });
});
