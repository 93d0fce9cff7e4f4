-- How a person's provider groups become Parkway roles, in one place: sessions and API
-- tokens both read a principal's roles through it, so they can never disagree.
create function roles_of(groups text[]) returns text[]
language sql stable
as $$
    select coalesce(array_agg(distinct m.role order by m.role), '{}')
    from role_mappings m
    where m.group_name = any(groups)
$$;
