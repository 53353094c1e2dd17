-- Governance processes as projected by their workflows (never ahead of the workflow's state), the
-- index that routes webhooks to processes, webhook receipts for de-duplication, and outbound deliveries.
create table process (
    id              bigserial primary key,
    community_slug  text        not null references community (slug) on delete cascade,
    plugin_name     text        not null,
    process_name    text        not null,
    status          text        not null,
    record          json        not null,
    version         bigint      not null default 0,
    workflow_id     text        not null,
    callback_url    text,
    idempotency_key text,
    request_hash    text,
    closing_at      timestamptz,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    unique (community_slug, idempotency_key)
);
create index process_community_status on process (community_slug, status, id);

create table process_route (
    community_slug text   not null,
    plugin_name    text   not null,
    routing_key    text   not null,
    process_id     bigint not null references process (id) on delete cascade,
    primary key (community_slug, plugin_name, routing_key, process_id)
);

create table webhook_receipt (
    community_slug text        not null references community (slug) on delete cascade,
    plugin_name    text        not null,
    delivery_id    text        not null,
    received_at    timestamptz not null default now(),
    primary key (community_slug, plugin_name, delivery_id)
);

create table delivery (
    id             text primary key,
    kind           text        not null,
    community_slug text        not null,
    process_id     bigint,
    url            text        not null,
    body           jsonb       not null,
    status         text        not null,
    attempts       integer     not null default 0,
    last_error     text,
    created_at     timestamptz not null default now(),
    updated_at     timestamptz not null default now(),
    delivered_at   timestamptz
);
create index delivery_status on delivery (status, created_at);
