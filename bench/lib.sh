# bench/lib.sh: what the benchmark scripts share (sourced; needs py from
# tests/support/idv.sh and qpdf).
# onepage OUT [PAD_BYTES]: a one-page PDF (with a stream of PAD_BYTES to
# make it big), rewritten by qpdf.
onepage() {	# onepage OUT [PAD_BYTES]
	py 'import sys
c="BT /F1 24 Tf 80 600 Td (Pecete benchmark) Tj ET"
objs=["<< /Type /Catalog /Pages 2 0 R >>","<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>",
"<< /Length %d >>\nstream\n%s\nendstream" % (len(c), c)]
pad=int(sys.argv[2])
if pad: objs.append("<< /Length %d >>\nstream\n%s\nendstream" % (pad, "x" * pad))
open(sys.argv[1]+".raw","w").write("%PDF-1.7\n"+"".join("%d 0 obj\n%s\nendobj\n" % (i+1,o) for i,o in enumerate(objs))+"trailer\n<< /Root 1 0 R >>\n%%EOF\n")' "$1" "${2:-0}"
	qpdf "$1.raw" "$1" >/dev/null 2>&1
}
