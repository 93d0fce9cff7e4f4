-- Credentials checked in memory, dropped everywhere the moment they change.
--
-- Each replica keeps the principal of a recently seen session or API token in memory,
-- so a request does not look its credential up in Postgres. What could make such an
-- answer wrong (a sign-out, a revoked or re-scoped token, a deactivated person,
-- changed groups or teams, a changed role mapping) bumps `access_state.generation`; a replica
-- drops every remembered credential when it sees the generation move. Both
-- generations (access, and the catalog's) are announced on the `parkway_generations`
-- channel at commit, so every replica sees a change at once instead of polling.
--
-- Touching `last_seen_at` / `last_used_at` does not bump: those are throttled writes
-- of bookkeeping, not changes of what a credential may do.

create table access_state (
    singleton boolean not null default true,
    generation bigint not null,
    constraint access_state_pkey primary key (singleton),
    constraint access_state_singleton check (singleton)
);

insert into access_state (generation) values (1);

create function access_state_bump() returns trigger
language plpgsql as $$
begin
    update access_state set generation = generation + 1;
    perform pg_notify('parkway_generations', 'access');
    return null;
end
$$;

-- For statement-level triggers with a transition table named `gone`: a purge that
-- deletes nothing must not throw away every replica's remembered credentials.
create function access_state_bump_if_gone() returns trigger
language plpgsql as $$
begin
    if exists (select 1 from gone) then
        update access_state set generation = generation + 1;
        perform pg_notify('parkway_generations', 'access');
    end if;
    return null;
end
$$;

create trigger access_state_on_session_end after delete on sessions
    referencing old table as gone
    for each statement execute function access_state_bump_if_gone();

-- Marking a session as seen moves `last_seen_at` forward and announces nothing;
-- anything that shortens a session's life, or hands it to someone else, does.
create trigger access_state_on_session_change after update on sessions
    for each row
    when (new.last_seen_at < old.last_seen_at or new.expires_at < old.expires_at
          or (old.user_id, old.issuer, old.csrf_token) is distinct from (new.user_id, new.issuer, new.csrf_token))
    execute function access_state_bump();

create trigger access_state_on_token_change after update on api_tokens
    for each row
    when ((old.revoked_at, old.expires_at, old.scopes, old.role, old.owner_id)
          is distinct from (new.revoked_at, new.expires_at, new.scopes, new.role, new.owner_id))
    execute function access_state_bump();

create trigger access_state_on_token_delete after delete on api_tokens
    referencing old table as gone
    for each statement execute function access_state_bump_if_gone();

create trigger access_state_on_user_change after update on users
    for each row
    when ((old.deactivated_at, old.groups, old.kind, old.handle, old.display_name,
           old.last_sign_in_at, old.created_at)
          is distinct from (new.deactivated_at, new.groups, new.kind, new.handle, new.display_name,
                            new.last_sign_in_at, new.created_at))
    execute function access_state_bump();

create trigger access_state_on_user_delete after delete on users
    referencing old table as gone
    for each statement execute function access_state_bump_if_gone();

-- A principal carries its teams (for ownership and `/api/v1/me`).
create trigger access_state_on_team_change
    after insert or update or delete or truncate on team_members
    for each statement execute function access_state_bump();

create trigger access_state_on_role_mapping_change
    after insert or update or delete or truncate on role_mappings
    for each statement execute function access_state_bump();

-- The catalog's generation is announced the same way (its trigger already bumps it).
create or replace function catalog_state_bump() returns trigger
language plpgsql as $$
begin
    update catalog_state set generation = generation + 1;
    perform pg_notify('parkway_generations', 'catalog');
    return null;
end
$$;
