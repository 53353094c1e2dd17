-- Webhook identity comes from what the platform signed: a receipt is keyed by a fixed-length hash of the
-- community, the plugin and the raw body, never by an id the sender chose. Receipts keyed the old way
-- cannot be compared with the new keys, so they are dropped.
drop table webhook_receipt;
create table webhook_receipt (
    identity       text        primary key,
    community_slug text        not null references community (slug) on delete cascade,
    plugin_name    text        not null,
    event_type     text,
    received_at    timestamptz not null default now()
);
create index webhook_receipt_received on webhook_receipt (received_at);

-- Events wait in PostgreSQL (status 'queued'), in queue order (seq), until the community's event outbox
-- workflow delivers them; the workflow itself carries no bodies. queued_at starts each event's give-up clock.
alter table delivery add column seq bigserial;
alter table delivery add column plugin_name text;
alter table delivery add column queued_at timestamptz;
alter table delivery add column enriched boolean not null default true;
create index delivery_event_queue on delivery (community_slug, seq) where status = 'queued';
create index delivery_finished on delivery (updated_at) where status in ('delivered', 'dead', 'discarded');

-- One row per community whose outbox was woken: the flag is raised when events are queued and lowered when
-- the workflow starts a drain, so a busy outbox is signalled once per drain, not once per webhook.
create table event_outbox (
    community_slug    text primary key,
    wake_requested    boolean     not null default false,
    wake_requested_at timestamptz
);
create index event_outbox_wake on event_outbox (wake_requested_at) where wake_requested;
