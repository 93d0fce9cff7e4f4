-- Guardrails: the CoE's rules, versioned and reviewed by a second person, and the
-- threat register they mitigate.
--
-- A guardrail is a number (`GR-nnn` is how it is written) and a list of versions.
-- Every save is a new version; a published version never changes. Only the review
-- columns of a version move (submitted → approved or rejected → published → retired),
-- and `guardrail_versions_content_frozen` refuses any other update.

-- Risk tiers and categories are data the CoE manages; seeded with the platform's own.
create table risk_tiers (
    name text not null,
    position integer not null,
    title text not null,
    description text not null default '',
    constraint risk_tiers_pkey primary key (name),
    constraint risk_tiers_position_key unique (position),
    constraint risk_tiers_name_check check (name ~ '^[a-z][a-z0-9-]{0,39}$')
);

insert into risk_tiers (name, position, title, description) values
    ('public', 1, 'Public', 'Data meant for anyone; outages are an inconvenience.'),
    ('internal', 2, 'Internal', 'Company-internal data and services.'),
    ('confidential', 3, 'Confidential', 'Customer or financial data; breaches must be reported.'),
    ('restricted', 4, 'Restricted', 'Regulated data (payment cards, health); the strictest controls.');

create table guardrail_categories (
    slug text not null,
    position integer not null,
    title text not null,
    constraint guardrail_categories_pkey primary key (slug),
    constraint guardrail_categories_slug_check check (slug ~ '^[a-z][a-z0-9-]{0,59}$')
);

insert into guardrail_categories (slug, position, title) values
    ('workload-separation', 1, 'Workload separation'),
    ('least-privilege', 2, 'Least privilege'),
    ('secure-defaults', 3, 'Secure defaults'),
    ('controlled-entry-and-exit', 4, 'Controlled entry and exit'),
    ('supply-chain', 5, 'Supply chain'),
    ('audit-and-response', 6, 'Audit and response');

create table threats (
    number integer not null,
    version integer not null,
    title text not null,
    description text not null default '',
    -- An optional catalog entity reference (`kind:namespace/name`); not a foreign key:
    -- a catalog import may remove the entity, the threat stays.
    component text,
    stride text not null,
    tactic text not null,
    likelihood smallint not null,
    impact smallint not null,
    residual_risk smallint not null,
    owner text,
    status text not null,
    accepted_by text,
    accepted_until date,
    review_date date,
    updated_by text not null,
    updated_at timestamptz not null default now(),
    constraint threats_pkey primary key (number),
    constraint threats_number_check check (number > 0),
    constraint threats_likelihood_check check (likelihood between 1 and 5),
    constraint threats_impact_check check (impact between 1 and 5),
    constraint threats_residual_risk_check check (residual_risk between 0 and 25),
    constraint threats_status_check check (status in ('open', 'mitigated', 'accepted')),
    constraint threats_accepted_check check (
        status <> 'accepted' or (accepted_by is not null and accepted_until is not null))
);

-- Every saved state of a threat, for its history.
create table threat_versions (
    threat integer not null,
    version integer not null,
    document jsonb not null,
    author text not null,
    created_at timestamptz not null default now(),
    constraint threat_versions_pkey primary key (threat, version),
    constraint threat_versions_threat_fkey foreign key (threat) references threats (number)
);

create table guardrails (
    number integer not null,
    created_at timestamptz not null default now(),
    constraint guardrails_pkey primary key (number),
    constraint guardrails_number_check check (number > 0)
);

create table guardrail_versions (
    guardrail integer not null,
    version integer not null,
    state text not null,
    -- What an in-review version asks for: publishing it, or retiring the guardrail.
    intent text not null default 'publish',
    title text not null,
    objective text not null,
    body text not null default '',
    category text not null,
    severity text not null,
    behavior text not null,
    guidance text not null,
    -- {"tier": "allowed" | "needs-approval" | "blocked"} for every tier.
    decisions jsonb not null,
    requestable_label text,
    -- [{"engine": "kyverno", "policy", "rule"?} | {"engine": "gatekeeper", "kind", "name"}]
    implementations jsonb not null default '[]',
    frameworks text[] not null default '{}',
    owner text,
    review_due date,
    author text not null,
    author_id uuid,
    created_at timestamptz not null default now(),
    change_note text,
    submitted_at timestamptz,
    approved_by text,
    approved_by_id uuid,
    approved_at timestamptz,
    rejected_by text,
    rejected_at timestamptz,
    review_comment text,
    published_by text,
    published_at timestamptz,
    retired_by text,
    retired_at timestamptz,
    constraint guardrail_versions_pkey primary key (guardrail, version),
    constraint guardrail_versions_guardrail_fkey foreign key (guardrail) references guardrails (number),
    constraint guardrail_versions_category_fkey foreign key (category) references guardrail_categories (slug),
    constraint guardrail_versions_author_id_fkey foreign key (author_id) references users (id),
    constraint guardrail_versions_approved_by_id_fkey foreign key (approved_by_id) references users (id),
    constraint guardrail_versions_version_check check (version > 0),
    constraint guardrail_versions_state_check check (state in ('draft', 'in-review', 'published', 'retired')),
    constraint guardrail_versions_intent_check check (intent in ('publish', 'retire')),
    constraint guardrail_versions_severity_check check (severity in ('critical', 'high', 'medium', 'low')),
    constraint guardrail_versions_behavior_check check (behavior in ('preventive', 'detective', 'proactive')),
    constraint guardrail_versions_guidance_check check (guidance in ('mandatory', 'strongly-recommended', 'elective')),
    constraint guardrail_versions_decisions_check check (jsonb_typeof(decisions) = 'object'),
    constraint guardrail_versions_implementations_check check (jsonb_typeof(implementations) = 'array'),
    -- Four eyes, in the database too: nobody approves their own version.
    constraint guardrail_versions_four_eyes_check check (approved_by_id is null or approved_by_id is distinct from author_id),
    constraint guardrail_versions_published_check check (state not in ('published', 'retired') or approved_by is not null)
);

create index guardrail_versions_published_idx on guardrail_versions (guardrail, version desc)
    where state = 'published';

-- What a version says it mitigates.
create table guardrail_version_threats (
    guardrail integer not null,
    version integer not null,
    threat integer not null,
    constraint guardrail_version_threats_pkey primary key (guardrail, version, threat),
    constraint guardrail_version_threats_version_fkey foreign key (guardrail, version) references guardrail_versions (guardrail, version),
    constraint guardrail_version_threats_threat_fkey foreign key (threat) references threats (number)
);

create index guardrail_version_threats_threat_idx on guardrail_version_threats (threat);

-- A published version never changes; a version's content never changes at all:
-- only its review moves.
create function guardrail_versions_content_frozen() returns trigger
language plpgsql as $$
begin
    if (old.title, old.objective, old.body, old.category, old.severity, old.behavior, old.guidance,
        old.decisions, old.requestable_label, old.implementations, old.frameworks, old.owner,
        old.review_due, old.author, old.author_id, old.created_at, old.intent)
       is distinct from
       (new.title, new.objective, new.body, new.category, new.severity, new.behavior, new.guidance,
        new.decisions, new.requestable_label, new.implementations, new.frameworks, new.owner,
        new.review_due, new.author, new.author_id, new.created_at, new.intent) then
        raise exception 'a guardrail version''s content never changes: save a new version'
            using errcode = 'PW002';
    end if;
    if old.state = 'published' and new.state not in ('published', 'retired') then
        raise exception 'a published guardrail version never returns to review'
            using errcode = 'PW002';
    end if;
    return new;
end
$$;

create trigger guardrail_versions_frozen before update on guardrail_versions
    for each row execute function guardrail_versions_content_frozen();

create function guardrail_versions_kept() returns trigger
language plpgsql as $$
begin
    raise exception 'guardrail versions are history: they are never deleted' using errcode = 'PW002';
end
$$;

create trigger guardrail_versions_no_delete before delete on guardrail_versions
    for each row execute function guardrail_versions_kept();

-- When a signed-in person last looked at the guardrails list: "changed since your
-- last visit" marks what was published after it.
create table guardrail_visits (
    user_id uuid not null,
    seen_at timestamptz not null,
    constraint guardrail_visits_pkey primary key (user_id),
    constraint guardrail_visits_user_id_fkey foreign key (user_id) references users (id) on delete cascade
);
