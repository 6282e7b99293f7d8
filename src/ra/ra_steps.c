/*
 * ra_steps.c: the steps of a recording and its random challenges.
 *
 * Fixed steps first (the document, the SMS code, a smile and back), then
 * one or two challenges chosen when the case starts: turn the head to a
 * side, read aloud a 4-digit number. The choice is stored with the case;
 * the side and the number are shown only when their step starts (the
 * server records that time), so they cannot be known while a fake
 * recording is prepared.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/rnd.h"
#include "ra/ra.h"

bool
ra_doc_known(const char *doc_type)
{
	return doc_type != NULL && (strcmp(doc_type, RA_DOC_RO_ID) == 0 ||
	                               strcmp(doc_type, RA_DOC_PASSPORT) == 0 ||
	                               strcmp(doc_type, RA_DOC_EU_ID) == 0);
}

bool
ra_doc_has_back(const char *doc_type)
{
	return doc_type != NULL && (strcmp(doc_type, RA_DOC_RO_ID) == 0 ||
	                               strcmp(doc_type, RA_DOC_EU_ID) == 0);
}

enum pc_rc
ra_challenges_new(char **out)
{
	uint8_t r[4];
	json_t *a = NULL, *head, *num;
	char digits[5];
	enum pc_rc rc;

	*out = NULL;
	rc = rnd_bytes(r, sizeof(r));
	if (rc != PC_OK)
		return rc;
	snprintf(digits, sizeof(digits), "%04u",
	    (unsigned)((r[2] << 8 | r[3]) % 10000));
	head = json_pack("{s:s,s:s}", "kind", "head", "direction",
	    r[1] & 1 ? "left" : "right");
	num = json_pack("{s:s,s:s}", "kind", "number", "value", digits);
	a = json_array();
	if (head == NULL || num == NULL || a == NULL) {
		json_decref(head);
		json_decref(num);
		json_decref(a);
		return PC_ENOMEM;
	}
	/* One or two, in a random order. */
	switch (r[0] % 4) {
	case 0:
		json_array_append_new(a, head);
		json_decref(num);
		break;
	case 1:
		json_array_append_new(a, num);
		json_decref(head);
		break;
	case 2:
		json_array_append_new(a, head);
		json_array_append_new(a, num);
		break;
	default:
		json_array_append_new(a, num);
		json_array_append_new(a, head);
	}
	*out = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return *out != NULL ? PC_OK : PC_ENOMEM;
}

enum pc_rc
ra_plan(const char *doc_type, const char *challenges, struct ra_plan *out)
{
	json_t *a, *c;
	const char *kind;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!ra_doc_known(doc_type))
		return PC_EINVAL;
	out->step[out->n++] = "doc_front";
	out->step[out->n++] = "doc_tilt";
	if (ra_doc_has_back(doc_type))
		out->step[out->n++] = "doc_back";
	out->step[out->n++] = "sms_code";
	out->step[out->n++] = "smile";
	out->step[out->n++] = "neutral";
	a = json_loads(challenges != NULL ? challenges : "[]", 0, NULL);
	if (!json_is_array(a)) {
		json_decref(a);
		return PC_EINVAL;
	}
	json_array_foreach(a, i, c)
	{
		kind = json_string_value(json_object_get(c, "kind"));
		if (kind == NULL || out->n >= RA_STEPS_MAX)
			break;
		out->step[out->n++] =
		    strcmp(kind, "head") == 0 ? "head_turn" : "read_number";
	}
	json_decref(a);
	return PC_OK;
}
