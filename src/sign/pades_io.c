/*
 * pades_io.c: descriptor stream and output for MuPDF, the copy of the
 * original and the threaded hash of a PAdES signature. See pades_io.h.
 */
#define _GNU_SOURCE /* copy_file_range, sync_file_range */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "base/log.h"
#include "sign/pades_io.h"

struct fdstm {
	int fd;
	int64_t size;
	int64_t pos; /* file offset of the end of the buffer */
	const bool *skip;
	unsigned char buf[PADES_STREAM_BUF];
};

/* What the input stream serves while MuPDF copies the original. */
static unsigned char fdstm_zeros[PADES_STREAM_BUF];

static int
fdstm_next(fz_context *ctx, fz_stream *stm, size_t max)
{
	struct fdstm *st = stm->state;
	unsigned char *p = st->buf;
	size_t n;
	ssize_t r;

	if (st->pos >= st->size)
		return EOF;
	n = sizeof(st->buf);
	if ((int64_t)n > st->size - st->pos)
		n = (size_t)(st->size - st->pos);
	if (st->skip != NULL && *st->skip) {
		p = fdstm_zeros;
	} else {
		do
			r = pread(st->fd, p, n, (off_t)st->pos);
		while (r < 0 && errno == EINTR);
		if (r < 0)
			fz_throw(ctx, FZ_ERROR_GENERIC, "pades: read: %s",
			    strerror(errno));
		if (r == 0)
			return EOF;
		n = (size_t)r;
	}
	st->pos += (int64_t)n;
	stm->pos = st->pos;
	stm->rp = p;
	stm->wp = p + n;
	return *stm->rp++;
}

static void
fdstm_seek(fz_context *ctx, fz_stream *stm, int64_t off, int whence)
{
	struct fdstm *st = stm->state;

	if (whence == SEEK_END)
		off += st->size;
	else if (whence == SEEK_CUR)
		off += stm->pos - (stm->wp - stm->rp);
	if (off < 0)
		off = 0;
	if (off > st->size)
		off = st->size;
	if (st->skip != NULL && *st->skip && off != 0)
		fz_throw(ctx, FZ_ERROR_GENERIC,
		    "pades: unexpected seek while MuPDF copies the original");
	st->pos = off;
	stm->pos = off;
	stm->rp = stm->wp = st->buf;
}

static void
fdstm_drop(fz_context *ctx, void *state)
{
	fz_free(ctx, state);
}

fz_stream *
pades_fd_stream(fz_context *ctx, int fd, int64_t size, const bool *skip)
{
	struct fdstm *st;
	fz_stream *stm;

	/* Not zeroed: the 64 KiB buffer is written before it is read. */
	st = fz_malloc(ctx, sizeof(*st));
	st->pos = 0;
	st->fd = fd;
	st->size = size;
	st->skip = skip;
	stm = fz_new_stream(ctx, st, fdstm_next, fdstm_drop);
	stm->seek = fdstm_seek;
	return stm;
}

static void
pout_write(fz_context *ctx, void *state, const void *data, size_t n)
{
	struct pades_out *po = state;
	const uint8_t *p = data;
	ssize_t r;

	if (po->po_phase == 1) {
		/* MuPDF's copy of the original, which is there already. */
		if (po->po_pos + (int64_t)n > po->po_base)
			fz_throw(ctx, FZ_ERROR_GENERIC,
			    "pades: copy past the end of the original");
		po->po_pos += (int64_t)n;
		return;
	}
	if (po->po_pos < po->po_base)
		fz_throw(
		    ctx, FZ_ERROR_GENERIC, "pades: write inside the original");
	while (n > 0) {
		r = pwrite(po->po_fd, p, n, (off_t)po->po_pos);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			fz_throw(ctx, FZ_ERROR_GENERIC, "pades: write: %s",
			    strerror(errno));
		p += r;
		n -= (size_t)r;
		po->po_pos += r;
	}
	if (po->po_pos > po->po_end)
		po->po_end = po->po_pos;
}

static void
pout_seek(fz_context *ctx, void *state, int64_t off, int whence)
{
	struct pades_out *po = state;

	if (whence == SEEK_END)
		off += po->po_end;
	else if (whence == SEEK_CUR)
		off += po->po_pos;
	if (off < 0)
		fz_throw(ctx, FZ_ERROR_GENERIC, "pades: seek before start");
	po->po_pos = off;
}

static int64_t
pout_tell(fz_context *ctx, void *state)
{
	return ((struct pades_out *)state)->po_pos;
}

static void
pout_truncate(fz_context *ctx, void *state)
{
	struct pades_out *po = state;

	if (po->po_phase == 1) {
		/* End of MuPDF's copy: it must have covered the original. */
		if (po->po_pos != po->po_base)
			fz_throw(ctx, FZ_ERROR_GENERIC,
			    "pades: MuPDF copied %lld bytes of %lld",
			    (long long)po->po_pos, (long long)po->po_base);
		po->po_phase = 2;
		po->po_skip = false;
		if (po->po_in != NULL)
			po->po_in->rp = po->po_in->wp;
		return;
	}
	if (po->po_pos < po->po_base ||
	    ftruncate(po->po_fd, (off_t)po->po_pos) != 0)
		fz_throw(ctx, FZ_ERROR_GENERIC, "pades: truncate");
	po->po_end = po->po_pos;
}

static fz_stream *
pout_as_stream(fz_context *ctx, void *state)
{
	static unsigned char empty[1];
	struct pades_out *po = state;

	if (po->po_phase == 0) {
		/* MuPDF's "verify" stream: empty, so it takes the copy path. */
		po->po_phase = 1;
		po->po_skip = true;
		return fz_open_memory(ctx, empty, 0);
	}
	if (po->po_phase == 1)
		fz_throw(ctx, FZ_ERROR_GENERIC,
		    "pades: output read during the copy");
	return pades_fd_stream(ctx, po->po_fd, po->po_end, NULL);
}

fz_output *
pades_output_new(fz_context *ctx, struct pades_out *po)
{
	fz_output *out;

	po->po_pos = 0;
	po->po_end = po->po_base;
	po->po_phase = 0;
	po->po_skip = false;
	out = fz_new_output(ctx, 8192, po, pout_write, NULL, NULL);
	out->seek = pout_seek;
	out->tell = pout_tell;
	out->truncate = pout_truncate;
	out->as_stream = pout_as_stream;
	return out;
}

static enum pc_rc
copy_rw(int in, int out, int64_t off, int64_t n)
{
	uint8_t *buf;
	ssize_t r, w;
	size_t want;
	enum pc_rc rc = PC_OK;

	buf = malloc(PADES_IO_BIG);
	if (buf == NULL)
		return PC_ENOMEM;
	while (n > 0 && rc == PC_OK) {
		want = n > PADES_IO_BIG ? PADES_IO_BIG : (size_t)n;
		r = pread(in, buf, want, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = PC_EIO;
			break;
		}
		for (w = 0; w < r;) {
			ssize_t k = pwrite(
			    out, buf + w, (size_t)(r - w), (off_t)(off + w));

			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0) {
				rc = PC_EIO;
				break;
			}
			w += k;
		}
		off += r;
		n -= r;
	}
	free(buf);
	return rc;
}

enum pc_rc
pades_copy(int in, int out, int64_t n)
{
	loff_t ioff = 0, ooff = 0;
	int64_t left = n;
	ssize_t r;
	enum pc_rc rc = PC_OK;

	while (left > 0) {
		r = copy_file_range(in, &ioff, out, &ooff, (size_t)left, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EXDEV || errno == ENOSYS ||
		                 errno == EINVAL || errno == EOPNOTSUPP)) {
			rc = copy_rw(in, out, (int64_t)ioff, left);
			break;
		}
		if (r <= 0) {
			log_warn("pades: copy");
			rc = PC_EIO;
			break;
		}
		left -= r;
	}
	/* Start writing a large copy back now; the final fsync waits
	 * less. (A small one is not worth the system call.) */
	if (rc == PC_OK && n >= PADES_SMALL)
		(void)sync_file_range(out, 0, (off_t)n, SYNC_FILE_RANGE_WRITE);
	return rc;
}

enum pc_rc
pades_hash_range(EVP_MD_CTX *md, int fd, int64_t off, int64_t len)
{
	uint8_t *buf;
	size_t want;
	ssize_t r;
	enum pc_rc rc = PC_OK;

	buf = malloc(len > PADES_IO_BIG ? PADES_IO_BIG : (size_t)len + 1);
	if (buf == NULL)
		return PC_ENOMEM;
	while (len > 0) {
		want = len > PADES_IO_BIG ? PADES_IO_BIG : (size_t)len;
		r = pread(fd, buf, want, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = PC_EIO;
			break;
		}
		if (!EVP_DigestUpdate(md, buf, (size_t)r)) {
			rc = PC_ECRYPTO;
			break;
		}
		off += r;
		len -= r;
	}
	free(buf);
	return rc;
}

static void *
hash_main(void *arg)
{
	struct pades_hash *h = arg;

	h->ph_rc = pades_hash_range(h->ph_md, h->ph_fd, 0, h->ph_len);
	return NULL;
}

enum pc_rc
pades_hash_start(struct pades_hash *h, EVP_MD_CTX *md, int fd, int64_t len)
{
	memset(h, 0, sizeof(*h));
	h->ph_md = md;
	h->ph_fd = fd;
	h->ph_len = len;
	/* A small input is hashed at once: a thread costs more than it
	 * saves, and more still on a busy machine. */
	if (len < PADES_SMALL) {
		h->ph_rc = pades_hash_range(md, fd, 0, len);
		return h->ph_rc;
	}
	if (pthread_create(&h->ph_thread, NULL, hash_main, h) != 0) {
		/* No thread: hash here, the result is the same. */
		h->ph_rc = pades_hash_range(md, fd, 0, len);
		return h->ph_rc;
	}
	h->ph_running = true;
	return PC_OK;
}

enum pc_rc
pades_hash_join(struct pades_hash *h)
{
	if (h->ph_running) {
		pthread_join(h->ph_thread, NULL);
		h->ph_running = false;
	}
	return h->ph_rc;
}
