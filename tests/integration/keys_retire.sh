#!/bin/bash
# keys_retire.sh: a holder's keys destroyed at the end of their life (ETSI
# TS 119 431-1 DEL-6.3.2; the signer's KEYS_RETIRE, the keys job).
#  - three credentials (pecete cert issue): one revoked for good
#    (keyCompromise), one on hold (certificateHold), one good; each has
#    two key pairs in the token (pkcs11-tool lists them);
#  - the node's clock two days ahead, the keys job runs: the revoked
#    one's key pairs are gone from the token, the credential records
#    keys_destroyed_at, the audit has key.destroyed by the signer; the
#    held and the good keep theirs; the job again destroys nothing more;
#  - the web side's database role cannot record it (checksrc: only
#    src/signer writes keys_destroyed_at).
. "$PECETE_SRC/tests/support/lib.sh"
pc_need --faketime sqlite3 pkcs11-tool
T=$(pc_tmpdir)
D=$T/data
pc_init "$D" --dev
DB=$D/pecete.db
sql() { sqlite3 -cmd ".timeout 10000" "$DB" "$1"; }
export SOFTHSM2_CONF=$D/softhsm2.conf
objects() {	# the token's object labels, one per line
	pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so --token-label pecete \
		--login --pin "$(cat "$D/hsm.pin")" --list-objects 2>/dev/null |
		sed -n 's/^ *label: *//p'
}
issue() {	# issue NAME: a credential; prints its serial
	"$PECETE_BIN" cert issue --data "$D" --given-name Ion --surname "$1" \
		--cnp 1800101221144 --email "$1@example.ro" --out "$T/$1.pem" \
		--transactions 5 --totp-secret-out "$T/$1.totp" >"$T/$1.out" 2>&1 ||
		{ cat "$T/$1.out"; fail "cert issue $1"; }
	awk '$1 == "serial" { print $2 }' "$T/$1.out"
}
labels() {	# labels SERIAL: the key labels of the credential's holder
	sql "SELECT key_label FROM certs WHERE holder = (SELECT holder FROM credentials WHERE serial = '$1') ORDER BY key_label"
}
present() {	# present SERIAL: how many of its key labels the token has
	local n=0 l
	for l in $(labels "$1"); do
		grep -qx "$l" "$T/objects" && n=$((n + 1))
	done
	echo $n
}
R=$(issue Revocat)
H=$(issue Suspendat)
G=$(issue Valabil)
"$PECETE_BIN" cert revoke --data "$D" "$R" --reason keyCompromise >/dev/null 2>&1 || fail "revoke"
"$PECETE_BIN" cert revoke --data "$D" "$H" --reason certificateHold >/dev/null 2>&1 || fail "hold"
objects >"$T/objects"
check "three credentials, two key labels each, all in the token" \
	[ "$(present "$R") $(present "$H") $(present "$G")" = "2 2 2" ]

# Two days later the keys job runs (the node's clock ahead; the job due).
run_keys() {	# start the node two days ahead; wait for one more run to end
	local runs
	runs=$(sql "SELECT runs FROM jobs WHERE name = 'keys'")
	[ -n "$runs" ] && sql "UPDATE jobs SET next_run = 0 WHERE name = 'keys'"
	pc_serve_ahead "$D" $((2 * 86400))
	for _ in $(seq 1 600); do
		[ "$(sql "SELECT runs > ${runs:-0} AND last_end >= last_start FROM jobs WHERE name = 'keys'")" = 1 ] && return 0
		sleep 0.1
	done
	return 1
}
run_keys || fail "the keys job did not run"
pc_stop
objects >"$T/objects"
check "the revoked credential's two key pairs are gone from the token" [ "$(present "$R")" = 0 ]
check "... the held and the good keep theirs" [ "$(present "$H") $(present "$G")" = "2 2" ]
check "... recorded on the credential (keys_destroyed_at), the others not" \
	[ "$(sql "SELECT serial FROM credentials WHERE keys_destroyed_at > 0")" = "$R" ]
check "... audited key.destroyed by the signer" \
	[ "$(sql "SELECT actor || ' ' || detail FROM audit_log WHERE event = 'key.destroyed'")" = "signer credential=$R keys=2" ]
check "... and the audit chain and seals still verify" \
	bash -c "'$PECETE_BIN' audit verify --data '$D' | grep -q '^audit chain OK'"
run_keys || fail "the keys job did not run again"
pc_stop
check "the job again: nothing more destroyed or audited" \
	[ "$(sql "SELECT count(*) FROM audit_log WHERE event = 'key.destroyed'") $(sql "SELECT last_result FROM jobs WHERE name = 'keys'")" = "1 0 credential(s) retired" ]
pc_done
