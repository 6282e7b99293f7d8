/*
 * api_rate.c: cheap rate limits in this node's memory.
 *
 * Fixed windows counted in a hash table of bounded size, split in shards
 * with their own locks. The API's general limits (per address, per user)
 * live here so an ordinary request writes nothing to the database; the
 * security counters that must agree across nodes (sign-in, registration,
 * recovery attempts) stay in the database (account/acct_settings.c).
 * When a shard is full of live windows, new keys are not counted (fail
 * open): the per-address connection limit of the server still applies.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "api/api_int.h"
#include "base/clock.h"

#define RATE_SHARDS 16
#define RATE_SLOTS 4096 /* per shard */
#define RATE_KEY_MAX 96

struct rate_slot {
	char key[RATE_KEY_MAX];
	int64_t window; /* start of the window, 0 when free */
	int64_t span;
	int64_t count;
};

struct rate_shard {
	pthread_mutex_t mu;
	struct rate_slot slot[RATE_SLOTS];
};

static struct rate_shard shards[RATE_SHARDS];
static pthread_once_t shards_once = PTHREAD_ONCE_INIT;

static void
shards_init(void)
{
	size_t i;

	for (i = 0; i < RATE_SHARDS; i++)
		pthread_mutex_init(&shards[i].mu, NULL);
}

static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h;
}

bool
api_rate_hit(
    const char *key, int64_t window_s, int64_t limit, int64_t *retry_after)
{
	uint64_t h = fnv1a(key);
	struct rate_shard *sh;
	struct rate_slot *s, *free_slot = NULL;
	int64_t now = clock_now(), win = now - now % window_s;
	size_t i, idx;
	bool ok = true;

	*retry_after = 0;
	if (strlen(key) >= RATE_KEY_MAX || window_s <= 0)
		return true;
	pthread_once(&shards_once, shards_init);
	sh = &shards[h % RATE_SHARDS];
	pthread_mutex_lock(&sh->mu);
	/* Linear probing from the key's home slot. */
	for (i = 0; i < RATE_SLOTS; i++) {
		idx = (size_t)((h / RATE_SHARDS + i) % RATE_SLOTS);
		s = &sh->slot[idx];
		if (s->window != 0 && strcmp(s->key, key) == 0) {
			if (s->window != win) {
				s->window = win;
				s->span = window_s;
				s->count = 0;
			}
			s->count++;
			if (s->count > limit) {
				ok = false;
				*retry_after = win + window_s - now;
			}
			goto out;
		}
		/* A free or stale slot can take the key. */
		if (free_slot == NULL &&
		    (s->window == 0 || s->window + s->span <= now))
			free_slot = s;
		if (s->window == 0)
			break;
	}
	if (free_slot != NULL) {
		memcpy(free_slot->key, key, strlen(key) + 1);
		free_slot->window = win;
		free_slot->span = window_s;
		free_slot->count = 1;
		if (limit < 1) {
			ok = false;
			*retry_after = win + window_s - now;
		}
	}
out:
	pthread_mutex_unlock(&sh->mu);
	return ok;
}

void
api_rate_reset(void)
{
	size_t i;

	pthread_once(&shards_once, shards_init);
	for (i = 0; i < RATE_SHARDS; i++) {
		pthread_mutex_lock(&shards[i].mu);
		memset(shards[i].slot, 0, sizeof(shards[i].slot));
		pthread_mutex_unlock(&shards[i].mu);
	}
}
