/*
 * migrations.c: the versioned schema of the database.
 *
 * Each migration has a version (strictly increasing, never reused, never
 * edited once released), SQL common to both dialects and SQL for each
 * dialect where they differ (BLOB vs BYTEA, ...). The runner applies each
 * missing one in its own transaction and records it in schema_migrations;
 * running it again is a no-op. On PostgreSQL a transaction-scoped advisory
 * lock serializes nodes that start at the same time; on SQLite BEGIN
 * IMMEDIATE does.
 *
 * To add a migration: append an entry with the next version. Types: BIGINT
 * for integers (times are UTC epoch seconds), TEXT, and bytes as BLOB
 * (SQLite) / BYTEA (PostgreSQL). The runner is in store_migrate.c.
 */
#include "base/pc.h"
#include "store/store_int.h"

/* Migration 1: the first schema. */
static const char m1_common[] = "CREATE TABLE counters ("
                                " name TEXT PRIMARY KEY,"
                                " value BIGINT NOT NULL);"
                                "CREATE TABLE settings ("
                                " key TEXT PRIMARY KEY,"
                                " value TEXT NOT NULL);"
                                "CREATE TABLE audit_log ("
                                " id BIGINT PRIMARY KEY,"
                                " at BIGINT NOT NULL,"
                                " actor TEXT NOT NULL,"
                                " event TEXT NOT NULL,"
                                " detail TEXT NOT NULL,"
                                " prev_hash TEXT NOT NULL,"
                                " hash TEXT NOT NULL);";

/* The tables with bytes, for BYTES = BLOB or BYTEA. */
#define M1_BLOB_TABLES(BYTES)                                                  \
	"CREATE TABLE certs ("                                                 \
	" serial TEXT PRIMARY KEY,"                                            \
	" issuer TEXT NOT NULL,"                                               \
	" kind TEXT NOT NULL,"                                                 \
	" name TEXT,"                                                          \
	" subject TEXT,"                                                       \
	" holder TEXT,"                                                        \
	" key_label TEXT,"                                                     \
	" not_before BIGINT NOT NULL,"                                         \
	" not_after BIGINT NOT NULL,"                                          \
	" status BIGINT NOT NULL DEFAULT 0,"                                   \
	" revoked_at BIGINT,"                                                  \
	" reason BIGINT,"                                                      \
	" der " BYTES " NOT NULL,"                                             \
	" created_at BIGINT NOT NULL);"                                        \
	"CREATE INDEX certs_issuer_status ON certs (issuer, status);"          \
	"CREATE INDEX certs_name ON certs (name);"                             \
	"CREATE INDEX certs_holder ON certs (holder);"                         \
	"CREATE TABLE crls ("                                                  \
	" issuer TEXT NOT NULL,"                                               \
	" number BIGINT NOT NULL,"                                             \
	" this_update BIGINT NOT NULL,"                                        \
	" next_update BIGINT NOT NULL,"                                        \
	" der " BYTES " NOT NULL,"                                             \
	" created_at BIGINT NOT NULL,"                                         \
	" UNIQUE (issuer, number));"

static const char m1_sqlite[] = M1_BLOB_TABLES("BLOB");
static const char m1_pg[] = M1_BLOB_TABLES("BYTEA");

/* Migration 2: the notification outbox (src/notify, store_outbox.c). */
#define M2_OUTBOX(ID)                                                          \
	"CREATE TABLE outbox ("                                                \
	" id " ID ","                                                          \
	" created_at BIGINT NOT NULL,"                                         \
	" channel TEXT NOT NULL,"                                              \
	" recipient TEXT NOT NULL,"                                            \
	" template TEXT NOT NULL,"                                             \
	" lang TEXT NOT NULL,"                                                 \
	" vars TEXT NOT NULL,"                                                 \
	" status TEXT NOT NULL DEFAULT 'queued',"                              \
	" attempts BIGINT NOT NULL DEFAULT 0,"                                 \
	" next_at BIGINT NOT NULL,"                                            \
	" claim_token TEXT,"                                                   \
	" claimed_at BIGINT,"                                                  \
	" sent_at BIGINT,"                                                     \
	" driver TEXT,"                                                        \
	" last_error TEXT);"                                                   \
	"CREATE INDEX outbox_due ON outbox (status, next_at);"

static const char m2_sqlite[] = M2_OUTBOX("INTEGER PRIMARY KEY AUTOINCREMENT");
static const char m2_pg[] =
    M2_OUTBOX("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");

/* Migration 3: accounts (issue 4). Secrets only as hashes or encrypted. */
static const char m3_common[] =
    "CREATE TABLE users ("
    " id TEXT PRIMARY KEY,"
    " email TEXT NOT NULL UNIQUE,"
    " given_name TEXT NOT NULL,"
    " surname TEXT NOT NULL,"
    " phone TEXT NOT NULL,"
    " lang TEXT NOT NULL,"
    " status TEXT NOT NULL,"
    " password_hash TEXT,"
    " twofa_defer TEXT,"
    " twofa_defer_until BIGINT NOT NULL DEFAULT 0,"
    " twofa_enabled BIGINT NOT NULL DEFAULT 0,"
    " phone_verified_at BIGINT NOT NULL DEFAULT 0,"
    " failed_logins BIGINT NOT NULL DEFAULT 0,"
    " locked_until BIGINT NOT NULL DEFAULT 0,"
    " created_at BIGINT NOT NULL,"
    " updated_at BIGINT NOT NULL);"
    "CREATE TABLE account_links ("
    " token_hash TEXT PRIMARY KEY,"
    " kind TEXT NOT NULL,"
    " user_id TEXT NOT NULL REFERENCES users (id),"
    " created_at BIGINT NOT NULL,"
    " expires_at BIGINT NOT NULL,"
    " used_at BIGINT NOT NULL DEFAULT 0,"
    " verified BIGINT NOT NULL DEFAULT 0);"
    "CREATE TABLE account_codes ("
    " id TEXT PRIMARY KEY,"
    " user_id TEXT NOT NULL REFERENCES users (id),"
    " purpose TEXT NOT NULL,"
    " target TEXT,"
    " salt TEXT NOT NULL,"
    " hash TEXT NOT NULL,"
    " sent_at BIGINT NOT NULL,"
    " expires_at BIGINT NOT NULL,"
    " used_at BIGINT NOT NULL DEFAULT 0,"
    " attempts BIGINT NOT NULL DEFAULT 0);"
    "CREATE INDEX account_codes_user ON account_codes"
    " (user_id, purpose, sent_at);"
    "CREATE TABLE sessions ("
    " id_hash TEXT PRIMARY KEY,"
    " user_id TEXT NOT NULL REFERENCES users (id),"
    " state TEXT NOT NULL,"
    " csrf TEXT NOT NULL,"
    " ip TEXT,"
    " created_at BIGINT NOT NULL,"
    " last_seen BIGINT NOT NULL,"
    " flags BIGINT NOT NULL DEFAULT 0);"
    "CREATE INDEX sessions_user ON sessions (user_id);"
    "CREATE TABLE consents ("
    " user_id TEXT NOT NULL REFERENCES users (id),"
    " kind TEXT NOT NULL,"
    " version TEXT NOT NULL,"
    " accepted_at BIGINT NOT NULL,"
    " ip TEXT);"
    "CREATE INDEX consents_user ON consents (user_id);"
    "CREATE TABLE rate_limits ("
    " key TEXT NOT NULL,"
    " window_start BIGINT NOT NULL,"
    " count BIGINT NOT NULL,"
    " PRIMARY KEY (key, window_start));";

#define M3_TOTP(BYTES)                                                         \
	"CREATE TABLE totp_secrets ("                                          \
	" user_id TEXT PRIMARY KEY REFERENCES users (id),"                     \
	" active " BYTES ","                                                   \
	" pending " BYTES ","                                                  \
	" pending_at BIGINT NOT NULL DEFAULT 0,"                               \
	" qr_served BIGINT NOT NULL DEFAULT 0,"                                \
	" last_step BIGINT NOT NULL DEFAULT 0,"                                \
	" failures BIGINT NOT NULL DEFAULT 0,"                                 \
	" locked_until BIGINT NOT NULL DEFAULT 0,"                             \
	" activated_at BIGINT NOT NULL DEFAULT 0);"

static const char m3_sqlite[] = M3_TOTP("BLOB");
static const char m3_pg[] = M3_TOTP("BYTEA");

/*
 * Migration 4: signing credentials and their transaction counters, and
 * the record of each signature and timestamp (issue 3, store_credential.c).
 */
#define M4_CREDENTIALS(ID)                                                     \
	"CREATE TABLE credentials ("                                           \
	" serial TEXT PRIMARY KEY,"                                            \
	" holder TEXT NOT NULL,"                                               \
	" user_id TEXT,"                                                       \
	" transactions_left BIGINT NOT NULL,"                                  \
	" created_at BIGINT NOT NULL,"                                         \
	" updated_at BIGINT NOT NULL);"                                        \
	"CREATE INDEX credentials_holder ON credentials (holder);"             \
	"CREATE TABLE signatures ("                                            \
	" id " ID ","                                                          \
	" credential TEXT NOT NULL REFERENCES credentials (serial),"           \
	" kind TEXT NOT NULL,"                                                 \
	" hash TEXT NOT NULL,"                                                 \
	" at BIGINT NOT NULL);"                                                \
	"CREATE INDEX signatures_credential ON signatures (credential, at);"

static const char m4_sqlite[] =
    M4_CREDENTIALS("INTEGER PRIMARY KEY AUTOINCREMENT");
static const char m4_pg[] =
    M4_CREDENTIALS("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");

/* The shop (issue 5): catalog, promo codes, FX rates, orders, payments,
 * invoices; users get a role (user, operator, admin). */
static const char m5_common[] =
    "ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'user';"
    "CREATE TABLE shop_packages ("
    " code TEXT PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " years BIGINT NOT NULL,"
    " transactions BIGINT NOT NULL,"
    " net_cents BIGINT NOT NULL,"
    " description TEXT NOT NULL,"
    " active BIGINT NOT NULL DEFAULT 1,"
    " sort BIGINT NOT NULL DEFAULT 0);"
    "INSERT INTO shop_packages (code, name, years, transactions, net_cents,"
    " description, active, sort) VALUES"
    " ('pecete1', 'Pecete 1', 1, 200, 3900, 'Qualified certificate for "
    "remote signing valid 1 year; 200 signing transactions; video "
    "identification; qualified timestamps included.', 1, 1),"
    " ('pecete2', 'Pecete 2', 2, 400, 5900, 'Qualified certificate for "
    "remote signing valid 2 years; 400 signing transactions; video "
    "identification; qualified timestamps included.', 1, 2),"
    " ('pecete3', 'Pecete 3', 3, 600, 7900, 'Qualified certificate for "
    "remote signing valid 3 years; 600 signing transactions; video "
    "identification; qualified timestamps included.', 1, 3);"
    "CREATE TABLE shop_promos ("
    " code TEXT PRIMARY KEY,"
    " kind TEXT NOT NULL,"
    " value BIGINT NOT NULL,"
    " valid_from BIGINT NOT NULL,"
    " valid_to BIGINT NOT NULL,"
    " max_uses BIGINT NOT NULL,"
    " used BIGINT NOT NULL DEFAULT 0,"
    " packages TEXT NOT NULL,"
    " active BIGINT NOT NULL DEFAULT 1,"
    " created_at BIGINT NOT NULL);"
    "CREATE TABLE fx_rates ("
    " day TEXT PRIMARY KEY,"
    " eur_e4 BIGINT NOT NULL,"
    " fetched_at BIGINT NOT NULL);"
    "CREATE TABLE shop_orders ("
    " id TEXT PRIMARY KEY,"
    " number TEXT NOT NULL UNIQUE,"
    " user_id TEXT NOT NULL REFERENCES users (id),"
    " state TEXT NOT NULL,"
    " package TEXT NOT NULL,"
    " promo TEXT,"
    " list_cents BIGINT NOT NULL,"
    " discount_cents BIGINT NOT NULL,"
    " net_cents BIGINT NOT NULL,"
    " vat_bp BIGINT NOT NULL,"
    " vat_cents BIGINT NOT NULL,"
    " total_cents BIGINT NOT NULL,"
    " rate_e4 BIGINT NOT NULL,"
    " rate_day TEXT NOT NULL,"
    " rate_fallback BIGINT NOT NULL,"
    " total_bani BIGINT NOT NULL,"
    " invoice_data TEXT NOT NULL,"
    " accepted_at BIGINT NOT NULL,"
    " marketing BIGINT NOT NULL,"
    " provider TEXT,"
    " provider_ref TEXT,"
    " created_at BIGINT NOT NULL,"
    " updated_at BIGINT NOT NULL,"
    " paid_at BIGINT);"
    "CREATE INDEX shop_orders_user ON shop_orders (user_id, created_at);"
    "CREATE INDEX shop_orders_state ON shop_orders (state, created_at);"
    "CREATE TABLE shop_payments ("
    " provider TEXT NOT NULL,"
    " ref TEXT NOT NULL,"
    " status TEXT NOT NULL,"
    " order_id TEXT NOT NULL REFERENCES shop_orders (id),"
    " amount_bani BIGINT NOT NULL,"
    " currency TEXT NOT NULL,"
    " at BIGINT NOT NULL,"
    " PRIMARY KEY (provider, ref, status));"
    "CREATE TABLE shop_invoices ("
    " order_id TEXT PRIMARY KEY REFERENCES shop_orders (id),"
    " series TEXT NOT NULL,"
    " year BIGINT NOT NULL,"
    " number BIGINT NOT NULL,"
    " issued_at BIGINT NOT NULL,"
    " UNIQUE (series, year, number));";

/*
 * Migration 6: e-mail attachments of outbox messages (notify.h,
 * notify_enqueue_with_attachments). Deleted once the message is sent.
 */
#define M6_OUTBOX_ATT(BYTES)                                                   \
	"CREATE TABLE outbox_attachments ("                                    \
	" outbox_id BIGINT NOT NULL REFERENCES outbox (id) ON DELETE CASCADE," \
	" n BIGINT NOT NULL,"                                                  \
	" filename TEXT NOT NULL,"                                             \
	" content_type TEXT NOT NULL,"                                         \
	" data " BYTES " NOT NULL,"                                            \
	" PRIMARY KEY (outbox_id, n));"

static const char m6_sqlite[] = M6_OUTBOX_ATT("BLOB");
static const char m6_pg[] = M6_OUTBOX_ATT("BYTEA");

/*
 * Migration 7: the consents a user has accepted now (users.consent_gdpr,
 * users.consent_app, back-filled with the latest version of each kind in
 * consents) and the withdrawal of a consent (consents.withdrawn_at, NULL
 * or 0 while it stands).
 */
static const char m7_common[] =
    "ALTER TABLE users ADD COLUMN consent_gdpr TEXT;"
    "ALTER TABLE users ADD COLUMN consent_app TEXT;"
    "ALTER TABLE consents ADD COLUMN withdrawn_at BIGINT;"
    "UPDATE users SET consent_gdpr = (SELECT c.version FROM consents c"
    " WHERE c.user_id = users.id AND c.kind = 'gdpr_notice'"
    " ORDER BY c.accepted_at DESC, c.version DESC LIMIT 1),"
    " consent_app = (SELECT c.version FROM consents c"
    " WHERE c.user_id = users.id AND c.kind = 'app_access'"
    " ORDER BY c.accepted_at DESC, c.version DESC LIMIT 1);"
    "CREATE INDEX consents_user_kind ON consents"
    " (user_id, kind, accepted_at);";

/* Payment attempts: the order of the rows of one order (the same second
 * may hold a refusal and the next attempt's start). */
static const char m8_common[] =
    "ALTER TABLE shop_payments ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;"
    "CREATE INDEX shop_payments_order ON shop_payments (order_id, at, seq);";

/* Scheduled jobs: one row per cluster job, taken by a node with a lease
 * (store_jobs.c, src/jobs). */
static const char m9_common[] =
    "CREATE TABLE jobs ("
    " name TEXT PRIMARY KEY,"
    " next_run BIGINT NOT NULL,"
    " lease_owner TEXT,"
    " lease_until BIGINT NOT NULL DEFAULT 0,"
    " last_start BIGINT NOT NULL DEFAULT 0,"
    " last_end BIGINT NOT NULL DEFAULT 0,"
    " last_result TEXT,"
    " runs BIGINT NOT NULL DEFAULT 0,"
    " failures BIGINT NOT NULL DEFAULT 0);"
    "CREATE INDEX jobs_next_run ON jobs (next_run);";

/*
 * Migration 10: identity verification (J7): cases (one recording attempt
 * of a paid order, its steps, the operator's decision, the evidence
 * manifest and its time-stamp) and their files (encrypted in the vault;
 * the rows hold the wrapped file key and the writing state).
 */
#define M10_IDV(BYTES)                                                         \
	"CREATE TABLE idv_cases ("                                             \
	" id TEXT PRIMARY KEY,"                                                \
	" user_id TEXT NOT NULL REFERENCES users (id),"                        \
	" order_id TEXT NOT NULL REFERENCES shop_orders (id),"                 \
	" attempt BIGINT NOT NULL,"                                            \
	" state TEXT NOT NULL,"                                                \
	" doc_type TEXT NOT NULL,"                                             \
	" email TEXT NOT NULL,"                                                \
	" phone TEXT NOT NULL,"                                                \
	" phone_changed BIGINT NOT NULL DEFAULT 0,"                            \
	" challenges TEXT NOT NULL,"                                           \
	" steps TEXT NOT NULL,"                                                \
	" sms_verified_at BIGINT NOT NULL DEFAULT 0,"                          \
	" sms_failures BIGINT NOT NULL DEFAULT 0,"                             \
	" client TEXT,"                                                        \
	" ip TEXT NOT NULL DEFAULT '',"                                        \
	" user_agent TEXT,"                                                    \
	" created_at BIGINT NOT NULL,"                                         \
	" submitted_at BIGINT NOT NULL DEFAULT 0,"                             \
	" deadline_at BIGINT NOT NULL DEFAULT 0,"                              \
	" claimed_by TEXT,"                                                    \
	" claim_until BIGINT NOT NULL DEFAULT 0,"                              \
	" decided_by TEXT,"                                                    \
	" decided_at BIGINT NOT NULL DEFAULT 0,"                               \
	" reason TEXT,"                                                        \
	" reason_text TEXT,"                                                   \
	" checklist TEXT,"                                                     \
	" identity TEXT,"                                                      \
	" manifest TEXT,"                                                      \
	" manifest_sha256 TEXT,"                                               \
	" manifest_tst " BYTES ","                                             \
	" retain_until BIGINT NOT NULL DEFAULT 0,"                             \
	" purged_at BIGINT NOT NULL DEFAULT 0,"                                \
	" updated_at BIGINT NOT NULL,"                                         \
	" UNIQUE (order_id, attempt));"                                        \
	"CREATE INDEX idv_cases_queue ON idv_cases (state, submitted_at);"     \
	"CREATE INDEX idv_cases_user ON idv_cases (user_id, created_at);"      \
	"CREATE INDEX idv_cases_retain ON idv_cases (retain_until);"           \
	"CREATE TABLE idv_files ("                                             \
	" case_id TEXT NOT NULL REFERENCES idv_cases (id),"                    \
	" kind TEXT NOT NULL,"                                                 \
	" ctype TEXT NOT NULL,"                                                \
	" key_hex TEXT NOT NULL,"                                              \
	" state_hex TEXT NOT NULL,"                                            \
	" enc_len BIGINT NOT NULL,"                                            \
	" plain_len BIGINT NOT NULL,"                                          \
	" final BIGINT NOT NULL,"                                              \
	" busy_until BIGINT NOT NULL DEFAULT 0,"                               \
	" sha256 TEXT,"                                                        \
	" created_at BIGINT NOT NULL,"                                         \
	" updated_at BIGINT NOT NULL,"                                         \
	" PRIMARY KEY (case_id, kind));"

static const char m10_sqlite[] = M10_IDV("BLOB");
static const char m10_pg[] = M10_IDV("BYTEA");

/*
 * Migration 11: issuance and documents (J8, J9). The person's answer to
 * "associate the phone given at identification?" on the case; documents
 * of an account stored in the vault (the issuance terms signed with the
 * new key; uploads and signed outputs of web signing), each with its
 * wrapped key and a time after which it is deleted (0: kept).
 */
static const char m11_common[] =
    "ALTER TABLE idv_cases ADD COLUMN phone_decision TEXT;"
    "CREATE TABLE documents ("
    " id TEXT PRIMARY KEY,"
    " user_id TEXT NOT NULL REFERENCES users(id),"
    " kind TEXT NOT NULL,"
    " batch_id TEXT,"
    " name TEXT NOT NULL,"
    " ctype TEXT NOT NULL,"
    " key_hex TEXT NOT NULL,"
    " size BIGINT NOT NULL,"
    " sha256 TEXT NOT NULL,"
    " credential TEXT,"
    " created_at BIGINT NOT NULL,"
    " delete_after BIGINT NOT NULL DEFAULT 0);"
    "CREATE INDEX documents_user ON documents (user_id, kind);"
    "CREATE INDEX documents_batch ON documents (batch_id);";

/*
 * Migration 12: signing in the browser (J9). A batch of an account's
 * files signed under one code; its items keep what the history shows
 * (names, hashes, format, the certificate) after the files themselves
 * (documents rows) are deleted.
 */
static const char m12_common[] =
    "CREATE TABLE sign_batches ("
    " id TEXT PRIMARY KEY,"
    " user_id TEXT NOT NULL REFERENCES users(id),"
    " state TEXT NOT NULL,"
    " credential TEXT NOT NULL,"
    " level TEXT NOT NULL,"
    " signatures BIGINT NOT NULL DEFAULT 0,"
    " timestamps BIGINT NOT NULL DEFAULT 0,"
    " created_at BIGINT NOT NULL,"
    " signed_at BIGINT NOT NULL DEFAULT 0,"
    " interrupted_at BIGINT NOT NULL DEFAULT 0,"
    " updated_at BIGINT NOT NULL);"
    "CREATE INDEX sign_batches_user ON sign_batches (user_id, created_at);"
    "CREATE INDEX sign_batches_state ON sign_batches (state, updated_at);"
    "CREATE TABLE sign_items ("
    " batch_id TEXT NOT NULL REFERENCES sign_batches(id),"
    " idx BIGINT NOT NULL,"
    " name TEXT NOT NULL,"
    " size BIGINT NOT NULL,"
    " in_sha256 TEXT NOT NULL,"
    " in_doc TEXT,"
    " tbs_hash TEXT,"
    " format TEXT NOT NULL,"
    " placement TEXT,"
    " intake TEXT,"
    " state TEXT NOT NULL,"
    " out_name TEXT,"
    " out_doc TEXT,"
    " out_sha256 TEXT,"
    " PRIMARY KEY (batch_id, idx));";

/* Migration 13: expiry reminders sent, once per certificate and lead. */
static const char m13_common[] = "CREATE TABLE cert_reminders ("
                                 " serial TEXT NOT NULL,"
                                 " days BIGINT NOT NULL,"
                                 " sent_at BIGINT NOT NULL,"
                                 " PRIMARY KEY (serial, days));";

/*
 * Migration 14: the public registry's search keys (J16), one row per
 * qualified signing certificate: the holder's full name in both orders
 * and the e-mail, normalised (registry.c). Filled from the certificates
 * themselves, so rows issued before the migration are indexed too.
 */
static const char m14_common[] =
    "CREATE TABLE cert_registry ("
    " serial TEXT PRIMARY KEY REFERENCES certs(serial),"
    " name_key TEXT NOT NULL,"
    " name_rev_key TEXT NOT NULL,"
    " email_key TEXT NOT NULL);"
    "CREATE INDEX cert_registry_name ON cert_registry (name_key);"
    "CREATE INDEX cert_registry_name_rev ON cert_registry (name_rev_key);"
    "CREATE INDEX cert_registry_email ON cert_registry (email_key);";

/*
 * Migration 15: key pairs generated in the HSM for an issuance not yet
 * recorded (a row before the keys are made, gone in the transaction that
 * records the certificates): what a signer killed in between left is
 * found and deleted (pki_sweep_pending).
 */
static const char m15_common[] = "CREATE TABLE pending_keys ("
                                 " label TEXT PRIMARY KEY,"
                                 " created_at BIGINT NOT NULL);";

/*
 * Migration 16: renewal (rekey) requests (J10): the paid order they use,
 * the certificate they renew, the identity document given (its photo in
 * the vault under files_dir/renewals, its wrapped key here), the
 * operator's decision and the certificate issued for them.
 */
static const char m16_common[] = "CREATE TABLE renewals ("
                                 " id TEXT PRIMARY KEY,"
                                 " user_id TEXT NOT NULL,"
                                 " order_id TEXT NOT NULL,"
                                 " old_serial TEXT NOT NULL,"
                                 " old_not_after BIGINT NOT NULL,"
                                 " state TEXT NOT NULL,"
                                 " doc_type TEXT NOT NULL,"
                                 " doc_series TEXT NOT NULL,"
                                 " doc_number TEXT NOT NULL,"
                                 " doc_issued TEXT NOT NULL,"
                                 " doc_expiry TEXT NOT NULL,"
                                 " doc_issuer TEXT NOT NULL,"
                                 " photo_type TEXT,"
                                 " photo_size BIGINT NOT NULL,"
                                 " photo_sha256 TEXT,"
                                 " photo_key TEXT,"
                                 " terms_version TEXT,"
                                 " reason TEXT,"
                                 " decided_by TEXT,"
                                 " new_serial TEXT,"
                                 " created_at BIGINT NOT NULL,"
                                 " submitted_at BIGINT NOT NULL,"
                                 " decided_at BIGINT NOT NULL);"
                                 "CREATE INDEX renewals_user ON renewals"
                                 " (user_id, created_at);"
                                 "CREATE INDEX renewals_state ON renewals"
                                 " (state, old_not_after);";

/*
 * Migration 17: access tokens of the CSC API (and of the OAuth2 server to
 * come), stored as the SHA-256 of the token: the user, the client (NULL
 * for auth/login), the scope ("service" or "credential"), for a
 * credential scope the credential, the expiry and the revocation.
 */
static const char m17_common[] = "CREATE TABLE api_tokens ("
                                 " hash TEXT PRIMARY KEY,"
                                 " user_id TEXT NOT NULL,"
                                 " client_id TEXT,"
                                 " scope TEXT NOT NULL,"
                                 " credential TEXT,"
                                 " created_at BIGINT NOT NULL,"
                                 " expires_at BIGINT NOT NULL,"
                                 " revoked_at BIGINT NOT NULL);"
                                 "CREATE INDEX api_tokens_user ON api_tokens"
                                 " (user_id, expires_at);"
                                 "CREATE INDEX api_tokens_expiry ON"
                                 " api_tokens (expires_at);";

/* Append only; never edit a released entry. */
/*
 * Migration 18: each audit row's seal, an ECDSA signature of its hash by
 * a key in the HSM (store_audit.c); rows written before it have none.
 */
static const char m18_common[] =
    "ALTER TABLE audit_log ADD COLUMN seal TEXT NOT NULL DEFAULT '';";

/*
 * Migration 19: the OAuth2 authorization server (issue 15): registered
 * clients (a confidential one's secret as its SHA-256), authorization
 * requests from PAR or authorize to the code's exchange (handles and the
 * code as SHA-256; the SAD minted at the consent kept only XORed with a
 * pad derived from the access token the code yields), grants (what the
 * holder sees and revokes in the settings), rotating refresh tokens
 * (SHA-256), and the grant and the SAD of an access token.
 */
static const char m19_common[] =
    "CREATE TABLE oauth_clients ("
    " id TEXT PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " type TEXT NOT NULL,"
    " secret_hash TEXT,"
    " redirect_uris TEXT NOT NULL,"
    " auth_mode TEXT NOT NULL,"
    " created_at BIGINT NOT NULL);"
    "CREATE TABLE oauth_requests ("
    " id TEXT PRIMARY KEY,"
    " par_hash TEXT UNIQUE,"
    " consent_hash TEXT UNIQUE,"
    " code_hash TEXT UNIQUE,"
    " client_id TEXT NOT NULL,"
    " redirect_uri TEXT NOT NULL,"
    " scope TEXT NOT NULL,"
    " state TEXT,"
    " challenge TEXT NOT NULL,"
    " credential TEXT,"
    " details TEXT,"
    " num BIGINT NOT NULL,"
    " user_id TEXT,"
    " sad_enc TEXT,"
    " grant_id TEXT,"
    " status TEXT NOT NULL,"
    " created_at BIGINT NOT NULL,"
    " expires_at BIGINT NOT NULL);"
    "CREATE INDEX oauth_requests_expiry ON oauth_requests (expires_at);"
    "CREATE TABLE oauth_grants ("
    " id TEXT PRIMARY KEY,"
    " user_id TEXT NOT NULL,"
    " client_id TEXT NOT NULL,"
    " scope TEXT NOT NULL,"
    " credential TEXT,"
    " created_at BIGINT NOT NULL,"
    " last_used BIGINT NOT NULL,"
    " revoked_at BIGINT NOT NULL);"
    "CREATE INDEX oauth_grants_user ON oauth_grants (user_id, created_at);"
    "CREATE TABLE oauth_refresh ("
    " hash TEXT PRIMARY KEY,"
    " grant_id TEXT NOT NULL,"
    " created_at BIGINT NOT NULL,"
    " expires_at BIGINT NOT NULL,"
    " used_at BIGINT NOT NULL);"
    "CREATE INDEX oauth_refresh_grant ON oauth_refresh (grant_id);"
    "ALTER TABLE api_tokens ADD COLUMN grant_id TEXT;"
    "ALTER TABLE api_tokens ADD COLUMN sad_enc TEXT;"
    "ALTER TABLE api_tokens ADD COLUMN sad_bind TEXT;"
    "CREATE INDEX api_tokens_grant ON api_tokens (grant_id);";

/*
 * Migration 20: the operators' inbox (issue 18): contact messages and
 * rectification requests, their attachments (vault files), the answer.
 */
static const char m20_common[] =
    "CREATE TABLE inbox_messages ("
    " id TEXT PRIMARY KEY,"
    " kind TEXT NOT NULL,"
    " user_id TEXT,"
    " name TEXT NOT NULL,"
    " email TEXT NOT NULL,"
    " topic TEXT NOT NULL,"
    " body TEXT NOT NULL,"
    " lang TEXT NOT NULL,"
    " upload_hash TEXT,"
    " upload_until BIGINT NOT NULL,"
    " state TEXT NOT NULL,"
    " created_at BIGINT NOT NULL,"
    " closed_at BIGINT NOT NULL,"
    " closed_by TEXT,"
    " answer TEXT);"
    "CREATE INDEX inbox_state ON inbox_messages (state, created_at);"
    "CREATE TABLE inbox_files ("
    " message_id TEXT NOT NULL REFERENCES inbox_messages (id),"
    " n BIGINT NOT NULL,"
    " name TEXT NOT NULL,"
    " ctype TEXT NOT NULL,"
    " size BIGINT NOT NULL,"
    " sha256 TEXT NOT NULL,"
    " key_hex TEXT NOT NULL,"
    " PRIMARY KEY (message_id, n));";

/* Appearance profiles of the visible signature (OUG 140/2020). */
#define M21_APPROF(BYTES)                                                      \
	"CREATE TABLE appearance_profiles ("                                   \
	" id TEXT PRIMARY KEY,"                                                \
	" user_id TEXT NOT NULL REFERENCES users (id),"                        \
	" name TEXT NOT NULL,"                                                 \
	" lines TEXT NOT NULL,"                                                \
	" image " BYTES ","                                                    \
	" created_at BIGINT NOT NULL);"                                        \
	"CREATE INDEX appearance_profiles_user"                                \
	" ON appearance_profiles (user_id, created_at);"
static const char m21_sqlite[] = M21_APPROF("BLOB");
static const char m21_pg[] = M21_APPROF("BYTEA");

/* The level each file was delivered at (NULL: the batch's). */
static const char m22_common[] =
    "ALTER TABLE sign_items ADD COLUMN level TEXT;";

/* A signature record given back (a batch a dead node left signing):
 * each record at most once (signer_recover.c). */
static const char m23_common[] =
    "ALTER TABLE signatures ADD COLUMN refunded_at BIGINT NOT NULL DEFAULT 0;";

/* When a credential's keys were destroyed (signer_retire.c); 0: not. */
static const char m24_common[] =
    "ALTER TABLE credentials ADD COLUMN"
    " keys_destroyed_at BIGINT NOT NULL DEFAULT 0;";

const struct migration store_migrations[] = {
	{ 1, "initial", m1_common, m1_sqlite, m1_pg },
	{ 2, "notify outbox", NULL, m2_sqlite, m2_pg },
	{ 3, "accounts", m3_common, m3_sqlite, m3_pg },
	{ 4, "signing credentials", NULL, m4_sqlite, m4_pg },
	{ 5, "shop", m5_common, NULL, NULL },
	{ 6, "notify attachments", NULL, m6_sqlite, m6_pg },
	{ 7, "consent state and withdrawal", m7_common, NULL, NULL },
	{ 8, "payment attempts", m8_common, NULL, NULL },
	{ 9, "job leases", m9_common, NULL, NULL },
	{ 10, "identity verification", NULL, m10_sqlite, m10_pg },
	{ 11, "issuance and documents", m11_common, NULL, NULL },
	{ 12, "signing in the browser", m12_common, NULL, NULL },
	{ 13, "expiry reminders", m13_common, NULL, NULL },
	{ 14, "public registry", m14_common, NULL, NULL },
	{ 15, "pending key pairs", m15_common, NULL, NULL },
	{ 16, "renewal requests", m16_common, NULL, NULL },
	{ 17, "API access tokens", m17_common, NULL, NULL },
	{ 18, "audit seals", m18_common, NULL, NULL },
	{ 19, "OAuth2 authorization server", m19_common, NULL, NULL },
	{ 20, "operators' inbox", m20_common, NULL, NULL },
	{ 21, "appearance profiles", NULL, m21_sqlite, m21_pg },
	{ 22, "per-file signature level", m22_common, NULL, NULL },
	{ 23, "signature refunds", m23_common, NULL, NULL },
	{ 24, "key destruction", m24_common, NULL, NULL },
};
const size_t store_nmigrations = PC_ARRAY_LEN(store_migrations);
