#!/bin/bash
# hsm_pkcs11_tool.sh: the keys `pecete init` and `pecete cert issue` make in
# the HSM are sign-only, sensitive and never extractable, as an independent
# PKCS#11 client (OpenSC's pkcs11-tool 0.23) sees them.
#
# Env: PECETE_BIN, the pecete binary. Exit 77 = skipped.
set -u

MODULE=/usr/lib/softhsm/libsofthsm2.so

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

command -v pkcs11-tool >/dev/null || { echo "SKIP: no pkcs11-tool"; exit 77; }
[ -r "$MODULE" ] || { echo "SKIP: no $MODULE"; exit 77; }
[ -n "${PECETE_BIN:-}" ] && [ -x "$PECETE_BIN" ] ||
	fail "PECETE_BIN is not an executable: ${PECETE_BIN:-unset}"

T=$(mktemp -d "${TMPDIR:-/tmp}/pecete-p11tool-XXXXXX") || fail "mktemp"
trap 'rm -rf "$T"' EXIT

"$PECETE_BIN" init --data "$T" >"$T/init.log" 2>&1 ||
	{ cat "$T/init.log" >&2; fail "pecete init"; }
[ -f "$T/softhsm2.conf" ] || fail "no $T/softhsm2.conf"
[ -f "$T/hsm.pin" ] || fail "no $T/hsm.pin"
export SOFTHSM2_CONF="$T/softhsm2.conf"

# [hsm] token_label in pecete.conf, "pecete" by default.
LABEL=$(awk '
	/^[ \t]*\[/ { sect = $0; gsub(/[ \t\[\]]/, "", sect); next }
	sect == "hsm" {
		sub(/#.*/, "")
		if (match($0, /^[ \t]*token_label[ \t]*=/)) {
			v = substr($0, RLENGTH + 1)
			gsub(/^[ \t]+|[ \t]+$/, "", v)
			print v
			exit
		}
	}' "$T/pecete.conf" 2>/dev/null)
LABEL=${LABEL:-pecete}
PIN=$(head -n 1 "$T/hsm.pin")

p11() {
	pkcs11-tool --module "$MODULE" --token-label "$LABEL" --login \
	    --pin "$PIN" "$@"
}

# One line per private key: label TAB usage TAB access.
privkeys() {
	p11 --list-objects 2>/dev/null | awk '
		function flush() {
			if (inpriv)
				printf "%s\t%s\t%s\n", label, usage, access
			inpriv = 0; label = usage = access = ""
		}
		/^[A-Za-z].* Object;/ { flush(); inpriv = /^Private Key Object/; next }
		inpriv && /^  label:/ { sub(/^  label: */, ""); label = $0 }
		inpriv && /^  Usage:/ { sub(/^  Usage: */, ""); usage = $0 }
		inpriv && /^  Access:/ { sub(/^  Access: */, ""); access = $0 }
		END { flush() }'
}

# check_keys FILE: every private key listed in FILE is sign-only,
# sensitive and never extractable, and cannot be read out.
check_keys() {
	local label usage access n=0

	while IFS=$'\t' read -r label usage access; do
		n=$((n + 1))
		[ -n "$label" ] || fail "a private key without a label"
		case "$access" in
		"sensitive, always sensitive, never extractable"*) ;;
		*) fail "key $label: Access is '$access'" ;;
		esac
		case "$usage" in
		*decrypt* | *unwrap* | *derive*)
			fail "key $label: Usage is '$usage'" ;;
		*sign*) ;;
		*) fail "key $label: no sign usage ('$usage')" ;;
		esac
		# Reading the private key must fail: pkcs11-tool 0.23 says
		# "sorry, reading private keys not (yet) supported" and may
		# exit 0, so judge by the output file too.
		rm -f "$T/priv.der"
		if p11 --read-object --type privkey --label "$label" \
		    -o "$T/priv.der" >"$T/read.log" 2>&1 &&
		    [ -s "$T/priv.der" ]; then
			fail "key $label: the private key could be read"
		fi
		# Control: the same command reads the public key.
		rm -f "$T/pub.der"
		p11 --read-object --type pubkey --label "$label" \
		    -o "$T/pub.der" >"$T/read.log" 2>&1 && [ -s "$T/pub.der" ] ||
			{ cat "$T/read.log" >&2; fail "key $label: no public key"; }
	done <"$1"
	echo "$n"
}

privkeys >"$T/keys1" || fail "pkcs11-tool --list-objects"
n1=$(check_keys "$T/keys1") || exit 1
[ "$n1" -ge 4 ] || fail "pecete init made $n1 private keys (want root, CA, TSA, OCSP)"

"$PECETE_BIN" cert issue --data "$T" --given-name Ion --surname Popescu \
    --cnp 1800101221144 --email ion@example.org --out "$T/u.pem" \
    >"$T/issue.log" 2>&1 || { cat "$T/issue.log" >&2; fail "pecete cert issue"; }
[ -s "$T/u.pem" ] || fail "no certificate in $T/u.pem"

privkeys >"$T/keys2" || fail "pkcs11-tool --list-objects"
n2=$(check_keys "$T/keys2") || exit 1
[ "$n2" -gt "$n1" ] || fail "cert issue made no key in the HSM ($n1 -> $n2)"

# The issued certificate's key is one of them: its public key matches.
openssl x509 -in "$T/u.pem" -noout -pubkey >"$T/u.pub" ||
	fail "cannot read $T/u.pem"
found=0
while IFS=$'\t' read -r label _ _; do
	p11 --read-object --type pubkey --label "$label" -o "$T/k.der" \
	    >/dev/null 2>&1 || continue
	openssl pkey -pubin -inform DER -in "$T/k.der" -out "$T/k.pub" \
	    2>/dev/null || continue
	if cmp -s "$T/k.pub" "$T/u.pub"; then
		found=1
		break
	fi
done <"$T/keys2"
[ "$found" = 1 ] || fail "the certificate's key is not in the HSM"

echo "OK: $n2 private keys, all sign-only, sensitive, never extractable"
