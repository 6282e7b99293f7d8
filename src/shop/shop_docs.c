/*
 * shop_docs.c: order note, invoice and terms documents as struct
 * pdf_doc_spec, rendered by sign/pdf_doc.c. Wording is ours; the terms
 * carry a version string that the checkout records with the acceptance.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/arena.h"
#include "shop/shop.h"
#include "shop/shop_docs.h"
#include "sign/pdf_doc.h"

#define T(r_, e_) (L->en ? (e_) : (r_))
#define NKV 24

#define DOC_STR 160

struct ctx {
	bool en;
	const char *lang;
	struct pdf_doc_block blocks[24];
	size_t nb;
	struct pdf_doc_kv kv[4][NKV];
	size_t nkv[4];
	struct arena ar; /* the formatted values (str_new) */
	char addr[2][512];
};

static const char *
nz(const char *s)
{
	return s != NULL ? s : "";
}

static bool
set(const char *s)
{
	return s != NULL && s[0] != '\0';
}

static void
group3(char *out, size_t n, uint64_t v, char sep)
{
	char d[32];
	size_t len, i, o = 0;

	len = (size_t)snprintf(d, sizeof(d), "%llu", (unsigned long long)v);
	for (i = 0; i < len && o + 2 < n; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			out[o++] = sep;
		out[o++] = d[i];
	}
	out[o] = '\0';
}

void
shop_doc_money(
    int64_t minor, const char *currency, const char *lang, char *out, size_t n)
{
	bool en = lang != NULL && strcmp(lang, "en") == 0;
	uint64_t v;
	char whole[40];

	if (n == 0)
		return;
	v = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
	group3(whole, sizeof(whole), v / 100, en ? ',' : '.');
	snprintf(out, n, "%s%s%c%02u%s%s", minor < 0 ? "-" : "", whole,
	    en ? '.' : ',', (unsigned)(v % 100), currency != NULL ? " " : "",
	    nz(currency));
}

/* Romanian civil time: EET, EEST from the last Sunday of March 01:00 UTC
 * to the last Sunday of October 01:00 UTC. */
static int64_t
last_sunday_utc(int year, int mon)
{
	struct tm tm = { 0 };
	time_t t;

	tm.tm_year = year - 1900;
	tm.tm_mon = mon; /* the next month's 1st, minus days */
	tm.tm_mday = 31;
	tm.tm_hour = 1;
	t = timegm(&tm);
	gmtime_r(&t, &tm);
	return (int64_t)t - (int64_t)tm.tm_wday * 86400;
}

static void
fmt_date(struct ctx *L, int64_t t, bool with_time, char *out, size_t n)
{
	struct tm tm;
	time_t tt = (time_t)t;
	int64_t off = 2 * 3600;

	gmtime_r(&tt, &tm);
	if (t >= last_sunday_utc(tm.tm_year + 1900, 2) &&
	    t < last_sunday_utc(tm.tm_year + 1900, 9))
		off = 3 * 3600;
	tt = (time_t)(t + off);
	gmtime_r(&tt, &tm);
	if (L->en)
		snprintf(out, n,
		    with_time ? "%04d-%02d-%02d %02d:%02d" : "%04d-%02d-%02d",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min);
	else
		snprintf(out, n,
		    with_time ? "%02d.%02d.%04d %02d:%02d" : "%02d.%02d.%04d",
		    tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900, tm.tm_hour,
		    tm.tm_min);
}

/*
 * A fresh scratch string of DOC_STR bytes (never one handed out before).
 * The arena is bounded; past it a static empty string is returned, so
 * a value goes missing rather than corrupting another (the document is
 * then refused by its checks: never the case for our documents).
 */
static char *
str_new(struct ctx *L)
{
	static _Thread_local char none[DOC_STR];
	char *s = arena_alloc(&L->ar, DOC_STR);

	if (s == NULL)
		s = none;
	s[0] = '\0';
	return s;
}

static const char *
money(struct ctx *L, int64_t minor, const char *cur)
{
	char *s = str_new(L);

	shop_doc_money(minor, cur, L->lang, s, DOC_STR);
	return s;
}

/* t as a date (with the time) in a new string. */
static const char *
date_str(struct ctx *L, int64_t t, bool with_time)
{
	char *s = str_new(L);

	fmt_date(L, t, with_time, s, DOC_STR);
	return s;
}

static void
kv_add(struct ctx *L, int t, const char *k, const char *v)
{
	if (L->nkv[t] < NKV) {
		L->kv[t][L->nkv[t]].key = k;
		L->kv[t][L->nkv[t]].value = nz(v);
		L->nkv[t]++;
	}
}

/* A new block of kind (zeroed but for it), NULL when they are all used. */
static struct pdf_doc_block *
blk_new(struct ctx *L, enum pdf_doc_kind kind)
{
	struct pdf_doc_block *b;

	if (L->nb == PC_ARRAY_LEN(L->blocks))
		return NULL;
	b = &L->blocks[L->nb++];
	memset(b, 0, sizeof(*b));
	b->kind = kind;
	return b;
}

static void
blk(struct ctx *L, enum pdf_doc_kind kind, const char *text)
{
	struct pdf_doc_block *b = blk_new(L, kind);

	if (b != NULL)
		b->text = text;
}

/* The key-value table t as a block. */
static void
blk_kv(struct ctx *L, int t)
{
	struct pdf_doc_block *b = blk_new(L, PDF_DOC_KV);

	if (b != NULL) {
		b->kv = L->kv[t];
		b->nrows = L->nkv[t];
	}
}

static void
ctx_init(struct ctx *L, const char *lang)
{
	memset(L, 0, sizeof(*L));
	L->en = lang != NULL && strcmp(lang, "en") == 0;
	L->lang = L->en ? "en" : "ro";
	arena_init(&L->ar, 256 * DOC_STR);
}

static bool
lang_ok(const char *lang)
{
	return lang == NULL || strcmp(lang, "ro") == 0 ||
	       strcmp(lang, "en") == 0;
}

/* One-line address of p into out. */
static void
address(struct ctx *L, const struct shop_doc_party *p, char *out, size_t n)
{
	struct buf b;
	bool first = true;
	struct {
		const char *ro, *en, *v;
	} parts[] = {
		{ NULL, NULL, p->street }, /* holds its kind: "Str. X" */
		{ "nr.", "no.", p->number },
		{ "bl.", "bldg.", p->building },
		{ "sc.", "entr.", p->entrance },
		{ "ap.", "apt.", p->apartment },
		{ NULL, NULL, p->town },
		{ "jud.", "county", p->county },
		{ "cod poștal", "postal code", p->postal_code },
		{ NULL, NULL,
		    p->country != NULL ? p->country : T("România", "Romania") },
	};
	size_t i;

	buf_init(&b, n - 1);
	for (i = 0; i < PC_ARRAY_LEN(parts); i++) {
		if (!set(parts[i].v))
			continue;
		if (!first)
			buf_append_str(&b, ", ");
		first = false;
		if (parts[i].ro != NULL)
			buf_printf(&b, "%s ", T(parts[i].ro, parts[i].en));
		buf_append_str(&b, parts[i].v);
	}
	snprintf(out, n, "%s",
	    buf_ok(&b) && b.data != NULL ? (const char *)b.data : "");
	buf_cleanup(&b);
}

static const char *
state_label(struct ctx *L, const char *st)
{
	static const struct {
		const char *id, *ro, *en;
	} tab[] = {
		{ "created", "creată", "created" },
		{ "awaiting_payment", "în așteptarea plății",
		    "awaiting payment" },
		{ "paid", "plătită", "paid" },
		{ "fulfilled", "finalizată", "fulfilled" },
		{ "cancelled", "anulată", "cancelled" },
		{ "refunded", "rambursată", "refunded" },
	};
	size_t i;

	for (i = 0; st != NULL && i < PC_ARRAY_LEN(tab); i++)
		if (strcmp(st, tab[i].id) == 0)
			return T(tab[i].ro, tab[i].en);
	return nz(st);
}

/* One-line strings: no control characters (NULL is fine). */
static bool
line_ok(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static enum pc_rc
order_check(const struct shop_doc_order *o, const char *lang)
{
	const struct shop_doc_party *p;
	const char *const *s;
	size_t i;

	if (o == NULL)
		return PC_EINVAL;
	p = &o->buyer;
	{
		const char *const all[] = { o->number, o->package_name,
			o->package_includes, o->promo_code, o->rate_date,
			o->state, o->invoice_series, p->name, p->cui, p->reg,
			p->county, p->town, p->street, p->number, p->building,
			p->entrance, p->apartment, p->postal_code, p->country,
			p->email };

		s = all;
		for (i = 0; i < PC_ARRAY_LEN(all); i++)
			if (!line_ok(s[i]))
				return PC_EINVAL;
	}
	if (!lang_ok(lang) || !set(o->number) || !set(o->package_name) ||
	    !set(o->buyer.name))
		return PC_EINVAL;
	if (o->net_cents < 0 || o->vat_cents < 0 || o->total_bani < 0 ||
	    o->net_cents + o->vat_cents != o->total_cents ||
	    o->list_cents - o->discount_cents != o->net_cents ||
	    o->rate_e4 <= 0 || o->vat_bp < 0)
		return PC_EINVAL;
	return PC_OK;
}

static const char *
vat_pct(struct ctx *L, int64_t bp)
{
	char *s = str_new(L);

	if (bp % 100 == 0)
		snprintf(s, DOC_STR, "%lld %%", (long long)(bp / 100));
	else
		snprintf(s, DOC_STR, "%lld%c%02lld %%", (long long)(bp / 100),
		    L->en ? '.' : ',', (long long)(bp % 100));
	return s;
}

/* What a package includes, in the document's language. */
static const char *
includes(struct ctx *L, const struct shop_doc_order *o)
{
	char *s;

	if (set(o->package_includes))
		return o->package_includes;
	s = str_new(L);
	if (L->en)
		snprintf(s, DOC_STR,
		    "qualified certificate for electronic signatures, valid "
		    "%lld %s, with %lld signing transactions",
		    (long long)o->package_years,
		    o->package_years == 1 ? "year" : "years",
		    (long long)o->package_transactions);
	else
		snprintf(s, DOC_STR,
		    "certificat calificat pentru semnătură electronică, "
		    "valabil "
		    "%lld %s, cu %lld tranzacții de semnare",
		    (long long)o->package_years,
		    o->package_years == 1 ? "an" : "ani",
		    (long long)o->package_transactions);
	return s;
}

static const char *
rate_str(struct ctx *L, const struct shop_doc_order *o)
{
	char *s = str_new(L);

	/* A fallback rate is never called the BNR's. */
	snprintf(s, DOC_STR, "%s: 1 EUR = %lld%c%04lld RON (%s)",
	    o->rate_fallback ? T("curs de rezervă configurat, nu al BNR",
	                           "configured fallback rate, not the BNR's")
	                     : T("curs BNR", "BNR rate"),
	    (long long)(o->rate_e4 / 10000), L->en ? '.' : ',',
	    (long long)(o->rate_e4 % 10000), nz(o->rate_date));
	return s;
}

/* "Discount CODE" */
static const char *
discount_label(struct ctx *L, const struct shop_doc_order *o)
{
	char *s = str_new(L);

	snprintf(s, DOC_STR, "%s%s%s", T("Reducere", "Discount"),
	    set(o->promo_code) ? " " : "", nz(o->promo_code));
	return s;
}

/* "VAT 21 %" */
static const char *
vat_label(struct ctx *L, const struct shop_doc_order *o)
{
	char *s = str_new(L);

	snprintf(s, DOC_STR, "%s %s", T("TVA", "VAT"), vat_pct(L, o->vat_bp));
	return s;
}

/*
 * A document of o in lang begins: o checked, the context made. OUT: *out
 * (doc_end).
 */
static enum pc_rc
doc_begin(const struct shop_doc_order *o, const char *lang, struct ctx **out)
{
	enum pc_rc rc;

	*out = NULL;
	rc = order_check(o, lang);
	if (rc != PC_OK)
		return rc;
	*out = calloc(1, sizeof(**out));
	if (*out == NULL)
		return PC_ENOMEM;
	ctx_init(*out, lang);
	return PC_OK;
}

/* The blocks of L rendered with title into pdf (when rc is PC_OK); L freed. */
static enum pc_rc
doc_end(struct ctx *L, const char *title, enum pc_rc rc, struct buf *pdf)
{
	struct pdf_doc_spec spec;

	if (rc == PC_OK) {
		memset(&spec, 0, sizeof(spec));
		spec.title = title;
		spec.lang = L->lang;
		spec.blocks = L->blocks;
		spec.nblocks = L->nb;
		rc = pdf_doc_render(&spec, pdf);
	}
	arena_cleanup(&L->ar);
	free(L);
	return rc;
}

/* The buyer's rows in kv table t. */
static void
buyer_rows(struct ctx *L, int t, const struct shop_doc_party *p, int ai)
{
	address(L, p, L->addr[ai], sizeof(L->addr[0]));
	if (p->company) {
		kv_add(L, t, T("Firmă", "Company"), p->name);
		kv_add(L, t, "CUI", p->cui);
		if (set(p->reg))
			kv_add(L, t, T("Nr. Reg. Com.", "Trade register no."),
			    p->reg);
	} else {
		kv_add(L, t, T("Persoană fizică", "Person"), p->name);
	}
	kv_add(L, t, T("Adresă", "Address"), L->addr[ai]);
	if (set(p->email))
		kv_add(L, t, "E-mail", p->email);
}

enum pc_rc
shop_doc_order_note(
    const struct shop_doc_order *o, const char *lang, struct buf *pdf)
{
	struct ctx *L;
	enum pc_rc rc;
	char *title;

	RETURN_VAL_IF_FAIL(pdf != NULL, PC_EINTERNAL);
	rc = doc_begin(o, lang, &L);
	if (rc != PC_OK)
		return rc;
	title = str_new(L);
	snprintf(title, DOC_STR, "%s %s", T("Notă de comandă", "Order note"),
	    o->number);

	kv_add(L, 0, T("Număr comandă", "Order number"), o->number);
	kv_add(L, 0, T("Data", "Date"), date_str(L, o->created_at, true));
	kv_add(
	    L, 0, T("Stare plată", "Payment state"), state_label(L, o->state));
	if (o->paid_at > 0)
		kv_add(L, 0, T("Plătită la", "Paid at"),
		    date_str(L, o->paid_at, true));
	blk_kv(L, 0);

	blk(L, PDF_DOC_HEADING, T("Pachet", "Package"));
	kv_add(L, 1, T("Pachet", "Package"), o->package_name);
	kv_add(L, 1, T("Include", "Includes"), includes(L, o));
	kv_add(L, 1, T("Preț fără TVA", "Price excluding VAT"),
	    money(L, o->list_cents, "EUR"));
	if (o->discount_cents > 0)
		kv_add(L, 1, discount_label(L, o),
		    money(L, -o->discount_cents, "EUR"));
	kv_add(L, 1, T("Total fără TVA", "Net total"),
	    money(L, o->net_cents, "EUR"));
	kv_add(L, 1, vat_label(L, o), money(L, o->vat_cents, "EUR"));
	kv_add(L, 1, T("Total cu TVA", "Total including VAT"),
	    money(L, o->total_cents, "EUR"));
	kv_add(L, 1, T("Total în lei", "Total in RON"),
	    money(L, o->total_bani, "RON"));
	kv_add(L, 1, T("Curs de schimb", "Exchange rate"), rate_str(L, o));
	blk_kv(L, 1);

	blk(L, PDF_DOC_HEADING, T("Date de facturare", "Invoice data"));
	buyer_rows(L, 2, &o->buyer, 0);
	blk_kv(L, 2);

	blk(L, PDF_DOC_PARAGRAPH,
	    T("Suma de plată în lei este calculată la cursul de referință BNR "
	      "din data indicată și rămâne cea a comenzii. Factura se emite "
	      "după confirmarea plății și nu mai poate fi modificată după "
	      "emitere.",
	        "The amount in RON is computed at the BNR reference rate of "
	        "the "
	        "date shown and stays that of the order. The invoice is issued "
	        "once the payment is confirmed and cannot be changed after "
	        "issue."));
	blk(L, PDF_DOC_SMALL,
	    T("Acest document nu este o factură fiscală. Pecete — semnătură "
	      "electronică calificată la distanță.",
	        "This document is not a tax invoice. Pecete — remote qualified "
	        "electronic signatures."));
	return doc_end(L, title, PC_OK, pdf);
}

enum pc_rc
shop_doc_invoice(const struct shop_doc_order *o, const struct conf_shop *shop,
    const char *lang, struct buf *pdf)
{
	struct pdf_doc_block *b;
	struct ctx *L;
	enum pc_rc rc;
	char *title, *d, *desc;
	const char *head[5], *cells[3 * 5];
	static const unsigned widths[5] = { 46, 8, 16, 14, 16 };
	int64_t net_bani = 0, vat_bani;
	size_t nrows = 0, i;

	RETURN_VAL_IF_FAIL(pdf != NULL && shop != NULL, PC_EINTERNAL);
	if (o != NULL && (!set(o->invoice_series) || o->invoice_number <= 0))
		return PC_EINVAL;
	rc = doc_begin(o, lang, &L);
	if (rc != PC_OK)
		return rc;
	title = str_new(L);
	d = str_new(L);
	shop_invoice_label(
	    o->invoice_series, o->invoice_year, o->invoice_number, d, DOC_STR);
	snprintf(title, DOC_STR, "%s %s", T("Factură", "Invoice"), d);
	kv_add(L, 0, T("Seria și numărul", "Series and number"), d);
	kv_add(L, 0, T("Data emiterii", "Issue date"),
	    date_str(L, o->invoice_issued_at, false));
	kv_add(L, 0, T("Comanda", "Order"), o->number);
	blk_kv(L, 0);

	blk(L, PDF_DOC_HEADING, T("Furnizor", "Seller"));
	kv_add(L, 1, T("Denumire", "Name"), nz(shop->seller_name));
	kv_add(L, 1, "CUI", nz(shop->seller_cui));
	kv_add(L, 1, T("Nr. Reg. Com.", "Trade register no."),
	    nz(shop->seller_reg));
	kv_add(L, 1, T("Sediu", "Registered office"), nz(shop->seller_address));
	blk_kv(L, 1);

	blk(L, PDF_DOC_HEADING, T("Cumpărător", "Buyer"));
	buyer_rows(L, 2, &o->buyer, 0);
	blk_kv(L, 2);

	blk(L, PDF_DOC_HEADING, T("Produse și servicii", "Items"));
	head[0] = T("Descriere", "Description");
	head[1] = T("Cant.", "Qty");
	head[2] = T("Preț unitar", "Unit price");
	head[3] = T("TVA", "VAT");
	head[4] = T("Valoare", "Amount");
	desc = str_new(L);
	snprintf(desc, DOC_STR, "%s — %s", o->package_name, includes(L, o));
	cells[0] = desc;
	cells[1] = "1";
	cells[2] = money(L, o->list_cents, "EUR");
	cells[3] = vat_pct(L, o->vat_bp);
	cells[4] = money(L, o->list_cents, "EUR");
	nrows = 1;
	if (o->discount_cents > 0) {
		cells[5] = discount_label(L, o);
		cells[6] = "1";
		cells[7] = money(L, -o->discount_cents, "EUR");
		cells[8] = vat_pct(L, o->vat_bp);
		cells[9] = money(L, -o->discount_cents, "EUR");
		nrows = 2;
	}
	b = blk_new(L, PDF_DOC_TABLE);
	if (b != NULL) {
		b->ncols = 5;
		b->head = head;
		b->cells = cells;
		b->nrows = nrows;
		b->widths = widths;
		b->right = 0x1e;
	}

	/* RON: the total at the rate; net by the rate, VAT the difference
	 * so that the lines add up to the total. */
	rc = shop_ron(o->net_cents, o->rate_e4, &net_bani);
	if (rc != PC_OK)
		net_bani = 0;
	vat_bani = o->total_bani - net_bani;
	if (vat_bani < 0)
		vat_bani = 0;
	kv_add(L, 3, T("Total fără TVA", "Net total"),
	    money(L, o->net_cents, "EUR"));
	kv_add(L, 3, vat_label(L, o), money(L, o->vat_cents, "EUR"));
	kv_add(L, 3, T("Total de plată", "Total due"),
	    money(L, o->total_cents, "EUR"));
	kv_add(L, 3, T("Curs de schimb", "Exchange rate"), rate_str(L, o));
	kv_add(L, 3, T("Total fără TVA (lei)", "Net total (RON)"),
	    money(L, net_bani, "RON"));
	kv_add(L, 3, T("TVA (lei)", "VAT (RON)"), money(L, vat_bani, "RON"));
	kv_add(L, 3, T("Total de plată (lei)", "Total due (RON)"),
	    money(L, o->total_bani, "RON"));
	blk_kv(L, 3);
	if (o->paid_at > 0) {
		desc = str_new(L);
		snprintf(desc, DOC_STR, "%s %s.",
		    T("Achitată cu cardul online la", "Paid by card online on"),
		    date_str(L, o->paid_at, true));
		blk(L, PDF_DOC_PARAGRAPH, desc);
	}
	blk(L, PDF_DOC_SMALL,
	    T("Factura este definitivă: după emitere nu mai poate fi "
	      "modificată. "
	      "O eventuală corecție se face numai prin factură de stornare. "
	      "Factura este valabilă fără semnătură și ștampilă.",
	        "This invoice is final: it cannot be changed after issue. Any "
	        "correction is made only by a reversing invoice. The invoice "
	        "is "
	        "valid without signature and stamp."));

	for (i = 0; i < nrows * 5; i++)
		if (cells[i] == NULL)
			rc = PC_EINTERNAL;
	return doc_end(L, title, rc, pdf);
}

/* ---- sample ------------------------------------------------------------- */

void
shop_doc_sample(bool company, struct shop_doc_order *o)
{
	memset(o, 0, sizeof(*o));
	o->number = "PC-2026-000123";
	o->created_at = 1795000000; /* 2026-11-18 */
	o->package_name = "Pecete 2";
	o->package_includes = NULL; /* said in the document's language */
	o->package_years = 2;
	o->package_transactions = 400;
	o->list_cents = 5900;
	o->discount_cents = 0;
	o->net_cents = 5900;
	o->vat_bp = 2100;
	o->vat_cents = 1239;
	o->total_cents = 7139;
	o->rate_e4 = 49763;
	o->rate_date = "2026-11-18";
	o->total_bani = 35526; /* 71.39 × 4.9763 = 355.258... */
	o->state = "paid";
	o->paid_at = 1795000600;
	if (company) {
		o->buyer.company = true;
		o->buyer.name = "Țesătoria Șiretul S.R.L.";
		o->buyer.cui = "RO18547290";
		o->buyer.reg = "J40/12345/2015";
		o->buyer.county = "Ilfov";
		o->buyer.town = "Voluntari";
		o->buyer.street = "Bulevardul Pipera";
		o->buyer.number = "1B";
		o->buyer.postal_code = "077190";
	} else {
		o->buyer.name = "Ștefan Țăranu-Mândrescu";
		o->buyer.county = "Iași";
		o->buyer.town = "Iași";
		o->buyer.street = "Bd. Ștefan cel Mare și Sfânt";
		o->buyer.number = "12";
		o->buyer.building = "A2";
		o->buyer.entrance = "B";
		o->buyer.apartment = "14";
		o->buyer.postal_code = "700064";
		o->buyer.email = "stefan@example.ro";
	}
	o->invoice_series = "PCT";
	o->invoice_number = 42;
	o->invoice_year = 2026;
	o->invoice_issued_at = 1795000700;
}
