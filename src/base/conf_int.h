/*
 * conf_int.h: what conf.c and conf_check.c share.
 */
#ifndef PC_CONF_INT_H
#define PC_CONF_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/conf.h"
#include "base/pc.h"

/* Settings that depend on each other, after parsing: PC_EINVAL + err. */
enum pc_rc conf_check_values(const struct conf *c, char *err, size_t errlen);
/* Development mode: fill in what production must name. */
enum pc_rc conf_dev_defaults(struct conf *c);

/* The default (NULL: none) and the offset in struct conf of [sec] key;
 * PC_ENOTFOUND when the table has no such setting. */
enum pc_rc conf_key_default(
    const char *sec, const char *key, const char **def, size_t *off);

/* Value checks of conf_set: a dotted OID (two arcs at least); host:port. */
bool conf_is_oid(const char *v);
bool conf_is_hostport(const char *v);

#endif /* PC_CONF_INT_H */
