/*
 * fuzz_p11_template.c: the PKCS#11 module's attribute templates
 * (src/vtoken/vt_mod_obj.c), what any program using the virtual token
 * hands it: C_FindObjectsInit and C_GetAttributeValue with templates of
 * any types, lengths, NULL or short buffers. The module's library
 * context holds one certificate's three objects, set here as vt_load
 * would (no agent). Checked: the calls return a PKCS#11 code, never
 * write past a buffer (ASan), every length reported fits what was given,
 * and a match found is a real match.
 *
 * Input: repeated records of type (4 bytes, little-endian), flags (1
 * byte: bit 0 NULL value, bit 1 for the find, bit 2 object 1..3 by
 * bits 3-4), length (1 byte), value (length bytes).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vtoken/vt_mod.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TPL_MAX 32

static uint8_t subject[] = { 0x30, 0x0f, 0x31, 0x0d, 0x30, 0x0b, 0x06, 0x03,
	0x55, 0x04, 0x03, 0x0c, 0x04, 'A', 'n', 'a', ' ' };
static uint8_t der[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
static uint8_t serial[] = { 0x02, 0x01, 0x2a };
static uint8_t spki[] = { 0x30, 0x02, 0x05, 0x00 };
static uint8_t ecparams[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03,
	0x01, 0x07 };
static uint8_t ecpoint[] = { 0x04, 0x03, 0x04, 0x01, 0x02 };

/* One signing certificate with its private and public key, one session. */
static void
setup(void)
{
	struct ent *e = &vt_lib.ents[0];
	size_t i;

	if (vt_lib.init)
		return;
	pthread_mutex_init(&vt_lib.mu, NULL);
	vt_lib.init = vt_lib.loaded = vt_lib.present = true;
	vt_lib.pid = getpid();
	snprintf(e->id, sizeof(e->id), "cred-1");
	snprintf(e->kind, sizeof(e->kind), "sign");
	snprintf(e->label, sizeof(e->label), "Ana (semnătură)");
	memset(e->ckid, 0x5a, sizeof(e->ckid));
	e->der = der;
	e->len = sizeof(der);
	e->subject = e->issuer = subject;
	e->subject_len = e->issuer_len = sizeof(subject);
	e->serial = serial;
	e->serial_len = sizeof(serial);
	e->spki = spki;
	e->spki_len = sizeof(spki);
	e->ecparams = ecparams;
	e->ecparams_len = sizeof(ecparams);
	e->ecpoint = ecpoint;
	e->ecpoint_len = sizeof(ecpoint);
	e->kt = CKK_EC;
	e->bits = 256;
	vt_lib.nents = 1;
	vt_lib.objs[0].cls = CKO_CERTIFICATE;
	vt_lib.objs[1].cls = CKO_PRIVATE_KEY;
	vt_lib.objs[2].cls = CKO_PUBLIC_KEY;
	for (i = 0; i < 3; i++)
		vt_lib.objs[i].ent = 0;
	vt_lib.nobjs = 3;
	vt_lib.sess[0].open = true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	CK_ATTRIBUTE find[TPL_MAX], get[TPL_MAX];
	CK_ULONG given[TPL_MAX], nfind = 0, nget = 0, count = 0, i;
	CK_OBJECT_HANDLE found[OBJS_MAX], obj = 1;
	uint8_t *bufs[2 * TPL_MAX]; /* one per record of either template */
	size_t pos = 0, nbufs = 0;
	CK_RV rv;

	setup();
	while (pos + 6 <= size && nfind < TPL_MAX && nget < TPL_MAX) {
		CK_ATTRIBUTE_TYPE t = (CK_ATTRIBUTE_TYPE)data[pos] |
		                      (CK_ATTRIBUTE_TYPE)data[pos + 1] << 8 |
		                      (CK_ATTRIBUTE_TYPE)data[pos + 2] << 16 |
		                      (CK_ATTRIBUTE_TYPE)data[pos + 3] << 24;
		uint8_t fl = data[pos + 4], len = data[pos + 5];
		uint8_t *v = NULL;

		pos += 6;
		if (len > size - pos)
			len = (uint8_t)(size - pos);
		if (!(fl & 1)) {
			/* Exactly len bytes: ASan sees any write past. */
			v = malloc(len > 0 ? len : 1);
			if (v == NULL)
				break;
			memcpy(v, data + pos, len);
			bufs[nbufs++] = v;
		}
		pos += len;
		if (fl & 4)
			obj = 1 + ((fl >> 3) & 3) % 3;
		if (fl & 2) {
			find[nfind].type = t;
			find[nfind].pValue = v;
			find[nfind++].ulValueLen = len;
		} else {
			get[nget].type = t;
			get[nget].pValue = v;
			given[nget] = len;
			get[nget++].ulValueLen = len;
		}
	}

	rv = C_FindObjectsInit(1, nfind > 0 ? find : NULL, nfind);
	if (rv == CKR_OK) {
		rv = C_FindObjects(1, found, OBJS_MAX, &count);
		if (rv != CKR_OK || count > 3)
			abort();
		/* A match found: each of its attributes equals the template's.
		 */
		for (i = 0; i < count; i++) {
			CK_ULONG j;

			for (j = 0; j < nfind; j++) {
				CK_ATTRIBUTE a = { find[j].type, NULL, 0 };
				uint8_t got[512];

				if (C_GetAttributeValue(1, found[i], &a, 1) !=
				        CKR_OK ||
				    a.ulValueLen != find[j].ulValueLen ||
				    a.ulValueLen > sizeof(got))
					abort();
				a.pValue = got;
				if (C_GetAttributeValue(1, found[i], &a, 1) !=
				        CKR_OK ||
				    (a.ulValueLen > 0 &&
				        memcmp(got, find[j].pValue,
				            a.ulValueLen) != 0))
					abort();
			}
		}
		if (C_FindObjectsFinal(1) != CKR_OK)
			abort();
	}
	rv = C_GetAttributeValue(1, obj, nget > 0 ? get : NULL, nget);
	if (rv != CKR_OK && rv != CKR_ATTRIBUTE_SENSITIVE &&
	    rv != CKR_ATTRIBUTE_TYPE_INVALID && rv != CKR_BUFFER_TOO_SMALL)
		abort();
	for (i = 0; i < nget; i++)
		if (get[i].ulValueLen != CK_UNAVAILABLE_INFORMATION &&
		    get[i].pValue != NULL && get[i].ulValueLen > given[i])
			abort();
	while (nbufs > 0)
		free(bufs[--nbufs]);
	return 0;
}
