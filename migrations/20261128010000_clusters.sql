-- Cluster registry and snapshots: what the watch caches last saw of each cluster, so
-- pages render when a cluster is unreachable ("as of …") and scorecards have history.

create table clusters (
    name text not null,
    environment text not null,
    demo boolean not null default false,
    api_version text,
    -- Last time the sync job wrote this cluster's snapshot.
    last_sync timestamptz,
    -- Why the last sync attempt could not read the cluster; null once it succeeds.
    last_error text,
    registered_at timestamptz not null default now(),
    constraint clusters_pkey primary key (name),
    constraint clusters_environment_check check (environment in ('dev', 'stage', 'prod'))
);

-- One row per workload. `summary` is the whole JSON summary (pods, warnings, policy
-- findings); `digest` is its SHA-256, so a sync rewrites only rows that changed.
create table cluster_workloads (
    cluster text not null,
    namespace text not null,
    kind text not null,
    name text not null,
    team text,
    business_unit text,
    app_name text,
    kubernetes_id text,
    summary jsonb not null,
    digest bytea not null,
    changed_at timestamptz not null default now(),
    constraint cluster_workloads_pkey primary key (cluster, namespace, kind, name),
    constraint cluster_workloads_cluster_fkey foreign key (cluster) references clusters (name) on delete cascade
);

create index cluster_workloads_kubernetes_id_idx on cluster_workloads (kubernetes_id) where kubernetes_id is not null;
create index cluster_workloads_app_name_idx on cluster_workloads (app_name) where app_name is not null;
create index cluster_workloads_team_idx on cluster_workloads (team) where team is not null;

-- Cluster-level totals, written only when they differ from the previous row.
create table cluster_health_history (
    cluster text not null,
    taken_at timestamptz not null default now(),
    workloads integer not null,
    healthy integer not null,
    degraded integer not null,
    down integer not null,
    policy_pass integer not null,
    policy_fail integer not null,
    constraint cluster_health_history_pkey primary key (cluster, taken_at),
    constraint cluster_health_history_cluster_fkey foreign key (cluster) references clusters (name) on delete cascade
);
