-- Tenant onboarding: tier rules (versioned), tenants, their timeline, and one
-- provisioning step per (tenant, cluster, object) that workers claim with
-- `for update skip locked`.

create table tier_rules (
    tier text not null,
    version integer not null,
    -- The rule as `TierRuleSpec` (camelCase JSON): quota ceilings, approver, defaults.
    rule jsonb not null,
    changed_by text not null,
    changed_at timestamptz not null default now(),
    note text,
    constraint tier_rules_pkey primary key (tier, version),
    constraint tier_rules_tier_fkey foreign key (tier) references risk_tiers (name) on update cascade,
    constraint tier_rules_version_check check (version > 0)
);

insert into tier_rules (tier, version, rule, changed_by, note) values
    ('public', 1, '{"maxCpu": "32", "maxMemory": "64Gi", "maxPods": 300, "maxStorage": "1Ti", "approver": "auto",
      "defaultRequestCpu": "100m", "defaultRequestMemory": "128Mi", "defaultLimitCpu": "1", "defaultLimitMemory": "1Gi", "podExec": true}',
     'system:migration', 'initial rules'),
    ('internal', 1, '{"maxCpu": "16", "maxMemory": "32Gi", "maxPods": 200, "maxStorage": "500Gi", "approver": "auto",
      "defaultRequestCpu": "100m", "defaultRequestMemory": "128Mi", "defaultLimitCpu": "1", "defaultLimitMemory": "1Gi", "podExec": true}',
     'system:migration', 'initial rules'),
    ('confidential', 1, '{"maxCpu": "16", "maxMemory": "32Gi", "maxPods": 100, "maxStorage": "200Gi", "approver": "team-owner",
      "defaultRequestCpu": "100m", "defaultRequestMemory": "128Mi", "defaultLimitCpu": "500m", "defaultLimitMemory": "512Mi", "podExec": false}',
     'system:migration', 'initial rules'),
    ('restricted', 1, '{"maxCpu": "8", "maxMemory": "16Gi", "maxPods": 50, "maxStorage": "100Gi", "approver": "security-approver",
      "defaultRequestCpu": "100m", "defaultRequestMemory": "128Mi", "defaultLimitCpu": "500m", "defaultLimitMemory": "512Mi", "podExec": false}',
     'system:migration', 'initial rules');

create table tenants (
    name text not null,
    -- The owning team's catalog key (`group:default/payments`) and its business unit.
    team text not null,
    business_unit text,
    system text,
    tier text not null,
    environments text[] not null,
    -- `Quotas` as requested (quantities as written).
    quotas jsonb not null,
    -- The requested options with their decisions at submit time (`OptionDecision`s).
    options jsonb not null default '[]',
    justification text,
    -- Who must approve the request (or the decommission, while that waits).
    approver text not null,
    routing_reasons text[] not null default '{}',
    tier_rule_version integer not null,
    state text not null,
    requested_by text not null,
    -- Who asked for what the tenant waits on now: the request, or its decommission.
    -- Never the one who decides it.
    asked_by text not null,
    requested_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    last_error text,
    -- The last drift comparison: `FieldDrift`s, empty when live matches applied.
    drift jsonb not null default '[]',
    drift_checked_at timestamptz,
    constraint tenants_pkey primary key (name),
    constraint tenants_tier_fkey foreign key (tier) references risk_tiers (name) on update cascade,
    constraint tenants_name_check check (name ~ '^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$'),
    constraint tenants_approver_check check (approver in ('auto', 'team-owner', 'security-approver')),
    constraint tenants_state_check check (state in ('requested', 'approved', 'rejected', 'provisioning', 'active',
        'failed', 'decommission-requested', 'decommissioning', 'decommissioned'))
);

create index tenants_team_idx on tenants (team);
create index tenants_state_idx on tenants (state);

create table tenant_events (
    id bigint generated always as identity,
    tenant text not null,
    at timestamptz not null default clock_timestamp(),
    actor text not null,
    from_state text,
    to_state text not null,
    comment text,
    constraint tenant_events_pkey primary key (id),
    constraint tenant_events_tenant_fkey foreign key (tenant) references tenants (name)
);

create index tenant_events_tenant_idx on tenant_events (tenant, id);

create table tenant_steps (
    id bigint generated always as identity,
    tenant text not null,
    cluster text not null,
    -- Order within the tenant and cluster: the Namespace (0) before what lives in it.
    position integer not null,
    op text not null,
    kind text not null,
    api_version text not null,
    namespace text,
    name text not null,
    -- Exactly what is sent (server-side apply body), or null for a delete.
    manifest jsonb,
    state text not null default 'pending',
    attempts integer not null default 0,
    last_error text,
    next_attempt_at timestamptz not null default now(),
    applied_at timestamptz,
    -- Set by a person's re-apply: take back fields another manager changed (the
    -- provisioner alone never forces); cleared when the step is applied.
    force boolean not null default false,
    constraint tenant_steps_pkey primary key (id),
    constraint tenant_steps_tenant_fkey foreign key (tenant) references tenants (name),
    constraint tenant_steps_object_key unique (tenant, cluster, op, kind, name),
    constraint tenant_steps_op_check check (op in ('apply', 'delete')),
    constraint tenant_steps_state_check check (state in ('pending', 'applied', 'retrying', 'deleted'))
);

-- What workers look for: due steps not yet done.
create index tenant_steps_due_idx on tenant_steps (next_attempt_at) where state in ('pending', 'retrying');
create index tenant_steps_tenant_idx on tenant_steps (tenant, cluster, position);
