/*
 * pki_profile.c: the certificate profiles of a holder.
 *
 * Signing ("sign"): the qualified certificate of a natural person for
 * electronic signatures on a QSCD, per ETSI EN 319 412-2 and -5: keyUsage
 * nonRepudiation only (critical; "type A"), certificatePolicies QCP-n-qscd
 * and our policy, QCStatements (QcCompliance, QcSSCD, QcType esign, QcPDS,
 * id-qcs-pkixQCSyntax-v2 with the natural-person semantics identifier).
 *
 * Authentication ("auth"): keyUsage digitalSignature (critical), EKU
 * clientAuth and emailProtection, our policy only, no QCStatements.
 *
 * Both: subject C, surname, givenName, serialNumber (PNORO-<CNP>, PASRO-,
 * IDCRO-), CN; subjectAltName e-mail; AIA (OCSP, caIssuers), CRL DP;
 * SKI/AKI; a 128-bit random serial.
 *
 * OpenSSL has no type for QCStatements, so they are written with the
 * ASN1:SEQUENCE: syntax of a generated config (DESIGN §7); every value put
 * in that config is checked first (URL and OID characters).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/conf.h>
#include <openssl/x509v3.h>

#include "base/clock.h"
#include "base/log.h"
#include "pki/pki_int.h"

#define CN_MAX_CHARS 64 /* ub-common-name */

bool
pki_oid_ok(const char *s)
{
	bool dot = true;

	if (s == NULL || *s == '\0' || strlen(s) > 128)
		return false;
	for (; *s != '\0'; s++) {
		if (*s == '.') {
			if (dot)
				return false;
			dot = true;
		} else if (isdigit((unsigned char)*s))
			dot = false;
		else
			return false;
	}
	return !dot;
}

static const char *
id_prefix(enum pki_id_type t)
{
	switch (t) {
	case PKI_ID_PNO:
		return "PNO";
	case PKI_ID_PAS:
		return "PAS";
	case PKI_ID_IDC:
		return "IDC";
	}
	return NULL;
}

/* CN "<given> <surname>", cut to 64 characters at a UTF-8 boundary. */
static void
make_cn(const struct pki_person *who, char *cn, size_t cnlen)
{
	size_t i, chars = 0;

	snprintf(cn, cnlen, "%s %s", who->given_name, who->surname);
	for (i = 0; cn[i] != '\0'; i++) {
		if (((unsigned char)cn[i] & 0xc0) != 0x80) {
			if (chars == CN_MAX_CHARS) {
				cn[i] = '\0';
				break;
			}
			chars++;
		}
	}
	/* no trailing space after a cut */
	i = strlen(cn);
	while (i > 0 && cn[i - 1] == ' ')
		cn[--i] = '\0';
}

static enum pc_rc
holder_name(const struct pki_person *who, X509_NAME **out)
{
	char sn[64], cn[4 * CN_MAX_CHARS + 8];
	const char *country = who->country != NULL ? who->country : "RO";
	const char *pfx = id_prefix(who->id_type);
	const struct pki_rdn rdn[] = {
		{ NID_countryName, MBSTRING_ASC, country },
		{ NID_surname, MBSTRING_UTF8, who->surname },
		{ NID_givenName, MBSTRING_UTF8, who->given_name },
		{ NID_serialNumber, MBSTRING_ASC, sn },
		{ NID_commonName, MBSTRING_UTF8, cn },
	};

	if (pfx == NULL)
		return PC_EINVAL;
	snprintf(sn, sizeof(sn), "%s%s-%s", pfx, country, who->id_number);
	make_cn(who, cn, sizeof(cn));
	return pki_name_new(rdn, PC_ARRAY_LEN(rdn), out);
}

static enum pc_rc
add_san_email(X509 *c, const char *email)
{
	GENERAL_NAMES *gens = NULL;
	GENERAL_NAME *gen = NULL;
	ASN1_IA5STRING *ia5 = NULL;
	enum pc_rc rc = PC_ECRYPTO;

	gens = GENERAL_NAMES_new();
	gen = GENERAL_NAME_new();
	ia5 = ASN1_IA5STRING_new();
	if (gens == NULL || gen == NULL || ia5 == NULL ||
	    ASN1_STRING_set(ia5, email, -1) != 1)
		goto out;
	GENERAL_NAME_set0_value(gen, GEN_EMAIL, ia5);
	ia5 = NULL;
	if (sk_GENERAL_NAME_push(gens, gen) <= 0)
		goto out;
	gen = NULL;
	if (X509_add1_ext_i2d(c, NID_subject_alt_name, gens, 0, 0) != 1)
		goto out;
	rc = PC_OK;
out:
	if (rc != PC_OK)
		ossl_fail("pki: subjectAltName");
	ASN1_IA5STRING_free(ia5);
	GENERAL_NAME_free(gen);
	GENERAL_NAMES_free(gens);
	return rc;
}

/* certificatePolicies with the given OIDs (no qualifiers). */
enum pc_rc
pki_add_policies(X509 *c, const char *oid1, const char *oid2)
{
	CERTIFICATEPOLICIES *cp = NULL;
	POLICYINFO *pi = NULL;
	const char *oids[2] = { oid1, oid2 };
	enum pc_rc rc = PC_ECRYPTO;
	int i;

	cp = CERTIFICATEPOLICIES_new();
	if (cp == NULL)
		goto out;
	for (i = 0; i < 2; i++) {
		if (oids[i] == NULL)
			continue;
		pi = POLICYINFO_new();
		if (pi == NULL)
			goto out;
		pi->policyid = OBJ_txt2obj(oids[i], 1);
		if (pi->policyid == NULL || sk_POLICYINFO_push(cp, pi) <= 0)
			goto out;
		pi = NULL;
	}
	if (X509_add1_ext_i2d(c, NID_certificate_policies, cp, 0, 0) != 1)
		goto out;
	rc = PC_OK;
out:
	if (rc != PC_OK)
		ossl_fail("pki: certificatePolicies");
	POLICYINFO_free(pi);
	CERTIFICATEPOLICIES_free(cp);
	return rc;
}

/*
 * The QCStatements extension: compliance, QSCD, the type (qct: e-signature
 * or e-seal), the PDS and the semantics (sem: natural or legal person).
 */
enum pc_rc
pki_qc_statements(X509 *c, X509V3_CTX *ctx, const char *pds_url,
    const char *qct, const char *sem)
{
	CONF *cnf = NULL;
	BIO *b = NULL;
	X509_EXTENSION *ext = NULL;
	char text[2048];
	long eline = -1;
	enum pc_rc rc;

	if (!pki_url_ok(pds_url)) {
		log_error("pki: pki.pds_url is not a usable URL");
		return PC_EINVAL;
	}
	snprintf(text, sizeof(text),
	    "[qcs]\n"
	    "compliance = SEQUENCE:qc_compliance\n"
	    "sscd = SEQUENCE:qc_sscd\n"
	    "type = SEQUENCE:qc_type\n"
	    "pds = SEQUENCE:qc_pds\n"
	    "semantics = SEQUENCE:qc_semantics\n"
	    "[qc_compliance]\n"
	    "id = OID:" PKI_OID_QCS_COMPLIANCE "\n"
	    "[qc_sscd]\n"
	    "id = OID:" PKI_OID_QCS_SSCD "\n"
	    "[qc_type]\n"
	    "id = OID:" PKI_OID_QCS_TYPE "\n"
	    "types = SEQUENCE:qc_type_list\n"
	    "[qc_type_list]\n"
	    "type = OID:%s\n"
	    "[qc_pds]\n"
	    "id = OID:" PKI_OID_QCS_PDS "\n"
	    "locations = SEQUENCE:qc_pds_list\n"
	    "[qc_pds_list]\n"
	    "en = SEQUENCE:qc_pds_en\n"
	    "[qc_pds_en]\n"
	    "url = IA5STRING:%s\n"
	    "language = PRINTABLESTRING:en\n"
	    "[qc_semantics]\n"
	    "id = OID:" PKI_OID_QCS_SYNTAX_V2 "\n"
	    "info = SEQUENCE:qc_semantics_info\n"
	    "[qc_semantics_info]\n"
	    "semanticsIdentifier = OID:%s\n",
	    qct, pds_url, sem);
	cnf = NCONF_new(NULL);
	b = BIO_new_mem_buf(text, -1);
	if (cnf == NULL || b == NULL || NCONF_load_bio(cnf, b, &eline) != 1) {
		log_error("pki: QCStatements config line %ld", eline);
		rc = ossl_fail("pki: QCStatements config");
		goto out;
	}
	X509V3_set_nconf(ctx, cnf);
	ext = X509V3_EXT_nconf(
	    cnf, ctx, PKI_OID_QC_STATEMENTS, "ASN1:SEQUENCE:qcs");
	X509V3_set_nconf(ctx, NULL);
	if (ext == NULL) {
		rc = ossl_fail("pki: QCStatements");
		goto out;
	}
	if (X509_add_ext(c, ext, -1) != 1) {
		rc = ossl_fail("pki: add QCStatements");
		goto out;
	}
	rc = PC_OK;
out:
	X509_EXTENSION_free(ext);
	BIO_free(b);
	NCONF_free(cnf);
	return rc;
}

/* The unsigned certificate of a holder (see pki_profile.h). */
enum pc_rc
pki_profile_holder(const struct conf *conf, X509 *issuer,
    const struct pki_person *who, bool qualified, EVP_PKEY *pub, int years,
    X509 **out)
{
	static const struct pki_ext sign_ext[] = {
		{ NID_basic_constraints, "CA:FALSE" },
		{ NID_key_usage, "critical,nonRepudiation" },
		{ 0, NULL },
	};
	static const struct pki_ext auth_ext[] = {
		{ NID_basic_constraints, "CA:FALSE" },
		{ NID_key_usage, "critical,digitalSignature" },
		{ NID_ext_key_usage, "clientAuth,emailProtection" },
		{ 0, NULL },
	};
	X509 *c = NULL;
	X509_NAME *name = NULL;
	X509V3_CTX ctx;
	const char *our = conf->pki.policy_oid;
	enum pc_rc rc;

	*out = NULL;
	if (!pki_oid_ok(our)) {
		log_error("pki: pki.policy_oid is not a dotted OID");
		return PC_EINVAL;
	}
	rc = holder_name(who, &name);
	if (rc == PC_OK)
		rc = pki_cert_new(name, issuer, pub, years,
		    qualified ? sign_ext : auth_ext, &ctx, &c);
	if (rc == PC_OK)
		rc = qualified ? pki_add_policies(c, PKI_OID_QCP_N_QSCD, our)
		               : pki_add_policies(c, our, NULL);
	if (rc == PC_OK)
		rc = add_san_email(c, who->email);
	if (rc == PC_OK)
		rc = pki_ext_urls(
		    c, &ctx, conf->server.public_url, "issuing", true);
	if (rc == PC_OK && qualified)
		rc = pki_qc_statements(c, &ctx, conf->pki.pds_url,
		    PKI_OID_QCT_ESIGN, PKI_OID_SEM_NATURAL);
	return pki_cert_done(rc, c, name, out);
}
