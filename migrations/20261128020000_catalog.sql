-- The service catalog: Backstage-compatible entities, their relations as pairs, and
-- full-text plus trigram search (typos) over name, title, description and tags.

create extension if not exists pg_trgm;

create table catalog_entities (
    -- `kind:namespace/name`, lower-case, as Backstage writes entity references.
    key text not null,
    kind text not null,
    namespace text not null,
    name text not null,
    title text,
    description text,
    spec_type text,
    lifecycle text,
    tier text,
    -- Key of the owning group, and of the business unit above it (derived).
    owner text,
    business_unit text,
    tags text[] not null default '{}',
    -- The descriptor as imported, unknown fields included.
    body jsonb not null,
    -- Where it came from (file or upload name); re-importing a source updates in place.
    source text not null,
    -- Set when a re-import of its source no longer contains it.
    orphaned_at timestamptz,
    search_text text not null,
    search tsvector generated always as (to_tsvector('english', search_text)) stored,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint catalog_entities_pkey primary key (key)
);

create index catalog_entities_kind_name_idx on catalog_entities (kind, name, key);
create index catalog_entities_name_idx on catalog_entities (name, key);
create index catalog_entities_owner_idx on catalog_entities (owner);
create index catalog_entities_business_unit_idx on catalog_entities (business_unit);
create index catalog_entities_lifecycle_idx on catalog_entities (lifecycle);
create index catalog_entities_tier_idx on catalog_entities (tier);
create index catalog_entities_source_idx on catalog_entities (source);
create index catalog_entities_tags_idx on catalog_entities using gin (tags);
create index catalog_entities_search_idx on catalog_entities using gin (search);
create index catalog_entities_trgm_idx on catalog_entities using gin (search_text gin_trgm_ops);

-- Both halves of every relation; `origin` is the entity whose descriptor declared it,
-- so a re-import replaces exactly what that descriptor said.
create table catalog_relations (
    source_key text not null,
    type text not null,
    target_key text not null,
    origin text not null,
    constraint catalog_relations_pkey primary key (source_key, type, target_key, origin)
);

create index catalog_relations_target_idx on catalog_relations (target_key);
create index catalog_relations_origin_idx on catalog_relations (origin);
