-- Communities and the plugins each one enables. A plugin's config is stored validated, with defaults
-- filled; its secrets are only ever returned redacted.
create table community (
    slug          text primary key,
    readable_name text        not null default '',
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now()
);

create table community_plugin (
    community_slug text        not null references community (slug) on delete cascade,
    plugin_name    text        not null,
    config         jsonb       not null,
    state          jsonb       not null default '{}'::jsonb,
    created_at     timestamptz not null default now(),
    updated_at     timestamptz not null default now(),
    primary key (community_slug, plugin_name)
);
