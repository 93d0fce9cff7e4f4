-- Two expand-only changes to the cluster snapshots.
--
-- 1. A cluster no longer in the configuration is marked removed at start-up instead of
--    deleted: its snapshot rows and health history stay for the record, while lists,
--    entity Runtime tabs and roll-ups leave it out. Configured again, it is un-removed.
alter table clusters add column removed_at timestamptz;

-- 2. The `parkway.io/team` label of the workload's *namespace* (not of the workload,
--    which whoever deploys it can set): a Runtime tab or roll-up only counts a
--    workload for the team its namespace belongs to. Null on rows written before this
--    column existed; the summaries gained the same field, so the next sync rewrites
--    every row (its digest changes) and fills it.
alter table cluster_workloads add column namespace_team text;
