// The Tessera SPA example: one module for both pages (index.html and callback.html).
//
// oidc-client-ts does the protocol work: discovery, authorization code with PKCE (S256),
// state and nonce, the token request from the browser (CORS), refresh-token renewal, and
// RP-initiated logout with id_token_hint. Tokens and pending sign-in state live in
// sessionStorage: they are gone when the tab closes.

const { UserManager, WebStorageStateStore } = window.oidc;

const $ = (id) => document.getElementById(id);

function setStatus(state, text) {
  const el = $('status');
  el.dataset.state = state;
  el.textContent = text;
}

function showError(err) {
  const el = $('error');
  // oidc-client-ts's ErrorResponse carries the server's error and error_description.
  const parts = [];
  if (err && err.error) parts.push(err.error);
  if (err && err.error_description) parts.push(err.error_description);
  if (parts.length === 0) parts.push(err && err.message ? err.message : String(err));
  el.textContent = parts.join(': ');
  el.hidden = false;
  console.error(err);
}

function clearError() {
  const el = $('error');
  el.textContent = '';
  el.hidden = true;
}

async function loadConfig() {
  const resp = await fetch('/config.json', { cache: 'no-store' });
  if (!resp.ok) throw new Error(`GET /config.json answered ${resp.status}`);
  return resp.json();
}

function userManager(config) {
  const origin = window.location.origin;
  const store = new WebStorageStateStore({ store: window.sessionStorage });
  return new UserManager({
    authority: config.issuer,
    client_id: config.clientId,
    redirect_uri: `${origin}/callback.html`,
    post_logout_redirect_uri: `${origin}/`,
    response_type: 'code',
    scope: config.scope,
    userStore: store,
    stateStore: store,
    // Profile claims come from the ID token; the "Call userinfo" button shows the endpoint.
    loadUserInfo: false,
    // Renewal is the user's choice here ("Renew"), so the page shows what happens.
    automaticSilentRenew: false,
    // "Sign out" revokes the refresh and access tokens (RFC 7009) before leaving for the
    // end-session endpoint: nothing usable stays behind in this tab.
    revokeTokensOnSignout: true,
    monitorSession: false,
  });
}

function randomNonce() {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The payload of a JWT, for display only (the server validates tokens, not the SPA). */
function jwtPayload(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = atob(part + '='.repeat((4 - (part.length % 4)) % 4));
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0))));
  } catch {
    return {};
  }
}

function render(user) {
  const signedIn = Boolean(user && !user.expired);
  $('signed-in').hidden = !signedIn;
  $('signed-out').hidden = signedIn;
  if (!signedIn) {
    $('userinfo-section').hidden = true;
    $('userinfo').textContent = '';
    setStatus('signed-out', user ? 'Your session expired. Sign in again.' : 'Signed out.');
    return;
  }
  const p = user.profile;
  $('sub').textContent = p.sub ?? '';
  $('name').textContent = p.name ?? '';
  $('preferred-username').textContent = p.preferred_username ?? '';
  $('email').textContent = p.email ?? '';
  $('scope').textContent = user.scope ?? '';
  const expiresAt = new Date(user.expires_at * 1000);
  $('expires').textContent = `${expiresAt.toISOString()} (in ${user.expires_in} s)`;
  $('expires').dataset.expiresAt = String(user.expires_at);
  $('token-id').textContent = jwtPayload(user.access_token).jti ?? '(not a JWT)';
  $('has-refresh-token').textContent = user.refresh_token ? 'yes' : 'no';
  setStatus('signed-in', `Signed in as ${p.name || p.preferred_username || p.email || p.sub}.`);
}

/** Runs `action` with the buttons disabled and `data-busy` set, showing any error. */
async function busy(action) {
  document.body.dataset.busy = 'true';
  for (const b of document.querySelectorAll('button')) b.disabled = true;
  clearError();
  try {
    await action();
  } catch (e) {
    showError(e);
  } finally {
    for (const b of document.querySelectorAll('button')) b.disabled = false;
    document.body.dataset.busy = 'false';
  }
}

async function home(mgr, config) {
  $('issuer').textContent = config.issuer;
  const params = new URLSearchParams(window.location.search);
  // Back from the end-session endpoint: {origin}/?state=... completes the sign-out.
  if (params.has('state') && !params.has('code')) {
    try {
      await mgr.signoutRedirectCallback();
    } catch (e) {
      showError(e);
    }
    window.history.replaceState(null, '', '/');
  }
  render(await mgr.getUser());

  $('sign-in').addEventListener('click', () =>
    busy(async () => {
      setStatus('redirecting', 'Redirecting to sign in…');
      // PKCE protects the code; the nonce binds the ID token to this request too (the library
      // keeps it with the state and checks it when the tokens arrive).
      await mgr.signinRedirect({ nonce: randomNonce() });
    }),
  );
  $('renew').addEventListener('click', () =>
    busy(async () => {
      setStatus('renewing', 'Renewing the access token with the refresh token…');
      try {
        render(await mgr.signinSilent());
        setStatus('signed-in', `${$('status').textContent} Renewed at ${new Date().toISOString()}.`);
      } catch (e) {
        render(await mgr.getUser());
        throw e;
      }
    }),
  );
  $('call-userinfo').addEventListener('click', () =>
    busy(async () => {
      const user = await mgr.getUser();
      if (!user) throw new Error('not signed in');
      const endpoint = await mgr.metadataService.getUserInfoEndpoint();
      const resp = await fetch(endpoint, {
        headers: { Authorization: `Bearer ${user.access_token}` },
      });
      const text = await resp.text();
      if (!resp.ok) {
        throw new Error(`userinfo answered ${resp.status}: ${text || resp.headers.get('WWW-Authenticate') || ''}`);
      }
      $('userinfo').textContent = JSON.stringify(JSON.parse(text), null, 2);
      $('userinfo-section').hidden = false;
    }),
  );
  $('sign-out').addEventListener('click', () =>
    busy(async () => {
      setStatus('redirecting', 'Signing out…');
      await mgr.signoutRedirect();
    }),
  );
}

async function callback(mgr) {
  // Exchanges the code (with the PKCE verifier kept in sessionStorage) for tokens, checks the
  // state, nonce and issuer, stores the user, and goes back to the page.
  await mgr.signinRedirectCallback();
  setStatus('redirecting', 'Signed in; returning to the application…');
  window.location.replace('/');
}

async function main() {
  const config = await loadConfig();
  const mgr = userManager(config);
  if (document.body.dataset.page === 'callback') {
    await callback(mgr);
  } else {
    await home(mgr, config);
  }
}

main()
  .catch((e) => {
    setStatus('error', 'Something went wrong.');
    showError(e);
  })
  .finally(() => {
    document.body.dataset.busy = 'false';
  });
