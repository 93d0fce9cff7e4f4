-- Identity and access: people and service accounts, teams, the group-to-role mapping,
-- server-side sessions, pending OpenID Connect sign-ins and API tokens.

create table users (
    id uuid primary key,
    kind text not null constraint users_kind_check check (kind in ('person', 'service')),
    -- Where the identity comes from: the OpenID issuer URL, 'dev' for the development
    -- sign-in, 'parkway' for service accounts.
    issuer text not null,
    subject text not null,
    -- How the audit trail names this user: the e-mail address for people, the
    -- account name for service accounts.
    handle text not null,
    display_name text not null,
    email text,
    -- The provider's group claim as of the last sign-in; roles and teams derive from it.
    groups text[] not null default '{}',
    created_at timestamptz not null default now(),
    last_sign_in_at timestamptz,
    constraint users_issuer_subject_key unique (issuer, subject)
);

create table teams (
    name text primary key,
    -- Filled in by the catalog once teams are described there.
    business_unit text,
    created_at timestamptz not null default now()
);

create table team_members (
    team text not null references teams (name) on delete cascade,
    user_id uuid not null references users (id) on delete cascade,
    primary key (team, user_id)
);
create index team_members_user_id_idx on team_members (user_id);

create table role_mappings (
    id bigint generated always as identity primary key,
    group_name text not null,
    role text not null constraint role_mappings_role_check check (
        role in ('developer', 'team-owner', 'coe-editor', 'security-approver', 'leader', 'platform-admin')
    ),
    created_by text not null,
    created_at timestamptz not null default now(),
    constraint role_mappings_group_role_key unique (group_name, role)
);

-- The cookie carries a random id; only its SHA-256 is stored, so a copy of this table
-- cannot be replayed as sessions.
create table sessions (
    id_hash bytea primary key,
    user_id uuid not null references users (id) on delete cascade,
    csrf_token text not null,
    created_at timestamptz not null default now(),
    last_seen_at timestamptz not null default now(),
    expires_at timestamptz not null
);
create index sessions_user_id_idx on sessions (user_id);
create index sessions_expires_at_idx on sessions (expires_at);

-- A sign-in between the redirect to the provider and its callback: state, nonce and
-- PKCE verifier stay on the server, keyed by the hash of a short-lived cookie.
create table login_flows (
    id_hash bytea primary key,
    state text not null,
    nonce text not null,
    pkce_verifier text not null,
    return_to text not null,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null
);

create table api_tokens (
    id uuid primary key,
    name text not null,
    owner_id uuid not null references users (id) on delete cascade,
    -- Set for service-account tokens (the role they act with); null for a person's
    -- token, which acts with its owner's current roles.
    role text constraint api_tokens_role_check check (
        role in ('developer', 'team-owner', 'coe-editor', 'security-approver', 'leader', 'platform-admin')
    ),
    -- Actions the token may perform; empty means whatever its role allows.
    scopes text[] not null default '{}',
    token_hash bytea not null constraint api_tokens_token_hash_key unique,
    display_prefix text not null,
    created_by text not null,
    created_at timestamptz not null default now(),
    expires_at timestamptz,
    revoked_at timestamptz,
    last_used_at timestamptz,
    constraint api_tokens_owner_name_key unique (owner_id, name)
);
create index api_tokens_owner_id_idx on api_tokens (owner_id);

-- The audit browser filters by these, newest first.
create index audit_events_actor_id_idx on audit_events (actor, id desc);
create index audit_events_action_idx on audit_events (action text_pattern_ops, id desc);
create index audit_events_target_prefix_idx on audit_events (target text_pattern_ops, id desc);
