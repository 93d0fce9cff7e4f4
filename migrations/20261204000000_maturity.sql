-- Maturity scorecards: definitions (checked documents, kept per version), every
-- evaluation of every rule for every component, the level each component held at
-- each run, and exemptions with their approver and expiry.

create table maturity_scorecards (
    id text not null,
    version integer not null,
    -- The checked definition (`Definition`): title, levels, score, applies_to, rules.
    definition jsonb not null,
    saved_by text not null,
    saved_at timestamptz not null default now(),
    -- Set on the newest version when the scorecard is retired; history is kept.
    retired_by text,
    retired_at timestamptz,
    constraint maturity_scorecards_pkey primary key (id, version),
    constraint maturity_scorecards_id_check check (id ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
    constraint maturity_scorecards_version_check check (version > 0)
);

-- One evaluation run of one scorecard version over every component it applies to.
create table maturity_runs (
    id bigint generated always as identity,
    scorecard text not null,
    version integer not null,
    at timestamptz not null default now(),
    -- `save`, `schedule`, `request` (someone asked) or `exemption` (granted or revoked).
    reason text not null,
    components integer not null,
    constraint maturity_runs_pkey primary key (id),
    constraint maturity_runs_scorecard_fkey foreign key (scorecard, version) references maturity_scorecards (id, version),
    constraint maturity_runs_reason_check check (reason in ('save', 'schedule', 'request', 'exemption'))
);

create index maturity_runs_scorecard_idx on maturity_runs (scorecard, id desc);

-- A component's level and score at one run.
create table maturity_ratings (
    run bigint not null,
    entity text not null,
    level text,
    score smallint,
    constraint maturity_ratings_pkey primary key (run, entity),
    constraint maturity_ratings_run_fkey foreign key (run) references maturity_runs (id),
    constraint maturity_ratings_score_check check (score between 0 and 100)
);

create index maturity_ratings_entity_idx on maturity_ratings (entity, run desc);

-- Every evaluation of a rule: entity, rule, value, passed, when (the run's time).
create table maturity_evaluations (
    run bigint not null,
    entity text not null,
    rule text not null,
    value jsonb,
    passed boolean not null,
    exempt boolean not null,
    constraint maturity_evaluations_pkey primary key (run, entity, rule),
    constraint maturity_evaluations_run_fkey foreign key (run) references maturity_runs (id)
);

create index maturity_evaluations_entity_idx on maturity_evaluations (entity, run desc);

create table maturity_exemptions (
    id bigint generated always as identity,
    scorecard text not null,
    rule text not null,
    entity text not null,
    reason text not null,
    approved_by text not null,
    approved_at timestamptz not null default now(),
    expires_at timestamptz not null,
    revoked_by text,
    revoked_at timestamptz,
    constraint maturity_exemptions_pkey primary key (id),
    constraint maturity_exemptions_expiry_check check (expires_at > approved_at)
);

create index maturity_exemptions_entity_idx on maturity_exemptions (scorecard, entity);
