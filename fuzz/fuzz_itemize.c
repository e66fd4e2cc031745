/*
 * fuzz_itemize.c -- libFuzzer target for cmp_itemize_string()
 * (src/compare.c): any flags, any mode, any option mix.
 *
 * Input: 4 bytes of item flags, 4 bytes of mode, 1 byte of options.
 * Checked: the string is exactly 11 printable ASCII characters, its type
 * column is one of rsync's (f d L D S), and the first column one of
 * "<>ch.*".
 */
#include "compare.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <treesync/treesync.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ts_options o;
	uint32_t iflags, mode;
	char buf[64];
	size_t i;

	if (size < 9)
		return 0;
	memcpy(&iflags, data, 4);
	memcpy(&mode, data + 4, 4);
	ts_options_init(&o);
	o.itemize = 1 + (data[8] & 1);
	o.times = data[8] & 2;
	o.perms = data[8] & 4;
	o.owner = data[8] & 8;
	o.group = data[8] & 16;
	o.dry_run = data[8] & 32;
	o.omit_dir_times = data[8] & 64;
	o.links = data[8] & 128;
	memset(buf, 'Z', sizeof(buf));
	cmp_itemize_string(&o, iflags, mode, buf);
	if (strlen(buf) != 11)
		abort();
	for (i = 0; i < 11; i++)
		if (buf[i] < 0x20 || buf[i] > 0x7e)
			abort();
	if (!strchr("<>ch.*", buf[0]) || !strchr("fdLDS", buf[1]))
		abort();
	return 0;
}
