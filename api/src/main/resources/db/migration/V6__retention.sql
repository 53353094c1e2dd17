-- The retention pruner finds ended processes by when they last changed.
create index process_ended on process (updated_at) where status in ('completed', 'failed');
