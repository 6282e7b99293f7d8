# tests/support/lib.sh: helpers for integration tests (source it).
#   pc_tmpdir          the test's temp dir, removed at exit (servers stopped)
#   pc_init DIR [ARGS] pecete init --data DIR [ARGS] (quiet; fails the test on
#                      error); --dev for development mode (outbox, sandbox)
#   pc_prod_env DIR    export explicit production settings (SMTP, SMS
#                      gateway, Netopia) for what a test does not exercise,
#                      so a non-dev data dir can be served
#   pc_serve DIR       start pecete serve on a free port; sets PC_URL, PC_PID
#   pc_stop            stop the server
#   ok / fail MSG      count results; pc_done prints them and exits
set -u
: "${PECETE_BIN:?PECETE_BIN is set by CTest}"
PC_FAILS=0
PC_OKS=0
PC_PID=""
# Tests move servers' clocks by months and then count the e-mails sent
# before: the retention of sent e-mails (30 days in production) would
# delete them meanwhile. Tests of retention set it back.
export PECETE_PRIVACY_OUTBOX_DAYS=3650
# One temp dir per test script, made when lib.sh is sourced so that
# T=$(pc_tmpdir), which runs in a subshell, still gets it removed at exit.
PC_TMP=$(mktemp -d /tmp/pecete-test.XXXXXX)
chmod 755 "$PC_TMP"

pc_cleanup() {
	pc_stop
	# PC_KEEP=1 keeps the temp dir (logs, data) for a look after a failure.
	if [ -n "${PC_KEEP:-}" ]; then
		echo "# kept $PC_TMP"
	elif [ -n "$PC_TMP" ]; then
		rm -rf "$PC_TMP"
	fi
}
trap pc_cleanup EXIT

pc_tmpdir() {
	echo "$PC_TMP"
}

ok() { PC_OKS=$((PC_OKS + 1)); echo "ok - $*"; }
fail() { PC_FAILS=$((PC_FAILS + 1)); echo "FAIL - $*"; }
# check "description" command...: ok when the command succeeds
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}

pc_init() {
	local dir=$1
	shift
	if ! "$PECETE_BIN" init --data "$dir" "$@" >"$dir.init.log" 2>&1; then
		cat "$dir.init.log"
		echo "FAIL - pecete init"
		exit 1
	fi
}

# pc_need [--faketime] TOOL...: skip the test (77) when a tool, or with
# --faketime libfaketime, is missing.
pc_need() {
	local t
	if [ "${1:-}" = --faketime ]; then
		shift
		[ -f "$PC_FT_LIB" ] || { echo "SKIP: libfaketime missing"; exit 77; }
	fi
	for t in "$@"; do
		command -v "$t" >/dev/null || { echo "SKIP: $t missing"; exit 77; }
	done
}

pc_prod_env() {
	local dir=$1
	# Unreachable peers: nothing is delivered or paid, but the settings
	# are those of a production deployment (check-config accepts them).
	printf 'sms-token\n' >"$dir/sms.token"
	printf 'netopia-api-key\n' >"$dir/netopia.key"
	chmod 600 "$dir/sms.token" "$dir/netopia.key"
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 2>/dev/null |
		openssl pkey -pubout -out "$dir/netopia.pub" 2>/dev/null
	: "${PECETE_NOTIFY_MAIL_DRIVER:=smtp}"
	: "${PECETE_NOTIFY_SMTP_URL:=smtp://127.0.0.1:9}"
	: "${PECETE_NOTIFY_SMS_DRIVER:=sms-http}"
	: "${PECETE_NOTIFY_SMS_URL:=http://127.0.0.1:9/sms}"
	: "${PECETE_NOTIFY_SMS_TOKEN_FILE:=$dir/sms.token}"
	: "${PECETE_SHOP_PROVIDER:=netopia}"
	: "${PECETE_SHOP_NETOPIA_API_KEY_FILE:=$dir/netopia.key}"
	: "${PECETE_SHOP_NETOPIA_POS_SIGNATURE:=TEST-POS-0001}"
	: "${PECETE_SHOP_NETOPIA_PUBLIC_KEY_FILE:=$dir/netopia.pub}"
	# The provider's identity (the defaults are examples, refused here).
	: "${PECETE_PKI_POLICY_OID:=2.999.7.1}"
	: "${PECETE_PKI_TSA_POLICY_OID:=2.999.7.2}"
	: "${PECETE_PKI_PDS_URL:=https://pki.test.invalid/pds-en.pdf}"
	: "${PECETE_PKI_CPS_URL:=https://pki.test.invalid/cps.pdf}"
	: "${PECETE_NOTIFY_MAIL_FROM:=Test Provider <no-reply@test.invalid>}"
	: "${PECETE_SHOP_SELLER_NAME:=Test Provider S.R.L.}"
	: "${PECETE_SHOP_SELLER_CUI:=RO12345678}"
	: "${PECETE_SHOP_SELLER_ADDRESS:=Str. Test 1, Cluj-Napoca}"
	: "${PECETE_SHOP_SELLER_REG:=J12/3456/2020}"
	: "${PECETE_SHOP_CONTACT_EMAIL:=contact@test.invalid}"
	: "${PECETE_SHOP_CONTACT_PHONE:=+40 264 000 001}"
	: "${PECETE_SHOP_DPO_EMAIL:=dpo@test.invalid}"
	export PECETE_PKI_POLICY_OID PECETE_PKI_TSA_POLICY_OID PECETE_PKI_PDS_URL \
		PECETE_PKI_CPS_URL PECETE_NOTIFY_MAIL_FROM PECETE_SHOP_SELLER_NAME \
		PECETE_SHOP_SELLER_CUI PECETE_SHOP_SELLER_ADDRESS PECETE_SHOP_SELLER_REG \
		PECETE_SHOP_CONTACT_EMAIL PECETE_SHOP_CONTACT_PHONE PECETE_SHOP_DPO_EMAIL
	export PECETE_NOTIFY_MAIL_DRIVER PECETE_NOTIFY_SMTP_URL \
		PECETE_NOTIFY_SMS_DRIVER PECETE_NOTIFY_SMS_URL \
		PECETE_NOTIFY_SMS_TOKEN_FILE PECETE_SHOP_PROVIDER \
		PECETE_SHOP_NETOPIA_API_KEY_FILE PECETE_SHOP_NETOPIA_POS_SIGNATURE \
		PECETE_SHOP_NETOPIA_PUBLIC_KEY_FILE
}

pc_free_port() {
	local p
	for _ in $(seq 1 50); do
		# Below the kernel's ephemeral range (32768 and up here), where
		# an outgoing connection's port is in use yet answers nothing.
		p=$((20000 + RANDOM % 12000))
		if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# pc_serve DIR [extra args]: start and wait until it listens
pc_serve() {
	local dir=$1 port i
	shift
	port=$(pc_free_port)
	"$PECETE_BIN" serve --data "$dir" --listen "127.0.0.1:$port" "$@" \
		>"$dir.serve.out" 2>"$dir.serve.log" &
	PC_PID=$!
	PC_URL="http://127.0.0.1:$port"
	for i in $(seq 1 900); do
		if grep -q "^listening on " "$dir.serve.out" 2>/dev/null; then
			return 0
		fi
		if ! kill -0 "$PC_PID" 2>/dev/null; then
			break
		fi
		sleep 0.1
	done
	cat "$dir.serve.log"
	echo "FAIL - pecete serve did not start"
	exit 1
}

# pc_serve_ahead DIR SECONDS: pecete serve (and its signer) with the clock
# SECONDS ahead (libfaketime): fresh TOTP steps and expiries without
# waiting. Codes for it: FAKETIME="+${SECONDS}s" LD_PRELOAD=$PC_FT_LIB oathtool.
# pc_serve_clock DIR FILE: the same with the offset in FILE ("+Ns"), read
# at every call, so the test moves the running server's clock by
# rewriting it. Both listen on PC_PORT when it is set (a public URL made
# before the start), else on a free port.
PC_FT_LIB=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
pc_serve_ft() {	# pc_serve_ft DIR VAR=VALUE...: serve under libfaketime
	local dir=$1 port=${PC_PORT:-}	# PC_PORT: a port chosen before
	local log=${PC_LOG:-$1.serve}	# PC_LOG: its .out and .log elsewhere
	shift
	[ -n "$port" ] || port=$(pc_free_port)
	env "ASAN_OPTIONS=${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
		"LD_PRELOAD=$PC_FT_LIB" FAKETIME_DONT_FAKE_MONOTONIC=1 "$@" \
		"$PECETE_BIN" serve --data "$dir" --listen "127.0.0.1:$port" \
		>>"$log.out" 2>>"$log.log" &
	PC_PID=$!
	PC_URL="http://127.0.0.1:$port"
	for _ in $(seq 1 900); do
		curl -sf "$PC_URL/readyz" >/dev/null 2>&1 && return 0
		kill -0 "$PC_PID" 2>/dev/null || break
		sleep 0.1
	done
	tail -40 "$log.log"
	echo "FAIL - pecete serve under faketime did not start"
	exit 1
}
pc_serve_ahead() {
	pc_serve_ft "$1" "FAKETIME=+${2}s"
}
pc_serve_clock() {
	pc_serve_ft "$1" "FAKETIME_TIMESTAMP_FILE=$2" FAKETIME_NO_CACHE=1
}

# pc_code SECRET: TOTP, the code of a step newer than any used so far
# (LAST_STEP), for a server on the clock file $T/clock (pc_serve_clock; its
# offset read into AHEAD): when that step is still ahead of the server, the
# file moves the server's clock on to it. Call it without $(...): it sets
# LAST_STEP and AHEAD in this shell.
pc_code() {
	local step
	[ -f "$T/clock" ] && AHEAD=$(tr -dc 0-9 <"$T/clock")
	step=$((($(date +%s) + ${AHEAD:-0}) / 30))
	if [ "$step" -le "${LAST_STEP:-0}" ]; then
		AHEAD=$((${AHEAD:-0} + (LAST_STEP - step + 1) * 30))
		echo "+${AHEAD}s" >"$T/clock"
		step=$((LAST_STEP + 1))
	fi
	LAST_STEP=$step
	TOTP=$(oathtool --totp -b -N "@$((step * 30))" "$1")
}

pc_stop() {
	if [ -n "$PC_PID" ] && kill -0 "$PC_PID" 2>/dev/null; then
		kill -TERM "$PC_PID"
		for _ in $(seq 1 50); do
			kill -0 "$PC_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$PC_PID" 2>/dev/null
		wait "$PC_PID" 2>/dev/null
	fi
	PC_PID=""
}

pc_done() {
	echo "# $PC_OKS ok, $PC_FAILS failed"
	[ "$PC_FAILS" -eq 0 ]
	exit $?
}
