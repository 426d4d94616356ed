// End-to-end test of examples/spa in a real browser (Debian's chromium through playwright-core)
// against a running Tessera: sign in on Tessera's login page, tokens in the browser, refresh,
// userinfo, single sign-on, sign-out.
//
//   TESSERA_SPA_CLIENT_ID=... TESSERA_PASSWORD=... node e2e/spa/run.mjs
//
// Environment:
//   TESSERA_ISSUER          realm issuer (default http://127.0.0.1:8080/system/auth/demo-U)
//   TESSERA_SPA_CLIENT_ID   the SPA client's id; its redirect URIs must include
//                           http://127.0.0.1:{SPA_PORT}/callback.html and its post-logout
//                           redirect URIs http://127.0.0.1:{SPA_PORT}/ (required)
//   TESSERA_USERNAME        who signs in (default agent1; an email at a -C issuer)
//   TESSERA_PASSWORD        their password (required)
//   TESSERA_SPA_SCOPE       scopes the SPA asks for (default: examples/spa's default)
//   SPA_PORT                where this script serves the SPA (default 5173)
//   CHROMIUM                the browser (default /usr/bin/chromium)
//   E2E_SCREENSHOT_DIR      where to save a screenshot on failure (default the OS temp dir)
//
// Exit code 0 when every check passed; otherwise 1 after printing the failed check, the page's
// URL and text, console errors and failed requests.

import { createHash, webcrypto } from 'node:crypto';
import { chromium } from 'playwright-core';
import { startServer, DEFAULT_ISSUER, DEFAULT_SCOPE } from '../../examples/spa/serve.mjs';

import { check, createReport, equal } from '../lib/report.mjs';

const OVERALL_TIMEOUT_MS = 60_000;
const ACTION_TIMEOUT_MS = 10_000;
const NAVIGATION_TIMEOUT_MS = 15_000;

const env = process.env;
const issuer = (env.TESSERA_ISSUER || DEFAULT_ISSUER).replace(/\/+$/, '');
const clientId = env.TESSERA_SPA_CLIENT_ID;
const username = env.TESSERA_USERNAME || 'agent1';
const password = env.TESSERA_PASSWORD;
const scope = env.TESSERA_SPA_SCOPE || DEFAULT_SCOPE;
const spaPort = Number(env.SPA_PORT || 5173);
const chromiumPath = env.CHROMIUM || '/usr/bin/chromium';

if (!clientId || !password) {
  console.error('TESSERA_SPA_CLIENT_ID and TESSERA_PASSWORD are required (see the header of e2e/spa/run.mjs).');
  process.exit(2);
}

const spaOrigin = `http://127.0.0.1:${spaPort}`;
const issuerOrigin = new URL(issuer).origin;
const storageKey = `oidc.user:${issuer}:${clientId}`;
const customersRealm = /-C$/.test(issuer);

// ---------------------------------------------------------------------------------------------
// Reporting (e2e/lib/report.mjs)

const report = createReport({
  actionTimeoutMs: ACTION_TIMEOUT_MS,
  navigationTimeoutMs: NAVIGATION_TIMEOUT_MS,
  recordHttpErrors: true,
});
const { note, step, watch, started } = report;

// ---------------------------------------------------------------------------------------------
// Tokens

function b64urlJson(part) {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

function decodeJwt(token) {
  const [h, p] = String(token).split('.');
  return { header: b64urlJson(h), payload: b64urlJson(p) };
}

const ALGS = {
  ES256: [{ name: 'ECDSA', namedCurve: 'P-256' }, { name: 'ECDSA', hash: 'SHA-256' }],
  ES384: [{ name: 'ECDSA', namedCurve: 'P-384' }, { name: 'ECDSA', hash: 'SHA-384' }],
  RS256: [{ name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, { name: 'RSASSA-PKCS1-v1_5' }],
  PS256: [{ name: 'RSA-PSS', hash: 'SHA-256' }, { name: 'RSA-PSS', saltLength: 32 }],
  EdDSA: [{ name: 'Ed25519' }, { name: 'Ed25519' }],
};

let discoveryCache;
async function discovery() {
  if (!discoveryCache) {
    const resp = await fetch(`${issuer}/.well-known/openid-configuration`);
    check(resp.ok, `discovery answered ${resp.status}`);
    discoveryCache = await resp.json();
  }
  return discoveryCache;
}

let jwksCache;
/** Verifies a JWT's signature against the issuer's published keys (as any relying party would). */
async function verifySignature(token, what) {
  const { header } = decodeJwt(token);
  const alg = ALGS[header.alg];
  check(alg, `${what}: unexpected alg ${header.alg}`);
  if (!jwksCache) jwksCache = await (await fetch((await discovery()).jwks_uri)).json();
  const jwk = jwksCache.keys.find((k) => k.kid === header.kid);
  check(jwk, `${what}: kid ${header.kid} is not in the issuer's JWKS`);
  const key = await webcrypto.subtle.importKey('jwk', jwk, alg[0], false, ['verify']);
  const [h, p, s] = token.split('.');
  const ok = await webcrypto.subtle.verify(
    alg[1],
    key,
    Buffer.from(s, 'base64url'),
    Buffer.from(`${h}.${p}`),
  );
  check(ok, `${what}: signature does not verify with the issuer's key ${header.kid}`);
}

/** at_hash per OpenID Connect Core 3.1.3.6 (left half of the hash of the access token). */
function atHash(accessToken, alg) {
  const bits = { ES256: 'sha256', RS256: 'sha256', PS256: 'sha256', ES384: 'sha384', EdDSA: 'sha512' }[alg];
  const digest = createHash(bits).update(accessToken, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

/** The stored oidc-client-ts user of this tab (sessionStorage), or null. */
async function storedUser(page) {
  const raw = await page.evaluate((k) => window.sessionStorage.getItem(k), storageKey);
  return raw ? JSON.parse(raw) : null;
}

/** Scope tokens, with permission names reduced to their short form (full names end in /name). */
function scopeSet(s) {
  return new Set(String(s || '').split(/\s+/).filter(Boolean).map((x) => x.replace(/^.*\//, '')));
}

// ---------------------------------------------------------------------------------------------
// Pages

async function onLoginPage(page) {
  await page.locator('#username').waitFor({ state: 'visible' });
  equal(new URL(page.url()).origin, issuerOrigin, 'the login page is served by the issuer');
  equal(await page.locator('#password').getAttribute('type'), 'password', 'the password field type');
}

async function signedInAtSpa(page) {
  await page.waitForURL((u) => u.origin === spaOrigin && u.pathname === '/', { timeout: NAVIGATION_TIMEOUT_MS });
  await page.locator('#status[data-state="signed-in"]').waitFor({ state: 'attached' });
  await page.locator('body[data-busy="false"]').waitFor({ state: 'attached' });
}

async function submitLogin(page, user, pass) {
  await page.fill('#username', user);
  await page.fill('#password', pass);
  await page.click('button[type="submit"]');
}

async function text(page, selector) {
  return (await page.locator(selector).textContent())?.trim() ?? '';
}

// ---------------------------------------------------------------------------------------------

async function run(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  watch(page, 'tab 1');

  await step(`the SPA loads at ${spaOrigin}/ signed out`, async () => {
    await page.goto(`${spaOrigin}/`);
    await page.locator('#status[data-state="signed-out"]').waitFor({ state: 'attached' });
    check(await page.locator('#sign-in').isVisible(), '#sign-in is not visible');
    check(await page.locator('#error').isHidden(), `#error shows: ${await text(page, '#error')}`);
  });

  await step('discovery advertises what the SPA relies on', async () => {
    const d = await discovery();
    equal(d.issuer, issuer, 'discovery issuer');
    check(d.code_challenge_methods_supported?.includes('S256'), 'S256 is not in code_challenge_methods_supported');
    check(d.end_session_endpoint, 'no end_session_endpoint');
    check(d.userinfo_endpoint, 'no userinfo_endpoint');
    check(d.grant_types_supported?.includes('refresh_token'), 'refresh_token is not in grant_types_supported');
    equal(d.authorization_response_iss_parameter_supported, true, 'authorization_response_iss_parameter_supported');
  });

  await step('bad authorization requests: error page or error redirect, never a code', async () => {
    // A tab of its own without the console/HTTP watchers: these errors are the expected ones.
    const probe = await context.newPage();
    probe.setDefaultTimeout(ACTION_TIMEOUT_MS);
    probe.setDefaultNavigationTimeout(NAVIGATION_TIMEOUT_MS);
    const authorize = (params) =>
      probe.goto(
        `${issuer}/oauth2/authorize?${new URLSearchParams({
          client_id: clientId,
          redirect_uri: `${spaOrigin}/callback.html`,
          response_type: 'code',
          scope: 'openid',
          state: 'probe-state',
          code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
          code_challenge_method: 'S256',
          ...params,
        })}`,
      );
    // An unregistered redirect_uri: an error page at the issuer (400), no redirect.
    const bad = await authorize({ redirect_uri: 'http://127.0.0.1:1/not-registered.html' });
    equal(bad?.status(), 400, 'status of the authorization request with an unregistered redirect_uri');
    equal(new URL(probe.url()).origin, issuerOrigin, 'stays at the issuer');
    // Errors the client may see go back to it with state and iss (RFC 9207).
    const redirected = async (params, error) => {
      await authorize(params);
      const u = new URL(probe.url());
      equal(`${u.origin}${u.pathname}`, `${spaOrigin}/callback.html`, `redirect for ${error}`);
      equal(u.searchParams.get('error'), error, `error for ${JSON.stringify(params)}`);
      equal(u.searchParams.get('state'), 'probe-state', `state with ${error}`);
      equal(u.searchParams.get('iss'), issuer, `iss with ${error}`);
      check(!u.searchParams.has('code'), `a code came with ${error}`);
    };
    await redirected({ code_challenge: '', code_challenge_method: '' }, 'invalid_request'); // a SPA without PKCE
    await redirected({ prompt: 'none' }, 'login_required'); // nobody signed in yet
    await probe.close();
  });

  await step('"Sign in" goes to the Tessera login page (authorization code + PKCE)', async () => {
    const authorizeEndpoint = (await discovery()).authorization_endpoint;
    const requests = [];
    const onRequest = (r) => {
      if (r.isNavigationRequest() && r.url().startsWith(`${authorizeEndpoint}?`)) requests.push(new URL(r.url()));
    };
    page.on('request', onRequest);
    await page.click('#sign-in');
    await onLoginPage(page);
    page.off('request', onRequest);
    equal(requests.length, 1, 'authorization requests');
    const q = requests[0].searchParams;
    equal(q.get('client_id'), clientId, 'client_id');
    equal(q.get('response_type'), 'code', 'response_type');
    equal(q.get('redirect_uri'), `${spaOrigin}/callback.html`, 'redirect_uri');
    equal(q.get('code_challenge_method'), 'S256', 'code_challenge_method');
    check(/^[A-Za-z0-9_-]{43}$/.test(q.get('code_challenge') ?? ''), `code_challenge ${q.get('code_challenge')}`);
    check(q.get('state') && q.get('nonce'), 'state or nonce missing');
    equal(q.get('scope'), scope, 'scope');
    const url = new URL(page.url());
    // Either still /oauth2/authorize (login page rendered in place) or a login URL at the issuer.
    check(url.pathname.startsWith(new URL(issuer).pathname), `login page outside the issuer: ${url}`);
  });

  await step('a wrong password shows role=alert and stays on the login page', async () => {
    await submitLogin(page, username, `${password}-wrong`);
    const alert = page.locator('[role="alert"]');
    await alert.waitFor({ state: 'visible' });
    const message = (await alert.textContent())?.trim();
    check(message, 'the alert is empty');
    await onLoginPage(page);
    note(`      alert: "${message}"`);
  });

  await step('the right password returns to the SPA signed in (code, state, iss)', async () => {
    const callbacks = [];
    const onRequest = (r) => {
      if (r.isNavigationRequest() && r.url().startsWith(`${spaOrigin}/callback.html`)) callbacks.push(new URL(r.url()));
    };
    page.on('request', onRequest);
    // The form post's answer: a redirect back to the SPA, or (failing fast) the login page again.
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.request().isNavigationRequest()),
      submitLogin(page, username, password),
    ]);
    let outcome = 'signed in';
    if (answer.status() >= 300 && answer.status() < 400) {
      await signedInAtSpa(page);
    } else {
      await page.waitForLoadState();
      const alert = page.locator('[role="alert"]');
      outcome = `HTTP ${answer.status()}${(await alert.count()) ? `, "${(await alert.first().textContent())?.trim()}"` : ''}`;
    }
    equal(outcome, 'signed in', 'after the right password');
    page.off('request', onRequest);
    check(await page.locator('#error').isHidden(), `#error shows: ${await text(page, '#error')}`);
    equal(callbacks.length, 1, 'authorization responses at callback.html');
    const params = callbacks[0].searchParams;
    check(params.get('code'), 'no code in the authorization response');
    check(params.get('state'), 'no state in the authorization response');
    equal(params.get('iss'), issuer, 'iss in the authorization response');
  });

  const first = await step('profile, scope and tokens are what was asked for', async () => {
    const user = await storedUser(page);
    check(user, `no user in sessionStorage under ${storageKey}`);
    check(user.id_token, 'no id_token');
    check(user.access_token, 'no access_token');
    check(user.refresh_token, 'no refresh_token although offline_access was asked for');
    const id = decodeJwt(user.id_token);
    const at = decodeJwt(user.access_token);
    await verifySignature(user.id_token, 'ID token');
    await verifySignature(user.access_token, 'access token');
    equal(id.header.typ, 'JWT', 'ID token typ');
    check(
      (await discovery()).id_token_signing_alg_values_supported?.includes(id.header.alg),
      `ID token alg ${id.header.alg} is not in id_token_signing_alg_values_supported`,
    );
    equal(id.payload.iss, issuer, 'ID token iss');
    check(
      id.payload.aud === clientId || (Array.isArray(id.payload.aud) && id.payload.aud.includes(clientId)),
      `ID token aud ${JSON.stringify(id.payload.aud)} does not name the client ${clientId}`,
    );
    check(id.payload.nonce, 'ID token has no nonce');
    check(id.payload.sid, 'ID token has no sid');
    check(id.payload.auth_time, 'ID token has no auth_time');
    if (id.payload.at_hash) {
      equal(id.payload.at_hash, atHash(user.access_token, id.header.alg), 'ID token at_hash');
    }
    equal(at.header.typ, 'at+jwt', 'access token typ');
    equal(at.payload.iss, issuer, 'access token iss');
    equal(at.payload.sub, id.payload.sub, 'access token sub = ID token sub');

    const sub = await text(page, '#sub');
    equal(sub, id.payload.sub, 'displayed sub = ID token sub');
    check(await text(page, '#name'), 'no name shown (profile scope)');
    const email = await text(page, '#email');
    check(email.includes('@'), `no email shown (email scope): "${email}"`);
    if (username.includes('@')) equal(email.toLowerCase(), username.toLowerCase(), 'email');
    if (!customersRealm) {
      const preferred = await text(page, '#preferred-username');
      check(
        preferred === username || email.toLowerCase() === username.toLowerCase(),
        `preferred_username "${preferred}" is not the user who signed in (${username})`,
      );
    }

    const wanted = scopeSet(scope);
    const shown = scopeSet(await text(page, '#scope'));
    for (const s of wanted) check(shown.has(s), `scope "${s}" missing from the granted scope "${await text(page, '#scope')}"`);
    const inToken = scopeSet(at.payload.scope ?? at.payload.scp);
    const permissions = [...wanted].filter((s) => !['openid', 'profile', 'email', 'offline_access'].includes(s));
    for (const s of permissions) check(inToken.has(s), `permission "${s}" missing from the access token's scope`);
    const expiresAt = Number(await page.locator('#expires').getAttribute('data-expires-at'));
    const now = Date.now() / 1000;
    check(expiresAt > now + 10 && expiresAt <= now + 24 * 3600, `implausible expiry ${expiresAt} (now ${now})`);
    check(await text(page, '#token-id'), 'no jti shown for the access token');
    note(`      sub ${sub}, scope "${await text(page, '#scope')}", expires in ${Math.round(expiresAt - now)} s`);
    return { user, sub };
  });

  await step('"Renew" refreshes: new access token, rotated refresh token, same subject', async () => {
    const jtiBefore = await text(page, '#token-id');
    const tokenEndpoint = (await discovery()).token_endpoint;
    const grants = [];
    const onRequest = (r) => {
      if (r.method() === 'POST' && r.url() === tokenEndpoint) grants.push(new URLSearchParams(r.postData() ?? '').get('grant_type'));
    };
    page.on('request', onRequest);
    await page.click('#renew');
    await page.locator('body[data-busy="false"]').waitFor({ state: 'attached' });
    page.off('request', onRequest);
    equal(grants.join(','), 'refresh_token', 'token requests made by "Renew"');
    check(await page.locator('#error').isHidden(), `renew failed: ${await text(page, '#error')}`);
    await page.locator('#status[data-state="signed-in"]').waitFor({ state: 'attached' });
    const user = await storedUser(page);
    check(user && user.access_token, 'no user after renewing');
    check(user.access_token !== first.user.access_token, 'the access token did not change');
    check(user.refresh_token, 'no refresh token after renewing');
    check(user.refresh_token !== first.user.refresh_token, 'the refresh token was not rotated');
    check((await text(page, '#token-id')) !== jtiBefore, 'the displayed jti did not change');
    await verifySignature(user.access_token, 'renewed access token');
    equal(decodeJwt(user.access_token).payload.sub, first.sub, 'renewed access token sub');
    equal(await text(page, '#sub'), first.sub, 'displayed sub after renewing');
    if (user.id_token !== first.user.id_token) {
      equal(decodeJwt(user.id_token).payload.sub, first.sub, 'renewed ID token sub');
    }
  });

  await step('"Call userinfo" answers the signed-in subject (CORS, Bearer)', async () => {
    await page.click('#call-userinfo');
    await page.locator('body[data-busy="false"]').waitFor({ state: 'attached' });
    check(await page.locator('#error').isHidden(), `userinfo failed: ${await text(page, '#error')}`);
    await page.locator('#userinfo-section').waitFor({ state: 'visible' });
    const info = JSON.parse(await text(page, '#userinfo'));
    equal(info.sub, first.sub, 'userinfo sub');
    equal(info.email, await text(page, '#email'), 'userinfo email');
    equal(info.name, await text(page, '#name'), 'userinfo name');
  });

  await step('single sign-on: a new tab signs in without the login page', async () => {
    const tab = await context.newPage();
    watch(tab, 'tab 2');
    await tab.goto(`${spaOrigin}/`);
    await tab.locator('#status[data-state="signed-out"]').waitFor({ state: 'attached' });
    await tab.click('#sign-in');
    await signedInAtSpa(tab);
    equal(await text(tab, '#sub'), first.sub, 'sub in the second tab');
    await tab.close();
  });

  await step('"Sign out" revokes the tokens, ends the session and returns to the SPA signed out', async () => {
    const before = await storedUser(page);
    const idToken = before.id_token;
    const { revocation_endpoint: revocationEndpoint, token_endpoint: tokenEndpoint } = await discovery();
    const revocations = [];
    const onResponse = (r) => {
      if (r.url() === revocationEndpoint && r.request().method() === 'POST') {
        revocations.push(`${new URLSearchParams(r.request().postData() ?? '').get('token_type_hint')}:${r.status()}`);
      }
    };
    page.on('response', onResponse);
    await page.click('#sign-out');
    await page.waitForURL((u) => u.origin === spaOrigin && u.pathname === '/' && !u.search, {
      timeout: NAVIGATION_TIMEOUT_MS,
    });
    await page.locator('#status[data-state="signed-out"]').waitFor({ state: 'attached' });
    check(await page.locator('#error').isHidden(), `#error shows: ${await text(page, '#error')}`);
    page.off('response', onResponse);
    check((await storedUser(page)) === null, 'the user is still in sessionStorage');
    check(idToken, 'there was no ID token to send as id_token_hint');
    equal(revocations.sort().join(' '), 'access_token:200 refresh_token:200', 'revocation requests (hint:status)');
    // The refresh token the tab held no longer works.
    const resp = await fetch(tokenEndpoint, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: before.refresh_token, client_id: clientId }),
    });
    const body = await resp.json().catch(() => ({}));
    check(resp.status === 400 && body.error === 'invalid_grant', `the revoked refresh token got ${resp.status} ${JSON.stringify(body)}`);
  });

  await step('after sign-out, "Sign in" shows the login page again (SSO session ended)', async () => {
    await page.click('#sign-in');
    // Whichever comes first: the login page (right) or straight back signed in (wrong).
    const outcome = await Promise.race([
      page.locator('#username').waitFor({ state: 'visible' }).then(() => 'login'),
      page
        .waitForURL((u) => u.origin === spaOrigin && u.pathname === '/callback.html')
        .then(() => 'callback'),
    ]);
    equal(outcome, 'login', 'where "Sign in" led after signing out');
    await onLoginPage(page);
  });

  await context.close();
}

// ---------------------------------------------------------------------------------------------

async function main() {
  note(`SPA e2e: issuer ${issuer}, client ${clientId}, user ${username}, SPA ${spaOrigin}, browser ${chromiumPath}`);
  const server = await startServer({ issuer, clientId, scope, port: spaPort });
  let browser;
  const watchdog = report.watchdog(OVERALL_TIMEOUT_MS);
  try {
    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
      timeout: 20_000,
    });
    note(`  ok  chromium ${browser.version()} launched (${Date.now() - started} ms)`);
    await run(browser);
    note(`PASSED in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return 0;
  } catch (e) {
    await report.failure(e, browser, 'tessera-spa-e2e');
    return 1;
  } finally {
    clearTimeout(watchdog);
    await browser?.close().catch(() => {});
    await new Promise((resolve) => server.close(resolve));
  }
}

process.exit(await main());
