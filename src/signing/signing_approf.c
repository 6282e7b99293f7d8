/*
 * signing_approf.c: appearance profiles; see signing_approf.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/rnd.h"
#include "base/text.h"
#include "signing/signing_approf.h"

/*
 * The characters of s: valid UTF-8 (text_chars: no overlong forms,
 * surrogates or code points past U+10FFFF) without a control character
 * (C0, DEL, C1); -1 otherwise.
 */
static long
line_chars(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f ||
		    (p[0] == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0))
			return -1;
	return text_chars(s);
}

enum pc_rc
approf_create(const struct pc_env *e, const char *user_id, const char *name,
    const char *const *lines, int nlines, char id[STORE_ID_LEN + 1],
    struct pc_err *err)
{
	struct store_approf p;
	struct sign_err serr = { 0 };
	struct db *db = NULL;
	json_t *arr = NULL;
	long c;
	int i;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(
	    e != NULL && user_id != NULL && id != NULL, PC_EINTERNAL);
	memset(&p, 0, sizeof(p));
	id[0] = '\0';
	c = name != NULL ? line_chars(name) : -1;
	if (c < 1 || c > APPROF_NAME_MAX || strlen(name) >= sizeof(p.name))
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "name");
	if (nlines < 0 || nlines > SIGN_APPROF_LINES ||
	    (nlines > 0 && lines == NULL))
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "lines");
	arr = json_array();
	if (arr == NULL)
		return PC_ENOMEM;
	for (i = 0; i < nlines; i++) {
		c = lines[i] != NULL ? line_chars(lines[i]) : -1;
		if (c < 1 || c > SIGN_APPROF_CHARS) {
			json_decref(arr);
			return pc_fail(
			    err, PC_EINVAL, PCE_FIELD_INVALID, "lines");
		}
		if (json_array_append_new(arr, json_string(lines[i])) != 0) {
			json_decref(arr);
			return PC_ENOMEM;
		}
	}
	/* Characters no font of the appearance has: refused now, not when
	 * signing. */
	if (sign_text_check(lines, nlines, &serr) != PC_OK) {
		json_decref(arr);
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "lines");
	}
	p.lines = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	if (p.lines == NULL)
		return PC_ENOMEM;
	snprintf(p.name, sizeof(p.name), "%s", name);
	snprintf(p.user_id, sizeof(p.user_id), "%s", user_id);
	p.created_at = clock_now();
	rc = rnd_hex(16, p.id);
	if (rc == PC_OK)
		rc = store_write_begin(e->store, &db);
	if (rc == PC_OK)
		rc = store_approf_insert(db, &p, APPROF_MAX);
	if (rc == PC_ELIMIT)
		rc = pc_fail(err, PC_ELIMIT, PCE_APPEARANCE_LIMIT, NULL);
	rc = store_write_end(e->store, db, rc);
	if (rc == PC_OK)
		memcpy(id, p.id, sizeof(p.id));
	free(p.lines);
	return rc;
}

enum pc_rc
approf_image_set(const struct pc_env *e, const char *user_id, const char *id,
    const uint8_t *p, size_t n, struct pc_err *err)
{
	struct sign_err serr = { 0 };
	struct db *db = NULL;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(
	    e != NULL && user_id != NULL && id != NULL, PC_EINTERNAL);
	if (p == NULL || sign_image_check(p, n, &serr) != PC_OK)
		return pc_fail(err, PC_EINVAL, PCE_BAD_IMAGE, "image");
	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK)
		rc = store_approf_image_set(db, user_id, id, p, n);
	if (rc == PC_ENOTFOUND)
		rc = pc_fail(err, PC_ENOTFOUND, PCE_NOT_FOUND, "id");
	return store_write_end(e->store, db, rc);
}

enum pc_rc
approf_delete(const struct pc_env *e, const char *user_id, const char *id,
    struct pc_err *err)
{
	struct db *db = NULL;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(
	    e != NULL && user_id != NULL && id != NULL, PC_EINTERNAL);
	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK)
		rc = store_approf_delete(db, user_id, id);
	if (rc == PC_ENOTFOUND)
		rc = pc_fail(err, PC_ENOTFOUND, PCE_NOT_FOUND, "id");
	return store_write_end(e->store, db, rc);
}

enum pc_rc
approf_each(const struct pc_env *e, const char *user_id,
    enum pc_rc (*fn)(void *arg, const struct store_approf *p), void *arg)
{
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(e != NULL && user_id != NULL, PC_EINTERNAL);
	STORE_ONE(rc, e->store, store_approf_each(db, user_id, fn, arg));
	return rc;
}

enum pc_rc
approf_load(struct db *db, const char *user_id, const char *id,
    struct sign_approf *ap, struct buf *img, struct pc_err *err)
{
	struct store_approf p;
	json_t *arr = NULL;
	size_t i;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(db != NULL && user_id != NULL && id != NULL &&
	                       ap != NULL && img != NULL,
	    PC_EINTERNAL);
	memset(ap, 0, sizeof(*ap));
	memset(&p, 0, sizeof(p));
	rc = store_approf_get(db, user_id, id, &p);
	if (rc == PC_ENOTFOUND)
		rc = pc_fail(
		    err, PC_ENOTFOUND, PCE_APPEARANCE_GONE, "appearance");
	if (rc != PC_OK)
		goto out;
	arr = json_loads(p.lines, 0, NULL);
	for (i = 0; i < json_array_size(arr) && i < SIGN_APPROF_LINES; i++)
		snprintf(ap->lines[ap->nlines++], SIGN_APPROF_LINE_BYTES, "%s",
		    json_string_value(json_array_get(arr, i)) != NULL
		        ? json_string_value(json_array_get(arr, i))
		        : "");
	if (p.image != NULL && p.image_len > 0) {
		buf_append(img, p.image, p.image_len);
		if (!buf_ok(img)) {
			rc = PC_ENOMEM;
			goto out;
		}
		ap->image = img->data;
		ap->image_len = img->len;
	}
out:
	json_decref(arr);
	store_approf_cleanup(&p);
	return rc;
}
