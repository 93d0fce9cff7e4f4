-- Scorecards: delivery events in (deployments, the changes they carry, incidents),
-- per-day aggregates refreshed from them, per-service figures per window and week, and
-- roll-ups per team, business unit and the enterprise. Pages read the last two only.

-- One row per deployment event; `id` is unique per source system and stored once
-- (re-sending it changes nothing). `service` is the catalog entity it matched, or
-- null: then it waits in the unmatched list with the name it gave.
create table delivery_deployments (
    id text not null,
    source text not null,
    service text,
    service_given text not null,
    environment text not null,
    status text not null,
    started_at timestamptz,
    finished_at timestamptz not null,
    sha text,
    url text,
    rework boolean not null default false,
    received_at timestamptz not null default now(),
    constraint delivery_deployments_pkey primary key (id),
    constraint delivery_deployments_source_check check (source in ('api', 'github', 'gitlab', 'cluster')),
    constraint delivery_deployments_status_check check (status in ('success', 'failure'))
);

create index delivery_deployments_service_idx
    on delivery_deployments (service, finished_at) where service is not null;
create index delivery_deployments_sha_idx on delivery_deployments (sha) where sha is not null;
create index delivery_deployments_unmatched_idx
    on delivery_deployments (received_at) where service is null;

-- The commits a deployment carries.
create table delivery_changes (
    deployment text not null,
    sha text not null,
    committed_at timestamptz not null,
    constraint delivery_changes_pkey primary key (deployment, sha),
    constraint delivery_changes_deployment_fkey foreign key (deployment) references delivery_deployments (id)
);

create index delivery_changes_sha_idx on delivery_changes (sha);

-- Incidents, with what they named (`deployment_given`, `sha_given`) and the link
-- Parkway made from it (`deployment`, and `link`: how).
create table delivery_incidents (
    id text not null,
    source text not null,
    service text,
    service_given text not null,
    opened_at timestamptz not null,
    resolved_at timestamptz,
    deployment_given text,
    sha_given text,
    deployment text,
    link text,
    received_at timestamptz not null default now(),
    constraint delivery_incidents_pkey primary key (id),
    constraint delivery_incidents_source_check check (source in ('api', 'github', 'gitlab', 'cluster')),
    constraint delivery_incidents_deployment_fkey foreign key (deployment) references delivery_deployments (id),
    constraint delivery_incidents_link_check check (link in ('deployment', 'sha', 'window')),
    constraint delivery_incidents_linked_check check ((deployment is null) = (link is null))
);

create index delivery_incidents_deployment_idx on delivery_incidents (deployment);
create index delivery_incidents_service_idx
    on delivery_incidents (service, opened_at) where service is not null;
create index delivery_incidents_deployment_given_idx
    on delivery_incidents (deployment_given) where deployment_given is not null;
create index delivery_incidents_unmatched_idx
    on delivery_incidents (received_at) where service is null;

-- What one service's figures are made of, per UTC day: successful production
-- deployments finished that day, and the values measured on them.
create table delivery_daily (
    service text not null,
    day date not null,
    deployments integer not null,
    rework integer not null,
    -- Deployments of the day with at least one linked incident (each counted once).
    failed integer not null,
    -- Failed deployments of the day with an incident still open.
    open_failures integer not null,
    -- Seconds from commit to this first production deployment, per change.
    lead_times integer[] not null,
    -- Seconds from a failed deployment to the last resolution of its incidents.
    recoveries integer[] not null,
    constraint delivery_daily_pkey primary key (service, day)
);

-- (service, day) pairs whose aggregate must be recomputed; written in the same
-- transaction as the events, consumed by the refresher.
create table delivery_dirty (
    service text not null,
    day date not null,
    constraint delivery_dirty_pkey primary key (service, day)
);

-- One service's figures for a period: `30`, `90`, `180` (days ending on `as_of`) or
-- `week:YYYY-MM-DD` (the week starting that Monday).
create table scorecard_service_figures (
    service text not null,
    period text not null,
    as_of date not null,
    deployments integer not null,
    deploy_days_per_week_median double precision,
    lead_time_median bigint,
    failed integer not null,
    open_failures integer not null,
    recovery_median bigint,
    rework integer not null,
    constraint scorecard_service_figures_pkey primary key (service, period)
);

-- Roll-ups of the figures above: `scope` is `enterprise` or a group key (a team or
-- a business unit), `rollup` the medians, sums and band counts per report year.
create table scorecard_rollups (
    scope text not null,
    period text not null,
    rollup jsonb not null,
    refreshed_at timestamptz not null default now(),
    constraint scorecard_rollups_pkey primary key (scope, period)
);

-- The day the windows were last moved to (figures are recomputed when it changes).
create table scorecard_state (
    id boolean not null default true,
    as_of date not null,
    rollups_at timestamptz,
    constraint scorecard_state_pkey primary key (id),
    constraint scorecard_state_one_check check (id)
);

-- Webhook sources: each secret sealed (ChaCha20-Poly1305, nonce first) under a key
-- derived from PARKWAY_AUDIT_KEY; never stored or shown in the clear.
create table delivery_sources (
    name text not null,
    kind text not null,
    secret_sealed bytea not null,
    created_by text not null,
    created_at timestamptz not null default now(),
    constraint delivery_sources_pkey primary key (name),
    constraint delivery_sources_kind_check check (kind in ('github', 'gitlab'))
);

-- Deliveries already received, by the sender's delivery id: a replay is stored once.
create table delivery_webhook_deliveries (
    kind text not null,
    delivery text not null,
    received_at timestamptz not null default now(),
    constraint delivery_webhook_deliveries_pkey primary key (kind, delivery)
);
