/*
 * cnp.c: the Romanian personal numeric code (CNP).
 *
 * S YY MM DD JJ NNN C: sex/century digit, birth date, county code, a
 * serial number, the check digit. The check digit is the sum of the first
 * twelve digits weighted by 279146358279, modulo 11, with 10 written as 1.
 */
#include <stdbool.h>
#include <string.h>

#include "pki/pki.h"

static const char cnp_key[] = "279146358279";

static bool
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool
date_ok(int y, int m, int d)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
		31 };
	int n;

	if (m < 1 || m > 12 || d < 1)
		return false;
	n = mdays[m - 1];
	if (m == 2 && leap(y))
		n = 29;
	return d <= n;
}

static bool
county_ok(int jj)
{
	/* 01-40 counties, 41-48 Bucharest sectors, 51-52, 70 residents */
	return (jj >= 1 && jj <= 48) || jj == 51 || jj == 52 || jj == 70;
}

/*
 * true when cnp is a well-formed CNP: 13 digits, a first digit 1-9, a real
 * date in the century the first digit implies (7-9, residents and
 * foreigners: 1900s or 2000s), a known county code, a non-zero serial and
 * the right check digit.
 */
bool
cnp_valid(const char *cnp)
{
	int d[13], i, sum, c, yy, mm, dd, jj;
	bool ok;

	if (cnp == NULL || strlen(cnp) != 13)
		return false;
	for (i = 0; i < 13; i++) {
		if (cnp[i] < '0' || cnp[i] > '9')
			return false;
		d[i] = cnp[i] - '0';
	}
	yy = d[1] * 10 + d[2];
	mm = d[3] * 10 + d[4];
	dd = d[5] * 10 + d[6];
	jj = d[7] * 10 + d[8];
	switch (d[0]) {
	case 1:
	case 2:
		ok = date_ok(1900 + yy, mm, dd);
		break;
	case 3:
	case 4:
		ok = date_ok(1800 + yy, mm, dd);
		break;
	case 5:
	case 6:
		ok = date_ok(2000 + yy, mm, dd);
		break;
	case 7:
	case 8:
	case 9:
		ok = date_ok(1900 + yy, mm, dd) || date_ok(2000 + yy, mm, dd);
		break;
	default:
		return false;
	}
	if (!ok || !county_ok(jj))
		return false;
	if (d[9] == 0 && d[10] == 0 && d[11] == 0)
		return false;
	sum = 0;
	for (i = 0; i < 12; i++)
		sum += d[i] * (cnp_key[i] - '0');
	c = sum % 11;
	if (c == 10)
		c = 1;
	return c == d[12];
}
