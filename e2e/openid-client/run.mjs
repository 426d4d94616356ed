// An unmodified relying party against a running Tessera: panva's `openid-client` (certified
// OpenID Connect RP library) in its default configuration — no `allowInsecureRequests`, no
// algorithm or client-authentication overrides — completes, at both realms:
// discovery, the authorization code flow with PKCE, state and nonce (the library checks the
// ID token's `iss`, `aud`, `exp`, `iat`, `nonce` and that it is signed with RS256, the default
// `id_token_signed_response_alg`), userinfo (with the `sub` check), refresh, introspection,
// RP-initiated logout (`state` comes back), `prompt=none` after logout (`login_required`),
// and revocation.
//
// Default configuration means https: the library refuses plain http. So this script puts a TLS
// front in front of Tessera, the way production runs it (Tessera serves http behind a
// TLS-terminating proxy): a self-signed certificate made with `openssl` for 127.0.0.1, trusted
// through NODE_EXTRA_CA_CERTS (the test harness starts node with it), and an https server on
// E2E_PUBLIC_PORT that forwards every request to E2E_BACKEND.
//
// The browser's part (following redirects, keeping cookies, filling the login form) is played
// by fetch with a cookie jar; the real browser runs of Tessera's pages are e2e/spa.
//
// Environment: E2E_BACKEND (http://127.0.0.1:PORT), E2E_PUBLIC_PORT, E2E_DEV_JSON
// (what `serve --dev` wrote), TLS_DIR (holds cert.pem and key.pem).

import { readFileSync } from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import * as client from 'openid-client';

const BUDGET_MS = 60_000;
const timer = setTimeout(() => {
  console.error(`FAIL: the run took longer than ${BUDGET_MS / 1000} s`);
  process.exit(1);
}, BUDGET_MS);

function need(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
}

const backend = new URL(need('E2E_BACKEND'));
const publicPort = Number(need('E2E_PUBLIC_PORT'));
const dev = JSON.parse(readFileSync(need('E2E_DEV_JSON'), 'utf8'));
const tlsDir = need('TLS_DIR');

function check(cond, what, detail) {
  if (!cond) {
    throw new Error(`${what}${detail === undefined ? '' : `: ${JSON.stringify(detail)}`}`);
  }
  console.log(`ok - ${what}`);
}

// --- the TLS front ---------------------------------------------------------------------------

function startFront() {
  const server = https.createServer(
    { key: readFileSync(`${tlsDir}/key.pem`), cert: readFileSync(`${tlsDir}/cert.pem`) },
    (req, res) => {
      const upstream = http.request(
        {
          host: backend.hostname,
          port: backend.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, 'x-forwarded-proto': 'https' },
        },
        (up) => {
          res.writeHead(up.statusCode, up.rawHeaders);
          up.pipe(res);
        },
      );
      upstream.on('error', (e) => {
        res.writeHead(502);
        res.end(String(e));
      });
      req.pipe(upstream);
    },
  );
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(publicPort, '127.0.0.1', () => resolve(server));
  });
}

// --- the browser's part: redirects and cookies -------------------------------------------------

class UserAgent {
  constructor() {
    this.jar = new Map();
  }

  cookieHeader(url) {
    const u = new URL(url);
    const sendable = [...this.jar.values()].filter(
      (c) => u.pathname.startsWith(c.path) && (!c.secure || u.protocol === 'https:'),
    );
    return sendable.map((c) => `${c.name}=${c.value}`).join('; ');
  }

  remember(url, response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const attr = (k) => attrs.find((a) => a.toLowerCase().startsWith(k));
      const path = attr('path=')?.slice(5) ?? '/';
      const expired = attr('max-age=0') !== undefined || value === '';
      if (expired) {
        this.jar.delete(name);
      } else {
        this.jar.set(name, { name, value, path, secure: attr('secure') !== undefined });
      }
    }
  }

  async request(url, init = {}) {
    const headers = new Headers(init.headers ?? {});
    const cookies = this.cookieHeader(url);
    if (cookies) headers.set('cookie', cookies);
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    this.remember(url, response);
    return response;
  }

  // Follows redirects within Tessera until one leaves it (to the relying party) or a page is
  // answered; returns { url } for the former, { page, status, url } for the latter.
  async navigate(url, init = {}) {
    let current = url;
    let request = init;
    for (let hop = 0; hop < 10; hop += 1) {
      const response = await this.request(current, request);
      if (response.status >= 300 && response.status < 400) {
        const next = new URL(response.headers.get('location'), current).href;
        if (new URL(next).port !== String(publicPort)) return { url: next };
        current = next;
        request = {};
        continue;
      }
      return { page: await response.text(), status: response.status, url: current };
    }
    throw new Error(`more than 10 redirects from ${url}`);
  }

  async signIn(authorizationUrl, username, password) {
    const first = await this.navigate(authorizationUrl);
    check(first.page !== undefined && /id="username"/.test(first.page), 'the login page is shown', first.status);
    const form = loginForm(first.page, first.url);
    const body = new URLSearchParams({ ...form.hidden, username, password });
    const done = await this.navigate(form.action, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: new URL(first.url).origin,
        'sec-fetch-site': 'same-origin',
      },
    });
    check(done.url !== undefined, 'signing in redirects back to the application', done.page?.slice(0, 300));
    return new URL(done.url);
  }
}

function unescapeHtml(s) {
  return s
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}

function loginForm(page, pageUrl) {
  const action = /<form method="post" action="([^"]+)"/.exec(page)?.[1];
  if (!action) throw new Error('the login page has no form');
  const hidden = {};
  for (const m of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    hidden[m[1]] = unescapeHtml(m[2]);
  }
  return { action: new URL(unescapeHtml(action), pageUrl).href, hidden };
}

// --- setting up the relying party through the admin API --------------------------------------

async function adminApi(method, path, body) {
  // The automation client is itself a relying party: openid-client's client credentials grant.
  const automation = await client.discovery(
    new URL(dev.user_issuer),
    dev.automation_client_id,
    dev.automation_client_secret,
  );
  const token = await client.clientCredentialsGrant(automation, { scope: 'app.core.admin.manage' });
  const url = `https://127.0.0.1:${publicPort}/admin/api/v1/partitions/${dev.partition}${path}`;
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token.access_token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function registerApplication(realm) {
  const callback = `http://127.0.0.1:${publicPort + 1}/callback`;
  const signedOut = `http://127.0.0.1:${publicPort + 1}/signed-out`;
  const created = await adminApi('POST', '/client-applications', {
    name: `openid-client at the ${realm} realm`,
    platform: 'web',
    redirect_urls: [callback],
    post_logout_redirect_urls: [signedOut],
  });
  check(
    created.id_token_signed_response_alg === 'RS256',
    'a client application registered without an algorithm gets RS256 ID tokens',
    created.id_token_signed_response_alg,
  );
  const secret = await adminApi('POST', `/client-applications/${created.client_id}/secrets`, {
    name: 'openid-client',
  });
  return { clientId: created.client_id, secret: secret.value, callback, signedOut };
}

// --- one realm -------------------------------------------------------------------------------

async function realm(name, issuer, username, password) {
  console.log(`# the ${name} realm (${issuer})`);
  const app = await registerApplication(name);
  // Defaults: client_secret_post, RS256 ID tokens, https only, the issuer checked against
  // discovery's `issuer`.
  const config = await client.discovery(new URL(issuer), app.clientId, app.secret);
  const meta = config.serverMetadata();
  check(meta.issuer === issuer, 'discovery names the issuer it was fetched from', meta.issuer);
  check(
    meta.id_token_signing_alg_values_supported.includes('RS256'),
    'discovery lists RS256 for ID tokens',
    meta.id_token_signing_alg_values_supported,
  );

  const browser = new UserAgent();
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const authorizationUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: app.callback,
    scope: 'openid profile email offline_access',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    max_age: '300',
    // OPTIONAL parameters an OP must accept without error (OIDC Core §3.1.2.1, §15.1).
    display: 'page',
    ui_locales: 'en-GB en',
  });
  const callback = await browser.signIn(authorizationUrl.href, username, password);

  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    maxAge: 300,
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  check(claims.iss === issuer && claims.aud === app.clientId, 'the ID token is for this client from this issuer', claims);
  check(typeof claims.sid === 'string' && claims.sid.length > 0, 'the ID token carries the session id (sid)', claims);
  check(typeof claims.auth_time === 'number', 'the ID token carries auth_time (max_age was sent)', claims);
  const header = JSON.parse(Buffer.from(tokens.id_token.split('.')[0], 'base64url').toString());
  check(header.alg === 'RS256', 'the ID token is signed with RS256', header);
  check(typeof tokens.refresh_token === 'string', 'offline_access gives a refresh token');

  const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  check(info.sub === claims.sub, 'userinfo answers for the same subject', info);
  check(typeof info.name === 'string' && info.name.length > 0, 'userinfo answers the profile scope', info);

  const introspected = await client.tokenIntrospection(config, tokens.access_token);
  check(introspected.active === true && introspected.client_id === app.clientId, 'introspection says the access token is active', introspected);

  // The library's defaults trust the token endpoint's TLS for the ID token (OIDC Core
  // §3.1.3.7 allows it) and do not check its signature. Its non-repudiation option does: the
  // refresh goes through a second configuration with it on, which fetches the JWKS and checks
  // the refreshed ID token's signature with the client's algorithm (RS256).
  const verifying = await client.discovery(new URL(issuer), app.clientId, app.secret);
  client.enableNonRepudiationChecks(verifying);
  const refreshed = await client.refreshTokenGrant(verifying, tokens.refresh_token);
  check(refreshed.access_token && refreshed.access_token !== tokens.access_token, 'refresh gives a new access token');
  const refreshedClaims = refreshed.claims();
  check(
    refreshedClaims?.sub === claims.sub && refreshedClaims?.sid === claims.sid,
    'the refreshed ID token passes the signature check and names the same subject and session',
    refreshedClaims,
  );

  // Single sign-on: a second request with prompt=none is answered without the login page.
  const silentState = client.randomState();
  const silentVerifier = client.randomPKCECodeVerifier();
  const silent = await browser.navigate(
    client.buildAuthorizationUrl(config, {
      redirect_uri: app.callback,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(silentVerifier),
      code_challenge_method: 'S256',
      state: silentState,
      prompt: 'none',
    }).href,
  );
  check(silent.url !== undefined, 'prompt=none within the session redirects back', silent.page?.slice(0, 300));
  const silentTokens = await client.authorizationCodeGrant(config, new URL(silent.url), {
    pkceCodeVerifier: silentVerifier,
    expectedState: silentState,
  });
  check(silentTokens.claims().sid === claims.sid, 'the silent sign-in is the same session');

  // RP-initiated logout with the ID token as the hint: no confirmation (it is this browser's
  // session), back to the registered address with state.
  const logoutState = client.randomState();
  const endSession = client.buildEndSessionUrl(config, {
    id_token_hint: tokens.id_token,
    post_logout_redirect_uri: app.signedOut,
    state: logoutState,
    // OPTIONAL (RP-Initiated Logout 1.0 §2): accepted and ignored.
    logout_hint: username,
    ui_locales: 'en',
  });
  const loggedOut = await browser.navigate(endSession.href);
  check(loggedOut.url !== undefined, 'logout redirects to the post-logout address', loggedOut.page?.slice(0, 300));
  const back = new URL(loggedOut.url);
  check(
    `${back.origin}${back.pathname}` === app.signedOut && back.searchParams.get('state') === logoutState,
    'logout comes back to the registered address with state',
    loggedOut.url,
  );

  // The session is over: prompt=none now fails with login_required, which the library raises.
  const afterState = client.randomState();
  const after = await browser.navigate(
    client.buildAuthorizationUrl(config, {
      redirect_uri: app.callback,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state: afterState,
      prompt: 'none',
    }).href,
  );
  let refusal;
  try {
    await client.authorizationCodeGrant(config, new URL(after.url), { expectedState: afterState, pkceCodeVerifier: 'x'.repeat(43) });
  } catch (e) {
    refusal = e;
  }
  check(refusal?.error === 'login_required', 'after logout, prompt=none is refused with login_required', refusal?.message);

  // Revocation (RFC 7009) ends the refresh token.
  await client.tokenRevocation(config, refreshed.refresh_token ?? tokens.refresh_token);
  let revoked;
  try {
    await client.refreshTokenGrant(config, refreshed.refresh_token ?? tokens.refresh_token);
  } catch (e) {
    revoked = e;
  }
  check(revoked?.error === 'invalid_grant', 'a revoked refresh token is refused with invalid_grant', revoked?.message);
}

let front;
try {
  front = await startFront();
  await realm('users', dev.user_issuer, dev.demo.agent[0], dev.demo.agent[1]);
  await realm('customers', dev.customer_issuer, dev.demo.customer[0], dev.demo.customer[1]);
  console.log('PASS: openid-client completed every step at both realms');
} catch (e) {
  console.error(`FAIL: ${e?.stack ?? e}`);
  if (e?.cause) console.error('cause:', e.cause);
  process.exitCode = 1;
} finally {
  front?.close();
  front?.closeAllConnections?.();
  clearTimeout(timer);
}
