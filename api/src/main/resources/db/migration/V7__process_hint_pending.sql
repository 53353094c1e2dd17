-- Raised when a webhook signals a process, lowered when the process starts re-reading its platform: while
-- it is up, further webhooks need not signal (the coming read covers them), so a webhook storm costs a
-- process one signal per read, not one per webhook, and its history stays bounded.
alter table process add column hint_pending boolean not null default false;
