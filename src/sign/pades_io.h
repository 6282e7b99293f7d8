/*
 * pades_io.h: the file side of a PAdES signature (internal to src/sign):
 * an fz_stream over a descriptor, an fz_output that lets MuPDF write only
 * the incremental update of a file whose original bytes we copied
 * ourselves, the copy, and the byte-range hash in a thread.
 *
 * MuPDF 1.21's incremental save (ensure_initial_incremental_contents)
 * first compares the output with the input in 256-byte steps, each with a
 * seek (600k read + 400k lseek calls for 50 MB when the output exists),
 * or copies the input through 4 KiB reads. Our output hands MuPDF an empty
 * "verify" stream, so it takes the copy path; during that copy (phase 1,
 * from the first fz_stream_from_output to the first truncate) the input
 * stream serves zeros without reading and the output drops the writes,
 * because copy_file_range has put the original there already. Any write
 * below the original's end outside that copy, a copy of another length,
 * or a seek other than to 0 during it throws, so a change in MuPDF's
 * save order fails the signature instead of producing a wrong file.
 */
#ifndef PC_PADES_IO_H
#define PC_PADES_IO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <openssl/evp.h>

#include <mupdf/fitz.h>

#include "base/pc.h"

/* Read size of the streams; the hash and copy use PADES_IO_BIG. */
#define PADES_STREAM_BUF (64 * 1024)
#define PADES_IO_BIG (1024 * 1024)
/* Below this size the hash needs no thread and the copy no early
 * write-back. */
#define PADES_SMALL (1024 * 1024)

/* The state of our fz_output; owned by the caller, outlives the output. */
struct pades_out {
	int po_fd;
	int64_t po_base; /* [0, base): the original, copied by us */
	int64_t po_pos;
	int64_t po_end;   /* size of the file */
	int po_phase;     /* 0: before MuPDF's copy, 1: during, 2: after */
	bool po_skip;     /* the input stream serves zeros (phase 1) */
	fz_stream *po_in; /* the document's input stream (borrowed) */
};

/*
 * A stream over fd's first size bytes (pread, own buffer). When skip is
 * not NULL and *skip is true, reads return zeros without I/O and only a
 * seek to 0 is allowed. Throws on error.
 */
fz_stream *pades_fd_stream(
    fz_context *ctx, int fd, int64_t size, const bool *skip);

/* An fz_output over po (po->po_fd, po->po_base set). Throws on error. */
fz_output *pades_output_new(fz_context *ctx, struct pades_out *po);

/* Copy the first n bytes of in to out (copy_file_range), then start the
 * write-back of the copy so the final fsync has little left to wait for. */
enum pc_rc pades_copy(int in, int out, int64_t n);

/* Feed len bytes of fd from off into md with large reads. */
enum pc_rc pades_hash_range(EVP_MD_CTX *md, int fd, int64_t off, int64_t len);

/* Hash [0, len) of fd into md in a thread while the caller copies. */
struct pades_hash {
	pthread_t ph_thread;
	EVP_MD_CTX *ph_md; /* borrowed; untouched until joined */
	int ph_fd;
	int64_t ph_len;
	enum pc_rc ph_rc;
	bool ph_running;
};

enum pc_rc pades_hash_start(
    struct pades_hash *h, EVP_MD_CTX *md, int fd, int64_t len);
/* Wait for the thread (a no-op when not running); its result. */
enum pc_rc pades_hash_join(struct pades_hash *h);

#endif /* PC_PADES_IO_H */
