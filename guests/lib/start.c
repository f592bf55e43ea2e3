/*
 * start.c: from _start to main, and the command-line helpers.
 */
#include "sv.h"

int main(const struct sv_start_info *si);
void guest_start(void) __attribute__((noreturn));

void guest_start(void)
{
	if (start_info->magic != SV_START_MAGIC ||
	    start_info->abi_version != SV_ABI_VERSION)
		sv_exit(-1);
	sv_exit(main(start_info));
}

/* Find "key=" as a whole word in the command line; its value runs to the
 * next space. */
bool sv_cmdline_get(const char *key, char *buf, size_t size)
{
	const char *p = start_info->cmdline;
	size_t klen = strlen(key);

	while (*p) {
		while (*p == ' ')
			p++;
		const char *w = p;
		while (*p && *p != ' ')
			p++;
		if ((size_t)(p - w) > klen && strncmp(w, key, klen) == 0 && w[klen] == '=') {
			size_t n = (size_t)(p - w) - klen - 1;
			if (size == 0)
				return true;
			n = n < size - 1 ? n : size - 1;
			memcpy(buf, w + klen + 1, n);
			buf[n] = '\0';
			return true;
		}
	}
	return false;
}

uint32_t sv_cmdline_uint(const char *key, uint32_t dflt)
{
	char v[24];
	if (!sv_cmdline_get(key, v, sizeof(v)) || !v[0])
		return dflt;
	uint32_t n = 0, base = 10;
	const char *p = v;
	if (p[0] == '0' && p[1] == 'x') {
		base = 16;
		p += 2;
	}
	for (; *p; p++) {
		uint32_t digit;
		if (*p >= '0' && *p <= '9')
			digit = *p - '0';
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			digit = *p - 'a' + 10;
		else
			break;
		n = n * base + digit;
	}
	if (*p == 'K' && !p[1])
		return n << 10;
	if (*p == 'M' && !p[1])
		return n << 20;
	return *p ? dflt : n;
}
