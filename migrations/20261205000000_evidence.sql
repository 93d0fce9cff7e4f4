-- Compliance evidence: a daily sample of every published guardrail's coverage in every
-- cluster (the live figures are not kept otherwise). A period of the audit trail is
-- read through `audit_events_occurred_at_idx` (foundation).

create table coverage_samples (
    day date not null,
    guardrail integer not null,
    cluster text not null,
    environment text not null,
    mode text not null,
    workloads integer not null,
    enforced integer not null,
    pass integer not null,
    fail integer not null,
    unknown integer not null,
    sampled_at timestamptz not null default now(),
    constraint coverage_samples_pkey primary key (day, guardrail, cluster),
    constraint coverage_samples_guardrail_fkey foreign key (guardrail) references guardrails (number),
    constraint coverage_samples_mode_check check (mode in ('enforce', 'audit', 'missing'))
);
