// Shared set-up for the browser tests: a throw-away Linkwork server with
// demo data (server.mjs), Debian's Chromium through playwright-core, and
// axe-core accessibility checks. Each test file calls useTestServer() once.

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { DEMO_PASSWORD, DEMO_USERS, startMailServer, startServer } from './server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

export const RESULTS_DIR = path.join(here, 'test-results');
export const SESSION_COOKIE = 'lw_session';
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
export const PHONE = { width: 375, height: 667 };

const axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');

let server;
let browser;
let mail;

/**
 * Starts the server and the browser before the file's tests, and stops them
 * after. With `mail: true` a real SMTP server receives what Linkwork sends
 * (see `emails()`), checked for every second. `env` adds settings
 * (`LINKWORK_*` variables) for the server.
 */
export function useTestServer({ mail: withMail = false, env: settings = {} } = {}) {
  before(async () => {
    await mkdir(RESULTS_DIR, { recursive: true });
    let env = { ...settings };
    if (withMail) {
      mail = await startMailServer();
      env = {
        ...env,
        LINKWORK_MESSAGING__SMTP_URL: mail.url,
        LINKWORK_MESSAGING__POLL_INTERVAL_SECONDS: '1',
      };
    }
    server = await startServer({ env });
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
    await mail?.stop();
  });
}

/**
 * The first email to arrive whose text includes `text`, waiting up to
 * `timeoutMs` for it. Needs `useTestServer({ mail: true })`.
 */
export async function waitForEmail(text, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await mail.emails()).find((e) => e.includes(text));
    if (found) return found;
    if (Date.now() > deadline) {
      const subjects = (await mail.emails()).map((e) => e.match(/^Subject: .*$/m)?.[0]);
      assert.fail(`no email with "${text}" within ${timeoutMs / 1000}s; received: ${JSON.stringify(subjects)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The test server's address, e.g. http://127.0.0.1:41234. */
export const baseUrl = () => server.baseUrl;

/**
 * A new browser context on the test server.
 *
 * `axe: true` sets Playwright's `bypassCSP`. Linkwork's Content-Security-Policy
 * (`script-src 'self'`) rightly forbids inline scripts, so injecting axe-core
 * with `page.addScriptTag({ content })` would otherwise be blocked. Only the
 * contexts that run axe bypass the policy; the other tests run with it
 * enforced, as a real browser would.
 */
export async function newContext({ axe = false, ...options } = {}) {
  const context = await browser.newContext({
    baseURL: server.baseUrl,
    bypassCSP: axe,
    ...options,
  });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(20_000);
  return context;
}

export const urlPath = (page) => new URL(page.url()).pathname;

export async function sessionCookie(context) {
  const cookies = await context.cookies(server.baseUrl);
  return cookies.find((c) => c.name === SESSION_COOKIE);
}

/** Signs in through the login form, filling the fields by their labels. */
export async function signIn(page, email, password = DEMO_PASSWORD) {
  await page.goto('/login');
  await page.getByLabel('Email address', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

// --- the second factor -------------------------------------------------------
// Admins must use an authenticator app; these helpers are the app.

/** RFC 4648 base 32 (spaces ignored) to bytes. */
export function base32Decode(key) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let buffer = 0;
  let bits = 0;
  const out = [];
  for (const c of key.replace(/\s/g, '')) {
    buffer = (buffer << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((buffer >> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** The 6-digit TOTP code (RFC 6238, SHA-1, 30 s) for `step`. */
export function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const hash = createHmac('sha1', secret).update(counter).digest();
  const offset = hash[hash.length - 1] & 0x0f;
  const code = (hash.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(code).padStart(6, '0');
}

export const currentStep = () => Math.floor(Date.now() / 30_000);

/** Secrets set up in this run, by email, with the last step used. */
const authenticators = new Map();

/** Records an app a test set up by hand, for later sign-ins. */
export function rememberAuthenticator(email, secret, lastStep) {
  authenticators.set(email, { secret, lastStep });
}

/**
 * On the second step of signing in: sets the app up from the key shown (and
 * saves the recovery codes), or gives the app's code. A code works once, so
 * a second sign-in within the same 30 seconds uses the next step's code
 * (accepted a step early), and a third waits for the clock.
 */
export async function giveSecondFactor(page, email) {
  const key = page.locator('#setup-key');
  await page.getByRole('heading', { level: 1 }).waitFor();
  if (await key.count()) {
    const secret = base32Decode(await key.innerText());
    const step = currentStep();
    await page.getByLabel('Code from your authenticator app').fill(totp(secret, step));
    await page.getByRole('button', { name: 'Confirm and set up' }).click();
    await page.getByRole('heading', { level: 1, name: 'Your authenticator app is set up' }).waitFor();
    authenticators.set(email, { secret, lastStep: step });
    await page.getByRole('button', { name: 'I have saved my recovery codes' }).click();
    return;
  }
  const app = authenticators.get(email);
  assert.ok(app, `${email} has an authenticator set up outside this run`);
  let step = Math.max(currentStep(), app.lastStep + 1);
  while (step > currentStep() + 1) await new Promise((r) => setTimeout(r, 1000));
  await page.getByLabel('Security code').fill(totp(app.secret, step));
  await page.getByRole('button', { name: 'Continue' }).click();
  app.lastStep = step;
}

/** Signs in and waits for the home page. */
export async function signInToHome(page, user) {
  await signIn(page, user.email);
  await page.waitForURL((url) => url.pathname === '/' || url.pathname === '/login/second-factor');
  if (urlPath(page) === '/login/second-factor') await giveSecondFactor(page, user.email);
  await page.waitForURL(`${server.baseUrl}/`);
  const firstName = user.name.split(' ')[0];
  await page.getByRole('heading', { level: 1, name: `Hello ${firstName}` }).waitFor();
}

/** The demo team lead accepts referral `id` onto the demo link worker's caseload. */
export async function acceptForTheLinkWorker(id) {
  const context = await newContext();
  try {
    const page = await context.newPage();
    await signInToHome(page, DEMO_USERS.teamLead);
    await page.goto(`/referrals/${id}/accept`);
    await page.getByLabel('Link worker').selectOption({ label: DEMO_USERS.linkWorker.name });
    await page.getByRole('button', { name: 'Accept referral' }).click();
    await page.getByText('Referral accepted').waitFor();
  } finally {
    await context.close();
  }
}

/** Collects console errors (including CSP violations) and uncaught exceptions. */
export function collectPageErrors(page) {
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
export async function assertNoAxeViolations(page, label) {
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

export async function screenshot(page, name) {
  await page.screenshot({ path: path.join(RESULTS_DIR, name), fullPage: true });
}

/** Fills the public form as someone referring themselves in Riverside North. */
export async function fillSelfReferral(page, person) {
  await page.getByRole('radio', { name: 'Me', exact: true }).check();
  await page.getByLabel('First name', { exact: true }).fill(person.given);
  await page.getByLabel('Last name', { exact: true }).fill(person.family);
  await page.getByRole('group', { name: 'Date of birth' }).getByLabel('Day').fill('14');
  await page.getByRole('group', { name: 'Date of birth' }).getByLabel('Month').fill('2');
  await page.getByRole('group', { name: 'Date of birth' }).getByLabel('Year').fill('1952');
  // RV3 is one of Riverside North's districts.
  await page.getByLabel('Postcode', { exact: true }).fill('rv3 1aa');
  await page.getByLabel('Phone number', { exact: true }).fill('07700 900 777');
  await page.getByRole('radio', { name: 'Phone call', exact: true }).check();
  await page.getByRole('group', { name: 'Is it safe to leave a message?' }).getByRole('radio', { name: 'Yes', exact: true }).check();
  await page.getByRole('checkbox', { name: 'Loneliness', exact: true }).check();
  await page.getByRole('checkbox', { name: 'Physical activity', exact: true }).check();
  await page.getByLabel('Tell us more (optional)').fill('I would like to meet people and get walking again.');
  await page.getByRole('checkbox', { name: /agrees to this referral/ }).check();
  await page
    .getByRole('group', { name: 'Can the social prescribing team contact them?' })
    .getByRole('radio', { name: 'Yes', exact: true })
    .check();
}

/** The row link for the person on a paginated list, following "Next". */
export async function findOnList(page, name) {
  for (;;) {
    const link = page.getByRole('link', { name, exact: true });
    if ((await link.count()) > 0) return link.first();
    const next = page.getByRole('link', { name: /^Next/ });
    if ((await next.count()) === 0) assert.fail(`${name} is not on the list at ${page.url()}`);
    await next.click();
    await page.waitForLoadState('load');
  }
}

/**
 * An email as its reader sees it: the headers, and the text with its
 * transfer encoding (quoted-printable or base64) undone.
 */
export function readEmail(raw) {
  const split = raw.search(/\r?\n\r?\n/);
  const headers = raw.slice(0, split);
  let body = raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const encoding = headers.match(/^Content-Transfer-Encoding:\s*(\S+)/im)?.[1]?.toLowerCase();
  if (encoding === 'quoted-printable') {
    const bytes = body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/gi, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
    body = Buffer.from(bytes, 'latin1').toString('utf8');
  } else if (encoding === 'base64') {
    body = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  }
  const header = (name) => headers.match(new RegExp(`^${name}:\\s*(.*)$`, 'im'))?.[1];
  return { headers, header, body: body.replace(/\r\n/g, '\n') };
}

/** The demo hospital's API token (`linkwork demo` issues it; not for real use). */
const HOSPITAL_TOKEN = 'lwk_demo-riverside-hospital-not-for-real-use';

/**
 * Calls the FHIR API as the demo hospital's system: `resourcePath` is under
 * `/fhir/` (`ServiceRequest`, `Task/{id}`). Returns the status and the JSON.
 */
export async function fhir(method, resourcePath, body) {
  const response = await fetch(`${server.baseUrl}/fhir/${resourcePath}`, {
    method,
    headers: {
      Authorization: `Bearer ${HOSPITAL_TOKEN}`,
      Accept: 'application/fhir+json',
      ...(body ? { 'Content-Type': 'application/fhir+json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: await response.json() };
}

/**
 * A UK Core ServiceRequest for loneliness as the hospital's system sends
 * it, the person's Patient contained: `person` gives `reference` (the
 * hospital's own referral number), `nhsNumber`, `given`, `family`,
 * `birthDate`, `telecom` and `line` (the first line of their address), and
 * may add `gender` and a `note`.
 */
export function hospitalReferral(person) {
  return {
    resourceType: 'ServiceRequest',
    identifier: [{ system: 'https://riverside-hospital.example/referral', value: person.reference }],
    contained: [
      {
        resourceType: 'Patient',
        id: 'p1',
        identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: person.nhsNumber }],
        name: [{ family: person.family, given: [person.given] }],
        ...(person.gender ? { gender: person.gender } : {}),
        birthDate: person.birthDate,
        telecom: [person.telecom],
        address: [{ line: [person.line], city: 'Riverside', postalCode: 'RV3 1AA' }],
      },
    ],
    status: 'active',
    intent: 'order',
    subject: { reference: '#p1' },
    requester: { display: 'Riverside Hospital discharge team' },
    performer: [{ identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'U00001' } }],
    reasonCode: [{ coding: [{ system: 'https://linkwork.github.io/fhir/CodeSystem/need', code: 'loneliness' }] }],
    ...(person.note ? { note: [{ text: person.note }] } : {}),
  };
}

/** Sends `hospitalReferral(person)` and returns the new referral's id. */
export async function sendHospitalReferral(person) {
  const { status, body } = await fhir('POST', 'ServiceRequest', hospitalReferral(person));
  assert.equal(status, 201, JSON.stringify(body));
  return body.id;
}
