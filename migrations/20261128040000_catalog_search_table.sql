-- Broad searches stay fast: the searchable text moves out of the wide entity rows
-- (descriptor, columns, about 900 bytes each) into a narrow table of its own.
--
-- A search matching a tenth of a 50,000-entity catalog visited ~2,200 heap pages of
-- catalog_entities to read 5,000 tsvectors; the same rows of catalog_search fill a
-- fifth of that, and a search returns small integer ids that each replica's facet
-- index maps to its rows without hashing keys.

alter table catalog_entities add column id bigint generated always as identity;
alter table catalog_entities add constraint catalog_entities_id_key unique (id);

create table catalog_search (
    entity_id bigint not null,
    search tsvector not null,
    constraint catalog_search_pkey primary key (entity_id),
    constraint catalog_search_entity_fkey foreign key (entity_id)
        references catalog_entities (id) on delete cascade
);

insert into catalog_search (entity_id, search)
select id, to_tsvector('english', search_text) from catalog_entities;

create index catalog_search_idx on catalog_search using gin (search);

-- Imports and edits write both tables in one transaction (store::upsert).
alter table catalog_entities drop column search;

-- The catalog's "recently updated" order, walked by keyset cursors (updated_at, key).
create index catalog_entities_updated_idx on catalog_entities (updated_at, key);
