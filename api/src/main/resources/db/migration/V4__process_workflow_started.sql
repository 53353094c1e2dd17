-- Whether the process's workflow is known to have started, so the sweeper looks only at processes whose
-- start may really have been interrupted (not at those whose first platform call is still retrying).
alter table process add column workflow_started boolean not null default true;
drop index process_unstarted;
create index process_unstarted on process (created_at) where not workflow_started;
