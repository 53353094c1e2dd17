-- The identity API (the Metagov gateway's linked accounts): a community's Metagov ids, one per person as the
-- Driver sees them, and the platform accounts linked to each. An id is a number unique within its community,
-- handed out in order from the community's counter: ids of two communities may be equal, and an id means
-- something only together with its community.
create table metagov_id_counter (
    community_slug text   primary key references community (slug) on delete cascade,
    last_id        bigint not null
);

create table metagov_id (
    community_slug text        not null references community (slug) on delete cascade,
    external_id    bigint      not null,
    created_at     timestamptz not null default now(),
    primary key (community_slug, external_id)
);

-- A platform account belongs to at most one Metagov id of a community. community_platform_id tells apart two
-- spaces of one platform in a community (two Slack workspaces); null when there is one, and null equals null
-- here, hence the unique index over coalesce rather than a unique constraint.
create table linked_account (
    id                    bigserial primary key,
    community_slug        text        not null,
    external_id           bigint      not null,
    platform_type         text        not null,
    community_platform_id text,
    platform_identifier   text        not null,
    custom_data           jsonb       not null default '{}'::jsonb,
    link_type             text        not null
        check (link_type in ('oauth', 'manual admin', 'email matching', 'unknown')),
    link_quality          text        not null
        check (link_quality in ('confirmed (strong)', 'confirmed (weak)', 'unconfirmed', 'unknown')),
    created_at            timestamptz not null default now(),
    updated_at            timestamptz not null default now(),
    foreign key (community_slug, external_id) references metagov_id (community_slug, external_id) on delete cascade
);
create unique index linked_account_platform_identity
    on linked_account (community_slug, platform_type, coalesce(community_platform_id, ''), platform_identifier);
create index linked_account_owner on linked_account (community_slug, external_id);
