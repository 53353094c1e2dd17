-- Installed apps (Slack, GitHub, Discord): one webhook URL for every installation, so an app-level webhook is
-- routed by the installation key it names to the one community whose plugin config holds that key.
create table app_installation (
    plugin_name      text        not null,
    installation_key text        not null,
    community_slug   text        not null,
    created_at       timestamptz not null default now(),
    primary key (plugin_name, installation_key),
    unique (community_slug, plugin_name),
    foreign key (community_slug, plugin_name) references community_plugin (community_slug, plugin_name) on delete cascade
);

-- The OAuth install flow's server-side state: unguessable (only its hash is stored), single use and expiring.
create table install_state (
    token_hash     text primary key,
    plugin_name    text        not null,
    community_slug text        not null references community (slug) on delete cascade,
    redirect_uri   text        not null,
    driver_state   text,
    expires_at     timestamptz not null,
    used_at        timestamptz
);
create index install_state_expiry on install_state (expires_at);

-- What webhooks said to a process where the webhook itself is the input (a vote cast by pressing a button),
-- kept in the transaction that acknowledged the webhook and read by the process's adapter on its next read.
create table process_input (
    id               bigserial primary key,
    process_id       bigint      not null references process (id) on delete cascade,
    webhook_identity text        not null,
    data             jsonb       not null,
    received_at      timestamptz not null default now(),
    unique (process_id, webhook_identity)
);
create index process_input_process on process_input (process_id, id);

-- Plugins disabled (or communities deleted) whose platform side still needs tearing down (revoking tokens,
-- removing webhook registrations): done after the commit, with retries, by the plugin's onDisable.
create table plugin_teardown (
    id             bigserial primary key,
    community_slug text        not null,
    plugin_name    text        not null,
    config         jsonb       not null,
    state          jsonb       not null,
    attempts       int         not null default 0,
    next_attempt   timestamptz not null default now(),
    created_at     timestamptz not null default now()
);
create index plugin_teardown_due on plugin_teardown (next_attempt);
