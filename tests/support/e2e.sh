# tests/support/e2e.sh: the common start of the browser journeys
# (tests/integration/e2e_*.sh; source it after lib.sh and api.sh).
#   e2e_need TOOL...    node, npm, Debian's Chromium and the TOOLs (else
#                       SKIP), libfaketime; tests/e2e's packages (npm ci)
#   e2e_serve_clock     T, D, DB: a --dev data dir served on the clock file
#                       $T/clock (pc_serve_clock) with the web UI, the
#                       shop's sandbox, its public URL its own (PC_URL)
#   e2e_holder OP ANA PHONE1 PHONE2
#                       an operator OP@example.ro (its TOTP paired) and a
#                       holder ANA@example.ro with a certificate
#                       (api_issued: SECRET, SIGN) in $T/sign.pem; PW
#                       their password
E2E="$PECETE_SRC/tests/e2e"
SUP="$PECETE_SRC/tests/support"

e2e_need() {
	local tool
	for tool in node npm oathtool python3 sqlite3 /usr/bin/chromium openssl curl xxd "$@"; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			echo "# SKIP: $tool is missing (scripts/deps.sh installs it)"
			exit 77
		fi
	done
	[ -f "$PC_FT_LIB" ] || { echo "# SKIP: libfaketime missing"; exit 77; }
	if [ ! -d "$E2E/node_modules/playwright-core" ]; then
		npm ci --prefix "$E2E" --no-audit --no-fund --prefer-offline >/dev/null 2>&1 ||
			{ echo "FAIL - npm ci in tests/e2e"; exit 1; }
	fi
}

e2e_serve_clock() {
	local port
	T=$(pc_tmpdir)
	D=$T/d
	DB=$D/pecete.db
	pc_init "$D" --dev
	port=$(pc_free_port)
	export PECETE_SERVER_PUBLIC_URL="http://127.0.0.1:$port"
	export PECETE_SERVER_WEB_ROOT="$PECETE_SRC/web"
	export PECETE_SHOP_PROVIDER=sandbox
	echo "+0s" >"$T/clock"
	PC_PORT=$port pc_serve_clock "$D" "$T/clock"
	ok "pecete serve on $PC_URL (clock in a file)"
}

e2e_holder() {
	. "$SUP/idv.sh"
	idv_fixtures
	PW=Verde-Munte-Ploaie-42
	as op
	api_signup_user "$1@example.ro" "$3"
	"$PECETE_BIN" user role --data "$D" --email "$1@example.ro" --role operator >/dev/null
	api_pair_totp
	as ana
	api_signup_user "$2@example.ro" "$4"
	api_issued "$1@example.ro" || { echo "FAIL - $2 issued"; exit 1; }
	sql "SELECT hex(der) FROM certs WHERE serial = '$SIGN'" | xxd -r -p >"$T/sign.der"
	openssl x509 -inform DER -in "$T/sign.der" -out "$T/sign.pem" ||
		{ echo "FAIL - the certificate"; exit 1; }
}
