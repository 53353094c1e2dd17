-- Whether the Driver asked for a callback on every change of the process (callback_on_update), not only at its end;
-- kept so that a process the sweeper starts later runs as it was asked.
alter table process add column live_callbacks boolean not null default false;
