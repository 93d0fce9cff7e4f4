-- Off-boarding and provenance for credentials (expand only).
--
-- A deactivated person can no longer sign in, and their sessions and tokens stop at
-- once; the row stays so the audit trail keeps naming them.
alter table users
    add column deactivated_at timestamptz,
    add column deactivated_by text,
    -- Whether the provider vouched for `email`; the handle uses it only then.
    add column email_verified boolean not null default false;

-- The issuer that created the session: a session outlives no change of provider.
alter table sessions add column issuer text;

-- A token minted with another token: it lives no longer and can do no more than its
-- parent, and revoking the parent revokes it.
alter table api_tokens
    add column parent_id uuid constraint api_tokens_parent_id_fkey references api_tokens (id) on delete cascade;
create index api_tokens_parent_id_idx on api_tokens (parent_id) where parent_id is not null;
