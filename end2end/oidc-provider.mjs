#!/usr/bin/env node
// Test OpenID Provider for Parkway browser end-to-end tests.
//
//   OP_PORT=4455 RP_REDIRECT=http://127.0.0.1:8080/auth/callback node oidc-op.mjs
//
// Env:
//   OP_PORT           listen port on 127.0.0.1 (required)
//   RP_REDIRECT       the relying party's redirect URI (required)
//   RP_POST_LOGOUT    optional post_logout_redirect_uri for the client
//   OP_PKCE_REQUIRED  "0" to accept requests without PKCE (default: PKCE S256 required)
//   OP_SKIP_CONSENT   "0" to show the dev consent page (default: consent auto-granted)
//   OP_CLAIMS_IN_ID_TOKEN "1" to also put email/name/groups into the ID token
//
// Stdout carries exactly one line, `ready`, once the server listens. Everything
// else (oidc-provider NOTICE/WARNING lines, errors) goes to stderr.
//
// Built against oidc-provider 9.13.3 (ESM-only, MIT). Install with:
//   npm install oidc-provider@9.13.3

import { generateKeyPairSync, randomBytes } from 'node:crypto';

// oidc-provider prints its NOTICE lines with console.info (= stdout). Send them to
// stderr so that stdout only ever holds the `ready` line the harness waits for.
console.info = (...args) => console.error(...args);

const { default: Provider } = await import('oidc-provider');

const PORT = Number.parseInt(process.env.OP_PORT ?? '', 10);
const { RP_REDIRECT, RP_POST_LOGOUT } = process.env;
if (!Number.isInteger(PORT) || PORT <= 0 || PORT > 65535) {
  console.error('oidc-op: OP_PORT must be a TCP port number');
  process.exit(2);
}
if (!RP_REDIRECT) {
  console.error('oidc-op: RP_REDIRECT is required (e.g. http://127.0.0.1:8080/auth/callback)');
  process.exit(2);
}

const ISSUER = `http://127.0.0.1:${PORT}`;
const CLIENT_ID = 'parkway';
const CLIENT_SECRET = 'parkway-test-secret';

// ---------------------------------------------------------------- accounts
const ACCOUNTS = {
  ada: {
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    groups: ['parkway-admins', 'team-payments'],
  },
  grace: {
    name: 'Grace Hopper',
    email: 'grace@example.com',
    groups: ['team-search'],
  },
  // Off-boarded by the identity tests; nobody else signs in as leo.
  leo: {
    name: 'Leo Leaver',
    email: 'leo@example.com',
    groups: ['team-search'],
  },
  theo: {
    name: 'Theo Teamowner',
    email: 'theo@example.com',
    groups: ['parkway-team-owners', 'team-checkout'],
  },
  // The guardrail review: a CoE editor writes, a security approver approves.
  cora: {
    name: 'Cora Coe',
    email: 'cora@example.com',
    groups: ['parkway-coe-editors', 'team-platform'],
  },
  sam: {
    name: 'Sam Security',
    email: 'sam@example.com',
    groups: ['parkway-security-approvers'],
  },
};

function profileFor(login) {
  const known = ACCOUNTS[login];
  if (known) {
    return {
      sub: login,
      name: known.name,
      preferred_username: login,
      email: known.email,
      email_verified: true,
      groups: known.groups,
    };
  }
  // Any other login: sub = name = login, no email, no groups.
  return { sub: login, name: login, preferred_username: login, groups: [] };
}

// ------------------------------------------------------------ signing key
// Fresh RSA key per run; the ID token is signed RS256 with it (kid is fixed so
// logs are readable; the RP must fetch /jwks anyway).
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingJwk = {
  ...privateKey.export({ format: 'jwk' }),
  kid: 'parkway-test-rs256',
  use: 'sig',
  alg: 'RS256',
};

// ------------------------------------------------------------ configuration
const client = {
  client_id: CLIENT_ID,
  client_secret: CLIENT_SECRET,
  redirect_uris: [RP_REDIRECT],
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic', // also the library default
  id_token_signed_response_alg: 'RS256', // also the library default
};
if (RP_POST_LOGOUT) client.post_logout_redirect_uris = [RP_POST_LOGOUT];

const configuration = {
  clients: [client],

  jwks: { keys: [signingJwk] },

  // scope -> claims it releases. Keys that are arrays become supported scopes
  // automatically ('email', 'profile', 'groups' join the default 'openid',
  // 'offline_access').
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
    groups: ['groups'],
  },

  // Default (true): for response_type=code the ID token carries only the
  // `openid` scope claims (sub) and the scope-requested claims (email, name,
  // groups) are only served by the userinfo endpoint (/me). Set
  // OP_CLAIMS_IN_ID_TOKEN=1 to put them in the ID token as well.
  conformIdTokenClaims: process.env.OP_CLAIMS_IN_ID_TOKEN !== '1',

  async findAccount(ctx, sub) {
    return {
      accountId: sub,
      // oidc-provider masks the result by granted scope/claims and by `use`
      // ('id_token' | 'userinfo').
      async claims(use, scope, claims, rejected) {
        return profileFor(sub);
      },
    };
  },

  // Skip the consent screen for our first-party client: every requested OIDC
  // scope/claim is granted immediately, so the dev interactions only show the
  // login form.
  async loadExistingGrant(ctx) {
    const { oidc } = ctx;
    const accountId = oidc.account.accountId; // loadExistingGrant is only called with an account
    const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);

    let grant = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
    if (grant && grant.accountId !== accountId) grant = undefined;
    if (oidc.client.clientId !== CLIENT_ID || process.env.OP_SKIP_CONSENT === '0') return grant;

    grant ??= new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId });
    grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(' '));
    const claims = [...oidc.requestParamClaims];
    if (claims.length) grant.addOIDCClaims(claims);
    await grant.save();
    return grant;
  },

  pkce: {
    // 9.x default only requires PKCE for public clients / FAPI 2.0. Require it
    // always so the RP's PKCE (S256 is the only supported method) is exercised.
    required: () => process.env.OP_PKCE_REQUIRED !== '0',
  },

  cookies: {
    // The RP also lives on 127.0.0.1 and browsers share cookies across ports,
    // so give the OP's cookies distinct names.
    names: {
      session: 'op_session',
      interaction: 'op_interaction',
      resume: 'op_interaction_resume',
    },
    // Signed cookies (adds *.sig cookies). Random per run; restarts drop
    // sessions anyway because storage is in memory.
    keys: [randomBytes(32).toString('base64url')],
  },

  features: {
    devInteractions: { enabled: true }, // default; any login + any password
    userinfo: { enabled: true }, // default
  },

  // Plain numbers silence the "default ttl.* function called" notices.
  ttl: {
    AccessToken: 3600,
    AuthorizationCode: 60,
    IdToken: 3600,
    Interaction: 3600,
    Session: 86400,
    Grant: 86400,
    RefreshToken: 86400,
  },

  clientBasedCORS(ctx, origin, cl) {
    return cl.redirectUris.some((uri) => URL.parse(uri)?.origin === origin);
  },

  // The built-in error page @imports Google Fonts; render a plain one and log.
  async renderError(ctx, out, error) {
    console.error('oidc-op: renderError', out, error?.stack ?? error);
    ctx.type = 'html';
    ctx.body = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>OP error</title></head>
<body><h1>oops! something went wrong</h1>${Object.entries(out)
      .map(([k, v]) => `<pre id="op-error-${escapeHtml(k)}"><strong>${escapeHtml(k)}</strong>: ${escapeHtml(v)}</pre>`)
      .join('')}</body></html>`;
  },
};

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => ({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
  })[c]);
}

const provider = new Provider(ISSUER, configuration);

// The dev interaction layout (and the logout/error pages) contain
//   @import url(https://fonts.googleapis.com/css?family=Roboto:400,100);
// inside a <style> block. Strip it so the browser makes no external request,
// and declare an empty favicon so the browser does not ask for /favicon.ico
// (which would 404: 9.x has no catch-all handler). /favicon.ico answers 204
// anyway, for browsers that ask regardless.
const GOOGLE_FONTS = /@import url\(https:\/\/fonts\.googleapis\.com\/[^)]*\);?/g;
provider.use(async (ctx, next) => {
  if (ctx.path === '/favicon.ico') {
    ctx.status = 204;
    return;
  }
  await next();
  if (typeof ctx.body === 'string' && ctx.response.is('html')) {
    ctx.body = ctx.body
      .replace(GOOGLE_FONTS, '')
      .replace(/<head>/i, '<head><link rel="icon" href="data:,">');
  }
});

for (const event of ['server_error', 'authorization.error', 'grant.error', 'userinfo.error']) {
  provider.on(event, (ctx, err) => {
    const detail = err?.error_description ?? err?.message;
    console.error(`oidc-op: ${event}: ${err?.error ?? err?.name}: ${detail}${err?.error_detail ? ` (${err.error_detail})` : ''}`);
    if (event === 'server_error') console.error(err?.stack);
  });
}

const server = provider.listen(PORT, '127.0.0.1', () => {
  process.stdout.write('ready\n');
});
server.on('error', (err) => {
  console.error(`oidc-op: listen failed: ${err.message}`);
  process.exit(1);
});

// Everything is in memory; just exit on SIGINT/SIGTERM.
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
