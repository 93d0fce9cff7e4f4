-- Foundation: the helpers every later table uses, and the tamper-evident audit log.

-- Later tables add `updated_at timestamptz not null default now()` and a
-- `before update ... execute function set_updated_at()` trigger, so the column is
-- right no matter which code path (or psql session) changed the row.
create function set_updated_at() returns trigger
language plpgsql as $$
begin
    new.updated_at := now();
    return new;
end;
$$;

-- Append-only, hash-chained audit trail. Each row carries the SHA-256 of the previous
-- row (32 zero bytes for the first) and its own SHA-256 over a canonical encoding of
-- its fields (see core/src/audit/model.rs), so editing or deleting any row behind
-- Parkway's back is detected by `verify`.
create table audit_events (
    id          bigint generated always as identity,
    occurred_at timestamptz not null,
    actor       text        not null,
    action      text        not null,
    target      text        not null,
    payload     jsonb       not null default '{}'::jsonb,
    request_id  text,
    prev_hash   bytea       not null,
    hash        bytea       not null,
    constraint audit_events_pkey primary key (id),
    constraint audit_events_prev_hash_len check (octet_length(prev_hash) = 32),
    constraint audit_events_hash_len check (octet_length(hash) = 32),
    constraint audit_events_actor_not_blank check (btrim(actor) <> ''),
    constraint audit_events_action_not_blank check (btrim(action) <> ''),
    -- A row can only ever have one successor: the chain cannot fork even if a writer
    -- forgot the append lock.
    constraint audit_events_prev_hash_key unique (prev_hash),
    constraint audit_events_hash_key unique (hash)
);

create index audit_events_occurred_at_idx on audit_events (occurred_at);
create index audit_events_actor_idx on audit_events (actor, occurred_at);
create index audit_events_target_idx on audit_events (target, occurred_at);

-- SQLSTATE PW001 is Parkway's own code for "audit log is append-only"; the Rust side
-- maps it by code, never by message.
create function audit_events_reject_change() returns trigger
language plpgsql as $$
begin
    raise exception 'audit_events is append-only: % is not allowed', tg_op
        using errcode = 'PW001';
end;
$$;

create trigger audit_events_append_only
    before update or delete on audit_events
    for each row execute function audit_events_reject_change();

create trigger audit_events_no_truncate
    before truncate on audit_events
    for each statement execute function audit_events_reject_change();
