-- Runs once, when the postgres container initialises an empty data directory
-- (/docker-entrypoint-initdb.d). The application database (metagov) is created by the image
-- from POSTGRES_DB; this adds the two databases Temporal's SQL persistence needs.
-- temporal-sql-tool's `create` in deploy/temporal-schema-setup.sh is idempotent and creates
-- them too, so a volume initialised before this script existed is also covered.
CREATE DATABASE temporal;
CREATE DATABASE temporal_visibility;
