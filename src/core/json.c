/*
 * JSON output helpers (see json.h).  Pure functions over caller buffers
 * and FILEs; no allocation.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/json.h"

/* Length of a valid UTF-8 sequence starting at s (1..4), or 0 when the
 * bytes there are not valid UTF-8 (overlongs, surrogates, > U+10FFFF). */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)
			return 0;
		if (c == 0xed && s[1] >= 0xa0)
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)
			return 0;
		if (c == 0xf4 && s[1] >= 0x90)
			return 0;
		return 4;
	}
	return 0;
}

/* Escape s into buf without quotes; returns the full escaped length. */
size_t ht_json_escape(char *buf, size_t cap, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

#define PUT(ch) do { if (n + 1 < cap) buf[n] = (char)(ch); n++; } while (0)
	while (*p) {
		size_t len = utf8_len(p);
		unsigned char c = *p;

		if (len == 0) {
			/* U+FFFD, as UTF-8 */
			PUT(0xef); PUT(0xbf); PUT(0xbd);
			p++;
			continue;
		}
		if (len > 1) {
			for (size_t i = 0; i < len; i++)
				PUT(p[i]);
			p += len;
			continue;
		}
		switch (c) {
		case '"': PUT('\\'); PUT('"'); break;
		case '\\': PUT('\\'); PUT('\\'); break;
		case '\n': PUT('\\'); PUT('n'); break;
		case '\r': PUT('\\'); PUT('r'); break;
		case '\t': PUT('\\'); PUT('t'); break;
		case '\b': PUT('\\'); PUT('b'); break;
		case '\f': PUT('\\'); PUT('f'); break;
		default:
			if (c < 0x20 || c == 0x7f) {
				static const char hex[] = "0123456789abcdef";

				PUT('\\'); PUT('u'); PUT('0'); PUT('0');
				PUT(hex[c >> 4]); PUT(hex[c & 15]);
			} else {
				PUT(c);
			}
		}
		p++;
	}
#undef PUT
	if (cap)
		buf[n < cap ? n : cap - 1] = '\0';
	return n;
}

/* Write s as a JSON string (or null) to f. */
void ht_json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char tmp[16];

	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	while (*p) {
		/* escape one character (or one UTF-8 sequence) at a time */
		size_t len = utf8_len(p);
		char one[5] = { 0 };

		if (len == 0)
			len = 1;
		memcpy(one, p, len);
		if (utf8_len(p) == 0)
			one[0] = (char)0xff; /* forces the U+FFFD path */
		ht_json_escape(tmp, sizeof tmp, one);
		fputs(tmp, f);
		p += len;
	}
	fputc('"', f);
}

/* Write v as a JSON number (null when not finite) to f. */
void ht_json_number(FILE *f, double v)
{
	if (!isfinite(v)) {
		fputs("null", f);
		return;
	}
	if (v == floor(v) && fabs(v) < 9007199254740992.0)
		fprintf(f, "%.0f", v);
	else
		fprintf(f, "%.15g", v);
}
