-- Fast catalog pages at enterprise scale.
--
-- 1. Typo search looks words up in a small table of distinct catalog words (trigram
--    index) and then searches the tsvector with the corrected words, instead of
--    computing trigram similarity against every entity's text.
-- 2. A generation number, bumped by every statement that changes entities, tells each
--    replica when its in-memory facet index is stale.

create table catalog_words (
    word text not null,
    constraint catalog_words_pkey primary key (word)
);

create index catalog_words_trgm_idx on catalog_words using gin (word gin_trgm_ops);

-- Words worth correcting: three letters or more, not pure numbers (ids), not absurdly
-- long. Used here to fill the table from what is already stored.
create function catalog_words_of(search_text text) returns setof text
language sql immutable parallel safe as $$
    select distinct w
    from regexp_split_to_table(lower(search_text), '[^a-z0-9]+') as w
    where length(w) between 3 and 40 and w !~ '^[0-9]+$'
$$;

insert into catalog_words (word)
select distinct catalog_words_of(search_text) from catalog_entities
on conflict do nothing;

-- Imports add the words of what they write (same rule, in Rust: store::catalog_words).

create table catalog_state (
    singleton boolean not null default true,
    generation bigint not null,
    constraint catalog_state_pkey primary key (singleton),
    constraint catalog_state_singleton check (singleton)
);

insert into catalog_state (generation) values (1);

create function catalog_state_bump() returns trigger
language plpgsql as $$
begin
    update catalog_state set generation = generation + 1;
    return null;
end
$$;

create trigger catalog_state_on_change after insert or update or delete or truncate on catalog_entities
    for each statement execute function catalog_state_bump();

-- Typo search no longer compares every entity's text by trigrams (see catalog_words),
-- so this index only slowed imports down.
drop index catalog_entities_trgm_idx;
