/*
 * store_renewal.h: renewal (rekey) requests (J10, table renewals). SQL
 * lives in store_renewal.c only; src/lifecycle/renewal.c is the caller.
 */
#ifndef PC_STORE_RENEWAL_H
#define PC_STORE_RENEWAL_H

#include <stdint.h>

#include "base/pc.h"
#include "store/store.h"
#include "store/store_account.h"
#include "store/store_shop.h"

#define RENEWAL_DRAFT "draft"         /* the form given, not signed yet */
#define RENEWAL_SUBMITTED "submitted" /* signed: waits for an operator */
#define RENEWAL_APPROVED "approved"   /* issued 3 days before the end */
#define RENEWAL_REJECTED "rejected"   /* the order stays usable */
#define RENEWAL_ISSUED "issued"
#define RENEWAL_REFUNDED "refunded" /* the window closed first */
/* Closed without a refund: a draft replaced, or the window closed on a
 * draft or a rejection whose order another request used. */
#define RENEWAL_CLOSED "closed"

/*
 * A renewal may be asked while more than RENEWAL_WINDOW_S remain before
 * the certificate's end; an approved one is issued RENEWAL_LEAD_S before
 * it (72 hours, 3 days: the same moment).
 */
#define RENEWAL_WINDOW_S (72 * 3600)
#define RENEWAL_LEAD_S (3 * 86400)

struct store_renewal {
	char id[STORE_ID_LEN + 1];
	char user_id[STORE_ID_LEN + 1];
	char order_id[STORE_ORDER_ID_LEN + 1];
	char old_serial[STORE_SERIAL_MAX + 1];
	int64_t old_not_after;
	char state[16];
	char doc_type[32], doc_series[16], doc_number[32];
	char doc_issued[16], doc_expiry[16]; /* YYYY-MM-DD */
	char doc_issuer[128];
	char photo_type[32]; /* "" until the photo is given */
	int64_t photo_size;
	char photo_sha256[65];
	char photo_key[256]; /* the vault's wrapped key, hex */
	char terms_version[32];
	char *reason; /* the operator's, on rejection */
	char decided_by[STORE_ID_LEN + 1];
	char new_serial[STORE_SERIAL_MAX + 1];
	int64_t created_at, submitted_at, decided_at;
};

void store_renewal_cleanup(struct store_renewal *r);
/* Insert r (a new id). PC_EEXIST on a clash. */
enum pc_rc store_renewal_insert(struct db *db, const struct store_renewal *r);
/* OUT: *r. PC_ENOTFOUND when none. */
enum pc_rc store_renewal_get(
    struct db *db, const char *id, struct store_renewal *r);
/* The newest request of user_id. PC_ENOTFOUND when none. */
enum pc_rc store_renewal_latest(
    struct db *db, const char *user_id, struct store_renewal *r);
/*
 * Requests in state (NULL: every state), oldest first, at most limit;
 * due: only those whose old certificate ends before due (0: any).
 */
enum pc_rc store_renewal_each(struct db *db, const char *state, int64_t due,
    int64_t limit, enum pc_rc (*fn)(void *arg, const struct store_renewal *r),
    void *arg);
/* Does a request that is not closed name order_id (a renewal's order,
 * not one for an identification)? */
enum pc_rc store_renewal_order_claimed(
    struct db *db, const char *order_id, bool *claimed);
/* The photo of a draft. PC_ESTATE unless a draft. */
enum pc_rc store_renewal_photo(struct db *db, const char *id, const char *ctype,
    int64_t size, const char *sha256, const char *key_hex);
/*
 * Requests whose photo's time is over, at most limit: drafts never sent
 * and closed, decided before open_before; sent and then rejected,
 * refunded or closed, decided before decided_before; issued, whose new
 * certificate ended before ended_before.
 */
enum pc_rc store_renewal_photo_due(struct db *db, int64_t open_before,
    int64_t decided_before, int64_t ended_before, int64_t limit,
    enum pc_rc (*fn)(void *arg, const struct store_renewal *r), void *arg);
/* The photo of id deleted: its type and key forgotten (size and SHA-256
 * stay as the record of what was sent). */
enum pc_rc store_renewal_photo_forget(struct db *db, const char *id);
/*
 * Move id from state from to state to at now, with (each may be NULL)
 * terms_version, reason, decided_by, new_serial. PC_ESTATE when id is not
 * in from.
 */
enum pc_rc store_renewal_move(struct db *db, const char *id, const char *from,
    const char *to, const char *terms_version, const char *reason,
    const char *decided_by, const char *new_serial, int64_t now);
/* Close the drafts of user_id (a new one replaces them). */
enum pc_rc store_renewal_close_drafts(
    struct db *db, const char *user_id, int64_t now);
/* Does order_id serve a request sent (submitted, approved, issued,
 * refunded)? */
enum pc_rc store_renewal_order_used(
    struct db *db, const char *order_id, bool *used);

#endif /* PC_STORE_RENEWAL_H */
