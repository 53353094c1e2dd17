#!/bin/sh
# One-shot job run in the temporalio/admin-tools image before the Temporal server starts:
# sets up and migrates the default store and visibility store schemas. The databases themselves
# are created, and given to the `temporal` role this job connects as, by the postgres-setup job
# (deploy/postgres-init.sql): that role may not create databases. Every step is idempotent, so the
# job runs on every `docker compose up`.
#
# temporal-sql-tool reads its connection from SQL_PLUGIN, SQL_HOST, SQL_PORT, SQL_USER and
# SQL_PASSWORD (set in docker-compose.yml), so the password never appears on a command line.
set -eu

: "${SQL_PLUGIN:=postgres12}"
: "${SQL_HOST:=postgresql}"
: "${SQL_PORT:=5432}"
: "${SQL_USER:?SQL_USER must be set}"
: "${SQL_PASSWORD:?SQL_PASSWORD must be set}"
: "${DBNAME:=temporal}"
: "${VISIBILITY_DBNAME:=temporal_visibility}"
: "${TEMPORAL_HOME:=/etc/temporal}"
export SQL_PLUGIN SQL_HOST SQL_PORT SQL_USER SQL_PASSWORD

SCHEMA_DIR="${TEMPORAL_HOME}/schema/postgresql/v12/temporal/versioned"
VISIBILITY_SCHEMA_DIR="${TEMPORAL_HOME}/schema/postgresql/v12/visibility/versioned"

echo "Waiting for PostgreSQL at ${SQL_HOST}:${SQL_PORT}..."
tries=0
until pg_isready -q -h "${SQL_HOST}" -p "${SQL_PORT}" -U "${SQL_USER}"; do
  tries=$((tries + 1))
  if [ "${tries}" -ge 60 ]; then
    echo "PostgreSQL did not become ready" >&2
    exit 1
  fi
  sleep 2
done

setup_db() {
  db="$1"
  dir="$2"
  echo "Setting up Temporal schema in database '${db}' from ${dir}"
  # Creates only the version tables on a new database; on a set-up one it changes nothing.
  temporal-sql-tool --db "${db}" setup-schema -v 0.0
  temporal-sql-tool --db "${db}" update-schema -d "${dir}"
}

setup_db "${DBNAME}" "${SCHEMA_DIR}"
setup_db "${VISIBILITY_DBNAME}" "${VISIBILITY_SCHEMA_DIR}"

echo "Temporal schema setup complete"
