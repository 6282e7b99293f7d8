/*
 * tl.h: EU trusted lists (ETSI TS 119 612) for the validation service:
 * the list of the lists (LOTL) and national trusted lists named in
 * [server] trusted_lists, their XML signatures checked with xmlsec1
 * against [server] trusted_list_signers (a LOTL: then each national list
 * it points to against the certificates the LOTL gives for it), the
 * services' certificates as trust anchors, and the qualification of a
 * signature (ETSI TS 119 172-4) from the status of its CA at the best
 * signature time. See docs/internals/validate.md.
 */
#ifndef PC_TL_H
#define PC_TL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "base/buf.h"
#include "base/conf.h"
#include "base/pc.h"
#include "sign/vreport.h"

#define TL_MAX_BYTES (16 * 1024 * 1024) /* one list's XML */
#define TL_SOURCES_MAX 16               /* entries of [server] trusted_lists */
#define TL_LISTS_MAX 64      /* lists loaded in all (LOTL + national) */
#define TL_SERVICES_MAX 8192 /* services of one list */
#define TL_IDS_MAX 8         /* certificates of one service identity */
#define TL_HIST_MAX 32       /* status instances of one service */
#define TL_QUALS_MAX 16      /* qualification elements of one instance */
#define TL_OIDS_MAX 4        /* policy identifiers of one PolicySet */
#define TL_CRIT_MAX 4        /* criteria of one CriteriaList */
#define TL_POINTERS_MAX 64   /* other lists a LOTL points to */
#define TL_SIGNERS_MAX 32    /* certificates that may sign one list */
#define TL_NAME_MAX 160

/* Service types we act on (ServiceTypeIdentifier). */
enum tl_stype {
	TL_ST_OTHER = 0,
	TL_ST_CA_QC,  /* http://uri.etsi.org/TrstSvc/Svctype/CA/QC */
	TL_ST_CA_PKC, /* .../CA/PKC */
};

/* ServiceStatus. Only granted makes a CA/QC's certificates qualified. */
enum tl_status {
	TL_SS_OTHER = 0,
	TL_SS_GRANTED,   /* .../Svcstatus/granted */
	TL_SS_WITHDRAWN, /* .../Svcstatus/withdrawn */
};

/* Qualifier bits (.../SvcInfoExt/<name>), and the AdditionalService-
 * Information "for" bits (TL_ASI_*). */
enum {
	TL_Q_QC_STATEMENT = 1 << 0,
	TL_Q_NOT_QUALIFIED = 1 << 1,
	TL_Q_FOR_ESIG = 1 << 2,
	TL_Q_FOR_ESEAL = 1 << 3,
	TL_Q_FOR_WSA = 1 << 4,
	TL_Q_WITH_QSCD = 1 << 5,
	TL_Q_NO_QSCD = 1 << 6,
	TL_Q_QSCD_AS_IN_CERT = 1 << 7,
	TL_Q_QSCD_MANAGED = 1 << 8, /* QCQSCDManagedOnBehalf */
	TL_Q_LEGAL_PERSON = 1 << 9,
	TL_Q_UNKNOWN = 1 << 15, /* a qualifier we do not know */
};
enum {
	TL_ASI_ESIG = 1 << 0,
	TL_ASI_ESEAL = 1 << 1,
	TL_ASI_WSA = 1 << 2,
};

/* One criterion of a CriteriaList: a KeyUsage (bits that must be set /
 * clear, OpenSSL's KU_* values) or a PolicySet (every OID present). */
struct tl_crit {
	bool policy;
	unsigned ku_set, ku_clear;
	int noids;
	char oid[TL_OIDS_MAX][64];
};

/* One QualificationElement: qualifiers applied to the certificates its
 * criteria select. Anything else (otherCriteriaList, nested lists, more
 * criteria than we keep) makes it unreadable: the qualification is then
 * indeterminate, never guessed. */
struct tl_qual {
	unsigned qualifiers;
	int assert_; /* 0 all, 1 atLeastOne, 2 none */
	int ncrit;
	struct tl_crit crit[TL_CRIT_MAX];
	bool unreadable;
};

/* A service's status from a time on, with its extensions then. */
struct tl_inst {
	enum tl_stype type;
	enum tl_status status;
	char status_uri[128];
	int64_t from; /* StatusStartingTime */
	unsigned asi; /* TL_ASI_*; 0: none stated */
	int nquals;
	struct tl_qual *quals;
};

struct tl_service {
	char name[TL_NAME_MAX];
	int ncerts;
	X509 *certs[TL_IDS_MAX];
	int ninst; /* inst[0] the current, then ServiceHistory */
	struct tl_inst *inst;
};

/* A list a LOTL points to. */
struct tl_pointer {
	char location[512];
	char territory[8];
	bool lotl; /* a pointer to another LOTL (not followed) */
	bool xml;  /* MimeType application/vnd.etsi.tsl+xml (or none) */
	int ncerts;
	X509 *certs[TL_SIGNERS_MAX];
};

/* One list, parsed (tl_parse). */
struct tl_list {
	bool lotl; /* TSLType .../EUlistofthelists */
	char territory[8];
	char operator_[TL_NAME_MAX];
	int64_t seq, issued, next_update; /* next_update 0: none (closed) */
	int nservices;
	struct tl_service *services;
	int npointers;
	struct tl_pointer *pointers;
};

/*
 * Parse a TS 119 612 list from p[0..n) (at most TL_MAX_BYTES) into *out
 * (tl_list_free). The XML signature is not looked at (tl_sig_verify).
 * PC_EINVAL with a sentence in err when it is not a trusted list we can
 * read; PC_EUNAVAIL without libxml2.
 */
enum pc_rc tl_parse(
    const uint8_t *p, size_t n, struct tl_list **out, char *err, size_t errlen);
void tl_list_free(struct tl_list *l);

/* An xs:dateTime as UTC seconds; -1 when it is not one. */
int64_t tl_time(const char *s);

/*
 * Check the enveloped XML signature of the list p[0..n) (xmlsec1): it
 * must cover the whole list (a Reference to "" or to the root's Id, with
 * the enveloped-signature transform) and verify with the public key of
 * one of certs[0..ncerts). PC_OK when it does; PC_EINVAL with the reason
 * in err when it does not; PC_EUNAVAIL without libxmlsec1-openssl.
 */
enum pc_rc tl_sig_verify(const uint8_t *p, size_t n, X509 *const *certs,
    int ncerts, char *err, size_t errlen);

/*
 * The "for" type of a signing certificate and the qualification of a
 * signature, TS 119 172-4 (the DSS names and URIs).
 */
enum tl_qres {
	TL_QR_NONE = 0, /* not determined: no trusted lists */
	TL_QR_QESIG,
	TL_QR_QESEAL,
	TL_QR_ADESIG_QC,
	TL_QR_ADESEAL_QC,
	TL_QR_ADESIG,
	TL_QR_ADESEAL,
	TL_QR_ADES, /* advanced, of unknown type */
	TL_QR_NOT_ADES_QC,
	TL_QR_NOT_ADES,
	TL_QR_INDETERMINATE, /* could not be determined (see why) */
};

struct tl_qualification {
	enum tl_qres res;
	bool indeterminate; /* the signature's own verdict is undecided */
	bool qc, qscd;      /* as found at the time */
	const char *type;   /* "esig", "eseal", "wsa", "" unknown */
	int64_t at;         /* the time the status was taken at */
	char service[TL_NAME_MAX];
	char territory[8];
	char status[128]; /* the service's status URI then; "" none */
	char why[SIGN_MSG_MAX];
};

/* "QESig", "AdESig-QC", ... and "urn:cef:dss:signatureQualification:…". */
const char *tl_qres_name(const struct tl_qualification *q, char *buf, size_t n);
const char *tl_qres_uri(const struct tl_qualification *q, char *buf, size_t n);

/*
 * Check [server] trusted_lists and trusted_list_signers without loading
 * anything from the network (serve, check-config): each entry an http(s)
 * URL or a readable file, the signers PEM certificates. PC_EINVAL + err.
 */
enum pc_rc tl_conf_check(const struct conf *conf, char *err, size_t errlen);

/*
 * (Re)load the lists of conf (serve's start, SIGHUP): fetch, verify,
 * parse, and make them the current set, replacing the one before. A list
 * refused (broken signature, another signer, unreadable, expired) is
 * logged and reported by tl_ready; its anchors are not used. Nothing to
 * do without [server] trusted_lists.
 */
void tl_reload(const struct conf *conf);

/*
 * tl_reload when due (pecete serve checks every minute): the lists were
 * loaded TL_REFRESH_S ago, or TL_RETRY_S ago and one of them is refused
 * or expired.
 */
#define TL_REFRESH_S (6 * 3600)
#define TL_RETRY_S (15 * 60)
void tl_refresh(const struct conf *conf);

/* Are trusted lists configured (qualification is then reported)? */
bool tl_configured(const struct conf *conf);

/*
 * The certificates of the current lists' services (lists loaded and not
 * expired), as PEM appended to pem; *count their number.
 */
enum pc_rc tl_anchors_pem(struct buf *pem, unsigned *count);

/*
 * The qualification of sig (its chain in r->objs) at its best signature
 * time against the current lists, into q. Without lists: TL_QR_NONE.
 */
void tl_qualify(const struct sign_report *r, const struct sign_vsig *sig,
    struct tl_qualification *q);

/*
 * The lists' state for /readyz: a JSON array (one object per list:
 * source, territory, kind, status ok/refused/expired, error, issued,
 * next_update, age_s, anchors) into *lists, the anchors they add into
 * *anchors; false when a configured list is refused or expired, or was
 * never loaded.
 */
bool tl_ready(const struct conf *conf, json_t **lists, unsigned *anchors);

/*
 * fn(list, service, arg) for every service of the current lists usable
 * at now (tl_qual.c); *any: was there a usable list at all.
 */
void tl_each_service(int64_t now,
    void (*fn)(const struct tl_list *, const struct tl_service *, void *),
    void *arg, bool *any);

/* Prometheus gauges per list, appended to out. */
void tl_metrics(const struct conf *conf, struct buf *out);

#endif /* PC_TL_H */
