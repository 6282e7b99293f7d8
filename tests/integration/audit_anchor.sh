#!/usr/bin/env bash
# The audit chain, its seals and its anchors (issue 18): an administrator
# of the database who edits a row and recomputes every hash after it keeps
# a chain that verifies by itself; each row's seal (an ECDSA signature of
# its hash by a key in the HSM, made through the signer in the server)
# finds it. Deleting the newest rows leaves every seal good; the anchors
# (the head's hash time-stamped by our TSA, in a file of the data
# directory) find that, and a forged anchor line is refused by its
# time-stamp. The server's audit_anchor job writes the first anchor at
# start. An export of a range verifies offline with openssl alone.
. "${PECETE_SRC:?}/tests/support/lib.sh"
. "$PECETE_SRC/tests/support/api.sh"
T=$(pc_tmpdir)
pc_init "$T/d"
D=$T/d
db() { sqlite3 -cmd '.timeout 5000' "$D/pecete.db" "$@"; }
promo() { "$PECETE_BIN" shop promo add --data "$D" --code "$1" --percent 1000 --from 2020-01-01 --to 2099-12-31 >/dev/null; }

# The server anchors the head at start (its audit_anchor job).
pc_prod_env "$D"
pc_serve "$D"
for _ in $(seq 1 100); do [ -s "$D/audit-anchors" ] && break; sleep 0.1; done
check "the server's job wrote an anchor" [ -s "$D/audit-anchors" ]
check "... with mode 0600" [ "$(stat -c %a "$D/audit-anchors")" = 600 ]
# A row the web side writes (a refused sign-in), sealed through the signer.
JAR=$T/jar; refresh_csrf
api POST /api/v1/session '{"email":"nobody@example.ro","password":"Not-The-One-1"}'
pc_stop
check "the server wrote a login.failed row, with a seal" \
	[ -n "$(db "SELECT seal FROM audit_log WHERE event = 'login.failed' AND seal != ''")" ]
check "every row is sealed (init, the CLI and the server)" \
	[ "$(db "SELECT count(*) FROM audit_log WHERE seal = ''")" = 0 ]

for c in ALFA10 BETA10 GAMA10; do promo $c; done
check "anchor now: the new head" bash -c "'$PECETE_BIN' audit anchor --data '$D' | grep -q '^anchored row [0-9]'"
check "again: nothing new" bash -c "'$PECETE_BIN' audit anchor --data '$D' | grep -qx 'nothing new to anchor'"
promo DELTA10
"$PECETE_BIN" audit verify --data "$D" > "$T/v.txt"
check "intact: chain, seals and anchors OK" bash -c "[ $? = 0 ] && grep -q '^audit chain OK' '$T/v.txt' && grep -q '^seals OK ([0-9]* rows sealed)$' '$T/v.txt' && grep -q '^anchors OK (2' '$T/v.txt'"
head=$(db 'SELECT max(id) FROM audit_log')
anchored=$(tail -1 "$D/audit-anchors" | cut -d' ' -f1)
check "the newest row is after the last anchor" [ "$head" -gt "$anchored" ]
cp "$D/pecete.db" "$T/good.db"
restore() { cp "$T/good.db" "$D/pecete.db"; }

# Recompute the chain from row $1 on (what an administrator can do):
# hash_n = SHA-256(F(prev) F(id) F(at) F(actor) F(event) F(detail)), F(x)
# = 8-byte big-endian length then x (src/store/store_audit.c).
rechain() {
	/usr/bin/python3 - "$D/pecete.db" "$1" <<'PY'
import hashlib, sqlite3, struct, sys
db = sqlite3.connect(sys.argv[1]); start = int(sys.argv[2])
F = lambda b: struct.pack('>Q', len(b)) + b
rows = db.execute('SELECT id, at, actor, event, detail, prev_hash FROM audit_log WHERE id >= ? ORDER BY id', (start,)).fetchall()
prev = rows[0][5]
for (i, at, actor, event, detail, _) in rows:
    h = hashlib.sha256(F(bytes.fromhex(prev)) + F(struct.pack('>Q', i)) + F(struct.pack('>Q', at)) +
                       F(actor.encode()) + F(event.encode()) + F(detail.encode())).hexdigest()
    db.execute('UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?', (prev, h, i))
    prev = h
db.commit()
PY
}
verify_says() {	# verify_says PATTERN: exit 1 and the pattern in the report
	"$PECETE_BIN" audit verify --data "$D" > "$T/v.txt"
	[ $? = 1 ] && grep -qE "$1" "$T/v.txt"
}

db "UPDATE audit_log SET detail = 'OMEGA99' WHERE id = 3"
check "an edited row: the chain breaks there" verify_says '^audit chain broken at row (3|4)$'
rechain 3
check "edited and the chain recomputed: its seal finds it" \
	verify_says '^audit seal broken at row 3$'
restore
# A row without a seal before a sealed one is covered by that seal (the
# signer's group commit seals its last row only); at the end it is not.
db "UPDATE audit_log SET seal = '' WHERE id = 5"
check "a seal removed before a sealed row: covered" \
	bash -c "'$PECETE_BIN' audit verify --data '$D' | grep -q '^seals OK (.*1 more covered by the seal of a later row'"
db "UPDATE audit_log SET detail = 'OMEGA99' WHERE id = 5"
rechain 5
check "that row edited and the chain recomputed: the next seal finds it" \
	verify_says '^audit seal broken at row 6$'
restore
db "UPDATE audit_log SET seal = '' WHERE id = $head"
check "the newest row's seal removed: found" verify_says "^audit seal broken at row $head\$"
restore
db "UPDATE audit_log SET seal = (SELECT seal FROM audit_log WHERE id = 2) WHERE id = 4"
check "another row's seal: found" verify_says '^audit seal broken at row 4$'
restore
# Stripping every seal and recomputing the whole chain: the seals pass as
# a log never sealed, the anchors do not.
db "UPDATE audit_log SET seal = '', detail = 'OMEGA99' WHERE id = 3"
db "UPDATE audit_log SET seal = ''"
rechain 1
check "every seal stripped and the chain recomputed: the anchor finds it" \
	verify_says 'differs from its anchor.*recomputed'
restore

db "DELETE FROM audit_log WHERE id >= $anchored"
check "the chain without its newest rows verifies alone..." \
	bash -c "sqlite3 '$D/pecete.db' 'SELECT count(*) FROM audit_log' | grep -qv '^0$'"
check "... but the anchor says the log was truncated" verify_says "row $anchored, anchored at .* is missing: the log was truncated"
restore

# Rows after the last anchor: the chain alone (said by verify).
db "DELETE FROM audit_log WHERE id = $head"
check "the newest, unanchored row deleted: not detectable, and verify says so" \
	bash -c "'$PECETE_BIN' audit verify --data '$D' | grep -q 'rows after it: the chain and seals alone'"
restore

# A forged anchor: the administrator strips the seals, recomputes the
# chain and rewrites the anchor line's hash to match; the time-stamp does
# not cover it.
cp "$D/audit-anchors" "$T/anchors.good"
# A row between the first anchor and the last (the first one's time-stamp
# still holds: the last line is the one forged).
first=$(head -1 "$T/anchors.good" | cut -d' ' -f1)
db "UPDATE audit_log SET seal = '', detail = 'OMEGA99' WHERE id = $((first + 1))"
db "UPDATE audit_log SET seal = ''"
rechain 1
newh=$(db "SELECT hash FROM audit_log WHERE id = $anchored")
awk -v id="$anchored" -v h="$newh" '$1 == id { $2 = h } { print }' "$T/anchors.good" > "$D/audit-anchors"
check "a rewritten anchor line: its time-stamp does not verify" \
	verify_says 'time-stamp does not verify'
check "... its line named" grep -q '^audit anchors broken at line 2$' "$T/v.txt"
restore
cp "$T/anchors.good" "$D/audit-anchors"
check "restored: intact again" bash -c "'$PECETE_BIN' audit verify --data '$D' >/dev/null"

# ---- export: signed JSON that verifies offline ----------------------------
"$PECETE_BIN" pki export --data "$D" --out "$T/pki" >/dev/null
cat "$T/pki/root.pem" "$T/pki/issuing.pem" > "$T/chain.pem"
check "export rows 2..5" bash -c "'$PECETE_BIN' audit export --data '$D' --from 2 --to 5 --out '$T/a.json' | grep -q '^exported 4 rows'"
check "... the file's time-stamp verifies with openssl ts alone" \
	openssl ts -verify -data "$T/a.json" -in "$T/a.json.tsr" -CAfile "$T/chain.pem" -untrusted "$T/pki/tsa.pem"
# Each row offline: its chain link and its seal by the key in the file.
check "... each row's hash and seal verify offline (python + openssl)" /usr/bin/python3 - "$T/a.json" "$T" <<'PY'
import hashlib, json, struct, subprocess, sys
e = json.load(open(sys.argv[1])); t = sys.argv[2]
open(t + "/seal.pem", "w").write(e["seal_key"])
F = lambda b: struct.pack('>Q', len(b)) + b
rows = e["rows"]; assert [r["id"] for r in rows] == [2, 3, 4, 5], rows
prev = rows[0]["prev_hash"]
for r in rows:
    assert r["prev_hash"] == prev
    h = hashlib.sha256(F(bytes.fromhex(prev)) + F(struct.pack('>Q', r["id"])) + F(struct.pack('>Q', r["at"])) +
                       F(r["actor"].encode()) + F(r["event"].encode()) + F(r["detail"].encode())).hexdigest()
    assert h == r["hash"], r["id"]
    open(t + "/h.bin", "wb").write(bytes.fromhex(h)); open(t + "/s.der", "wb").write(bytes.fromhex(r["seal"]))
    subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", t + "/seal.pem", "-in", t + "/h.bin",
                    "-sigfile", t + "/s.der"], check=True, capture_output=True)
    prev = h
PY
check "... the key in the file is the HSM's (the seals of the DB rows verify with it)" \
	bash -c "'$PECETE_BIN' audit verify --data '$D' | grep -q '^seals OK'"
sed 's/"event":"[a-z.]*"/"event":"forged"/' "$T/a.json" > "$T/b.json"; cp "$T/a.json.tsr" "$T/b.json.tsr"
check "... a changed export: openssl ts refuses it" \
	bash -c "! openssl ts -verify -data '$T/b.json' -in '$T/b.json.tsr' -CAfile '$T/chain.pem' -untrusted '$T/pki/tsa.pem' 2>/dev/null"
db "UPDATE audit_log SET detail = 'OMEGA99' WHERE id = 3"
check "a tampered log is not exported" bash -c "! '$PECETE_BIN' audit export --data '$D' --out '$T/c.json' 2>/dev/null && [ ! -e '$T/c.json.tsr' ]"
restore
check "bad --from refused" bash -c "'$PECETE_BIN' audit export --data '$D' --from 0 --out '$T/d.json' 2>&1 | grep -q 'row number'"
pc_done
