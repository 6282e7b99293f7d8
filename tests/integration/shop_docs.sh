#!/usr/bin/env bash
# shop_docs.sh: the shop's PDF documents, checked with tools we did not
# write. `pecete shop doc --sample` renders the order note (person and
# company), the invoice and both terms documents in Romanian and English;
# then qpdf --check must be clean, pdftotext must show the order number,
# the RON amount formatted for the language and the Romanian letters
# (ș ț ă î â), pdffonts must show every font embedded with a ToUnicode map,
# and pdfinfo must show the Title, Author and Producer.
# shellcheck source=../support/lib.sh
. "$PECETE_SRC/tests/support/lib.sh"

for t in qpdf pdftotext pdffonts pdfinfo; do
	if ! command -v "$t" >/dev/null; then
		echo "skip: $t is not installed (apt install qpdf poppler-utils)"
		exit 77
	fi
done

T=$(pc_tmpdir)
PC_TMP=$T

render() { # kind lang file [extra...]
	local kind=$1 lang=$2 f=$3
	shift 3
	"$PECETE_BIN" shop doc --kind "$kind" --sample --lang "$lang" \
	    --out "$f" "$@" >"$f.log" 2>&1
}

check_common() { # file title-fragment
	local f=$1 title=$2
	if qpdf --check "$f" >"$f.qpdf" 2>&1; then
		ok "$f: qpdf --check clean"
	else
		cat "$f.qpdf"
		fail "$f: qpdf --check clean"
	fi
	# every font embedded (emb = yes) and with a ToUnicode map (uni = yes)
	if pdffonts "$f" | awk 'NR > 2 && ($(NF-4) != "yes" || $(NF-2) != "yes") { bad = 1 } NR > 2 { n++ } END { exit bad || n == 0 }'; then
		ok "$f: fonts embedded with ToUnicode"
	else
		pdffonts "$f"
		fail "$f: fonts embedded with ToUnicode"
	fi
	pdfinfo "$f" >"$f.info"
	check "$f: pdfinfo Title" grep -q "^Title: *$title" "$f.info"
	check "$f: pdfinfo Author" grep -q '^Author: *Pecete$' "$f.info"
	check "$f: pdfinfo Producer" grep -q '^Producer: *Pecete ' "$f.info"
	check "$f: A4" grep -q 'Page size: *595.2[0-9]* x 841.8[0-9]* pts (A4)' "$f.info"
}

has() { # file text
	if grep -qF -- "$2" "$1"; then ok "$1 shows '$2'"; else fail "$1 shows '$2'"; fi
}

for lang in ro en; do
	for who in person company; do
		f=$T/note-$who-$lang.pdf
		extra=()
		[ "$who" = company ] && extra=(--company)
		check "render order note $who $lang" render order-note "$lang" "$f" "${extra[@]}"
		if [ "$lang" = ro ]; then title="Notă de comandă"; else title="Order note"; fi
		check_common "$f" "$title PC-2026-000123"
		pdftotext -enc UTF-8 "$f" "$f.txt"
		has "$f.txt" "PC-2026-000123"
		if [ "$lang" = ro ]; then
			has "$f.txt" "355,26 RON"
			has "$f.txt" "71,39 EUR"
			has "$f.txt" "4,9763"
		else
			has "$f.txt" "355.26 RON"
			has "$f.txt" "71.39 EUR"
			has "$f.txt" "4.9763"
		fi
		if [ "$who" = person ]; then
			has "$f.txt" "Ștefan Țăranu-Mândrescu"
			has "$f.txt" "Iași"
		else
			has "$f.txt" "Țesătoria Șiretul S.R.L."
			has "$f.txt" "RO18547290"
		fi
		has "$f.txt" "Pecete 2"
		has "$f.txt" "1/1"
	done
	f=$T/invoice-$lang.pdf
	check "render invoice $lang" render invoice "$lang" "$f" --company
	if [ "$lang" = ro ]; then title="Factură PCT 2026/000042"; else title="Invoice PCT 2026/000042"; fi
	check_common "$f" "$title"
	pdftotext -enc UTF-8 "$f" "$f.txt"
	has "$f.txt" "PCT 2026/000042"
	has "$f.txt" "J40/1234/2020"
	if [ "$lang" = ro ]; then
		has "$f.txt" "355,26 RON"
		has "$f.txt" "Factura este definitivă"
		has "$f.txt" "Mărășești"
	else
		has "$f.txt" "355.26 RON"
		has "$f.txt" "This invoice is final"
	fi
	for doc in terms shop privacy; do
		f=$T/$doc-$lang.pdf
		v=$(sed -n 's/^version: //p' "$PECETE_SRC/data/legal/$doc.$lang.md")
		check "render $doc $lang (data/legal)" render terms "$lang" "$f" --terms "$doc"
		check "$doc $lang: version $v printed" grep -q "version $v" "$f.log"
		check_common "$f" ""
		pdftotext -enc UTF-8 "$f" "$f.txt"
		has "$f.txt" "$v"
		check "$doc $lang: placeholders filled" bash -c "! grep -q '{{' '$f.txt'"
	done
done
# Romanian letters, comma-below forms (U+0219, U+021B), in the Romanian terms
f=$T/terms-ro.pdf.txt
for ch in ș ț ă î â; do
	has "$f" "$ch"
done
has "$T/shop-ro.pdf.txt" "OUG nr. 34/2014"
has "$T/privacy-en.pdf.txt" "ANSPDCP"

# usage errors
if "$PECETE_BIN" shop doc --kind nope --sample --out "$T/x.pdf" 2>/dev/null; then
	fail "unknown kind refused"
else
	ok "unknown kind refused"
fi
pc_done
