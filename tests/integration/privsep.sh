#!/usr/bin/env bash
# privsep.sh: started as root with [server] user and [signer] user, the web
# process and the signer run as two users; the web one cannot open the
# HSM PIN, the TOTP key or the token files, nor signal the signer; the
# signer makes no forbidden system call (one made through a debugger kills
# it with SIGSYS) and the keeper starts a fresh one; a hung signer is
# replaced through the keeper too. Needs root (as `make run` and CI run).
. "${PECETE_SRC:?}/tests/support/lib.sh"
. "${PECETE_SRC}/tests/support/api.sh"
T=$(pc_tmpdir)
JAR="$T/jar"
DB="$T/d/pecete.db"

if [ "$(id -u)" -ne 0 ]; then
	fail "this test starts pecete serve as root (run make test as root)"
	pc_done
fi
# Two ids no account of this machine has.
free_id() {
	local u
	for u in $(seq "$1" $(($1 + 200))); do
		getent passwd "$u" >/dev/null || getent group "$u" >/dev/null || { echo "$u"; return; }
	done
}
W=$(free_id 61001)
S=$(free_id $((W + 1)))
chmod 711 "$T"	# the users reach the data dir inside it

pc_init "$T/d" --dev
conf="$T/d/pecete.conf"

# ---- configurations refused --------------------------------------------
/usr/bin/python3 - "$conf" "$W" <<'EOF'
import sys
p, w = sys.argv[1], sys.argv[2]
s = open(p).read().replace("[server]\n", "[server]\nuser = %s:%s\n" % (w, w), 1)
open(p, "w").write(s)
EOF
"$PECETE_BIN" serve --data "$T/d" --listen 127.0.0.1:0 >"$T/one.out" 2>"$T/one.err"
check "one user without the other is refused (exit $?)" grep -q '\[server\] user and \[signer\] user go together' "$T/one.err"
/usr/bin/python3 - "$conf" "$W" <<'EOF'
import sys
p, w = sys.argv[1], sys.argv[2]
s = open(p).read().replace("[signer]\n", "[signer]\nuser = %s:%s\n" % (w, w), 1)
open(p, "w").write(s)
EOF
"$PECETE_BIN" serve --data "$T/d" --listen 127.0.0.1:0 >"$T/same.out" 2>"$T/same.err"
check "the same user twice is refused" grep -q 'are the same user or group' "$T/same.err"
sed -i "s/^user = $W:$W\$/user = 0:0/" "$conf"
"$PECETE_BIN" serve --data "$T/d" --listen 127.0.0.1:0 >"$T/root.out" 2>"$T/root.err"
check "root as a user is refused" grep -q 'is root; name an unprivileged user' "$T/root.err"
/usr/bin/python3 - "$conf" "$W" "$S" <<'EOF'
import re, sys
p, w, s_ = sys.argv[1:]
t = open(p).read()
t = re.sub(r"(\[server\]\n)user = [^\n]*\n", r"\1user = %s:%s\n" % (w, w), t, 1)
t = re.sub(r"(\[signer\]\n)user = [^\n]*\n", r"\1user = %s:%s\n" % (s_, s_), t, 1)
open(p, "w").write(t)
EOF

# ---- two users -----------------------------------------------------------
PECETE_SIGNER_TIMEOUT_MS=3000 pc_serve "$T/d"
keeper=$(pgrep -P "$PC_PID" | head -1)
signer=$(pgrep -P "$keeper" -f 'signer-run' | head -1)
check "a keeper and a signer run under the web process" [ -n "$keeper" ] && [ -n "$signer" ]
ids() { awk -v k="$2:" '$1 == k { print $2, $3, $4, $5 }' "/proc/$1/status"; }
check "web process: uid $W everywhere ($(ids "$PC_PID" Uid))" [ "$(ids "$PC_PID" Uid)" = "$W $W $W $W" ]
check "web process: gid $W everywhere" [ "$(ids "$PC_PID" Gid)" = "$W $W $W $W" ]
check "web process: no supplementary group" [ -z "$(awk '$1 == "Groups:" { print $2 }' "/proc/$PC_PID/status")" ]
check "web process: seccomp filter on (mode 2), no new privileges" \
	sh -c "grep -q '^Seccomp:[[:space:]]*2' /proc/$PC_PID/status && grep -q '^NoNewPrivs:[[:space:]]*1' /proc/$PC_PID/status"
check "signer: uid $S everywhere ($(ids "$signer" Uid))" [ "$(ids "$signer" Uid)" = "$S $S $S $S" ]
check "keeper: uid $S" [ "$(ids "$keeper" Uid)" = "$S $S $S $S" ]
check "signer: seccomp filter on (mode 2)" grep -q '^Seccomp:[[:space:]]*2' "/proc/$signer/status"
check "signer: no new privileges" grep -q '^NoNewPrivs:[[:space:]]*1' "/proc/$signer/status"
check "log says who is who" grep -q "web side as $W:$W (uid $W), signer as $S:$S (uid $S)" "$T/d.serve.log"

# What the web process (its uid and gids as /proc shows them) can open.
wuid=$(ids "$PC_PID" Uid | cut -d' ' -f1)
wgid=$(ids "$PC_PID" Gid | cut -d' ' -f1)
asweb() { setpriv --reuid="$wuid" --regid="$wgid" --clear-groups "$@"; }
for f in hsm.pin totp.key softhsm2.conf hsm-so.pin; do
	check "web user cannot read $f" bash -c "! setpriv --reuid=$wuid --regid=$wgid --clear-groups cat '$T/d/$f' >/dev/null 2>&1"
done
tok=$(find "$T/d/hsm" -type f | head -1)
check "web user cannot read the token files ($tok)" bash -c "! setpriv --reuid=$wuid --regid=$wgid --clear-groups cat '$tok' >/dev/null 2>&1"
check "web user cannot list the token directory" bash -c "! setpriv --reuid=$wuid --regid=$wgid --clear-groups ls '$T/d/hsm' >/dev/null 2>&1"
check "web user cannot remove the PIN file (sticky directory)" bash -c "! setpriv --reuid=$wuid --regid=$wgid --clear-groups rm -f '$T/d/hsm.pin' 2>/dev/null; test -f '$T/d/hsm.pin'"
check "web user cannot rewrite the configuration" bash -c "! setpriv --reuid=$wuid --regid=$wgid --clear-groups sh -c 'echo x >>\"$T/d/pecete.conf\"' 2>/dev/null"
check "web user cannot signal the signer" bash -c "! setpriv --reuid=$wuid --regid=$wgid --clear-groups kill -0 $signer 2>/dev/null"
check "web user reads the vault key (its own)" asweb test -r "$T/d/vault.key"
check "web user reads the configuration" asweb test -r "$T/d/pecete.conf"
check "... and the database" asweb test -w "$T/d/pecete.db"

# Both work: a time-stamp (the signer's key in the HSM) and an
# authenticator paired (the signer checks the code and writes the DB).
echo hello >"$T/f"
openssl ts -query -data "$T/f" -sha256 -cert -out "$T/q" 2>/dev/null
tsa() { curl -s -m 15 -o "$T/r" -w '%{http_code}' -X POST "$PC_URL/tsa" \
	-H 'Content-Type: application/timestamp-query' --data-binary @"$T/q"; }
check "TSA answers" [ "$(tsa)" = 200 ]
openssl ts -reply -in "$T/r" -text >"$T/r.txt" 2>&1
check "... a granted time-stamp" grep -q 'Status: Granted' "$T/r.txt"
api_signup_user ana@example.ro +40722000111
api_pair_totp
check "an authenticator paired (the signer wrote its secret)" [ -n "$SECRET" ] && [ "$CODE" = 200 ]

# ---- a forbidden system call kills the signer; the keeper restarts it --
nr=$(printf '#include <sys/syscall.h>\nSYS_execve\n' | cpp -P - | tail -1)
# gdb runs the call inside the signer (and may itself abort when its
# inferior dies under it: what counts is the signer's end, below).
(timeout 60 gdb -q -nx -batch -p "$signer" -ex "call (long)syscall(${nr}L, 0L, 0L, 0L)" >"$T/gdb.out" 2>&1) 2>/dev/null
for _ in $(seq 1 50); do kill -0 "$signer" 2>/dev/null || break; sleep 0.1; done
check "the signer ($signer) is gone" bash -c "! kill -0 $signer 2>/dev/null"
for _ in $(seq 1 100); do
	grep -q 'signer: died (signal 31); restarting' "$T/d.serve.log" && break
	sleep 0.1
done
check "the web side saw signal 31 (SIGSYS)" grep -q 'signer: died (signal 31); restarting' "$T/d.serve.log"
for _ in $(seq 1 100); do
	h=$(curl -s "$PC_URL/readyz")
	grep -q '"signer":"ok"' <<<"$h" && grep -q '"signer_restarts":1' <<<"$h" && break
	sleep 0.1
done
check "readyz: signer back, one restart ($h)" grep -q '"signer_restarts":1' <<<"$h"
signer2=$(pgrep -P "$keeper" -f 'signer-run' | head -1)
check "a new signer ($signer2), still uid $S" [ -n "$signer2" ] && [ "$signer2" != "$signer" ] && [ "$(ids "$signer2" Uid)" = "$S $S $S $S" ]
check "... with its filter" grep -q '^Seccomp:[[:space:]]*2' "/proc/$signer2/status"
check "TSA works again" [ "$(tsa)" = 200 ]

# ---- a hung signer is killed through the keeper ------------------------
kill -STOP "$signer2"
PECETE_T0=$(date +%s%N)
code=$(tsa)
ms=$(( ($(date +%s%N) - PECETE_T0) / 1000000 ))
check "hung signer: TSA answers in time ($code, ${ms} ms)" [ "$code" = 200 ] && [ "$ms" -lt 15000 ]
for _ in $(seq 1 150); do
	signer3=$(pgrep -P "$keeper" -f 'signer-run' | head -1)
	[ -n "$signer3" ] && [ "$signer3" != "$signer2" ] && break
	sleep 0.1
done
check "the keeper killed it and started another ($signer3)" [ -n "$signer3" ] && [ "$signer3" != "$signer2" ]
for _ in $(seq 1 100); do
	[ "$(tsa)" = 200 ] && grep -q 'Status: Granted' <(openssl ts -reply -in "$T/r" -text 2>&1) && break
	sleep 0.1
done
check "TSA grants again" grep -q 'Status: Granted' <(openssl ts -reply -in "$T/r" -text 2>&1)

# ---- stopping: nothing left behind ---------------------------------------
pc_stop
for _ in $(seq 1 50); do kill -0 "$keeper" 2>/dev/null || break; sleep 0.1; done
check "the keeper ended with the server" bash -c "! kill -0 $keeper 2>/dev/null"
check "no signer left" bash -c "! kill -0 $signer3 2>/dev/null"
check "no ASan report" bash -c "! grep -q 'ERROR: AddressSanitizer' '$T/d.serve.log'"
pc_done
