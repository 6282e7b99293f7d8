#!/usr/bin/env bash
# A throwaway PostgreSQL 15 server for tests: data dir and unix socket in DIR,
# no TCP, trust authentication, superuser "pecete", database "pecete".
#
# Usage: scripts/pg-test-server.sh start DIR   prints the libpq URL
#        scripts/pg-test-server.sh stop DIR    stops it (DIR is left to you)
#
# PostgreSQL refuses to run as root: when we are root the server runs as
# the user postgres (DIR is chowned to it, so DIR's parents must be
# traversable by it: use e.g. DIR=$(mktemp -d /tmp/pecete-pg.XXXXXX)).
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

usage() {
	echo "usage: $0 start|stop DIR" >&2
	exit 2
}

[ $# -eq 2 ] || usage
cmd=$1
dir=$2

as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

case "$cmd" in
start)
	if [ ! -x "$PGBIN/initdb" ]; then
		echo "pg-test-server: $PGBIN/initdb not found" \
		    "(apt-get install postgresql-15)" >&2
		exit 77
	fi
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	chmod 755 "$dir"
	mkdir -p "$dir/sock"
	if [ "$(id -u)" -eq 0 ]; then
		chown -R postgres: "$dir"
	fi
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		as_pg "$PGBIN/initdb" -D "$dir/data" -A trust -U pecete \
		    -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 || {
			cat "$dir/initdb.log" >&2
			exit 1
		}
	fi
	# fsync off: the data is thrown away after the test.
	as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
	    -o "-k $dir/sock -c listen_addresses='' -c fsync=off \
	    -c synchronous_commit=off -c full_page_writes=off" \
	    start >/dev/null || {
		cat "$dir/server.log" >&2
		exit 1
	}
	if ! as_pg "$PGBIN/psql" -h "$dir/sock" -U pecete -d postgres -Atqc \
	    "SELECT 1 FROM pg_database WHERE datname = 'pecete'" | grep -q 1
	then
		as_pg "$PGBIN/createdb" -h "$dir/sock" -U pecete pecete
	fi
	echo "postgresql:///pecete?host=$dir/sock&user=pecete"
	;;
stop)
	dir=$(cd "$dir" 2>/dev/null && pwd) || exit 0
	if [ -f "$dir/data/postmaster.pid" ]; then
		as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 \
		    stop >/dev/null
	fi
	;;
*)
	usage
	;;
esac
