-- A process row is committed before its workflow starts, with everything needed to start it, so a crash
-- between the two cannot leave an accepted process without a workflow: the sweeper starts it.
alter table process add column parameters json;
create index process_unstarted on process (created_at) where status = 'created' and version = 0;
