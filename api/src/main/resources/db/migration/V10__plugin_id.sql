-- A plugin has a stable id, as in the gateway's plugin objects: it survives reconfiguration (the row is updated in
-- place) and a new one is drawn only when the plugin is disabled and enabled again (the row is deleted and inserted).
alter table community_plugin add column id bigserial not null;
alter table community_plugin add constraint community_plugin_id_unique unique (id);
