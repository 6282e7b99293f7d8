/*
 * forwarded.c: the client's address behind trusted proxies.
 *
 * A node behind HAProxy or nginx sees the proxy's address on every
 * connection; rate limits and the audit need the client's. Only when the
 * peer is one of [server] trusted_proxies is X-Forwarded-For read, from
 * the right (each proxy appends the address it saw): the first address
 * that is not a trusted proxy is the client. A client can put anything on
 * the left of the header, so nothing left of that address is believed.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>

#include "http/http.h"

#define IP_TEXT_MAX 64

/* Binary form of the address s[0..n) (IPv4 or IPv6). */
static bool
ip_parse(const char *s, size_t n, unsigned char out[16], int *af)
{
	char tmp[IP_TEXT_MAX];

	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= sizeof(tmp))
		return false;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	memset(out, 0, 16);
	if (inet_pton(AF_INET, tmp, out) == 1) {
		*af = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, tmp, out) == 1) {
		*af = AF_INET6;
		return true;
	}
	return false;
}

/* Whether the address ip (binary, family af) is in the list. */
static bool
ip_listed(const unsigned char ip[16], int af, const char *list)
{
	unsigned char b[16];
	const char *p = list, *end;
	int baf;

	while (p != NULL && *p != '\0') {
		end = p + strcspn(p, ", ");
		if (ip_parse(p, (size_t)(end - p), b, &baf) && baf == af &&
		    memcmp(b, ip, af == AF_INET ? 4 : 16) == 0)
			return true;
		p = *end != '\0' ? end + 1 : NULL;
	}
	return false;
}

const char *
http_client_ip(
    const char *peer, const char *xff, const char *trusted, struct arena *a)
{
	unsigned char ip[16];
	char text[INET6_ADDRSTRLEN];
	const char *end, *start;
	int af;

	if (peer == NULL || xff == NULL || trusted == NULL ||
	    trusted[0] == '\0' || !ip_parse(peer, strlen(peer), ip, &af) ||
	    !ip_listed(ip, af, trusted))
		return peer;
	end = xff + strlen(xff);
	while (end > xff) {
		start = end;
		while (start > xff && start[-1] != ',')
			start--;
		/* Not an address: nothing further left can be believed. */
		if (!ip_parse(start, (size_t)(end - start), ip, &af))
			return peer;
		if (!ip_listed(ip, af, trusted)) {
			if (inet_ntop(af, ip, text, sizeof(text)) == NULL)
				return peer;
			return arena_strdup(a, text);
		}
		end = start > xff ? start - 1 : xff;
	}
	return peer; /* every hop a trusted proxy */
}
