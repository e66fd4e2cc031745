/*
 * fuzz_escape.c -- libFuzzer target for util_escape_name() (src/util.c).
 *
 * Input: byte 0 picks the locale mode (UTF-8 or not) and the output
 * buffer size; the rest is the name (cut at the first NUL).  Checked
 * properties (abort() = a finding):
 *  - the result is NUL-terminated, its length is the return value, and it
 *    fits the buffer;
 *  - no byte < 0x20 other than tab survives, no ESC; outside UTF-8 no
 *    byte >= 0x80; in UTF-8 the output is valid UTF-8 without C1 controls;
 *  - with a buffer large enough (5 bytes per input byte + 1), unescaping
 *    every "\#ooo" gives the name back exactly (the escaping is lossless).
 */
#include "util.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int valid_utf8_no_c1(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i], len, cp, k;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (i + len > n)
			return 0;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		if (cp >= 0x80 && cp <= 0x9f)
			return 0;
		i += len;
	}
	return 1;
}

/* "\#ooo" -> the byte; everything else as is. */
static size_t unescape(const char *in, char *out)
{
	size_t n = 0;

	while (*in) {
		if (in[0] == '\\' && in[1] == '#' && in[2] >= '0' &&
		    in[2] <= '3' && in[3] >= '0' && in[3] <= '7' &&
		    in[4] >= '0' && in[4] <= '7') {
			out[n++] = (char)((in[2] - '0') * 64 + (in[3] - '0') * 8 +
			    (in[4] - '0'));
			in += 5;
		} else {
			out[n++] = *in++;
		}
	}
	out[n] = '\0';
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *name, *buf, *back;
	size_t bufsize, n, len, i;
	int utf8, full;

	if (size < 1)
		return 0;
	utf8 = data[0] & 1;
	name = malloc(size);
	memcpy(name, data + 1, size - 1);
	name[size - 1] = '\0';
	len = strlen(name);
	full = (data[0] & 2) != 0;
	bufsize = full ? 5 * len + 1 : (size_t)(data[0] >> 2) + 1;
	buf = malloc(bufsize);
	memset(buf, 'Z', bufsize);

	util_set_utf8(utf8);
	n = util_escape_name(buf, bufsize, name);
	if (n >= bufsize || buf[n] != '\0' || strlen(buf) != n)
		abort();
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)buf[i];

		if ((c < 0x20 && c != '\t') || c == 0x1b)
			abort();
		if (!utf8 && c >= 0x80)
			abort();
	}
	if (utf8 && !valid_utf8_no_c1((const unsigned char *)buf, n))
		abort();
	if (full) {
		back = malloc(n + 1);
		unescape(buf, back);
		if (strcmp(back, name) != 0)
			abort();
		free(back);
	}
	free(buf);
	free(name);
	return 0;
}
