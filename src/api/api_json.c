/*
 * api_json.c: JSON in and out for the handlers: the schema check the gate
 * runs on every JSON body, the accessors of the checked body, the reply.
 *
 * jansson's memory goes through an allocator that wipes each block when
 * it is freed: passwords, one-time codes and the authenticator secret
 * cross the web process inside jansson strings, and must not linger in
 * its heap (api_init).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "base/secret.h"

void
api_init(void)
{
	json_set_alloc_funcs(malloc, secret_wipe_free);
}

static bool
utf8_ok(const char *s, size_t n)
{
	size_t i = 0, k, len;
	unsigned c;

	while (i < n) {
		c = (unsigned char)s[i];
		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		len = c >= 0xf0 && c < 0xf5   ? 4
		      : c >= 0xe0 && c < 0xf0 ? 3
		      : c >= 0xc2 && c < 0xe0 ? 2
		                              : 0;
		if (len == 0 || i + len > n)
			return false;
		for (k = 1; k < len; k++)
			if (((unsigned char)s[i + k] & 0xc0) != 0x80)
				return false;
		i += len;
	}
	return true;
}

static const struct api_field *
field_find(const struct api_schema *s, const char *key)
{
	size_t i;

	for (i = 0; i < s->nfields; i++)
		if (strcmp(s->fields[i].name, key) == 0)
			return &s->fields[i];
	return NULL;
}

enum pc_rc
api_schema_check(const struct api_schema *s, json_t *o, const char **field)
{
	const struct api_field *f;
	const char *key;
	json_t *v;
	size_t i, k, n;
	json_int_t iv;

	*field = NULL;
	if (!json_is_object(o))
		return PC_EINVAL;
	json_object_foreach(o, key, v)
	{
		f = field_find(s, key);
		if (f == NULL) {
			*field = key;
			return PC_EINVAL;
		}
		if (json_is_null(v) && (f->flags & API_F_NULL) != 0)
			continue;
		switch (f->type) {
		case API_F_STR:
			if (!json_is_string(v))
				goto bad;
			n = json_string_length(v);
			if ((int64_t)n < f->min || (int64_t)n > f->max ||
			    !utf8_ok(json_string_value(v), n))
				goto bad;
			break;
		case API_F_BOOL:
			if (!json_is_boolean(v))
				goto bad;
			break;
		case API_F_INT:
			if (!json_is_integer(v))
				goto bad;
			iv = json_integer_value(v);
			if (iv < f->min || iv > f->max)
				goto bad;
			break;
		case API_F_OBJ:
			if (!json_is_object(v) || f->sub == NULL)
				goto bad;
			if (api_schema_check(f->sub, v, field) != PC_OK)
				return PC_EINVAL;
			break;
		case API_F_ARR:
			if (!json_is_array(v))
				goto bad;
			n = json_array_size(v);
			if ((int64_t)n < f->min || (int64_t)n > f->max)
				goto bad;
			for (k = 0; k < n; k++) {
				json_t *el = json_array_get(v, k);

				if (f->sub != NULL) {
					if (!json_is_object(el))
						goto bad;
					if (api_schema_check(
					        f->sub, el, field) != PC_OK)
						return PC_EINVAL;
				} else if (!json_is_string(el) ||
				           json_string_length(el) >
				               API_ARR_STR_MAX ||
				           !utf8_ok(json_string_value(el),
				               json_string_length(el))) {
					goto bad;
				}
			}
			break;
		default:
			goto bad;
		}
	}
	for (i = 0; i < s->nfields; i++) {
		if ((s->fields[i].flags & API_F_REQ) != 0 &&
		    json_object_get(o, s->fields[i].name) == NULL) {
			*field = s->fields[i].name;
			return PC_EINVAL;
		}
	}
	return PC_OK;
bad:
	*field = key;
	return PC_EINVAL;
}

const char *
api_json_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

json_t *
api_json_text(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

const char *
api_str(struct req *r, const char *key)
{
	return api_json_str(r->json, key);
}

bool
api_bool(struct req *r, const char *key)
{
	return json_is_true(json_object_get(r->json, key));
}

json_t *
api_obj(struct req *r, const char *key)
{
	json_t *v = json_object_get(r->json, key);

	return json_is_object(v) ? v : NULL;
}

json_t *
api_arr(struct req *r, const char *key)
{
	json_t *v = json_object_get(r->json, key);

	return json_is_array(v) ? v : NULL;
}

const char *
api_param(struct req *r, size_t i)
{
	return i < r->nparams && r->params[i] != NULL ? r->params[i] : "";
}

enum pc_rc
api_append(json_t *a, json_t *v)
{
	return json_array_append_new(a, v) == 0 ? PC_OK : PC_ENOMEM;
}

enum pc_rc
api_reply_list(struct resp *w, enum pc_rc rc, const char *key, json_t *a)
{
	if (rc != PC_OK) {
		json_decref(a);
		return rc;
	}
	return api_reply(w, 200, json_pack("{s:o}", key, a));
}

const char *
api_query(struct req *r, const char *key)
{
	const char *v = http_req_query(r, key);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

enum pc_rc
api_reply(struct resp *w, int status, json_t *o)
{
	char *s;

	s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (s == NULL)
		return PC_ENOMEM;
	http_resp_json(w, status, s);
	http_resp_header(w, "Cache-Control", "no-store");
	secret_wipe_free(s);
	return PC_OK;
}

void
api_attachment(struct req *r, struct resp *w, const char *name)
{
	const char *d;

	http_resp_header(w, "Cache-Control", "no-store");
	d = name != NULL
	        ? arena_printf(&r->arena, "attachment; filename=\"%s\"", name)
	        : NULL;
	if (d != NULL)
		http_resp_header(w, "Content-Disposition", d);
}

enum pc_rc
api_reply_file(struct req *r, struct resp *w, const char *ctype, const void *p,
    size_t n, const char *name)
{
	http_resp_bytes(w, 200, ctype, p, n);
	api_attachment(r, w, name);
	return PC_OK;
}

enum pc_rc
api_then(struct req *r, struct resp *w, enum pc_rc rc, http_handler next)
{
	return rc != PC_OK ? rc : next(r, w);
}

const char *
api_form(struct req *r, const char *name)
{
	const char *p = (const char *)r->body.data, *end = p + r->body.len;
	size_t n = strlen(name);

	while (p != NULL && p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *e = amp != NULL ? amp : end;

		if ((size_t)(e - p) > n && strncmp(p, name, n) == 0 &&
		    p[n] == '=') {
			char *out = arena_alloc(&r->arena, (size_t)(e - p));
			size_t i = 0;
			const char *q;

			if (out == NULL)
				return NULL;
			for (q = p + n + 1; q < e; q++) {
				if (*q == '+') {
					out[i++] = ' ';
				} else if (*q == '%' && e - q > 2 &&
				           isxdigit((unsigned char)q[1]) &&
				           isxdigit((unsigned char)q[2])) {
					char h[3] = { q[1], q[2], 0 };

					out[i++] = (char)strtol(h, NULL, 16);
					q += 2;
				} else {
					out[i++] = *q;
				}
			}
			out[i] = '\0';
			return out;
		}
		p = amp != NULL ? amp + 1 : NULL;
	}
	return NULL;
}
