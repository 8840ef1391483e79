// Browser tests for the community directory: searching, service pages,
// changing and adding listings, who may see and change them, with axe-core
// accessibility checks.
//
// Runs Debian's Chromium (CHROMIUM_PATH, default /usr/bin/chromium) through
// playwright-core against a throw-away Linkwork server with demo data (see
// server.mjs). Run with ./run.sh, or `node --test directory.test.mjs` once
// `npm ci` has been run here and the Linkwork binary is built.
//
// Service ids come from the open API (/api/oruk/services), never hard-coded:
// the demo data generates them.

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
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const PHONE = { width: 375, height: 667 };

/** The partner's organisation; its directory organisation has the same name. */
const PARTNER_ORG = DEMO_USERS.partner.organisation;
const FORBIDDEN = /You do not have permission/;

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

/** Runs `fn(page)` in a fresh context, closing it afterwards. */
async function withPage(options, fn) {
  const context = await newContext(options);
  try {
    return await fn(await context.newPage(), context);
  } finally {
    await context.close();
  }
}

const urlPath = (page) => new URL(page.url()).pathname;

/** Signs in through the login form and waits for the home page. */
async function signInToHome(page, user) {
  await page.goto('/login');
  await page.getByLabel('Email address', { exact: true }).fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
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

let servicesCache;

/** Every directory service, from the open API (paged through to the end). */
async function allServices() {
  if (servicesCache) return servicesCache;
  const services = [];
  for (let pageNumber = 1; ; pageNumber++) {
    const res = await fetch(
      `${server.baseUrl}/api/oruk/services?per_page=100&page=${pageNumber}`,
    );
    assert.equal(res.status, 200, `GET /api/oruk/services page ${pageNumber}`);
    const body = await res.json();
    services.push(...body.contents);
    if (body.last_page || body.contents.length === 0) break;
  }
  assert.ok(services.length > 0, 'the demo directory should have services');
  servicesCache = services;
  return services;
}

/** The first service the API lists that `test` accepts. */
async function findService(description, test) {
  const service = (await allServices()).find(test);
  assert.ok(service, `the demo directory should have ${description}`);
  return service;
}

const orgName = (service) => service.organization?.name;

/** Fills the search form by its labels and submits it. */
async function searchDirectory(page, { q, postcode, distance }) {
  if (urlPath(page) !== '/directory') await page.goto('/directory');
  await page.getByRole('heading', { level: 1, name: 'Find support' }).waitFor();
  if (q !== undefined) {
    await page.getByLabel('What are you looking for?', { exact: true }).fill(q);
  }
  if (postcode !== undefined) {
    await page.getByLabel('Near postcode', { exact: true }).fill(postcode);
  }
  if (distance !== undefined) {
    await page.getByLabel('Distance', { exact: true }).selectOption({ label: distance });
  }
  await Promise.all([
    page.waitForURL((url) => url.pathname === '/directory' && url.search.length > 1),
    page.getByRole('button', { name: 'Search', exact: true }).click(),
  ]);
  await page.waitForLoadState('load');
}

/** The "N services found" heading, once results are shown. */
function resultsHeading(page) {
  return page.getByRole('heading', { level: 2, name: /^\d+ services? found$/ });
}

/** The result cards: list items of the list labelled by the results heading. */
function resultItems(page) {
  return page.getByRole('list', { name: /services? found/ }).getByRole('listitem').filter({
    has: page.locator('.nhsuk-card'),
  });
}

/** Result names, in the order shown. */
async function resultNames(page) {
  return (await resultItems(page).locator('.nhsuk-card__heading').allInnerTexts()).map((s) =>
    s.trim(),
  );
}

/** Runs the "gardning near RV1 3BQ within 5 miles" search and checks its results. */
async function searchForGardening(page) {
  await searchDirectory(page, { q: 'gardning', postcode: 'RV1 3BQ', distance: 'Within 5 miles' });
  await resultsHeading(page).waitFor();
  const heading = (await resultsHeading(page).innerText()).trim();
  const total = Number(heading.split(' ')[0]);
  assert.ok(total > 0, `results heading: ${heading}`);
  const names = await resultNames(page);
  assert.ok(names.length > 0, 'result cards expected');
  assert.ok(names.length <= total, `${names.length} cards but "${heading}"`);
  const garden = resultItems(page).filter({
    has: page.locator('.nhsuk-card__heading', { hasText: 'Garden' }),
  });
  assert.ok(
    (await garden.count()) > 0,
    `a result named "…Garden…" expected for "gardning"; got: ${names.join('; ')}`,
  );
  return { total, names, garden: garden.first() };
}

// --- tests -------------------------------------------------------------------

describe('directory search as a link worker', () => {
  it('finds gardening services near a postcode despite a misspelling, and explains why', async () => {
    await withPage({ axe: true }, async (page) => {
      const errors = collectPageErrors(page);
      await signInToHome(page, DEMO_USERS.linkWorker);
      const response = await page.goto('/directory');
      assert.equal(response.status(), 200, 'GET /directory');
      assert.equal(await page.title(), 'Find support – Linkwork');

      const { garden } = await searchForGardening(page);
      const params = new URL(page.url()).searchParams;
      assert.equal(params.get('q'), 'gardning');
      assert.equal(params.get('postcode'), 'RV1 3BQ');
      assert.equal(params.get('distance'), '5');
      // The search form keeps what was searched for.
      assert.equal(
        await page.getByLabel('What are you looking for?', { exact: true }).inputValue(),
        'gardning',
      );

      const gardenName = (await garden.locator('.nhsuk-card__heading').innerText()).trim();
      const meta = await garden.locator('.nhsuk-card__content > p').first().innerText();
      const miles = meta.match(/(\d+(?:\.\d+)?) miles?/);
      assert.ok(miles, `"${gardenName}" should show a distance in miles: ${meta}`);
      assert.ok(Number(miles[1]) <= 5, `"${gardenName}" is ${miles[0]} away, asked for 5`);

      // "Why this matched" starts closed and opens on click.
      const details = garden.locator('details');
      const why = details.locator('summary');
      assert.match(await why.innerText(), /Why this matched/);
      const reasons = details.locator('.nhsuk-details__text');
      assert.equal(await reasons.isVisible(), false, 'reasons hidden until expanded');
      await why.click();
      await reasons.waitFor({ state: 'visible' });
      const text = await reasons.innerText();
      assert.match(text, /gardning/, `the reasons should mention the misspelt word: ${text}`);

      await screenshot(page, 'directory-results.png');
      await assertNoAxeViolations(page, 'the directory results page');
      assert.deepEqual(errors, [], 'no console errors or exceptions expected');
    });
  });

  it(`results page has no axe WCAG 2.2 A/AA violations at ${PHONE.width}x${PHONE.height}`, async () => {
    await withPage(
      { axe: true, viewport: PHONE, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
      async (page) => {
        await signInToHome(page, DEMO_USERS.linkWorker);
        await searchForGardening(page);
        await screenshot(page, 'directory-results-phone.png');
        await assertNoAxeViolations(
          page,
          `the directory results page at ${PHONE.width}x${PHONE.height}`,
        );
      },
    );
  });

  it('shows an error summary for a postcode it does not know, keeping what was typed', async () => {
    await withPage({ axe: true }, async (page) => {
      await signInToHome(page, DEMO_USERS.linkWorker);
      await searchDirectory(page, { q: 'gardening', postcode: 'nonsense' });

      const summary = page.locator('.nhsuk-error-summary');
      assert.equal(await summary.count(), 1, 'the error summary should be shown');
      await summary.getByRole('heading', { name: 'There is a problem' }).waitFor();
      assert.match(await page.title(), /^Error: Find support/);

      const postcode = page.getByLabel('Near postcode', { exact: true });
      assert.equal(await postcode.inputValue(), 'nonsense', 'the typed postcode is kept');
      assert.equal(
        await page.getByLabel('What are you looking for?', { exact: true }).inputValue(),
        'gardening',
      );
      assert.equal(await resultsHeading(page).count(), 0, 'no results with an invalid postcode');

      // The summary links to the postcode field, which shows the error too.
      const links = summary.getByRole('link');
      assert.equal(await links.count(), 1, 'one error expected');
      const postcodeId = await postcode.getAttribute('id');
      assert.equal(await links.first().getAttribute('href'), `#${postcodeId}`);
      const fieldError = page.locator(`#${postcodeId}-error`);
      assert.equal(await fieldError.count(), 1, 'the postcode field should show its error');
      assert.equal(
        (await fieldError.innerText()).replace(/^Error:\s*/, '').trim(),
        (await links.first().innerText()).trim(),
        'the field error and the summary say the same',
      );
      assert.match(
        await postcode.getAttribute('aria-describedby'),
        new RegExp(`\\b${postcodeId}-error\\b`),
        'the postcode field should be described by its error',
      );
      await links.first().click();
      assert.equal(
        await page.evaluate(() => document.activeElement?.id),
        postcodeId,
        'following the summary link moves focus to the postcode field',
      );

      await screenshot(page, 'directory-search-error.png');
      await assertNoAxeViolations(page, 'the directory search with an invalid postcode');
    });
  });

  it('opens a result to the service page', async () => {
    await withPage({ axe: true }, async (page) => {
      const errors = collectPageErrors(page);
      await signInToHome(page, DEMO_USERS.linkWorker);
      const { garden } = await searchForGardening(page);
      const link = garden.locator('.nhsuk-card__heading').getByRole('link');
      const name = (await link.innerText()).trim();
      await Promise.all([
        page.waitForURL((url) => /^\/directory\/services\/[^/]+$/.test(url.pathname)),
        link.click(),
      ]);
      await page.waitForLoadState('load');

      const h1 = page.getByRole('heading', { level: 1 });
      assert.equal((await h1.innerText()).trim(), name, 'the page heading is the service name');
      assert.equal(await page.title(), `${name} – Linkwork`);
      const id = urlPath(page).split('/').pop();
      const fromApi = (await allServices()).find((s) => s.id === id);
      assert.ok(fromApi, `service ${id} should be in the open API`);
      assert.equal(fromApi.name, name);

      const keys = (await page.locator('dl.nhsuk-summary-list dt').allInnerTexts()).map((s) =>
        s.trim(),
      );
      for (const key of ['Who it is for', 'When']) {
        assert.ok(keys.includes(key), `"${key}" expected among ${keys.join(', ')}`);
      }
      await page.getByRole('heading', { level: 2, name: 'Where', exact: true }).waitFor();
      // A link worker may not change listings.
      assert.equal(
        await page.getByRole('button', { name: 'Change this listing' }).count(),
        0,
        'a link worker should not be offered "Change this listing"',
      );
      await page.getByRole('link', { name: 'Back to search' }).waitFor();

      await screenshot(page, 'directory-service.png');
      await assertNoAxeViolations(page, `the service page for ${name}`);
      assert.deepEqual(errors, [], 'no console errors or exceptions expected');
    });
  });
});

describe('changing a listing as the directory manager', () => {
  it('validates, saves and finds the renamed service', async () => {
    const service = await findService(
      `an active service not run by ${PARTNER_ORG}`,
      (s) => s.status === 'active' && orgName(s) !== PARTNER_ORG && !/Garden/.test(s.name),
    );
    const newName = 'Kingfisher Lane Wellbeing Walk';
    assert.ok(
      !(await allServices()).some((s) => s.name === newName),
      `"${newName}" should not already be in the demo directory`,
    );

    await withPage({ axe: true }, async (page) => {
      await signInToHome(page, DEMO_USERS.directoryManager);
      const response = await page.goto(`/directory/services/${service.id}`);
      assert.equal(response.status(), 200, `GET /directory/services/${service.id}`);
      await page.getByRole('heading', { level: 1, name: service.name, exact: true }).waitFor();

      await Promise.all([
        page.waitForURL((url) => url.pathname === `/directory/services/${service.id}/edit`),
        page.getByRole('button', { name: 'Change this listing' }).click(),
      ]);
      await page
        .getByRole('heading', { level: 1, name: `Change ${service.name}`, exact: true })
        .waitFor();
      const nameField = page.getByLabel('Name of the service', { exact: true });
      assert.equal(await nameField.inputValue(), service.name);
      await screenshot(page, 'directory-edit.png');
      await assertNoAxeViolations(page, 'the change listing page');

      // Saving without a name is refused with an error summary.
      await nameField.fill('');
      const refused = page.waitForResponse(
        (r) => r.request().method() === 'POST' && new URL(r.url()).pathname.endsWith('/edit'),
      );
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      assert.equal((await refused).status(), 422, 'POST with no name');
      await page.waitForLoadState('load');
      const summary = page.locator('.nhsuk-error-summary');
      assert.equal(await summary.count(), 1, 'the error summary should be shown');
      await summary.getByRole('heading', { name: 'There is a problem' }).waitFor();
      const link = summary.getByRole('link', { name: 'Enter the name of the service' });
      assert.equal(await link.count(), 1, `summary: ${await summary.innerText()}`);
      assert.equal(await link.getAttribute('href'), '#name');
      assert.match(await page.title(), /^Error: /);
      assert.equal(
        await page.locator('#name-error').count(),
        1,
        'the name field should show its error',
      );
      await screenshot(page, 'directory-edit-errors.png');
      await assertNoAxeViolations(page, 'the change listing page with errors');

      // Then with a new name it is saved.
      await page.getByLabel('Name of the service', { exact: true }).fill(newName);
      await Promise.all([
        page.waitForURL(
          (url) =>
            url.pathname === `/directory/services/${service.id}` &&
            url.searchParams.get('done') === 'saved',
        ),
        page.getByRole('button', { name: 'Save', exact: true }).click(),
      ]);
      await page.waitForLoadState('load');
      await page.getByText('Your changes have been saved.', { exact: true }).waitFor();
      await page.getByRole('heading', { level: 1, name: newName, exact: true }).waitFor();

      // And search finds it by its new name.
      await searchDirectory(page, { q: newName });
      await resultsHeading(page).waitFor();
      const names = await resultNames(page);
      assert.ok(
        names.includes(newName),
        `searching for "${newName}" should find it; got: ${names.join('; ')}`,
      );
      const found = resultItems(page)
        .filter({ has: page.getByRole('link', { name: newName, exact: true }) })
        .getByRole('link', { name: newName, exact: true });
      assert.equal(await found.getAttribute('href'), `/directory/services/${service.id}`);
    });
  });
});

describe('directory organisations as the directory manager', () => {
  it('finds an organisation by name, links it to a partner and passes axe', async () => {
    await withPage({ axe: true }, async (page) => {
      await signInToHome(page, DEMO_USERS.directoryManager);
      const response = await page.goto('/directory/organisations');
      assert.equal(response.status(), 200, 'GET /directory/organisations');
      await page.getByRole('heading', { level: 1, name: 'Directory organisations' }).waitFor();
      await assertNoAxeViolations(page, 'the directory organisations page');

      await page.getByLabel('Organisation name', { exact: true }).fill('Citizens Advice');
      await Promise.all([
        page.waitForURL((url) => url.searchParams.get('name') === 'Citizens Advice'),
        page.getByRole('button', { name: 'Find organisations' }).click(),
      ]);
      await page.getByText('1 organisation with "Citizens Advice" in the name.').waitFor();
      const select = page.getByLabel('Partner for Citizens Advice Riverside', { exact: true });
      await select.selectOption({ label: 'Riverside Money Advice' });
      await Promise.all([
        page.waitForURL((url) => url.searchParams.get('done') === 'linked'),
        page.getByRole('button', { name: 'Save partner for Citizens Advice Riverside' }).click(),
      ]);
      await page.getByText('Saved.', { exact: true }).waitFor();
      // Back on the same search, showing the new link.
      await page.getByText('1 organisation with "Citizens Advice" in the name.').waitFor();
      await assertNoAxeViolations(page, 'the directory organisations page after saving');
      const chosen = await page
        .getByLabel('Partner for Citizens Advice Riverside', { exact: true })
        .evaluate((el) => el.options[el.selectedIndex].text);
      assert.equal(chosen, 'Riverside Money Advice');
    });
  });
});

describe('listings as a community partner', () => {
  it('"Add a service" offers only their own organisation', async () => {
    await withPage({ axe: true }, async (page) => {
      await signInToHome(page, DEMO_USERS.partner);
      const response = await page.goto('/directory/services/new');
      assert.equal(response.status(), 200, 'GET /directory/services/new');
      await page.getByRole('heading', { level: 1, name: 'Add a service', exact: true }).waitFor();

      const org = page.getByLabel('Organisation that runs it', { exact: true });
      const options = await org.locator('option').evaluateAll((os) =>
        os.filter((o) => o.value !== '').map((o) => o.textContent.trim()),
      );
      assert.deepEqual(options, [PARTNER_ORG], 'only the partner\'s organisation is offered');
      // Preselected, or else selectable.
      await org.selectOption({ label: PARTNER_ORG });
      assert.equal(
        await org.evaluate((s) => s.options[s.selectedIndex].textContent.trim()),
        PARTNER_ORG,
      );

      await screenshot(page, 'directory-new.png');
      await assertNoAxeViolations(page, 'the add a service page');
    });
  });

  it('may change their own listings but not another organisation\'s', async () => {
    const own = await findService(
      `a service run by ${PARTNER_ORG}`,
      (s) => orgName(s) === PARTNER_ORG,
    );
    const other = await findService(
      `a service run by another organisation`,
      (s) => orgName(s) && orgName(s) !== PARTNER_ORG,
    );
    await withPage({}, async (page) => {
      await signInToHome(page, DEMO_USERS.partner);

      let response = await page.goto(`/directory/services/${own.id}/edit`);
      assert.equal(response.status(), 200, `GET the edit page of their own "${own.name}"`);
      await page
        .getByRole('heading', { level: 1, name: `Change ${own.name}`, exact: true })
        .waitFor();

      response = await page.goto(`/directory/services/${other.id}/edit`);
      assert.equal(
        response.status(),
        403,
        `GET the edit page of "${other.name}" (${orgName(other)})`,
      );
      const h1 = (await page.getByRole('heading', { level: 1 }).innerText()).trim();
      assert.match(h1, FORBIDDEN);
      assert.equal(
        await page.getByLabel('Name of the service', { exact: true }).count(),
        0,
        'no edit form on the 403 page',
      );

      // The service page does not offer to change it either.
      response = await page.goto(`/directory/services/${other.id}`);
      assert.equal(response.status(), 200);
      assert.equal(await page.getByRole('button', { name: 'Change this listing' }).count(), 0);
    });
  });
});

describe('the public directory', () => {
  it('anyone can search it without signing in, open a listing and refer themselves', async () => {
    await withPage({ axe: true }, async (page) => {
      const errors = collectPageErrors(page);
      const response = await page.goto('/directory');
      assert.equal(response.status(), 200, 'GET /directory signed out');
      await page.getByRole('heading', { level: 1, name: 'Find support' }).waitFor();
      assert.equal(
        await page.getByLabel('Include services that have stopped').count(),
        0,
        'the public sees published listings only',
      );
      const { names } = await searchForGardening(page);
      assert.ok(names.length > 0, 'results for the public');
      await assertNoAxeViolations(page, 'the public search results');
      await resultItems(page).first().getByRole('link').first().click();
      await page.waitForURL((url) => /^\/directory\/services\/[^/]+$/.test(url.pathname));
      assert.equal(await page.getByRole('button', { name: 'Change this listing' }).count(), 0);
      await assertNoAxeViolations(page, 'a listing for the public');
      await page.getByRole('link', { name: 'Refer yourself to a link worker' }).click();
      await page.waitForURL((url) => url.pathname === '/refer');
      assert.deepEqual(errors, []);
    });
  });

  it('a commissioner sees what the public sees', async () => {
    await withPage({}, async (page) => {
      await signInToHome(page, DEMO_USERS.commissioner);
      const response = await page.goto('/directory');
      assert.equal(response.status(), 200, 'GET /directory as the commissioner');
      await page.getByRole('link', { name: 'refer yourself to a link worker' }).waitFor();
    });
  });

  it('a partner lists their own listings', async () => {
    await withPage({ axe: true }, async (page) => {
      await signInToHome(page, DEMO_USERS.partner);
      await page.getByRole('link', { name: 'Your listings' }).first().click();
      await page.getByRole('heading', { level: 1, name: 'Your listings' }).waitFor();
      const rows = page.locator('main tbody tr');
      assert.ok((await rows.count()) > 0, 'their services are listed');
      for (const text of await rows.allInnerTexts()) {
        assert.match(text, new RegExp(PARTNER_ORG), 'only their own organisation\'s');
      }
      await assertNoAxeViolations(page, 'your listings');
      await page.getByRole('button', { name: 'Add a service' }).waitFor();
    });
  });
});

describe('directory without JavaScript', () => {
  it('a link worker can search and see results', async () => {
    await withPage({ javaScriptEnabled: false }, async (page) => {
      await signInToHome(page, DEMO_USERS.linkWorker);
      await page.goto('/directory');
      const { names } = await searchForGardening(page);
      assert.ok(names.length > 0);
      // The explanations are native <details>, so they open without JavaScript.
      const first = resultItems(page).first();
      await first.locator('summary').click();
      await first.locator('.nhsuk-details__text').waitFor({ state: 'visible' });
    });
  });
});

describe("the search's everyday words as the directory manager", () => {
  it('refuses an unusable list with the reason, saves a good one that search uses at once, and passes axe', async () => {
    await withPage({ axe: true }, async (page) => {
      await signInToHome(page, DEMO_USERS.directoryManager);
      const response = await page.goto('/directory/synonyms');
      assert.equal(response.status(), 200, 'GET /directory/synonyms');
      await page.getByRole('heading', { level: 1, name: 'Search: everyday words' }).waitFor();
      await assertNoAxeViolations(page, 'the everyday words page');

      const words = page.getByLabel('Everyday words and what they stand for');
      const shipped = await words.inputValue();
      assert.match(shipped, /"copd"/, 'the shipped list is shown');
      await words.fill(`${shipped}\n[[link]]\nwords = ["warble"]\nneeds = ["humming"]\n`);
      await page.getByRole('button', { name: 'Save everyday words' }).click();
      await page.locator('.nhsuk-error-summary').waitFor();
      await page.getByText('there is no need with the code “humming”').first().waitFor();
      assert.match(await words.inputValue(), /"humming"/, 'what was typed is kept');
      await assertNoAxeViolations(page, 'the everyday words page with an error');

      await words.fill(`${shipped}\n[[link]]\nwords = ["warble"]\nterms = ["choir"]\n`);
      await Promise.all([
        page.waitForURL((url) => url.searchParams.get('done') === 'saved'),
        page.getByRole('button', { name: 'Save everyday words' }).click(),
      ]);
      await page.goto('/directory?q=warble');
      const names = await resultNames(page);
      assert.ok(
        names.some((n) => n.endsWith('Community Choir')),
        `"warble" should now find choirs; got: ${names.join('; ')}`,
      );
    });
  });
});
