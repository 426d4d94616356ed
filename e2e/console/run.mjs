// End-to-end test of the Administration Console in a real browser (Debian's chromium through
// playwright-core) against a running Tessera, with axe-core checking every page it visits.
//
//   TESSERA_BASE=http://127.0.0.1:8080 TESSERA_ADMIN_PASSWORD=... TESSERA_AGENT_PASSWORD=... node e2e/console/run.mjs
//
// Environment:
//   TESSERA_BASE             Tessera's public URL (default http://127.0.0.1:8080)
//   TESSERA_PARTITION        the partition (default demo)
//   TESSERA_ADMIN_USERNAME   a Partition Administrator (default admin)
//   TESSERA_ADMIN_PASSWORD   their password (required)
//   TESSERA_AGENT_USERNAME   a user who is not an administrator (default agent1)
//   TESSERA_AGENT_PASSWORD   their password (required)
//   TESSERA_AUTOMATION_CLIENT_ID, TESSERA_AUTOMATION_CLIENT_SECRET
//                            the partition's automation client (required): the admin API
//                            changes an application while its edit form is open
//   TESSERA_APP_NAME         the name of the Web application to register (default: a fresh one
//                            with markup in it, which must come out as text)
//   TESSERA_IDP_JWKS_URI     a JWKS the server may fetch (the test serves one on loopback and
//                            starts the server with [federation] allow_loopback)
//   TESSERA_IDP_KID          the kid of the one key it publishes
//   CHROMIUM                 the browser (default /usr/bin/chromium)
//   E2E_SCREENSHOT_DIR       where to save a screenshot on failure (default the OS temp dir)
//   E2E_SCREENSHOTS          a directory: save a screenshot of each main page there (docs)
//
// Prints one line per check. Exit code 0 when every check passed; otherwise 1 after printing
// the failed check, the page's URL and text, console errors and failed requests. The last line
// is `RESULT {json}` with what was created (the Client ID), for the calling test.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

import { check, createReport, equal } from '../lib/report.mjs';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const OVERALL_TIMEOUT_MS = 300_000;
const ACTION_TIMEOUT_MS = 10_000;
const NAVIGATION_TIMEOUT_MS = 15_000;

const env = process.env;
const base = (env.TESSERA_BASE || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const partition = env.TESSERA_PARTITION || 'demo';
const adminUser = env.TESSERA_ADMIN_USERNAME || 'admin';
const adminPassword = env.TESSERA_ADMIN_PASSWORD;
const agentUser = env.TESSERA_AGENT_USERNAME || 'agent1';
const agentPassword = env.TESSERA_AGENT_PASSWORD;
const automationId = env.TESSERA_AUTOMATION_CLIENT_ID || '';
const automationSecret = env.TESSERA_AUTOMATION_CLIENT_SECRET || '';
const chromiumPath = env.CHROMIUM || '/usr/bin/chromium';
const shots = env.E2E_SCREENSHOTS || '';
const idpJwks = env.TESSERA_IDP_JWKS_URI || '';
const idpKid = env.TESSERA_IDP_KID || '';
const appName = env.TESSERA_APP_NAME || `<script>alert("x")</script> Web app ${Date.now()}`;
const consoleHome = `${base}/admin/${partition}/`;

if (!adminPassword || !agentPassword || !automationId || !automationSecret || !idpJwks || !idpKid) {
  console.error('TESSERA_ADMIN_PASSWORD, TESSERA_AGENT_PASSWORD, TESSERA_AUTOMATION_CLIENT_ID/SECRET, TESSERA_IDP_JWKS_URI and TESSERA_IDP_KID are required (see the header of e2e/console/run.mjs).');
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// Reporting (e2e/lib/report.mjs)

const report = createReport({
  actionTimeoutMs: ACTION_TIMEOUT_MS,
  navigationTimeoutMs: NAVIGATION_TIMEOUT_MS,
  // The refused forms, the stale edit form and the 403 page answer 422, 409 and 403 on purpose; anything else (a CSP
  // violation, a missing file, a script error) is a failure.
  expectedConsoleError: (text) => /^Failed to load resource: the server responded with a status of (403|409|422) /.test(text),
});
const { note, step, watch, consoleErrors } = report;

// ---------------------------------------------------------------------------------------------
// Checks every page gets

const audited = [];

/** axe-core on the page as it is: no serious or critical violation (WCAG 2.1 A and AA). */
async function accessible(page, what) {
  // Evaluated through the DevTools protocol, which the pages' CSP (no inline script) does not
  // govern; the pages themselves stay under their real CSP.
  await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
  );
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  check(
    bad.length === 0,
    `axe-core found serious or critical violations on ${what}:\n` +
      bad.map((v) => `  ${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => n.target.join(' ')).join('\n    ')}`).join('\n'),
  );
  audited.push(what);
}

async function shot(page, name) {
  if (shots) await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

async function heading(page) {
  return ((await page.locator('h1').first().textContent()) || '').trim();
}

async function signIn(page, user, pass) {
  await page.locator('#username').waitFor({ state: 'visible' });
  check(new URL(page.url()).pathname.endsWith(`/system/auth/${partition}-U/oauth2/authorize`), `the console sent the browser to the users realm's sign-in, not ${page.url()}`);
  await page.fill('#username', user);
  await page.fill('#password', pass);
  await page.click('#sign-in');
}

// ---------------------------------------------------------------------------------------------

async function run(browser) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  const page = await context.newPage();
  watch(page, 'admin');
  let clientId;
  let secretValue = '';

  await step('/admin/ opens the only partition, which sends the browser to sign in', async () => {
    await page.goto(`${base}/admin/`);
    await page.locator('#username').waitFor({ state: 'visible' });
    const authorize = new URL(page.url());
    equal(authorize.searchParams.get('code_challenge_method'), 'S256', 'PKCE method');
    check(authorize.searchParams.get('state') && authorize.searchParams.get('nonce'), 'state and nonce are sent');
    await accessible(page, 'the sign-in page');
    await shot(page, 'console-sign-in');
  });

  await step('the Partition Administrator signs in and lands on the console home', async () => {
    await signIn(page, adminUser, adminPassword);
    await page.waitForURL(consoleHome);
    equal(await heading(page), 'Administration Console', 'home heading');
    const cookies = await context.cookies(consoleHome);
    const session = cookies.find((c) => c.name === 'tessera_console');
    check(session, `a console session cookie is set: ${JSON.stringify(cookies.map((c) => c.name))}`);
    check(session.httpOnly, 'the session cookie is HttpOnly');
    equal(session.sameSite, 'Strict', 'the session cookie SameSite');
    check(await page.getByLabel('Department').isVisible(), 'the Department selector is there');
    await accessible(page, 'the console home');
    await shot(page, 'console-home');
  });

  await step('Department → Partition → Integration → Client Application', async () => {
    await page.getByLabel('Department').selectOption({ label: 'Partition' });
    await page.getByRole('link', { name: 'Partition', exact: true }).click();
    equal(await heading(page), 'Partition', 'partition heading');
    await accessible(page, 'the Partition page');
    await page.getByRole('link', { name: 'Integration', exact: true }).click();
    equal(await heading(page), 'Integration', 'integration heading');
    await accessible(page, 'the Integration page');
    await page.getByRole('main').getByRole('link', { name: 'Client Application', exact: true }).click();
    equal(await heading(page), 'Client Application', 'list heading');
    check(await page.getByRole('cell', { name: 'Administration Console' }).count() > 0, 'the built-in console client is listed');
    await accessible(page, 'the client application list');
    await shot(page, 'console-client-applications');
  });

  await step('Add opens the form; token exchange reveals Access Token Expiry Time', async () => {
    await page.getByRole('link', { name: 'Add', exact: true }).click();
    for (const label of ['Name', 'Resource Type', 'Platform', 'Redirect URL(s)', 'Post Logout Redirect URL(s)', 'Client On-Behalf-Of (OBO) Flow', 'Token Exchange Grant Type']) {
      check(await page.getByLabel(label, { exact: true }).isVisible(), `the form has a visible field labelled ${label}`);
    }
    equal(await page.getByLabel('Resource Type').inputValue(), 'global', 'Resource Type');
    const options = await page.getByLabel('Platform').locator('option').allTextContents();
    equal(JSON.stringify(options), JSON.stringify(['Web Application', 'Single Page Application (SPA)']), 'Platform options');
    const ttl = page.getByLabel('Access Token Expiry Time');
    check(!(await ttl.isVisible()), 'Access Token Expiry Time is hidden while token exchange is not ticked');
    await page.getByLabel('Token Exchange Grant Type').check();
    check(await ttl.isVisible(), 'ticking Token Exchange Grant Type shows Access Token Expiry Time');
    await accessible(page, 'the Add form');
    await shot(page, 'console-add-client-application');
    await page.getByLabel('Token Exchange Grant Type').uncheck();
    check(!(await ttl.isVisible()), 'unticking hides it again');
  });

  await step('an invalid form shows field messages and saves nothing', async () => {
    await page.getByLabel('Name', { exact: true }).fill('');
    await page.getByLabel('Redirect URL(s)', { exact: true }).fill('ftp://example.com/cb');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#form-errors').waitFor({ state: 'visible' });
    check(await page.locator('#name-error').isVisible(), 'a message next to Name');
    check(await page.locator('#redirect_urls-error').isVisible(), 'a message next to Redirect URL(s)');
    equal(await page.getByLabel('Redirect URL(s)', { exact: true }).inputValue(), 'ftp://example.com/cb', 'the typed value is kept');
    await accessible(page, 'the Add form with errors');
    await shot(page, 'console-add-errors');
  });

  await step('a Web Application is registered and shows its Client ID', async () => {
    await page.getByLabel('Name', { exact: true }).fill(appName);
    await page.getByLabel('Platform').selectOption({ label: 'Web Application' });
    await page.getByLabel('Redirect URL(s)', { exact: true }).fill('http://127.0.0.1:9/callback\nhttps://app.example/callback');
    await page.getByLabel('Post Logout Redirect URL(s)').fill('https://app.example/');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByLabel('Client ID').waitFor({ state: 'visible' });
    equal(await heading(page), appName, 'the name, as text');
    clientId = await page.getByLabel('Client ID').inputValue();
    check(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(clientId), `a Client ID: ${clientId}`);
    const alerts = [];
    page.on('dialog', (d) => { alerts.push(d.message()); d.dismiss(); });
    check(await page.getByRole('button', { name: 'Copy' }).isVisible(), 'a Copy button next to the Client ID');
    for (const tab of ['Secrets', 'Permissions', 'Metadata']) {
      check(await page.getByRole('link', { name: tab, exact: true }).isVisible(), `a link to ${tab}`);
    }
    equal(alerts.length, 0, 'no script from the name ran');
    await accessible(page, 'the client application page');
    await shot(page, 'console-client-application');
  });

  await step('Metadata shows the URLs and the prefix to copy', async () => {
    await page.getByRole('link', { name: 'Metadata', exact: true }).click();
    equal(await heading(page), 'Metadata', 'metadata heading');
    for (const label of ['Authorization URL', 'Access Token URL', 'Domain URL', 'Metadata URL', 'API Permission Prefix']) {
      check((await page.getByLabel(label, { exact: true }).inputValue()).length > 0, `a value for ${label}`);
    }
    check(
      (await page.getByLabel('Authorization URL', { exact: true }).inputValue()).endsWith(`/system/auth/${partition}-U/oauth2/authorize`),
      'the Authorization URL is the users realm\'s',
    );
    check(await page.getByRole('button', { name: 'Copy Authorization URL' }).isVisible(), 'a copy button per value');
    await accessible(page, 'the Metadata page');
    await shot(page, 'console-metadata');
  });

  await step('Add secret shows the value once, and the limit of two is explained', async () => {
    await page.getByRole('link', { name: 'Back to' }).click();
    await page.getByRole('link', { name: 'Secrets', exact: true }).click();
    equal(await heading(page), 'Secrets', 'secrets heading');
    await accessible(page, 'the Secrets page');
    await page.getByRole('button', { name: 'Add secret', exact: true }).click();
    const secret = page.getByLabel('Client Secret', { exact: true });
    await secret.waitFor({ state: 'visible' });
    check(await secret.getAttribute('readonly') !== null, 'the Client Secret field is read-only');
    const value = await secret.inputValue();
    secretValue = value;
    check(value.length >= 32, `a secret value: ${value.length} characters`);
    check(await page.getByText('cannot be displayed again').isVisible(), 'the warning that it is shown once');
    check(await page.getByRole('button', { name: 'Copy' }).isVisible(), 'a Copy button next to it');
    await accessible(page, 'the new secret');
    await shot(page, 'console-secret-added');
    const token = await fetch(`${base}/system/auth/${partition}-U/oauth2/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${clientId}:${value}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials&scope=.default',
    });
    const answer = await token.json();
    check(answer.error !== 'invalid_client', `the secret authenticates the client: ${JSON.stringify(answer)}`);
    await page.goto(page.url());
    equal(await page.getByLabel('Client Secret', { exact: true }).count(), 0, 'the value is not shown again');
    check((await page.locator('tbody tr').count()) === 1, 'the table lists the secret');
    await page.getByRole('button', { name: 'Add secret', exact: true }).click();
    await page.getByLabel('Client Secret', { exact: true }).waitFor({ state: 'visible' });
    check(await page.locator('#limit').isVisible(), 'at two secrets the limit is explained instead of the form');
    equal(await page.getByRole('button', { name: 'Add secret', exact: true }).count(), 0, 'no Add secret at the limit');
    await page.getByRole('link', { name: 'Back to' }).click();
  });

  await step('Permissions: grouped by hub and kind; Save assigns exactly the ticked set and says what changed', async () => {
    await page.getByRole('link', { name: 'Permissions', exact: true }).click();
    equal(await heading(page), 'Permissions', 'permissions heading');
    for (const group of ['Core', 'Conversation Hub', 'Knowledge']) {
      check(await page.getByRole('heading', { name: group, exact: true }).isVisible(), `the ${group} hub`);
    }
    check(await page.getByRole('group', { name: 'Interactive' }).first().isVisible(), 'Interactive delegated permissions');
    check(await page.getByRole('group', { name: 'On-Behalf-Of' }).first().isVisible(), 'On-Behalf-Of delegated permissions');
    check(await page.getByText('reaches a token only when').isVisible(), 'the note that assigned is not granted');
    await accessible(page, 'the Permissions page');
    // Before any permission is assigned, client credentials get nothing to put in a token.
    const basic = `Basic ${Buffer.from(`${clientId}:${secretValue}`).toString('base64')}`;
    const ask = () => fetch(`${base}/system/auth/${partition}-U/oauth2/token`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&scope=.default',
    });
    const before = await (await ask()).json();
    check(!before.access_token, `no token without an assigned application permission: ${JSON.stringify(before)}`);
    await page.getByLabel('app.core.usermgr.read', { exact: true }).check();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Assigned:').waitFor({ state: 'visible' });
    check(await page.getByRole('status').getByText('app.core.usermgr.read').isVisible(), 'the notice names what was assigned');
    check(await page.getByLabel('app.core.usermgr.read', { exact: true }).isChecked(), 'ticked after saving');
    await accessible(page, 'the saved Permissions page');
    await shot(page, 'console-permissions');
    const answer = await (await ask()).json();
    check(typeof answer.access_token === 'string', `a client-credentials token with the console's credentials: ${JSON.stringify(answer)}`);
    check((answer.scope || '').split(' ').some((s) => s.endsWith('app.core.usermgr.read')), `the assigned permission is in it: ${answer.scope}`);
    await page.getByRole('link', { name: 'Back to' }).click();
  });

  await step('a Single Page Application is registered: no secrets, no Web-only switches', async () => {
    await page.goto(`${consoleHome}client-applications/new`);
    await page.getByLabel('Name', { exact: true }).fill(`SPA ${Date.now()}`);
    await page.getByLabel('Platform').selectOption({ label: 'Single Page Application (SPA)' });
    check(!(await page.getByLabel('Client On-Behalf-Of (OBO) Flow').isVisible()), 'the OBO switch is hidden for a SPA');
    check(!(await page.getByLabel('Token Exchange Grant Type').isVisible()), 'the token exchange switch is hidden for a SPA');
    await page.getByLabel('Redirect URL(s)', { exact: true }).fill('http://127.0.0.1:5173/callback');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByLabel('Client ID').waitFor({ state: 'visible' });
    check(await page.getByText('Single Page Application (SPA)').isVisible(), 'the platform is shown');
    equal(await page.getByRole('link', { name: 'Secrets', exact: true }).count(), 0, 'a SPA has no Secrets');
    await page.getByRole('link', { name: 'Permissions', exact: true }).click();
    equal(await page.getByRole('group', { name: 'On-Behalf-Of' }).count(), 0, 'a SPA is offered no On-Behalf-Of permissions');
    check(await page.getByRole('group', { name: 'Interactive' }).first().isVisible(), 'a SPA is offered Interactive permissions');
    await accessible(page, 'a SPA\'s Permissions page');
  });

  await step('the list finds it by name', async () => {
    await page.goto(`${consoleHome}client-applications?q=${encodeURIComponent('Web app')}`);
    check(await page.getByRole('link', { name: appName }).count() === 1, 'the new application is listed once');
  });

  // ---- client application lifecycle ----
  // Edit (with a stale form), Disable / Enable proved at the token endpoint, Metadata's ready
  // requests run for real, and Delete after a confirmation page. The admin API plays "someone
  // else" changing the application while the edit form is open.
  const tokenUrl = `${base}/system/auth/${partition}-U/oauth2/token`;
  const adminApi = async (method, path, body) => {
    const basic = Buffer.from(`${automationId}:${automationSecret}`).toString('base64');
    const t = await (await fetch(tokenUrl, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&scope=app.core.admin.manage',
    })).json();
    const resp = await fetch(`${base}/admin/api/v1/partitions/${partition}${path}`, {
      method,
      headers: { authorization: `Bearer ${t.access_token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: resp.status, body: await resp.json().catch(() => null) };
  };
  const clientCredentials = async (id, secret) => {
    const resp = await fetch(tokenUrl, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials&scope=.default',
    });
    return { status: resp.status, body: await resp.json() };
  };
  const appPage = `${consoleHome}client-applications/${clientId}`;

  await step('Edit shows the stored values with the platform fixed; a wrong field saves nothing; Save changes the rest', async () => {
    await page.goto(appPage);
    await page.getByRole('link', { name: 'Edit', exact: true }).click();
    equal(await heading(page), `Edit ${appName}`, 'edit heading, the name as text');
    equal(await page.getByLabel('Name', { exact: true }).inputValue(), appName, 'the name is pre-filled');
    equal(await page.getByLabel('Redirect URL(s)', { exact: true }).inputValue(), 'http://127.0.0.1:9/callback\nhttps://app.example/callback', 'the redirect URLs are pre-filled');
    equal(await page.getByLabel('Platform').inputValue(), 'Web Application', 'the platform is shown');
    check((await page.getByLabel('Platform').getAttribute('readonly')) !== null, 'the platform is fixed once created');
    await accessible(page, 'the Edit form');
    await shot(page, 'console-client-edit');
    await page.getByLabel('Redirect URL(s)', { exact: true }).fill('http://app.example/plain-http');
    await page.getByLabel('Client On-Behalf-Of (OBO) Flow').check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#redirect_urls-error').waitFor({ state: 'visible' });
    check(await page.getByText('Nothing was saved').isVisible(), 'the form says nothing was saved');
    await accessible(page, 'the Edit form with errors');
    const unchanged = await adminApi('GET', `/client-applications/${clientId}`);
    equal(JSON.stringify(unchanged.body.redirect_urls), JSON.stringify(['http://127.0.0.1:9/callback', 'https://app.example/callback']), 'the refused form changed no redirect URL');
    equal(unchanged.body.obo_enabled, false, 'nor the OBO switch');
    await page.getByLabel('Redirect URL(s)', { exact: true }).fill('http://127.0.0.1:9/callback\nhttps://app.example/callback');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('The changes were saved.').waitFor({ state: 'visible' });
    const saved = await adminApi('GET', `/client-applications/${clientId}`);
    equal(saved.body.obo_enabled, true, 'the OBO switch was saved');
  });

  await step('a stale Edit form says so and shows the current values instead of overwriting', async () => {
    await page.getByRole('link', { name: 'Edit', exact: true }).click();
    await page.getByLabel('Post Logout Redirect URL(s)').fill('https://app.example/mine');
    const meanwhile = await adminApi('PATCH', `/client-applications/${clientId}`, { post_logout_redirect_urls: ['https://app.example/theirs'] });
    equal(meanwhile.status, 200, `someone else's change through the admin API: ${JSON.stringify(meanwhile.body)}`);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#stale').waitFor({ state: 'visible' });
    check(await page.getByText('Someone else changed this client application').isVisible(), 'the page says the application changed');
    equal(await page.getByLabel('Post Logout Redirect URL(s)').inputValue(), 'https://app.example/theirs', 'the form now shows the current values');
    const kept = await adminApi('GET', `/client-applications/${clientId}`);
    equal(JSON.stringify(kept.body.post_logout_redirect_urls), JSON.stringify(['https://app.example/theirs']), 'the other change was not overwritten');
    await accessible(page, 'the stale Edit form');
    await shot(page, 'console-client-edit-stale');
    await page.getByLabel('Post Logout Redirect URL(s)').fill('https://app.example/mine');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('The changes were saved.').waitFor({ state: 'visible' });
    const mine = await adminApi('GET', `/client-applications/${clientId}`);
    equal(JSON.stringify(mine.body.post_logout_redirect_urls), JSON.stringify(['https://app.example/mine']), 'saved on the current values');
  });

  await step('Disable: the state is shown and the token endpoint refuses the application; Enable restores it', async () => {
    check((await clientCredentials(clientId, secretValue)).body.access_token, 'a token while enabled');
    await page.getByRole('button', { name: 'Disable', exact: true }).click();
    await page.getByText('The client application was disabled').waitFor({ state: 'visible' });
    check(await page.getByRole('button', { name: 'Enable', exact: true }).isVisible(), 'the button now offers Enable');
    check(await page.locator('dd', { hasText: /^Disabled$/ }).isVisible(), 'the status says Disabled');
    const refused = await clientCredentials(clientId, secretValue);
    equal(refused.body.error, 'invalid_client', `a disabled application gets no token (${refused.status})`);
    await accessible(page, 'a disabled application');
    await page.getByRole('button', { name: 'Enable', exact: true }).click();
    await page.getByText('The client application was enabled').waitFor({ state: 'visible' });
    check((await clientCredentials(clientId, secretValue)).body.access_token, 'a token again once enabled');
  });

  await step('Metadata offers a ready curl per usable flow, and the client credentials one works', async () => {
    await page.getByRole('link', { name: 'Metadata', exact: true }).click();
    for (const title of ['Authorization code with PKCE', 'Client credentials', 'On-behalf-of a user']) {
      check(await page.getByRole('heading', { name: title, exact: true }).isVisible(), `a ready request for ${title}`);
    }
    equal(await page.getByRole('heading', { name: 'Token exchange', exact: true }).count(), 0, 'no token exchange request while it is switched off');
    check(await page.getByRole('button', { name: 'Copy the Client credentials request' }).isVisible(), 'a copy button per request');
    const text = await page.locator('#curl-client-credentials').textContent();
    check(text.includes(clientId) && text.includes(tokenUrl), `the real Client ID and token URL: ${text}`);
    check(!text.includes(secretValue), 'no secret in the page');
    await accessible(page, 'the Metadata page with ready requests');
    await shot(page, 'console-metadata');
    // Run it as a developer would, with the placeholder line replaced by the real secret.
    const { execFileSync } = await import('node:child_process');
    const script = text.replace(/^CLIENT_SECRET=.*\n/, '');
    const out = JSON.parse(execFileSync('sh', ['-c', script], { env: { ...process.env, CLIENT_SECRET: secretValue }, encoding: 'utf8' }));
    check(typeof out.access_token === 'string', `the copied curl gets a token: ${JSON.stringify(out)}`);
  });

  await step('Delete asks first (without JavaScript), then deletes and says so in the list', async () => {
    const doomedName = `Delete <em>me</em> ${Date.now()}`;
    const made = await adminApi('POST', '/client-applications', { name: doomedName, platform: 'web', redirect_urls: ['https://app.example/cb'] });
    equal(made.status, 201, 'an application to delete');
    const doomed = made.body.client_id;
    const secret = await adminApi('POST', `/client-applications/${doomed}/secrets`, { name: 'ci' });
    const grant = await adminApi('PUT', `/client-applications/${doomed}/permissions`, { permissions: ['app.core.usermgr.read'] });
    equal(grant.status, 200, 'a permission for it');
    check((await clientCredentials(doomed, secret.body.value)).body.access_token, 'it gets tokens before');
    const noCsrf = await page.request.post(`${consoleHome}client-applications/${doomed}/delete`, { form: {}, maxRedirects: 0 });
    equal(noCsrf.status(), 403, 'a delete without the CSRF field is refused');
    equal((await adminApi('GET', `/client-applications/${doomed}`)).status, 200, 'and deletes nothing');
    await page.goto(`${consoleHome}client-applications/${doomed}`);
    await page.getByRole('link', { name: 'Delete', exact: true }).click();
    equal(await heading(page), `Delete ${doomedName}?`, 'the confirmation names it, as text');
    check(await page.locator('dd', { hasText: /^1$/ }).first().isVisible(), 'it says what goes with it');
    await accessible(page, 'the delete confirmation');
    await shot(page, 'console-client-delete');
    await page.getByRole('button', { name: `Delete ${doomedName}` }).click();
    await page.getByText(`The client application “${doomedName}” was deleted`).waitFor({ state: 'visible' });
    equal(await heading(page), 'Client Application', 'back to the list');
    equal((await adminApi('GET', `/client-applications/${doomed}`)).status, 404, 'it is gone');
    equal((await clientCredentials(doomed, secret.body.value)).body.error, 'invalid_client', 'its secret authenticates nothing');
  });

  // ---- APIs, signing keys, audit log ----
  await step('APIs: the catalog by hub and API, each operation with View Security Details', async () => {
    await page.goto(`${consoleHome}integration`);
    await page.getByRole('main').getByRole('link', { name: 'APIs', exact: true }).click();
    equal(await heading(page), 'APIs', 'APIs heading');
    for (const hub of ['Core', 'Conversation Hub', 'Knowledge']) {
      check(await page.getByRole('heading', { name: hub, exact: true, level: 2 }).isVisible(), `the ${hub} hub`);
    }
    const portals = page.locator('#api-knowledge-portalmgr-v4');
    check(await portals.getByRole('heading', { name: 'Knowledge Portal Manager' }).isVisible(), 'an API under its hub');
    check(await portals.getByRole('link', { name: 'View Security Details' }).count() > 10, 'each operation has View Security Details');
    await accessible(page, 'the APIs page');
    // The whole catalog is a very long page: its first screen is enough for the docs.
    if (shots) await page.screenshot({ path: join(shots, 'console-apis.png') });
  });

  const row = (name) => page.getByRole('row', { name: new RegExp(`^${name}`) }).getByRole('cell');
  let detailsUrl = '';

  await step('View Security Details switches between schemes: flow type, URLs and full scope URLs', async () => {
    await page.locator('#api-knowledge-portalmgr-v4').getByRole('link', { name: 'View Security Details of getAllPortals', exact: true }).click();
    equal(await heading(page), 'Security Details', 'security details heading');
    const schemes = page.getByRole('navigation', { name: 'Security schemes' });
    const names = await schemes.getByRole('link').allTextContents();
    check(names.includes('oAuthUser') && names.includes('oAuthClient') && names.includes('oAuthAnonymousCustomer'), `a tab per scheme: ${names}`);
    equal(await schemes.getByRole('link', { name: 'oAuthUser' }).getAttribute('aria-current'), 'page', 'the first scheme is chosen');
    equal(await row('Flow type').innerText(), 'authorizationCode', 'oAuthUser flow type');
    check((await row('Authorization URL').innerText()).endsWith(`/system/auth/${partition}-U/oauth2/authorize`), 'the users realm\'s Authorization URL');
    await schemes.getByRole('link', { name: 'oAuthClient', exact: true }).click();
    equal(await schemes.getByRole('link', { name: 'oAuthClient', exact: true }).getAttribute('aria-current'), 'page', 'the chosen tab');
    equal(await row('Flow type').innerText(), 'clientCredentials', 'oAuthClient flow type');
    check((await row('Token URL').innerText()).endsWith(`/system/auth/${partition}-U/oauth2/token`), 'the users realm\'s Token URL');
    const scopes = await row('Required scopes').innerText();
    check(/^https?:\/\/\S+\/app\.knowledge\.portalmgr\.read$/.test(scopes.trim()), `the full scope URL: ${scopes}`);
    detailsUrl = page.url();
    await accessible(page, 'the Security Details panel');
    await shot(page, 'console-security-details');
  });

  await step('Assign to a client application adds exactly those scopes and keeps the others', async () => {
    // The choice is one searched page of applications, never all of them: search by name first.
    await page.getByLabel('Find an application by name', { exact: true }).fill(appName);
    await page.getByRole('search', { name: 'Find a client application' }).getByRole('button', { name: 'Search', exact: true }).click();
    await page.waitForURL((u) => u.searchParams.get('q') === appName);
    const offered = await page.getByLabel('Client Application', { exact: true }).locator('option').allTextContents();
    check(offered.length === 2 && offered[1].startsWith(appName), `the search leaves the one application: ${offered}`);
    equal(await page.getByRole('navigation', { name: 'Security schemes' }).getByRole('link', { name: 'oAuthClient', exact: true }).getAttribute('aria-current'), 'page', 'the search keeps the chosen scheme');
    await page.getByLabel('Client Application', { exact: true }).selectOption(clientId);
    await page.getByRole('button', { name: 'Assign', exact: true }).click();
    const status = page.getByRole('status').filter({ hasText: 'Assigned to' });
    await status.waitFor({ state: 'visible' });
    check((await status.innerText()).includes('app.knowledge.portalmgr.read'), 'the notice names what was assigned');
    check((await status.innerText()).includes(appName), 'and the application, as text');
    await accessible(page, 'the assignment result');
    await shot(page, 'console-assigned');
    await status.getByRole('link', { name: 'Open the Permissions of' }).click();
    equal(await heading(page), 'Permissions', 'the application\'s Permissions page');
    check(await page.getByLabel('app.knowledge.portalmgr.read', { exact: true }).isChecked(), 'the operation\'s scope is assigned');
    check(await page.getByLabel('app.core.usermgr.read', { exact: true }).isChecked(), 'the permission assigned before is kept');
  });

  await step('a single-page application is refused an application scope, with the reason', async () => {
    await page.goto(detailsUrl);
    const spa = page.getByLabel('Client Application', { exact: true }).locator('option', { hasText: '(Single Page Application (SPA))' }).first();
    await page.getByLabel('Client Application', { exact: true }).selectOption(await spa.getAttribute('value'));
    await page.getByRole('button', { name: 'Assign', exact: true }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor({ state: 'visible' });
    check((await alert.innerText()).includes('single-page application'), `the refusal says why: ${await alert.innerText()}`);
    await accessible(page, 'a refused assignment');
  });

  await step('Import OpenAPI: problems are listed and nothing stored; a good document gives the import report', async () => {
    await page.goto(`${consoleHome}apis`);
    await page.getByRole('link', { name: 'Import OpenAPI', exact: true }).click();
    equal(await heading(page), 'Import OpenAPI', 'import heading');
    await accessible(page, 'the import form');
    await page.getByLabel('OpenAPI document', { exact: true }).fill('openapi: "2.0"\ninfo: {title: x, version: "1"}\npaths: {}\n');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.locator('#import-problems').waitFor({ state: 'visible' });
    check(await page.getByLabel('OpenAPI document', { exact: true }).inputValue() !== '', 'the document is kept');
    const doc = [
      'openapi: 3.0.3',
      'info: {title: "<script>alert(1)</script> Widgets", version: "1.0.0"}',
      'servers: [{url: "https://api.example/knowledge/widgets/v1"}]',
      'components:',
      '  securitySchemes:',
      '    oAuthClient:',
      '      type: oauth2',
      '      flows:',
      '        clientCredentials:',
      '          tokenUrl: https://api.example/token',
      '          scopes: {app.knowledge.widgets.read: "Read widgets"}',
      'paths:',
      '  /widgets:',
      '    get:',
      '      operationId: listWidgets',
      '      summary: List widgets',
      '      security: [{oAuthClient: [app.knowledge.widgets.read]}]',
      '      responses: {"200": {description: ok}}',
    ].join('\n');
    await page.getByLabel('OpenAPI document', { exact: true }).fill(doc);
    await page.getByLabel('API ID (optional)').fill('e2e-widgets-v1');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByText('Imported 1 API').waitFor({ state: 'visible' });
    check(await page.getByRole('cell', { name: '<script>alert(1)</script> Widgets' }).isVisible(), 'the report names the API, as text');
    check(await page.getByText('app.knowledge.widgets.read').isVisible(), 'and the permission');
    await accessible(page, 'the import report');
    await shot(page, 'console-api-import');
    await page.getByRole('link', { name: '<script>alert(1)</script> Widgets' }).click();
    check(await page.locator('#api-e2e-widgets-v1').getByRole('link', { name: 'View Security Details of listWidgets' }).isVisible(), 'the catalog lists the imported API');
  });

  await step('Signing keys: listed per realm; Rotate; Withdraw says what it does first', async () => {
    await page.goto(`${consoleHome}partition`);
    await page.getByRole('main').getByRole('link', { name: 'Signing Keys', exact: true }).click();
    equal(await heading(page), 'Signing Keys', 'signing keys heading');
    const users = page.getByRole('region', { name: `Users realm (${partition}-U)` });
    check(await users.getByRole('cell', { name: 'active', exact: true }).count() > 0, 'an active key in the users realm');
    check(await page.getByRole('region', { name: `Customers realm (${partition}-C)` }).isVisible(), 'the customers realm');
    await accessible(page, 'the Signing Keys page');
    const retiredBefore = await users.getByRole('cell', { name: 'retired', exact: true }).count();
    await users.getByRole('button', { name: /^Rotate/ }).click();
    await page.getByRole('status').filter({ hasText: 'Rotated the keys' }).waitFor({ state: 'visible' });
    const usersAfter = page.getByRole('region', { name: `Users realm (${partition}-U)` });
    check(await usersAfter.getByRole('cell', { name: 'retired', exact: true }).count() > retiredBefore, 'the rotation retired a key');
    await shot(page, 'console-signing-keys');
    const withdraw = usersAfter.getByRole('link', { name: /^Withdraw key / }).first();
    const label = await withdraw.getAttribute('aria-label');
    await withdraw.click();
    equal(await heading(page), 'Withdraw key', 'the confirmation page');
    check(await page.getByText('every token it signed stops verifying').isVisible(), 'it says what withdrawing does to issued tokens');
    await accessible(page, 'the withdrawal confirmation');
    await page.getByRole('button', { name: 'Withdraw key', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Withdrew key' }).waitFor({ state: 'visible' });
    equal(await page.getByRole('link', { name: label, exact: true }).count(), 0, 'the withdrawn key is gone');
  });

  await step('Audit log: newest first, shows those actions and filters them in the store', async () => {
    await page.goto(`${consoleHome}partition`);
    await page.getByRole('main').getByRole('link', { name: 'Audit Log', exact: true }).click();
    equal(await heading(page), 'Audit Log', 'audit log heading');
    const actions = await page.locator('tbody tr td:nth-child(3)').allTextContents();
    const at = (a) => actions.indexOf(a);
    for (const a of ['signing_key.revoke', 'signing_key.rotate', 'api.import', 'client_application.permissions.replace']) {
      check(at(a) >= 0, `the log shows ${a}: ${actions.slice(0, 12)}`);
    }
    check(at('signing_key.revoke') < at('signing_key.rotate') && at('signing_key.rotate') < at('api.import'), `newest first: ${actions.slice(0, 12)}`);
    await accessible(page, 'the Audit Log');
    await page.getByLabel('Action', { exact: true }).selectOption('client_application.permissions.replace');
    await page.getByLabel('Object ID', { exact: true }).fill(clientId);
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    await page.waitForURL(/action=client_application.permissions.replace/);
    const filtered = await page.locator('tbody tr').allTextContents();
    equal(filtered.length, 2, 'the Permissions save and the assignment, and nothing else');
    check(filtered.every((r) => r.includes('client_application.permissions.replace') && r.includes(clientId) && r.includes('(you)')), 'only matching events');
    check(filtered[0].includes('app.knowledge.portalmgr.read'), 'the assignment, newest, first');
    check(!filtered[1].includes('app.knowledge.portalmgr.read'), 'the earlier save after it');
    await shot(page, 'console-audit-log');
    await page.getByLabel('From (UTC)').fill('2999-01-01T00:00');
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    await page.getByText('No event matches the filter.').waitFor({ state: 'visible' });
    await page.goto(`${consoleHome}audit-log?from=yesterday`);
    check(await page.locator('#from-error').isVisible(), 'a field message for a time that is not one');
    await accessible(page, 'the Audit Log with a refused filter');
    await page.goto(`${consoleHome}audit-log`);
    const older = page.getByRole('link', { name: 'Older events', exact: true });
    if (await older.count() > 0) {
      const firstPage = await page.locator('tbody tr td:first-child').allTextContents();
      await older.click();
      const next = await page.locator('tbody tr td:first-child').allTextContents();
      check(next.length > 0 && next[0] <= firstPage[firstPage.length - 1], 'the next page is older');
      check(await page.getByRole('link', { name: 'Newest events', exact: true }).isVisible(), 'a way back to the newest');
    }
  });

  // ---- users, customers, departments, identity providers ----
  const stamp = Date.now();
  let deptName = `<b>Sales</b> ${stamp}`;
  const userName = `agent-${stamp}`;
  const customerEmail = `c${stamp}@example.test`;
  const idpName = `<i>Okta</i> ${stamp}`;

  await step('Departments: one is added (markup in its name stays text); one in use is not deleted', async () => {
    await page.goto(`${consoleHome}partition`);
    await page.getByRole('main').getByRole('link', { name: 'Departments', exact: true }).click();
    equal(await heading(page), 'Departments', 'departments heading');
    await page.getByRole('button', { name: 'Add department' }).click();
    await page.locator('#name-error').waitFor({ state: 'visible' });
    await page.getByLabel('Name', { exact: true }).fill(deptName);
    await page.getByRole('button', { name: 'Add department' }).click();
    await page.getByRole('cell', { name: deptName, exact: true }).waitFor();
    check(await page.getByRole('status').getByText('was added').isVisible(), 'the page says it was added');
    await page.getByRole('link', { name: `Rename ${deptName}`, exact: true }).click();
    equal(await page.getByLabel('New name').inputValue(), deptName, 'the rename form shows the name');
    await accessible(page, 'the Rename department page');
    deptName = `${deptName} renamed`;
    await page.getByLabel('New name').fill(deptName);
    await page.getByRole('button', { name: 'Rename', exact: true }).click();
    await page.getByRole('cell', { name: deptName, exact: true }).waitFor();
    check(await page.getByRole('status').getByText('its users moved with it').isVisible(), 'the page says it was renamed');
    await accessible(page, 'the Departments page');
    await shot(page, 'console-departments');
    await page.getByRole('button', { name: 'Delete Service', exact: true }).click();
    await page.locator('#refusal').waitFor({ state: 'visible' });
    check((await page.locator('#refusal').textContent()).includes('still has users'), 'deleting a department in use is refused, saying why');
    check(await page.getByRole('cell', { name: 'Service', exact: true }).isVisible(), 'Service is still there');
  });

  await step('Users: a user is added in the new department and listed; edited, disabled, signed out and deleted', async () => {
    await page.goto(`${consoleHome}partition`);
    await page.getByRole('main').getByRole('link', { name: 'Users', exact: true }).click();
    equal(await heading(page), 'Users', 'users heading');
    check(await page.getByRole('cell', { name: adminUser, exact: true }).count() === 1, 'the administrator is listed');
    await accessible(page, 'the Users list');
    await page.getByRole('link', { name: 'Add', exact: true }).click();
    equal(await heading(page), 'Add user', 'add user heading');
    await page.getByLabel('Username').fill(userName);
    await page.getByLabel('Email').fill(`${userName}@example.test`);
    await page.getByLabel('Display name').fill('<script>alert("u")</script> Agent');
    await page.getByLabel('Department').selectOption({ label: deptName });
    await page.getByLabel('Initial password').fill('short');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#password-error').waitFor({ state: 'visible' });
    equal(await page.getByLabel('Username').inputValue(), userName, 'the typed username is kept');
    equal(await page.getByLabel('Initial password').inputValue(), '', 'the password is not sent back');
    await accessible(page, 'the Add user form with errors');
    await page.getByLabel('Initial password').fill('a-long-enough-password');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('The account was added.').waitFor();
    equal(await heading(page), userName, 'the user page');
    await accessible(page, 'a user page');
    await page.goto(`${consoleHome}users?q=${encodeURIComponent(userName)}`);
    check(await page.getByRole('link', { name: userName, exact: true }).count() === 1, 'the new user is listed');
    check(await page.getByRole('cell', { name: deptName, exact: true }).count() === 1, 'in the new department');
    await shot(page, 'console-users');
    await page.getByRole('link', { name: userName, exact: true }).click();
    await page.getByLabel('Display name').fill('Agent Renamed');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Your changes were saved.').waitFor();
    equal(await page.getByLabel('Display name').inputValue(), 'Agent Renamed', 'the new display name');
    await page.getByRole('button', { name: 'Disable', exact: true }).click();
    await page.getByText('The account is disabled').waitFor();
    check(await page.getByRole('button', { name: 'Enable', exact: true }).isVisible(), 'Enable is offered');
    await page.getByRole('button', { name: 'Enable', exact: true }).click();
    await page.getByText('The account is enabled').waitFor();
    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await page.getByText('Every session of the account has ended').waitFor();
    await page.getByRole('link', { name: 'Delete', exact: true }).click();
    equal(await heading(page), 'Delete user', 'the confirmation page');
    await accessible(page, 'the delete confirmation');
    await page.getByRole('button', { name: 'Delete user' }).click();
    await page.getByText('The account was deleted.').waitFor();
    await page.goto(`${consoleHome}users?q=${encodeURIComponent(userName)}`);
    equal(await page.getByRole('link', { name: userName, exact: true }).count(), 0, 'the deleted user is gone');
  });

  await step('my own account: no Disable or Delete, and a forged disable is refused', async () => {
    await page.goto(`${consoleHome}users?q=${encodeURIComponent(adminUser)}`);
    await page.getByRole('link', { name: adminUser, exact: true }).click();
    check(await page.locator('#this-is-you').isVisible(), 'the page says it is my own account');
    equal(await page.getByRole('button', { name: 'Disable', exact: true }).count(), 0, 'no Disable on my own account');
    equal(await page.getByRole('link', { name: 'Delete', exact: true }).count(), 0, 'no Delete on my own account');
    const csrf = await page.locator('input[name=csrf]').first().inputValue();
    const resp = await page.request.post(`${page.url().split('?')[0]}/status`, { form: { csrf, enabled: 'false' }, maxRedirects: 0 });
    equal(resp.status(), 409, 'disabling oneself');
    check((await resp.text()).includes('cannot disable your own account'), 'the refusal says why');
    await page.goto(`${consoleHome}users`);
    equal(await heading(page), 'Users', 'still signed in');
  });

  await step('Customers: a customer is added and listed', async () => {
    await page.goto(`${consoleHome}partition`);
    await page.getByRole('main').getByRole('link', { name: 'Customers', exact: true }).click();
    equal(await heading(page), 'Customers', 'customers heading');
    await page.getByRole('link', { name: 'Add', exact: true }).click();
    equal(await page.getByLabel('Username').count(), 0, 'customers have no username');
    await page.getByLabel('Email').fill(customerEmail);
    await page.getByLabel('Display name').fill('Customer One');
    await page.getByLabel('Initial password').fill('a-long-enough-password');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('The account was added.').waitFor();
    await page.goto(`${consoleHome}customers?q=${encodeURIComponent(customerEmail)}`);
    check(await page.getByRole('link', { name: customerEmail, exact: true }).count() === 1, 'the new customer is listed');
    await accessible(page, 'the Customers list');
    await shot(page, 'console-customers');
  });

  await step('Identity providers: one is added at a loopback JWKS; Test this provider shows its key; a private address is refused', async () => {
    await page.goto(`${consoleHome}partition`);
    await page.getByRole('main').getByRole('link', { name: 'Identity providers', exact: true }).click();
    equal(await heading(page), 'Identity providers', 'identity providers heading');
    await accessible(page, 'the Identity providers list');
    await page.getByRole('link', { name: 'Add', exact: true }).click();
    await page.getByLabel('Name', { exact: true }).fill(idpName);
    await page.getByLabel('Issuer').fill('https://idp.example.test');
    await page.getByLabel('JWKS URI').fill('https://10.0.0.1/jwks');
    await page.getByLabel('Audiences').fill('api://tessera');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#jwks_uri-error').waitFor({ state: 'visible' });
    check((await page.locator('#jwks_uri-error').textContent()).includes('public'), 'a private address is refused, saying why');
    await accessible(page, 'the Add identity provider form with errors');
    await page.getByLabel('JWKS URI').fill(idpJwks);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('The identity provider was registered.').waitFor();
    equal(await heading(page), idpName, 'the provider page, its name as text');
    await page.getByRole('button', { name: 'Test this provider' }).click();
    await page.locator('#key-check').waitFor({ state: 'visible' });
    check(await page.getByText('Found 1 key, 1 usable for token exchange').isVisible(), `the key count: ${await page.locator('#key-check').textContent()}`);
    check(await page.getByRole('cell', { name: idpKid, exact: true }).isVisible(), 'the key id');
    await accessible(page, 'the identity provider test result');
    await shot(page, 'console-identity-provider-test');
    await page.getByRole('link', { name: 'Delete', exact: true }).click();
    await page.getByRole('button', { name: 'Delete identity provider' }).click();
    await page.getByText('The identity provider was deleted.').waitFor();
    equal(await page.getByRole('link', { name: idpName, exact: true }).count(), 0, 'the deleted provider is gone');
  });

  await step('a POST without the CSRF field is refused and changes nothing', async () => {
    const resp = await page.request.post(`${consoleHome}client-applications`, {
      form: { name: 'CSRF probe', platform: 'web', redirect_urls: 'https://app.example/cb' },
      maxRedirects: 0,
    });
    equal(resp.status(), 403, 'status of a POST without the CSRF field');
    const wrong = await page.request.post(`${consoleHome}client-applications`, {
      form: { csrf: 'not-the-token', name: 'CSRF probe', platform: 'web', redirect_urls: 'https://app.example/cb' },
      maxRedirects: 0,
    });
    equal(wrong.status(), 403, 'status of a POST with a wrong CSRF field');
    await page.goto(`${consoleHome}client-applications?q=${encodeURIComponent('CSRF probe')}`);
    equal(await page.getByRole('link', { name: 'CSRF probe' }).count(), 0, 'no application was registered by those POSTs');
  });

  await step('Sign out ends the console session and the realm session', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${consoleHome}signed-out`);
    equal(await heading(page), 'Signed out', 'signed-out heading');
    await accessible(page, 'the signed-out page');
    await page.goto(consoleHome);
    await page.locator('#username').waitFor({ state: 'visible' });
    check(new URL(page.url()).pathname.endsWith('/oauth2/authorize'), 'the console asks to sign in again (no single sign-on left)');
  });
  await context.close();

  const other = await browser.newContext();
  const agentPage = await other.newPage();
  watch(agentPage, 'agent');
  await step('a user who is not a Partition Administrator gets a 403 page', async () => {
    await agentPage.goto(`${consoleHome}client-applications`);
    const statuses = [];
    agentPage.on('response', (r) => { if (r.url().includes('/callback')) statuses.push(r.status()); });
    await signIn(agentPage, agentUser, agentPassword);
    await agentPage.getByRole('heading', { name: 'Not a Partition Administrator' }).waitFor();
    equal(JSON.stringify(statuses), '[403]', 'the callback status');
    await accessible(agentPage, 'the 403 page');
    await shot(agentPage, 'console-not-an-administrator');
  });
  await other.close();

  // The CSP violations a page causes are logged as console errors.
  check(consoleErrors.length === 0, `console errors:\n${consoleErrors.join('\n')}`);
  return { client_id: clientId, name: appName, department: deptName, customer: customerEmail, audited };
}

const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
const timer = report.watchdog(OVERALL_TIMEOUT_MS);
let code = 0;
try {
  const result = await run(browser);
  note(`RESULT ${JSON.stringify(result)}`);
} catch (e) {
  code = 1;
  await report.failure(e, browser, 'tessera-console-failure');
} finally {
  clearTimeout(timer);
  await browser.close();
}
process.exit(code);
