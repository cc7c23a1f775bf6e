#!/usr/bin/env bash
# Prints (last line of stdout) the folder of PostgreSQL 15's server programs (initdb, pg_ctl, psql),
# installing Debian's postgresql-15 with apt-get when it is absent. Only the programs are used: the
# cluster of src/local/cluster.ts makes a data directory of its own, never the machine's cluster.
set -euo pipefail
bin=/usr/lib/postgresql/15/bin
if [[ ! -x "$bin/initdb" ]]; then
  echo "ensure-postgresql: installing PostgreSQL 15 from Debian (apt-get)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq postgresql-15 >&2 || { apt-get update -qq >&2 && apt-get install -y -qq postgresql-15 >&2; }
fi
if [[ ! -x "$bin/initdb" ]]; then
  echo "ensure-postgresql: $bin/initdb is missing after installing postgresql-15." >&2
  exit 1
fi
echo "$bin"
