/*
 * pq_lazy.h: libpq, loaded on first use (see base/lazylib.h). Include this
 * instead of <libpq-fe.h>; call pq_lazy_load() before the first PQ call.
 */
#ifndef PC_PQ_LAZY_H
#define PC_PQ_LAZY_H

#include <libpq-fe.h>

#include "base/pc.h"

#define PQ_LAZY_FUNCS(X)                                                       \
	X(PQclear)                                                             \
	X(PQcmdStatus)                                                         \
	X(PQcmdTuples)                                                         \
	X(PQconnectdb)                                                         \
	X(PQconsumeInput)                                                      \
	X(PQerrorMessage)                                                      \
	X(PQexec)                                                              \
	X(PQexecParams)                                                        \
	X(PQexecPrepared)                                                      \
	X(PQfinish)                                                            \
	X(PQfreemem)                                                           \
	X(PQgetResult)                                                         \
	X(PQgetisnull)                                                         \
	X(PQgetvalue)                                                          \
	X(PQnfields)                                                           \
	X(PQntuples)                                                           \
	X(PQprepare)                                                           \
	X(PQreset)                                                             \
	X(PQresultErrorField)                                                  \
	X(PQresultStatus)                                                      \
	X(PQsendQuery)                                                         \
	X(PQsetNoticeProcessor)                                                \
	X(PQstatus)                                                            \
	X(PQtransactionStatus)                                                 \
	X(PQunescapeBytea)

struct pq_fns {
#define PQ_LAZY_FIELD(f) __typeof__(&f) f;
	PQ_LAZY_FUNCS(PQ_LAZY_FIELD)
#undef PQ_LAZY_FIELD
};

extern struct pq_fns pq_fns;

/* Load libpq; PC_EUNAVAIL (logged) when it is not installed. */
enum pc_rc pq_lazy_load(void);

#ifndef PQ_LAZY_IMPL
#define PQclear pq_fns.PQclear
#define PQcmdStatus pq_fns.PQcmdStatus
#define PQcmdTuples pq_fns.PQcmdTuples
#define PQconnectdb pq_fns.PQconnectdb
#define PQconsumeInput pq_fns.PQconsumeInput
#define PQerrorMessage pq_fns.PQerrorMessage
#define PQexec pq_fns.PQexec
#define PQexecParams pq_fns.PQexecParams
#define PQexecPrepared pq_fns.PQexecPrepared
#define PQfinish pq_fns.PQfinish
#define PQfreemem pq_fns.PQfreemem
#define PQgetResult pq_fns.PQgetResult
#define PQgetisnull pq_fns.PQgetisnull
#define PQgetvalue pq_fns.PQgetvalue
#define PQnfields pq_fns.PQnfields
#define PQntuples pq_fns.PQntuples
#define PQprepare pq_fns.PQprepare
#define PQreset pq_fns.PQreset
#define PQresultErrorField pq_fns.PQresultErrorField
#define PQresultStatus pq_fns.PQresultStatus
#define PQsendQuery pq_fns.PQsendQuery
#define PQsetNoticeProcessor pq_fns.PQsetNoticeProcessor
#define PQstatus pq_fns.PQstatus
#define PQtransactionStatus pq_fns.PQtransactionStatus
#define PQunescapeBytea pq_fns.PQunescapeBytea
#endif

#endif /* PC_PQ_LAZY_H */
