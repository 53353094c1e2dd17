-- Run by the one-shot postgres-setup job (psql as the PostgreSQL superuser) on every `docker compose up`:
-- creates the two login roles and their databases, so that neither Temporal nor the app connects as the
-- superuser. Every statement is idempotent, and the passwords are set again on each run, so a new
-- TEMPORAL_DB_PASSWORD or METAGOV_DB_PASSWORD in .env takes effect at the next `up`.
--
--   temporal     owns temporal and temporal_visibility (Temporal's stores; the schema job runs as it too)
--   metagov_app  owns metagov (the app's database; Flyway migrates as it)
--
-- The passwords come from the environment (psql's \getenv), never from a command line.
\set ON_ERROR_STOP on
\set temporal_password ''
\set app_password ''
\getenv temporal_password TEMPORAL_DB_PASSWORD
\getenv app_password METAGOV_DB_PASSWORD
SELECT :'temporal_password' = '' OR :'app_password' = '' AS missing_password \gset
\if :missing_password
  DO $$ BEGIN RAISE EXCEPTION 'TEMPORAL_DB_PASSWORD and METAGOV_DB_PASSWORD must both be set'; END $$;
\endif

-- The ALTER ROLE statements carry the passwords: keep them out of the server log whatever its settings.
SET log_statement = 'none';
SET log_min_duration_statement = -1;

SELECT 'CREATE ROLE temporal' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'temporal') \gexec
SELECT 'CREATE ROLE metagov_app' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'metagov_app') \gexec
ALTER ROLE temporal WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  PASSWORD :'temporal_password';
ALTER ROLE metagov_app WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  PASSWORD :'app_password';

SELECT 'CREATE DATABASE temporal OWNER temporal'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'temporal') \gexec
SELECT 'CREATE DATABASE temporal_visibility OWNER temporal'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'temporal_visibility') \gexec
SELECT 'CREATE DATABASE metagov OWNER metagov_app'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'metagov') \gexec

-- Databases made by an earlier version of this stack belong to the superuser: hand them over.
ALTER DATABASE temporal OWNER TO temporal;
ALTER DATABASE temporal_visibility OWNER TO temporal;
ALTER DATABASE metagov OWNER TO metagov_app;

-- Each role reaches its own databases only.
REVOKE ALL ON DATABASE temporal, temporal_visibility, metagov FROM PUBLIC;

\connect temporal
\ir postgres-owner-fixup.sql

\connect temporal_visibility
-- Temporal's visibility schema creates btree_gin. It is a trusted extension, so the database owner could
-- create it too; creating it here keeps the schema job clear of any extension privilege question.
CREATE EXTENSION IF NOT EXISTS btree_gin;
\ir postgres-owner-fixup.sql

\connect metagov
\ir postgres-owner-fixup.sql
