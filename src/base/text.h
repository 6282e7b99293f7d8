/*
 * text.h: the text rules shared by the API, the domain and the web form:
 * personal names (what may appear in a certificate subject and on an
 * invoice) and folding for comparisons (diacritics and case removed).
 * Unicode through libunistring (NFC, general categories).
 */
#ifndef PC_TEXT_H
#define PC_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/pc.h"

/* The longest name part, in characters (code points after NFC). */
#define TEXT_NAME_MAX_CHARS 60
/* Bytes a normalised name may take (4 bytes per character at most). */
#define TEXT_NAME_MAX_BYTES (TEXT_NAME_MAX_CHARS * 4 + 1)

/*
 * Normalise a personal name part (given name or surname): valid UTF-8,
 * NFC, S/T with cedilla (U+015E/F, U+0162/3) mapped to comma below
 * (U+0218..U+021B), spaces collapsed and trimmed; then only letters,
 * combining marks, spaces, hyphens and apostrophes (' and U+2019) may
 * remain, at most TEXT_NAME_MAX_CHARS characters, at least one letter.
 * Digits, symbols, emoji, URLs and markup are refused. OUT: out (n >=
 * TEXT_NAME_MAX_BYTES). PC_EINVAL when refused.
 */
enum pc_rc text_name_normalize(const char *in, char *out, size_t n);

/*
 * Normalise a company name (invoices): NFC, spaces collapsed, letters,
 * digits, marks, spaces and . , - & ' " ( ) / + only, at most
 * TEXT_NAME_MAX_CHARS * 2 characters, at least one letter. OUT: out (n >=
 * TEXT_ORG_MAX_BYTES). PC_EINVAL when refused (emoji, links, markup).
 */
#define TEXT_ORG_MAX_BYTES (TEXT_NAME_MAX_CHARS * 2 * 4 + 1)
enum pc_rc text_org_normalize(const char *in, char *out, size_t n);

/*
 * Fold s for comparisons: NFD, combining marks dropped, lower case
 * ("Ștefan" -> "stefan"). OUT: out, always NUL-terminated (truncated to
 * n). Invalid UTF-8 bytes are copied as they are.
 */
void text_fold(const char *s, char *out, size_t n);

/*
 * A personal name (one part, or a full name: up to two parts' length and
 * a space) as a lookup key: the rules of text_name_normalize (NFC, ş/ţ to
 * ș/ț, spaces collapsed), then lower case; diacritics are kept ("Ștefan"
 * and "stefan" differ). OUT:
 * out. PC_EINVAL when the name is refused or does not fit in n.
 */
enum pc_rc text_name_key(const char *in, char *out, size_t n);

/* Number of characters (code points) in valid UTF-8 s; -1 if invalid. */
long text_chars(const char *s);

#endif /* PC_TEXT_H */
