#!/bin/sh
# Entry point of the postgres:16 stand-in, doing what the official image's entry point does for
# the settings a compose file relies on:
# - POSTGRES_USER (default postgres), POSTGRES_PASSWORD (required), POSTGRES_DB (default the user)
#   are used on the first start only: an initialised data directory is used as it is;
# - the data directory (PGDATA, /var/lib/postgresql/data) belongs to uid 999 with mode 0700, so a
#   bind-mounted host directory ends up owned by 999;
# - other hosts log in with a password (scram-sha-256); the server listens on every address;
# - the server runs in the foreground and logs to the container's output.
set -eu

PGDATA="${PGDATA:-/var/lib/postgresql/data}"
export PGDATA

if [ "${1#-}" != "$1" ]; then
  set -- postgres "$@"
fi

if [ "$1" = postgres ] && [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chmod 0700 "$PGDATA"
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 3777 /var/run/postgresql
  # Start again as the postgres user, with the same environment and arguments.
  exec su -p -s /bin/sh postgres -c 'exec "$0" "$@"' "$0" "$@"
fi

initialise() {
  if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "${POSTGRES_HOST_AUTH_METHOD:-}" != trust ]; then
    cat >&2 <<'EOF'
Error: Database is uninitialized and superuser password is not specified.
       You must specify POSTGRES_PASSWORD to a non-empty value for the
       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".
EOF
    exit 1
  fi
  user="${POSTGRES_USER:-postgres}"
  database="${POSTGRES_DB:-$user}"
  pwfile="$(mktemp)"
  printf '%s' "${POSTGRES_PASSWORD:-}" > "$pwfile"
  # No locales in this image: C is what it has.
  initdb --username="$user" --pwfile="$pwfile" --locale=C --encoding=UTF8 --auth-local=trust ${POSTGRES_INITDB_ARGS:-} -D "$PGDATA"
  rm -f "$pwfile"
  printf '\nhost all all all %s\n' "${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}" >> "$PGDATA/pg_hba.conf"
  printf "\nlisten_addresses = '*'\nunix_socket_directories = '/var/run/postgresql'\n" >> "$PGDATA/postgresql.conf"
  if [ "$database" != postgres ]; then
    quoted="$(printf '%s' "$database" | sed 's/"/""/g')"
    printf 'CREATE DATABASE "%s";\n' "$quoted" | postgres --single -j -D "$PGDATA" postgres > /dev/null
  fi
  echo
  echo 'PostgreSQL init process complete; ready for start up.'
  echo
}

if [ "$1" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  initialise
elif [ "$1" = postgres ]; then
  echo
  echo 'PostgreSQL Database directory appears to contain a database; Skipping initialization'
  echo
fi

exec "$@"
