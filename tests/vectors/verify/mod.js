// mod.js: incremental updates made with MuPDF's own tool, for the
// verification corpus (tests/integration/sign_verify.sh).
//   mutool run mod.js IN OUT KIND [ARGS...]
// KIND: content (text painted on page 1), annot (a /Square on page 1),
// page (a page added), fill NAME VALUE (a text field's value), dss
// CERTS OCSPS CRLS (comma-separated DER files into a /DSS), sigfield
// NAME (an empty signature field), docts NAME (a document timestamp field
// with a placeholder /Contents, completed by docts.py).
var doc = new PDFDocument(scriptArgs[0]);
var kind = scriptArgs[2];
var root = doc.getTrailer().Root;

function streams(list) {
	var a = doc.newArray();
	if (list && list.length > 0) {
		var files = list.split(",");
		for (var i = 0; i < files.length; i++)
			a.push(doc.addStream(readFile(files[i]), {}));
	}
	return a;
}

function sigfield(name, value) {
	var page = doc.findPage(0);
	var f = doc.addObject(doc.newDictionary());
	f.Type = doc.newName("Annot");
	f.Subtype = doc.newName("Widget");
	f.FT = doc.newName("Sig");
	f.T = doc.newString(name);
	f.F = 132;
	f.Rect = [0, 0, 0, 0];
	f.P = page;
	if (value)
		f.V = value;
	if (!page.Annots)
		page.Annots = doc.newArray();
	page.Annots.push(f);
	if (!root.AcroForm)
		root.AcroForm = doc.newDictionary();
	if (!root.AcroForm.Fields)
		root.AcroForm.Fields = doc.newArray();
	root.AcroForm.Fields.push(f);
	root.AcroForm.SigFlags = 3;
	return f;
}

if (kind == "content") {
	var page = doc.findPage(0);
	var c = doc.addStream("BT /F1 36 Tf 100 400 Td (PAID 9999 EUR) Tj ET", {});
	var arr = doc.newArray();
	arr.push(page.Contents);
	arr.push(c);
	page.Contents = arr;
} else if (kind == "annot") {
	var p = doc.loadPage(0);
	var a = p.createAnnotation("Square");
	a.setRect([100, 100, 200, 200]);
	a.update();
} else if (kind == "page") {
	var np = doc.addPage([0, 0, 595, 842], 0, null,
	    "BT /F1 24 Tf 72 700 Td (Extra page) Tj ET");
	doc.insertPage(-1, np);
} else if (kind == "fill") {
	var fields = root.AcroForm.Fields;
	for (var i = 0; i < fields.length; i++)
		if (fields[i].T == scriptArgs[3])
			fields[i].V = doc.newString(scriptArgs[4]);
} else if (kind == "dss") {
	var dss = doc.newDictionary();
	dss.Certs = streams(scriptArgs[3]);
	dss.OCSPs = streams(scriptArgs[4]);
	dss.CRLs = streams(scriptArgs[5]);
	root.DSS = doc.addObject(dss);
} else if (kind == "sigfield") {
	sigfield(scriptArgs[3], null);
} else if (kind == "docts") {
	var v = doc.addObject(doc.newDictionary());
	v.Type = doc.newName("DocTimeStamp");
	v.Filter = doc.newName("Adobe.PPKLite");
	v.SubFilter = doc.newName("ETSI.RFC3161");
	v.ByteRange = [0, 100000000, 200000000, 300000000];
	var z = "";
	for (var k = 0; k < 8192; k++)
		z += "\u0000";
	v.Contents = doc.newByteString(z);
	sigfield(scriptArgs[3], v);
}
doc.save(scriptArgs[1], "incremental");
