// The peer of bench/all.sh: panva/oidc-provider (the npm package of e2e/oidc-provider, certified
// OpenID provider), in memory, with a client equivalent to Tessera's bench client: the client
// credentials grant, ES256 JWT access tokens for a resource server, and token introspection.
// A request without `resource` gets a JWT (what Tessera issues); `resource=urn:bench:opaque` gets
// an opaque token, the kind oidc-provider can introspect. Prints "listening <issuer>" when ready.
//
// OIDC_PROVIDER_MODULE: absolute path of oidc-provider's lib/index.js (bench/all.sh sets it).
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';

const { default: Provider } = await import(pathToFileURL(process.env.OIDC_PROVIDER_MODULE).href);
const port = Number(process.env.PORT || 0);
const audience = 'api://bench';

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'bench-es256', use: 'sig', alg: 'ES256' };

const server = createServer();
server.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: 'bench',
      client_secret: 'bench-secret',
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
    }],
    jwks: { keys: [jwk] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, resource) => ({
          scope: 'api:read',
          audience: resource,
          accessTokenFormat: resource === 'urn:bench:opaque' ? 'opaque' : 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
  });
  provider.proxy = false;
  server.on('request', provider.callback());
  console.log(`listening ${issuer}`);
});
