// A zero-dependency static server for the Tessera SPA example.
//
//   TESSERA_SPA_CLIENT_ID=<Demo SPA client_id> npm start --prefix examples/spa
//
// Serves index.html, callback.html, app.js, style.css, the oidc-client-ts browser bundle from
// node_modules, and /config.json built from the environment:
//   TESSERA_ISSUER         issuer (realm) to sign in at; default http://127.0.0.1:8080/system/auth/demo-U
//   TESSERA_SPA_CLIENT_ID  the SPA's client_id (required)
//   TESSERA_SPA_SCOPE      scopes to ask for; default "openid profile email offline_access knowledge.portalmgr.read"
//   HOST, PORT             where to listen; default 127.0.0.1:5173
//
// The redirect URI the page uses is {origin}/callback.html, so the origin you open the page at
// (http://127.0.0.1:5173 or http://localhost:5173 for the Demo SPA) must be registered.
//
// run.mjs in e2e/spa imports startServer() from here.

import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export const DEFAULT_ISSUER = 'http://127.0.0.1:8080/system/auth/demo-U';
// `knowledge.portalmgr.read` is a delegated permission the Demo SPA has assigned (the demo gives
// it every delegated permission but core.admin.manage).
export const DEFAULT_SCOPE = 'openid profile email offline_access knowledge.portalmgr.read';

const FILES = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/index.html': ['index.html', 'text/html; charset=utf-8'],
  '/callback.html': ['callback.html', 'text/html; charset=utf-8'],
  '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/style.css': ['style.css', 'text/css; charset=utf-8'],
  '/oidc-client-ts.min.js': [
    'node_modules/oidc-client-ts/dist/browser/oidc-client-ts.min.js',
    'text/javascript; charset=utf-8',
  ],
  '/oidc-client-ts.min.js.map': [
    'node_modules/oidc-client-ts/dist/browser/oidc-client-ts.min.js.map',
    'application/json; charset=utf-8',
  ],
};

/**
 * Starts the server. Resolves with the `http.Server` once it listens.
 * @param {{issuer?: string, clientId: string, scope?: string, host?: string, port?: number, log?: boolean}} options
 */
export async function startServer({
  issuer = DEFAULT_ISSUER,
  clientId,
  scope = DEFAULT_SCOPE,
  host = '127.0.0.1',
  port = 5173,
  log = false,
}) {
  if (!clientId) throw new Error('startServer: clientId is required');
  const issuerUrl = new URL(issuer); // throws on a malformed issuer, before listening
  const config = JSON.stringify({ issuer: issuer.replace(/\/+$/, ''), clientId, scope });
  // No inline scripts or styles anywhere: the page runs under a strict policy. The browser
  // talks to the issuer's origin with fetch (discovery, token, userinfo, revocation).
  const csp = [
    "default-src 'self'",
    `connect-src 'self' ${issuerUrl.origin}`,
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');

  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const common = {
      'Cache-Control': 'no-store',
      'Content-Security-Policy': csp,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    };
    const done = (status, type, body) => {
      res.writeHead(status, { ...common, 'Content-Type': type });
      res.end(req.method === 'HEAD' ? undefined : body);
      if (log) console.log(`${req.method} ${req.url} ${status}`);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return done(405, 'text/plain; charset=utf-8', 'method not allowed\n');
    }
    if (path === '/favicon.ico') return done(204, 'image/x-icon', '');
    if (path === '/config.json') {
      return done(200, 'application/json; charset=utf-8', config);
    }
    const file = FILES[path];
    if (!file) return done(404, 'text/plain; charset=utf-8', 'not found\n');
    try {
      done(200, file[1], await readFile(join(here, file[0])));
    } catch (e) {
      const hint = file[0].startsWith('node_modules/')
        ? ' (run `npm ci --prefix examples/spa` first)'
        : '';
      done(500, 'text/plain; charset=utf-8', `cannot read ${file[0]}${hint}: ${e.message}\n`);
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

async function main() {
  const clientId = process.env.TESSERA_SPA_CLIENT_ID;
  if (!clientId) {
    console.error(
      [
        'TESSERA_SPA_CLIENT_ID is not set.',
        '',
        'Start Tessera with `cargo run -p tessera-server -- serve --dev` and copy the client_id of the',
        '"Demo SPA" it prints (it is also saved as demo.spa_client_id in tessera-dev.json), then:',
        '',
        '  TESSERA_SPA_CLIENT_ID=<that client_id> npm start --prefix examples/spa',
      ].join('\n'),
    );
    process.exit(2);
  }
  const host = process.env.HOST || '127.0.0.1';
  const port = Number(process.env.PORT || 5173);
  const issuer = process.env.TESSERA_ISSUER || DEFAULT_ISSUER;
  try {
    await startServer({
      issuer,
      clientId,
      scope: process.env.TESSERA_SPA_SCOPE || DEFAULT_SCOPE,
      host,
      port,
      log: true,
    });
  } catch (e) {
    console.error(`cannot start the SPA server on ${host}:${port}: ${e.message}`);
    process.exit(1);
  }
  console.log(`Tessera SPA example on http://${host}:${port}/  (issuer ${issuer}, client_id ${clientId})`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
