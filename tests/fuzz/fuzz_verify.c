/*
 * fuzz_verify.c: the verifier (signature fields, byte ranges, CMS,
 * timestamps, DSS, the revisions and their comparison, trailing bytes)
 * over arbitrary bytes: as a PDF, or, when they start like DER (0x30), as
 * a detached .p7s over a fixed content (CAdES certificate-values and
 * revocation-values included); no trust anchors, nothing fetched. The
 * report is rendered three ways; the ETSI TS 119 102-2 XML must parse
 * back as well-formed XML (libxml2), whatever the names in the file.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/xml_lazy.h"
#include "sign/sign.h"
#include "validate/validate.h"

/* The XML report of r parses back (abort otherwise: a finding). */
static void
xml_check(const struct sign_report *r)
{
	struct buf b;
	xmlDocPtr d;

	buf_init(&b, 64 * 1024 * 1024);
	if (validate_xml(r, &b) == PC_OK) {
		d = xmlReadMemory((const char *)b.data, (int)b.len, "r.xml",
		    NULL,
		    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
		if (d == NULL)
			abort();
		xmlFreeDoc(d);
	}
	buf_cleanup(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sign_verify_opts o = { 0 };
	struct sign_report *r = NULL;
	struct sign_err err = { 0 };
	char path[] = "/tmp/pc-fuzz-verify.XXXXXX";
	char content[] = "/tmp/pc-fuzz-content.XXXXXX";
	FILE *devnull;
	int fd, cfd = -1;

	fd = mkstemp(path);
	if (fd < 0)
		return 0;
	if (size > 0 && data[0] == 0x30) {
		cfd = mkstemp(content);
		if (cfd < 0 || write(cfd, "content\n", 8) != 8)
			goto out;
		o.content = content;
	}
	if (write(fd, data, size) == (ssize_t)size) {
		o.no_ocsp = true;
		o.now = 1798761600; /* fixed: 2027-01-01 */
		if (sign_verify(path, &o, &r, &err) == PC_OK) {
			devnull = fopen("/dev/null", "w");
			if (devnull != NULL) {
				sign_report_text(r, devnull);
				(void)sign_report_json(r, devnull);
				fclose(devnull);
			}
			xml_check(r);
		}
		sign_report_free(r);
	}
out:
	if (cfd >= 0) {
		close(cfd);
		unlink(content);
	}
	close(fd);
	unlink(path);
	return 0;
}
