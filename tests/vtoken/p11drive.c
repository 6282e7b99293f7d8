/*
 * p11drive.c: drives libpecete-pkcs11.so the way an application does,
 * through dlopen, for valgrind (tests/integration/vtoken.sh): load, list
 * the slot, the token and every object's attributes, sign once with
 * CKM_SHA256_RSA_PKCS (the signature written to OUT for openssl), a
 * fork() after C_Initialize (the child: CKR_CRYPTOKI_NOT_INITIALIZED until
 * its own C_Initialize), finalize, unload. Prints what it checks; exit 0
 * when every check held.
 *
 *   p11drive MODULE DATA-FILE OUT
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <p11-kit/pkcs11.h>

static int fails;

static void
expect(const char *what, CK_RV got, CK_RV want)
{
	if (got == want) {
		printf("ok - %s\n", what);
	} else {
		printf("FAIL - %s (rv 0x%lx, wanted 0x%lx)\n", what,
		    (unsigned long)got, (unsigned long)want);
		fails++;
	}
}

static void
truth(const char *what, int cond)
{
	expect(what, cond ? CKR_OK : CKR_GENERAL_ERROR, CKR_OK);
}

static CK_OBJECT_HANDLE
find_key(CK_FUNCTION_LIST *f, CK_SESSION_HANDLE s, const char *label)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_LABEL, (void *)(uintptr_t)label, strlen(label) } };
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_ULONG n = 0;

	if (f->C_FindObjectsInit(s, t, 2) == CKR_OK) {
		f->C_FindObjects(s, &h, 1, &n);
		f->C_FindObjectsFinal(s);
	}
	return n == 1 ? h : CK_INVALID_HANDLE;
}

int
main(int argc, char **argv)
{
	CK_FUNCTION_LIST *f = NULL;
	CK_C_GetFunctionList gfl;
	CK_SLOT_ID slot = 0;
	CK_ULONG n = 1, i, nobj = 0;
	CK_SESSION_HANDLE s;
	CK_TOKEN_INFO ti;
	CK_OBJECT_HANDLE objs[64], key;
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	unsigned char data[4096], sig[1024];
	CK_ULONG dlen, slen;
	FILE *fp;
	void *lib;
	pid_t pid;
	int st;

	if (argc != 4)
		return 2;
	fp = fopen(argv[2], "rb");
	if (fp == NULL)
		return 2;
	dlen = fread(data, 1, sizeof(data), fp);
	fclose(fp);
	lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL) {
		printf("FAIL - dlopen: %s\n", dlerror());
		return 1;
	}
	*(void **)&gfl = dlsym(lib, "C_GetFunctionList");
	truth("C_GetFunctionList and C_GetInterface exported",
	    gfl != NULL && dlsym(lib, "C_GetInterface") != NULL);
	if (gfl == NULL || gfl(&f) != CKR_OK)
		return 1;
	expect("before C_Initialize: not initialized",
	    f->C_GetSlotList(CK_TRUE, NULL, &n), CKR_CRYPTOKI_NOT_INITIALIZED);
	expect("C_Initialize", f->C_Initialize(NULL), CKR_OK);
	expect("C_Initialize again: already", f->C_Initialize(NULL),
	    CKR_CRYPTOKI_ALREADY_INITIALIZED);
	n = 1;
	expect("C_GetSlotList (present)", f->C_GetSlotList(CK_TRUE, &slot, &n),
	    CKR_OK);
	truth("one slot", n == 1);
	expect("C_GetTokenInfo", f->C_GetTokenInfo(slot, &ti), CKR_OK);
	truth("label Pecete, protected authentication path",
	    memcmp(ti.label, "Pecete ", 7) == 0 &&
	        (ti.flags & CKF_PROTECTED_AUTHENTICATION_PATH));
	expect("C_OpenSession",
	    f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK);
	expect("C_FindObjectsInit (all)", f->C_FindObjectsInit(s, NULL, 0),
	    CKR_OK);
	expect("C_FindObjects", f->C_FindObjects(s, objs, 64, &nobj), CKR_OK);
	f->C_FindObjectsFinal(s);
	truth("at least 2 certificates and 2 key pairs", nobj >= 6);
	for (i = 0; i < nobj; i++) {
		CK_ATTRIBUTE a[] = { { CKA_CLASS, NULL, 0 },
			{ CKA_LABEL, NULL, 0 }, { CKA_ID, NULL, 0 },
			{ CKA_VALUE, NULL, 0 } };
		size_t k;
		CK_RV rv = f->C_GetAttributeValue(s, objs[i], a, 4);

		if (rv != CKR_OK && rv != CKR_ATTRIBUTE_TYPE_INVALID &&
		    rv != CKR_ATTRIBUTE_SENSITIVE)
			expect("C_GetAttributeValue sizes", rv, CKR_OK);
		for (k = 0; k < 4; k++)
			if (a[k].ulValueLen != CK_UNAVAILABLE_INFORMATION)
				a[k].pValue = malloc(a[k].ulValueLen + 1);
			else
				a[k].ulValueLen = 0;
		(void)f->C_GetAttributeValue(s, objs[i], a, 4);
		for (k = 0; k < 4; k++)
			free(a[k].pValue);
	}
	key = find_key(f, s, "Pecete signing");
	truth("the signing key by label", key != CK_INVALID_HANDLE);
	{
		unsigned char b[8];
		CK_ATTRIBUTE a = { CKA_PRIVATE_EXPONENT, b, sizeof(b) };

		expect("its private exponent is sensitive",
		    f->C_GetAttributeValue(s, key, &a, 1),
		    CKR_ATTRIBUTE_SENSITIVE);
	}
	expect("C_SignInit CKM_SHA256_RSA_PKCS", f->C_SignInit(s, &m, key),
	    CKR_OK);
	slen = 0;
	expect(
	    "C_Sign size query", f->C_Sign(s, data, dlen, NULL, &slen), CKR_OK);
	truth("a size of an RSA signature", slen >= 256 && slen <= 512);
	slen = sizeof(sig);
	expect("C_Sign", f->C_Sign(s, data, dlen, sig, &slen), CKR_OK);
	fp = fopen(argv[3], "wb");
	if (fp != NULL) {
		fwrite(sig, 1, slen, fp);
		fclose(fp);
	}
	expect("C_Sign without C_SignInit",
	    f->C_Sign(s, data, dlen, sig, &slen),
	    CKR_OPERATION_NOT_INITIALIZED);

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		CK_ULONG cn = 1;
		CK_SLOT_ID cs;
		int bad = 0;

		bad |= f->C_GetSlotList(CK_TRUE, &cs, &cn) !=
		       CKR_CRYPTOKI_NOT_INITIALIZED;
		bad |= f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL,
		           &s) != CKR_CRYPTOKI_NOT_INITIALIZED;
		bad |= f->C_Initialize(NULL) != CKR_OK;
		cn = 1;
		bad |= f->C_GetSlotList(CK_TRUE, &cs, &cn) != CKR_OK || cn != 1;
		bad |= f->C_Finalize(NULL) != CKR_OK;
		_exit(bad);
	}
	truth("fork: the child is not initialized until its C_Initialize, "
	      "then works",
	    pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	        WEXITSTATUS(st) == 0);
	n = 1;
	expect("the parent's token after the fork",
	    f->C_GetSlotList(CK_TRUE, &slot, &n), CKR_OK);
	expect("C_CloseSession", f->C_CloseSession(s), CKR_OK);
	expect("C_Finalize", f->C_Finalize(NULL), CKR_OK);
	expect("after C_Finalize: not initialized",
	    f->C_GetSlotList(CK_TRUE, NULL, &n), CKR_CRYPTOKI_NOT_INITIALIZED);
	dlclose(lib);
	printf("# %d failed\n", fails);
	return fails == 0 ? 0 : 1;
}
