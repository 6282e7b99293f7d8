#!/usr/bin/env bash
# tests/support/smtp-sink.sh: a REAL SMTP server for tests (Debian's
# python3-aiosmtpd), storing every message it accepts in a maildir.
#
#   smtp-sink.sh start DIR PORT [--tls CERT KEY]
#       listen on 127.0.0.1:PORT; messages land in DIR/maildir/new/ (one
#       file each, RFC 5322 as received); pid in DIR/smtp.pid, server
#       output in DIR/smtp.log. Returns when the port accepts
#       connections (exit 1 after 10 s). With --tls the server offers
#       STARTTLS with CERT/KEY (PEM); clients need the CA (smtp_ca_file).
#   smtp-sink.sh stop DIR
#       stop the server started for DIR (by its pid file only).
#   smtp-sink.sh count DIR
#       print the number of messages received.
#
# Runs /usr/bin/python3 (Debian's interpreter, which has aiosmtpd), not
# whatever python3 is first on PATH. No AUTH is offered.
set -u
cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start DIR PORT | stop DIR | count DIR" >&2; exit 2; }
case "$cmd" in
start)
	port=${3:?PORT}
	tlsargs=()
	if [ "${4:-}" = "--tls" ]; then
		tlsargs=(--tlscert "${5:?CERT}" --tlskey "${6:?KEY}" --no-requiretls)
	fi
	mkdir -p "$dir/maildir/tmp" "$dir/maildir/new" "$dir/maildir/cur"
	/usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$port" "${tlsargs[@]}" \
		-c aiosmtpd.handlers.Mailbox "$dir/maildir" \
		>"$dir/smtp.log" 2>&1 &
	echo $! >"$dir/smtp.pid"
	for _ in $(seq 1 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			exit 0
		fi
		kill -0 "$(cat "$dir/smtp.pid")" 2>/dev/null || break
		sleep 0.1
	done
	echo "smtp-sink: did not start on port $port" >&2
	cat "$dir/smtp.log" >&2
	exit 1
	;;
stop)
	[ -f "$dir/smtp.pid" ] || exit 0
	pid=$(cat "$dir/smtp.pid")
	kill "$pid" 2>/dev/null
	for _ in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	rm -f "$dir/smtp.pid"
	exit 0
	;;
count)
	find "$dir/maildir/new" -type f 2>/dev/null | wc -l
	;;
*)
	echo "usage: $0 start DIR PORT | stop DIR | count DIR" >&2
	exit 2
	;;
esac
