#!/usr/bin/env bash
# Install the Debian 12 packages Pecete needs to build, run and test.
# Idempotent: only missing packages are installed. Set PECETE_DEPS=none to skip.
# Usage: scripts/deps.sh [build|test]   (default: test, which is a superset)
set -euo pipefail

if [ "${PECETE_DEPS:-}" = "none" ]; then
	exit 0
fi

build_pkgs="build-essential cmake pkg-config git
	libmicrohttpd-dev libssl-dev openssl libsqlite3-dev sqlite3 libpq-dev
	libjansson-dev libsodium-dev liboath-dev libqrencode-dev
	libcurl4-openssl-dev libzip-dev libxml2-dev libxmlsec1-dev libcmocka-dev
	libmupdf-dev libmujs-dev libgumbo-dev libopenjp2-7-dev libjbig2dec0-dev
	libharfbuzz-dev libjpeg-dev libfreetype-dev zlib1g-dev
	libzxcvbn-dev libunistring-dev
	softhsm2 opensc
	fonts-noto-core fonts-droid-fallback fonts-symbola"
test_pkgs="postgresql curl poppler-utils qpdf mupdf-tools oathtool zbar-tools
	python3-aiosmtpd faketime clang clang-format libclang-rt-14-dev chromium
	fonts-dejavu-core haproxy gnutls-bin libengine-pkcs11-openssl libnss3-tools
	valgrind nginx libxml2-utils"

want="$build_pkgs"
if [ "${1:-test}" = "test" ]; then
	want="$want $test_pkgs"
	# Browser tests drive Chromium with playwright-core from npm.
	if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
		want="$want nodejs npm"
	fi
fi

missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	exit 0
fi

echo "deps: installing:$missing" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "deps: done" >&2
