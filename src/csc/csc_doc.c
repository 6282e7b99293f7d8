/*
 * csc_doc.c: signatures/signDoc (CSC 2.0.0.2 §11.11). The server builds
 * the signatures: PAdES over an uploaded PDF (signature_format P), CAdES
 * over an uploaded file (C, detached or attached) or over a digest
 * (documentDigests: detached CAdES), B-B, B-T, B-LT or B-LTA (a CAdES
 * is made up to B-LT, a documentDigests CMS up to B-T).
 *
 * What the holder authorized (the SAD: credentials/authorize, or the
 * OAuth2 consent of a credential-scope token) are the documents' hashes:
 * the digest of each document's bytes as sent (SHA-256 unless the
 * documentDigests name another algorithm), or the digests given. The
 * key signs something else: the CMS signed attributes built over each
 * document. So the batch is prepared here (signing_batch_begin: every
 * PDF checked and its update written, every hash to sign computed) before
 * anything is spent, and one CSC_SIGN_DOC carries both lists: the signer
 * checks the documents' hashes against the SAD and consumes them, counts
 * one transaction per signature and per time-stamp, signs, and audits
 * "sign.csc". A malformed document is refused before that: nothing spent.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "base/buf.h"
#include "base/conf.h"
#include "base/log.h"
#include "base/rnd.h"
#include "base/secret.h"
#include "csc/csc.h"
#include "pki/pki.h"
#include "signing/signing.h"

#define SLOT_PATH 512

/* One output of the batch: which list it goes to, its file. */
struct doc_slot {
	bool object;   /* SignatureObject (else DocumentWithSignature) */
	bool attached; /* CAdES with the content inside */
	bool certify;  /* PAdES certification (DocMDP) */
	char in[SLOT_PATH], out[SLOT_PATH];
	size_t doc; /* documents[doc] for an attached CAdES */
};

/*
 * signAlgo of an entry against the key (ec: an EC key) and the hash md:
 * rsaEncryption / ecPublicKey, or sha*WithRSAEncryption /
 * ecdsa-with-SHA* naming md. RSASSA-PSS is not what the engine makes.
 */
static bool
doc_algo_ok(const char *oid, const char *params, bool ec, int md)
{
	int nid = csc_oid_nid(oid), smd = NID_undef, pk = NID_undef;

	if (params != NULL)
		return false;
	if (nid == NID_rsaEncryption)
		return !ec;
	if (nid == NID_X9_62_id_ecPublicKey)
		return ec;
	if (nid == NID_undef || !OBJ_find_sigid_algs(nid, &smd, &pk))
		return false;
	return smd == md &&
	       (ec ? pk == NID_X9_62_id_ecPublicKey : pk == NID_rsaEncryption);
}

/* "Ades-B-B" / "Ades-B-T" (2.0.0.2 spells them so; any case, "AdES-B-B"
 * too); NULL: B-B. */
static enum sign_level
doc_level(const char *s)
{
	if (s == NULL || strcasecmp(s, "AdES-B-B") == 0 ||
	    strcasecmp(s, "AdES-B") == 0)
		return SIGN_LEVEL_BB;
	if (strcasecmp(s, "AdES-B-T") == 0 || strcasecmp(s, "AdES-T") == 0)
		return SIGN_LEVEL_BT;
	if (strcasecmp(s, "AdES-B-LT") == 0 || strcasecmp(s, "AdES-LT") == 0)
		return SIGN_LEVEL_BLT;
	if (strcasecmp(s, "AdES-B-LTA") == 0 || strcasecmp(s, "AdES-LTA") == 0)
		return SIGN_LEVEL_BLTA;
	return 0;
}

/* dir/<name><i> into out (SLOT_PATH bytes); false when it does not fit. */
static bool
slot_path(char *out, const char *dir, const char *name, size_t i)
{
	int n = snprintf(out, SLOT_PATH, "%s/%s%zu", dir, name, i);

	return n > 0 && n < SLOT_PATH;
}

static void
scratch_rm(const char *dir)
{
	char p[SLOT_PATH];
	size_t i;

	if (dir[0] == '\0')
		return;
	for (i = 0; i < CSC_DOCS_MAX + CSC_HASHES_MAX; i++) {
		if (slot_path(p, dir, "in", i))
			(void)unlink(p);
		if (slot_path(p, dir, "out", i))
			(void)unlink(p);
	}
	(void)rmdir(dir);
}

/* A private directory for the request's files. */
static enum pc_rc
scratch_make(const struct pc_env *e, char *dir, size_t n)
{
	char top[400], id[33];

	snprintf(top, sizeof(top), "%s/scratch", e->conf->store.files_dir);
	(void)mkdir(e->conf->store.files_dir, 0700);
	(void)mkdir(top, 0700);
	if (rnd_hex(16, id) != PC_OK)
		return PC_EINTERNAL;
	snprintf(dir, n, "%s/csc-%s", top, id);
	if (mkdir(dir, 0700) != 0) {
		dir[0] = '\0';
		return PC_EIO;
	}
	return PC_OK;
}

/* Read a whole file (at most max bytes) into out. */
static enum pc_rc
slurp(const char *path, struct buf *out, size_t max)
{
	uint8_t tmp[65536];
	FILE *f = fopen(path, "rb");
	size_t k;
	enum pc_rc rc = PC_OK;

	if (f == NULL)
		return PC_EIO;
	while (rc == PC_OK && (k = fread(tmp, 1, sizeof(tmp), f)) > 0) {
		if (out->len + k > max) {
			rc = PC_ELIMIT;
		} else {
			buf_append(out, tmp, k);
			rc = buf_rc(out);
		}
	}
	if (ferror(f))
		rc = PC_EIO;
	fclose(f);
	return rc;
}

/* A detached CMS (der) with the content c put inside it (attached). */
static enum pc_rc
attach(const struct buf *der, const struct buf *c, struct buf *out)
{
	const unsigned char *p = der->data;
	CMS_ContentInfo *cms = NULL;
	ASN1_OCTET_STRING **pos;
	unsigned char *o = NULL;
	int len;
	enum pc_rc rc = PC_EINTERNAL;

	cms = d2i_CMS_ContentInfo(NULL, &p, (long)der->len);
	if (cms == NULL || !CMS_set_detached(cms, 0) ||
	    (pos = CMS_get0_content(cms)) == NULL || *pos == NULL ||
	    !ASN1_OCTET_STRING_set(*pos, c->data, (int)c->len))
		goto out;
	len = i2d_CMS_ContentInfo(cms, &o);
	if (len > 0) {
		buf_append(out, o, (size_t)len);
		rc = buf_rc(out);
	}
out:
	OPENSSL_free(o);
	CMS_ContentInfo_free(cms);
	return rc;
}

/* The OCSP response of our responder for the signer's certificate. */
static enum pc_rc
ocsp_of(const struct pc_env *e, const struct buf *cert, const struct buf *ca,
    struct buf *out)
{
	const unsigned char *p1 = cert->data, *p2 = ca->data;
	X509 *c = d2i_X509(NULL, &p1, (long)cert->len);
	X509 *i = d2i_X509(NULL, &p2, (long)ca->len);
	OCSP_REQUEST *q = OCSP_REQUEST_new();
	OCSP_CERTID *id = NULL;
	unsigned char *der = NULL;
	int len;
	enum pc_rc rc = PC_EINTERNAL;

	if (c == NULL || i == NULL || q == NULL)
		goto out;
	id = OCSP_cert_to_id(EVP_sha1(), c, i);
	if (id == NULL || OCSP_request_add0_id(q, id) == NULL) {
		OCSP_CERTID_free(id);
		goto out;
	}
	len = i2d_OCSP_REQUEST(q, &der);
	if (len > 0)
		rc = pki_ocsp_respond(e->pki, der, (size_t)len, out);
out:
	OPENSSL_free(der);
	OCSP_REQUEST_free(q);
	X509_free(c);
	X509_free(i);
	return rc;
}

static enum pc_rc
push_b64(char ***list, size_t *n, const uint8_t *p, size_t len)
{
	char **l = realloc(*list, (*n + 1) * sizeof(**list));

	if (l == NULL)
		return PC_ENOMEM;
	*list = l;
	l[*n] = csc_b64_encode(p, len);
	if (l[*n] == NULL)
		return PC_ENOMEM;
	(*n)++;
	return PC_OK;
}

/* validationInfo: the chain, the issuing CA's CRL, the OCSP response. */
static enum pc_rc
validation_info(const struct pc_env *e, const struct csc_cred_info *ci,
    struct csc_doc_out *out)
{
	struct buf b;
	size_t i;
	enum pc_rc rc = PC_OK;

	for (i = 0; rc == PC_OK && i < ci->ncerts; i++)
		rc = push_b64(&out->certs, &out->ncerts, ci->certs[i].data,
		    ci->certs[i].len);
	if (rc != PC_OK || e->pki == NULL || ci->ncerts < 2)
		return rc;
	buf_init(&b, 4 * 1024 * 1024);
	if (pki_crl_der(e->pki, "issuing", &b) == PC_OK)
		rc = push_b64(&out->crls, &out->ncrls, b.data, b.len);
	buf_cleanup(&b);
	buf_init(&b, 64 * 1024);
	if (rc == PC_OK &&
	    ocsp_of(e, &ci->certs[0], &ci->certs[1], &b) == PC_OK)
		rc = push_b64(&out->ocsps, &out->nocsps, b.data, b.len);
	buf_cleanup(&b);
	return rc;
}

void
csc_doc_out_cleanup(struct csc_doc_out *o)
{
	size_t i;

	for (i = 0; i < o->ndocs; i++)
		free(o->docs[i]);
	for (i = 0; i < o->nsigs; i++)
		free(o->sigs[i]);
	for (i = 0; i < o->ncerts; i++)
		free(o->certs[i]);
	for (i = 0; i < o->ncrls; i++)
		free(o->crls[i]);
	for (i = 0; i < o->nocsps; i++)
		free(o->ocsps[i]);
	free(o->docs);
	free(o->sigs);
	free(o->certs);
	free(o->crls);
	free(o->ocsps);
	memset(o, 0, sizeof(*o));
}

/* The engine's refusal of an item as the registry's code. */
static enum pc_rc
item_refusal(const struct signing_result *res, struct pc_err *err)
{
	const char *c = res->err.code != NULL ? res->err.code : "";

	if (strcmp(c, "too_large") == 0)
		return pc_fail(err, PC_ELIMIT, PCE_FILE_TOO_LARGE, "documents");
	if (strcmp(c, "hash_invalid") == 0)
		return pc_fail(err, PC_EINVAL, PCE_HASH_INVALID, "hashes");
	if (res->rc == PC_EINVAL || res->rc == PC_ELIMIT ||
	    res->rc == PC_ESTATE || strncmp(c, "pdf_", 4) == 0)
		return pc_fail(
		    err, PC_EINVAL, PCE_DOCUMENT_INVALID, "documents");
	return pc_fail(err, PC_EINTERNAL, PCE_SIGN_FAILED, NULL);
}

/*
 * The request's entries checked and turned into the batch's items, their
 * files and the hashes the SAD must cover (docs, dlen, *dmd).
 */
struct doc_plan {
	struct doc_slot slot[CSC_DOCS_MAX + CSC_HASHES_MAX];
	size_t n;
	uint8_t (*docs)[SIGNER_HASH_MAX];
	uint8_t (*digests)[SIGNER_HASH_MAX];
	size_t dlen;
	int dmd;
	enum sign_level level;
};

static enum pc_rc
plan_entries(const struct csc_doc_req *q, bool ec, const char *dir,
    struct doc_plan *pl, struct pc_err *err)
{
	const char *fmt, *env;
	uint8_t *bytes = NULL;
	size_t i, k, n, total = 0, blen = 0;
	enum sign_level lv;
	unsigned int mdlen;
	FILE *f;
	enum pc_rc rc = PC_OK;

	if (q->ndocs + q->ndigests == 0)
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "documents");
	if (q->ndocs > CSC_DOCS_MAX)
		return pc_fail(err, PC_ELIMIT, PCE_FIELD_INVALID, "documents");
	if (q->ndigests > 1)
		return pc_fail(
		    err, PC_EINVAL, PCE_FIELD_INVALID, "documentDigests");
	pl->dmd = NID_sha256;
	pl->level = 0;
	/* documentDigests: their algorithm is the SAD's for all. */
	if (q->ndigests == 1) {
		const struct csc_doc_digests *d = &q->digests[0];

		pl->dmd = csc_oid_nid(d->h.hash_oid);
		if (!csc_md_ok(pl->dmd))
			return pc_fail(err, PC_EINVAL, PCE_ALGO_INVALID,
			    "hashAlgorithmOID");
		if (d->h.n == 0 || d->h.n + q->ndocs > CSC_HASHES_MAX)
			return pc_fail(err, PC_EINVAL,
			    d->h.n == 0 ? PCE_FIELD_INVALID : PCE_HASHES_EXCEED,
			    "hashes");
		fmt = d->format;
		env = d->envelope;
		lv = doc_level(d->level);
		if (fmt == NULL || strcmp(fmt, "C") != 0)
			return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID,
			    "signature_format");
		if (env != NULL && strcmp(env, "Detached") != 0)
			return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID,
			    "signed_envelope_property");
		/* A CMS over a digest is made up to B-T: never a level
		 * asked for and not made. */
		if (lv == 0 || lv > SIGN_LEVEL_BT)
			return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID,
			    "conformance_level");
		if (!doc_algo_ok(d->sign_algo, d->sign_params, ec, pl->dmd))
			return pc_fail(
			    err, PC_EINVAL, PCE_ALGO_INVALID, "signAlgo");
		pl->level = lv;
		pl->dlen =
		    (size_t)EVP_MD_get_size(EVP_get_digestbynid(pl->dmd));
		for (i = 0; i < d->h.n; i++) {
			if (csc_b64_decode(d->h.b64[i], pl->digests[i],
			        SIGNER_HASH_MAX, &n) != PC_OK ||
			    n != pl->dlen)
				return pc_fail(
				    err, PC_EINVAL, PCE_HASH_INVALID, "hashes");
			memcpy(pl->docs[pl->n], pl->digests[i], n);
			pl->slot[pl->n].object = true;
			if (!slot_path(pl->slot[pl->n].out, dir, "out", pl->n))
				return PC_EINTERNAL;
			pl->slot[pl->n].in[0] = '\0';
			pl->n++;
		}
	} else {
		pl->dlen = 32;
	}
	for (k = 0; k < q->ndocs; k++) {
		const struct csc_doc_in *d = &q->docs[k];
		struct doc_slot *s = &pl->slot[pl->n];
		size_t len = d->b64 != NULL ? strlen(d->b64) : 0;

		fmt = d->format;
		env = d->envelope;
		lv = doc_level(d->level);
		if (len == 0)
			return pc_fail(
			    err, PC_EINVAL, PCE_FIELD_INVALID, "document");
		if (len / 4 * 3 > CSC_DOC_MAX_BYTES)
			return pc_fail(
			    err, PC_ELIMIT, PCE_FILE_TOO_LARGE, "document");
		if (fmt == NULL ||
		    (strcmp(fmt, "P") != 0 && strcmp(fmt, "C") != 0))
			return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID,
			    "signature_format");
		if (env != NULL &&
		    (fmt[0] == 'P' ? strcmp(env, "Revision") != 0 &&
		                         strcmp(env, "Certification") != 0
		                   : strcmp(env, "Detached") != 0 &&
		                         strcmp(env, "Attached") != 0))
			return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID,
			    "signed_envelope_property");
		/* CAdES is made up to B-LT (no archive timestamp). */
		if (lv == 0 || (pl->level != 0 && lv != pl->level) ||
		    (fmt[0] == 'C' && lv > SIGN_LEVEL_BLT))
			return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID,
			    "conformance_level");
		if (!doc_algo_ok(d->sign_algo, d->sign_params, ec, pl->dmd))
			return pc_fail(
			    err, PC_EINVAL, PCE_ALGO_INVALID, "signAlgo");
		pl->level = lv;
		bytes = malloc(len / 4 * 3 + 3);
		if (bytes == NULL)
			return PC_ENOMEM;
		if (csc_b64_decode(d->b64, bytes, len / 4 * 3 + 3, &blen) !=
		        PC_OK ||
		    blen == 0) {
			free(bytes);
			return pc_fail(
			    err, PC_EINVAL, PCE_FIELD_INVALID, "document");
		}
		total += blen;
		if (blen > CSC_DOC_MAX_BYTES || total > CSC_DOCS_TOTAL_BYTES) {
			free(bytes);
			return pc_fail(
			    err, PC_ELIMIT, PCE_FILE_TOO_LARGE, "documents");
		}
		/* What the holder authorized: the digest of the bytes. */
		mdlen = SIGNER_HASH_MAX;
		if (EVP_Digest(bytes, blen, pl->docs[pl->n], &mdlen,
		        EVP_get_digestbynid(pl->dmd), NULL) != 1) {
			free(bytes);
			return PC_EINTERNAL;
		}
		s->object = fmt[0] == 'C' &&
		            (env == NULL || strcmp(env, "Detached") == 0);
		s->attached = fmt[0] == 'C' && !s->object;
		s->certify = fmt[0] == 'P' && env != NULL &&
		             strcmp(env, "Certification") == 0;
		s->doc = k;
		if (!slot_path(s->in, dir, "in", pl->n) ||
		    !slot_path(s->out, dir, "out", pl->n))
			return PC_EINTERNAL;
		f = fopen(s->in, "wb");
		if (f == NULL || fwrite(bytes, 1, blen, f) != blen) {
			rc = PC_EIO;
		}
		if (f != NULL && fclose(f) != 0)
			rc = PC_EIO;
		secret_wipe(bytes, blen);
		free(bytes);
		if (rc != PC_OK)
			return rc;
		/* A PAdES needs a PDF: tell it now, before the batch. */
		if (fmt[0] == 'P') {
			struct sign_err se;

			memset(&se, 0, sizeof(se));
			if (sign_pdf_check(s->in, NULL, &se) != PC_OK)
				return pc_fail(err, PC_EINVAL,
				    PCE_DOCUMENT_INVALID, "document");
		}
		pl->n++;
	}
	return PC_OK;
}

enum pc_rc
csc_sign_doc(const struct pc_env *e, const struct csc_token *t,
    const char *serial, const char *sad, const struct csc_doc_req *q,
    struct csc_doc_out *out, struct pc_err *err)
{
	struct csc_cred_info ci;
	struct signing_opts so;
	struct signing_batch *b = NULL;
	struct signing_item it;
	struct sign_opts cert_opts;
	struct doc_plan *pl = NULL;
	struct buf sig, content;
	char dir[512] = "";
	bool have_ci = false;
	size_t i, di = 0;
	enum pc_rc rc;

	memset(out, 0, sizeof(*out));
	memset(&ci, 0, sizeof(ci));
	buf_init(&sig, CSC_DOC_MAX_BYTES + 1024 * 1024);
	buf_init(&content, CSC_DOC_MAX_BYTES);
	rc = csc_sign_args(t, serial, &sad, err);
	if (rc != PC_OK)
		return rc;
	rc = csc_credential_info(e, t, serial, &ci, err);
	if (rc != PC_OK)
		return rc;
	have_ci = true;
	pl = calloc(1, sizeof(*pl));
	if (pl != NULL) {
		pl->docs = calloc(CSC_HASHES_MAX, sizeof(*pl->docs));
		pl->digests = calloc(CSC_HASHES_MAX, sizeof(*pl->digests));
	}
	if (pl == NULL || pl->docs == NULL || pl->digests == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	rc = scratch_make(e, dir, sizeof(dir));
	if (rc != PC_OK)
		goto out;
	rc = plan_entries(q, ci.curve != NULL, dir, pl, err);
	if (rc != PC_OK)
		goto out;

	memset(&so, 0, sizeof(so));
	so.credential = serial;
	sign_opts_init(&so.sign);
	so.sign.md_nid = pl->dmd;
	so.sign.level = pl->level;
	cert_opts = so.sign;
	cert_opts.certify = 2; /* form filling and signing allowed */
	rc = signing_batch_new(e, &so, &b, err);
	for (i = 0; rc == PC_OK && i < pl->n; i++) {
		memset(&it, 0, sizeof(it));
		it.in_fd = -1;
		it.out_path = pl->slot[i].out;
		if (pl->slot[i].in[0] == '\0') {
			it.digest = pl->digests[di++];
			it.dlen = pl->dlen;
			it.format = SIGN_FMT_CADES;
		} else {
			it.in_path = pl->slot[i].in;
			it.format = pl->slot[i].object || pl->slot[i].attached
			                ? SIGN_FMT_CADES
			                : SIGN_FMT_PADES;
			if (pl->slot[i].certify)
				it.opts = &cert_opts;
		}
		rc = signing_batch_add(b, &it, NULL);
	}
	if (rc != PC_OK)
		goto out;
	/* Every document prepared before anything is spent. */
	rc = signing_batch_begin(e, b);
	if (rc != PC_OK) {
		for (i = 0; i < pl->n; i++) {
			const struct signing_result *res =
			    signing_batch_result(b, i);

			if (res != NULL && res->state == SIGNING_FAILED) {
				rc = item_refusal(res, err);
				break;
			}
		}
		goto out;
	}
	rc = signing_batch_authorize_csc(e, b, t->bind, sad, pl->dmd,
	    (const uint8_t(*)[SIGNER_HASH_MAX])pl->docs, pl->dlen, err);
	if (rc != PC_OK)
		goto out;
	rc = signing_batch_finish(e, b);
	if (rc != PC_OK) {
		rc = pc_fail(err, PC_EINTERNAL, PCE_SIGN_FAILED, NULL);
		goto out;
	}
	for (i = 0; rc == PC_OK && i < pl->n; i++) {
		struct doc_slot *s = &pl->slot[i];

		buf_reset(&sig);
		rc = slurp(s->out, &sig, CSC_DOC_MAX_BYTES + 1024 * 1024);
		if (rc == PC_OK && s->attached) {
			buf_reset(&content);
			rc = slurp(s->in, &content, CSC_DOC_MAX_BYTES);
			if (rc == PC_OK) {
				struct buf att;

				buf_init(&att, 2 * CSC_DOC_MAX_BYTES);
				rc = attach(&sig, &content, &att);
				if (rc == PC_OK)
					rc = push_b64(&out->docs, &out->ndocs,
					    att.data, att.len);
				buf_cleanup(&att);
			}
		} else if (rc == PC_OK) {
			rc = s->object ? push_b64(&out->sigs, &out->nsigs,
			                     sig.data, sig.len)
			               : push_b64(&out->docs, &out->ndocs,
			                     sig.data, sig.len);
		}
	}
	if (rc == PC_OK && q->validation_info)
		rc = validation_info(e, &ci, out);
out:
	if (rc != PC_OK)
		csc_doc_out_cleanup(out);
	signing_batch_free(b);
	scratch_rm(dir);
	buf_cleanup(&sig);
	buf_cleanup(&content);
	if (pl != NULL) {
		free(pl->docs);
		free(pl->digests);
		free(pl);
	}
	if (have_ci)
		csc_cred_info_cleanup(&ci);
	return rc;
}
