#!/usr/bin/env bash
# tests/support/sms-receiver.sh: start or stop tests/support/sms-receiver.py,
# the stand-in SMS gateway (see that file for what it records).
#
#   sms-receiver.sh start DIR PORT   listen on 127.0.0.1:PORT; lines go to
#                                    DIR/sms.log; pid in DIR/sms.pid; returns
#                                    when the port accepts connections
#   sms-receiver.sh stop DIR         stop it (by its pid file only)
#   echo 500 >DIR/status             make it answer 500 (rm the file: 200)
set -u
here=$(cd "$(dirname "$0")" && pwd)
cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start DIR PORT | stop DIR" >&2; exit 2; }
case "$cmd" in
start)
	port=${3:?PORT}
	mkdir -p "$dir"
	/usr/bin/python3 "$here/sms-receiver.py" "$port" "$dir" \
		>"$dir/sms-receiver.log" 2>&1 &
	echo $! >"$dir/sms.pid"
	for _ in $(seq 1 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			exit 0
		fi
		kill -0 "$(cat "$dir/sms.pid")" 2>/dev/null || break
		sleep 0.1
	done
	echo "sms-receiver: did not start on port $port" >&2
	cat "$dir/sms-receiver.log" >&2
	exit 1
	;;
stop)
	[ -f "$dir/sms.pid" ] || exit 0
	pid=$(cat "$dir/sms.pid")
	kill "$pid" 2>/dev/null
	for _ in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	rm -f "$dir/sms.pid"
	;;
*)
	echo "usage: $0 start DIR PORT | stop DIR" >&2
	exit 2
	;;
esac
