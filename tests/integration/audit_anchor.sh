#!/usr/bin/env bash
# The audit chain and its anchors (issue 18): an administrator of the
# database who edits a row and recomputes every hash after it, or deletes
# the newest rows, keeps a chain that verifies by itself; the anchors (the
# head's hash time-stamped by our TSA, in a file of the data directory)
# find both, and a forged anchor line is refused by its time-stamp. The
# server's audit_anchor job writes the first anchor at start.
. "${PECETE_SRC:?}/tests/support/lib.sh"
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
pc_stop

for c in ALFA10 BETA10 GAMA10; do promo $c; done
check "anchor now: the new head" bash -c "'$PECETE_BIN' audit anchor --data '$D' | grep -q '^anchored row [0-9]'"
check "again: nothing new" bash -c "'$PECETE_BIN' audit anchor --data '$D' | grep -qx 'nothing new to anchor'"
promo DELTA10
"$PECETE_BIN" audit verify --data "$D" > "$T/v.txt"
check "intact: chain and anchors OK" bash -c "[ $? = 0 ] && grep -q '^audit chain OK' '$T/v.txt' && grep -q '^anchors OK (2' '$T/v.txt'"
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
check "edited and the chain recomputed: the anchor finds it" \
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
	bash -c "'$PECETE_BIN' audit verify --data '$D' | grep -q 'rows after it: the chain alone'"
restore

# A forged anchor: the administrator recomputes the chain and rewrites the
# anchor line's hash to match; the time-stamp does not cover it.
cp "$D/audit-anchors" "$T/anchors.good"
db "UPDATE audit_log SET detail = 'OMEGA99' WHERE id = 3"
rechain 3
newh=$(db "SELECT hash FROM audit_log WHERE id = $anchored")
awk -v id="$anchored" -v h="$newh" '$1 == id { $2 = h } { print }' "$T/anchors.good" > "$D/audit-anchors"
check "a rewritten anchor line: its time-stamp does not verify" \
	verify_says 'time-stamp does not verify'
check "... its line named" grep -q '^audit anchors broken at line 2$' "$T/v.txt"
restore
cp "$T/anchors.good" "$D/audit-anchors"
check "restored: intact again" bash -c "'$PECETE_BIN' audit verify --data '$D' >/dev/null"
pc_done
