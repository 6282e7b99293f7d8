#!/usr/bin/env bash
# Source checks that the compiler does not make (STYLE §13):
#  - banned functions (after curl): strcpy strcat sprintf vsprintf gets strtok
#    atoi atol strncpy alloca system rand srand
#  - raw memcmp in src/hsm/ and src/signer/ (use secret_eq / CRYPTO_memcmp)
#  - fz_try/fz_catch (setjmp) outside src/sign/
#  - every C file formatted as .clang-format says (clang-format 14)
#  - SQL outside src/store/, OpenSSL/MuPDF/PKCS#11 includes in src/http/ and
#    src/api/ (handlers call the layers below)
#  - layers: no store/ include in src/api/, no include of a layer above in
#    src/http/, no http/ or api/ include in the domain
#  - the SAD state (TOTP last step, failures and pairing; the credential's
#    transaction quota) is written only by the signer (src/signer/): its
#    store writers are called nowhere else (issue 18 item 6)
# Prints each finding as file:line: message and exits 1 when any.
set -u
cd "$(dirname "$0")/.."
status=0
found=$(mktemp)
trap 'rm -f "$found"' EXIT
report() {
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		echo "$line: $1" | tee -a "$found"
	done
}
files=$(find src -name '*.[ch]' | sort)
# shellcheck disable=SC2086
grep -nE '\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|strncpy|alloca|system|rand|srand)[[:space:]]*\(' $files \
	| grep -vE '(snprintf|vsnprintf|strtok_r)\(' | cut -d: -f1,2 | report "banned function"
# shellcheck disable=SC2086
grep -nE '\bmemcmp[[:space:]]*\(' $(echo "$files" | grep -E '^src/(hsm|signer)/') 2>/dev/null \
	| cut -d: -f1,2 | report "raw memcmp in hsm/signer: use secret_eq()"
# shellcheck disable=SC2086
grep -nE '\bfz_(try|catch)\b' $(echo "$files" | grep -vE '^src/sign/') 2>/dev/null \
	| cut -d: -f1,2 | report "fz_try/fz_catch outside src/sign/"
# shellcheck disable=SC2086
grep -nE '#include <(openssl|mupdf|sqlite3|libpq-fe|p11-kit)' $(echo "$files" | grep -E '^src/(http|api)/' | grep -v 'api_pki.c') 2>/dev/null \
	| cut -d: -f1,2 | report "handlers must not include OpenSSL/MuPDF/DB/PKCS#11 headers"
# The SAD state's writers: only the signer calls them (a batch a dead node
# left signing is given back by the signer too: SIGN_RECOVER).
# shellcheck disable=SC2086
grep -nE '\bstore_(totp_(use_step|fail|activate|set_counters|put_pending|qr_take)|credential_(spend|refund|keys_gone)|signature_(add|refund))[[:space:]]*\(' \
	$(echo "$files" | grep -vE '^src/(store|signer)/') 2>/dev/null \
	| cut -d: -f1,2 | report "SAD state written outside the signer"
# Layers (docs/architecture.md): handlers reach the store only through
# the domain; the HTTP layer knows no handler; the domain knows no HTTP.
# shellcheck disable=SC2086
grep -nE '#include "store/' $(echo "$files" | grep -E '^src/api/') 2>/dev/null \
	| cut -d: -f1,2 | report "src/api/ includes store/: call the domain (account/, shop/, ...)"
# shellcheck disable=SC2086
grep -nE '#include "(api|account|shop|pki|sign|signing|legal|jobs|ra)/' $(echo "$files" | grep -E '^src/http/') 2>/dev/null \
	| cut -d: -f1,2 | report "src/http/ includes a layer above it"
# shellcheck disable=SC2086
grep -nE '#include "(http|api)/' $(echo "$files" | grep -vE '^src/(http|api|cli)/') 2>/dev/null \
	| cut -d: -f1,2 | report "the domain includes http/ or api/"
# shellcheck disable=SC2086
grep -nE '"(SELECT|INSERT|UPDATE|DELETE) ' $(echo "$files" | grep -vE '^src/store/') 2>/dev/null \
	| cut -d: -f1,2 | report "SQL outside src/store/"
# Every notification template the accounts code sends must exist.
# (the first string after NOTIFY_EMAIL/NOTIFY_SMS in a call is the template)
for t in $(perl -0ne 'while (/NOTIFY_(?:EMAIL|SMS)\s*,[^;]*?"([a-z_]+)"/g) { print "$1\n" }' src/account/*.c 2>/dev/null | sort -u); do
	cat src/notify/notify_templates.c src/notify/notify_tmpl_*.c | grep -qE "\\{ ?\"$t\"," ||
		echo "src/account: template \"$t\" is not in src/notify/notify_templates.c nor notify_tmpl_*.c" | tee -a "$found"
done
# Formatting (STYLE §13): every C file as .clang-format has it.
if command -v clang-format >/dev/null 2>&1; then
	for f in $files; do
		clang-format --dry-run --Werror "$f" >/dev/null 2>&1 ||
			echo "$f: not clang-formatted (run: clang-format -i $f)" | tee -a "$found"
	done
else
	echo "checksrc: clang-format is not installed (scripts/deps.sh installs it)" | tee -a "$found"
fi
[ -s "$found" ] && status=1
if [ "$status" -eq 0 ]; then
	echo "checksrc: OK ($(echo "$files" | wc -l) files)"
fi
exit $status
