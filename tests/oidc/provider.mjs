// A real OpenID Connect provider for testing Linkwork's single sign-on:
// the certified `oidc-provider` package, with its development login form
// (any password) and fixed accounts whose claims name demo users.
//
//   OIDC_PORT=4010 OIDC_REDIRECT_URI=http://127.0.0.1:8080/login/sso/callback node provider.mjs
//
// Prints "listening <issuer>" once it answers. Not for production: keys are
// made at start and the login form takes any password.

import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT || 4010);
const issuer = `http://127.0.0.1:${port}`;
const redirectUri = process.env.OIDC_REDIRECT_URI;
if (!redirectUri) {
  console.error('provider.mjs: set OIDC_REDIRECT_URI to Linkwork\'s /login/sso/callback');
  process.exit(2);
}

export const CLIENT_ID = 'linkwork';
export const CLIENT_SECRET = 'linkwork-test-client-secret';

// Sign-in names typed on the provider's form, and the claims they carry.
// Their emails are demo users: North PCN's link worker and its manager (an
// admin), whom North's single sign-on maps, the ICB's commissioner (another
// organisation) and someone with no Linkwork account.
const ACCOUNTS = {
  samuel: { email: 'linkworker.north@riverside.example', name: 'Samuel Okafor' },
  declan: { email: 'manager.north@riverside.example', name: 'Declan Murphy' },
  // Invited by a test, never given a password.
  newstarter: { email: 'new.starter@riverside.example', name: 'New Starter' },
  priya: { email: 'commissioner@riverside.example', name: 'Priya Shah' },
  nobody: { email: 'nobody@riverside.example', name: 'No Account' },
};

const configuration = {
  clients: [
    {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    },
  ],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
  },
  // The claims asked for by scope go in the ID token too, as NHS CIS2 and
  // Entra ID put them; Linkwork reads the account's claim from the ID token.
  conformIdTokenClaims: false,
  // PKCE with S256 for every client, not only public ones.
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['linkwork-test-provider-cookie-key'] },
  async findAccount(_ctx, id) {
    const account = ACCOUNTS[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          email: account.email,
          email_verified: true,
          name: account.name,
          preferred_username: account.email,
        };
      },
    };
  },
  // Linkwork is this provider's own application: no consent screen.
  async loadExistingGrant(ctx) {
    const grantId =
      ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    grant.addOIDCClaims(['email', 'email_verified', 'name', 'preferred_username']);
    await grant.save();
    return grant;
  },
};

const provider = new Provider(issuer, configuration);
// Plain http on 127.0.0.1 only; oidc-provider otherwise insists on https
// behind a proxy.
provider.proxy = false;
const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`listening ${issuer}`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
