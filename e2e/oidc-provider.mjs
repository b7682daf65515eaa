// A real, external OpenID Connect provider for Sportello's tests: `oidc-provider` from the npm
// registry, on a free loopback port. It signs ID tokens with a fresh RS256 key (not ES256 like
// the demo provider), so the relying party is tested against keys and code it did not write.
//
// Protocol with the test harness (stdin/stdout, one line each):
//   it prints  `port <N>`       once listening (the issuer is http://127.0.0.1:<N>);
//   it reads   <redirect URI>   the relying party's callback;
//   it prints  `ready`          once the client is registered.
// The persona (claims) comes from the PERSONA environment variable as JSON, e.g.
//   {"sub":"u1","fiscal_number":"TINIT-…","given_name":"…","family_name":"…","acr":"https://www.spid.gov.it/SpidL2"}
// Instead of a login page, each interaction signs that persona in at once: the harness
// plays the person, the provider does everything else (PKCE, codes, tokens, signatures).
import http from 'node:http';
import readline from 'node:readline';
import Provider from 'oidc-provider';
import { generateKeyPair, exportJWK } from 'jose';

const clientId = process.env.CLIENT_ID ?? 'sportello-test';
const clientSecret = process.env.CLIENT_SECRET ?? 'test-only-secret';
const persona = JSON.parse(process.env.PERSONA ?? '{}');

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = server.address().port;
const issuer = `http://127.0.0.1:${port}`;
process.stdout.write(`port ${port}\n`);

const rl = readline.createInterface({ input: process.stdin });
const redirectUri = await new Promise((resolve) => rl.once('line', (line) => resolve(line.trim())));

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'test-rs256' };

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [jwk] },
  cookies: { keys: ['test-only-cookie-key'] },
  claims: { openid: ['sub'], profile: ['fiscal_number', 'given_name', 'family_name'] },
  conformIdTokenClaims: false,
  acrValues: ['https://www.spid.gov.it/SpidL1', 'https://www.spid.gov.it/SpidL2', 'https://www.spid.gov.it/SpidL3'],
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  findAccount: async (ctx, sub) => ({
    accountId: sub,
    claims: async () => ({ ...persona, sub }),
  }),
});
provider.proxy = false;

provider.use(async (ctx, next) => {
  if (ctx.path.startsWith('/interaction/')) {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const accountId = persona.sub ?? 'test-user';
    const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
    grant.addOIDCScope('openid profile');
    const grantId = await grant.save();
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, {
      login: { accountId, acr: persona.acr ?? 'https://www.spid.gov.it/SpidL2' },
      consent: { grantId },
    }, { mergeWithLastSubmission: false });
    ctx.redirect(returnTo);
    return;
  }
  await next();
});

server.on('request', provider.callback());
process.stdout.write('ready\n');
