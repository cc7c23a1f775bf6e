#!/bin/sh
# Creates the two Temporal databases on PostgreSQL (temporal, temporal_visibility) and brings their
# schemas to the version of this admin-tools image, with the image's temporal-sql-tool. Runs on every
# `docker compose up` and is idempotent: `setup-schema -v 0.0` leaves a newer version alone, and
# `update-schema` applies only the missing steps, so upgrading the images upgrades the schema.
set -eu
: "${POSTGRES_SEEDS:?POSTGRES_SEEDS must name the PostgreSQL host}"
: "${POSTGRES_USER:?POSTGRES_USER must be set}"
: "${SQL_PASSWORD:?SQL_PASSWORD must be set}"
port="${DB_PORT:-5432}"
schema=/etc/temporal/schema/postgresql/v12

sql() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$port" -u "$POSTGRES_USER" "$@"
}

for pair in temporal:temporal temporal_visibility:visibility; do
  db=${pair%%:*}
  dir=${pair#*:}
  # An existing database is not an error; a missing one makes setup-schema below fail loudly.
  sql --db "$db" create || echo "database $db not created (it may exist already)"
  sql --db "$db" setup-schema -v 0.0
  sql --db "$db" update-schema -d "$schema/$dir/versioned"
done
echo "Temporal schemas are up to date"
