/*
 * cmdline.c: parse the hypervisor's command line (see cmdline.h).
 * Pure string handling: also compiled into tests/unit.
 */
#include "cmdline.h"
#include "klib.h"
#include "param.h"

/* Does word w (of length n) equal the C string s? */
static bool word_is(const char *w, size_t n, const char *s)
{
	return strlen(s) == n && strncmp(w, s, n) == 0;
}

static void problem(struct boot_options *o, const char *what, const char *w, size_t n)
{
	printk("cmdline: %s '%.*s' ignored\n", what, (int)n, w);
	o->problems++;
}

static void parse_selftests(struct boot_options *o, const char *v, size_t n)
{
	while (n > 0) {
		size_t len = 0;
		while (len < n && v[len] != ',')
			len++;
		if (word_is(v, len, "frames"))
			o->selftest_frames = true;
		else if (word_is(v, len, "paging"))
			o->selftest_paging = true;
		else if (word_is(v, len, "timer"))
			o->selftest_timer = true;
		else if (len > 0)
			problem(o, "unknown self-test", v, len);
		v += len;
		n -= len;
		if (n > 0) {	/* skip the comma */
			v++;
			n--;
		}
	}
}

static void parse_word(struct boot_options *o, const char *w, size_t n)
{
	size_t key = 0;
	while (key < n && w[key] != '=')
		key++;
	const char *val = w + key + 1;
	size_t vlen = key < n ? n - key - 1 : 0;

	if (word_is(w, key, "selftest") && key < n) {
		parse_selftests(o, val, vlen);
	} else if (word_is(w, key, "crash") && key < n) {
		if (word_is(val, vlen, "pagefault"))
			o->crash = CRASH_PAGEFAULT;
		else if (word_is(val, vlen, "divide"))
			o->crash = CRASH_DIVIDE;
		else if (word_is(val, vlen, "stackoverflow"))
			o->crash = CRASH_STACK_OVERFLOW;
		else
			problem(o, "unknown crash kind", val, vlen);
	} else {
		problem(o, "unknown option", w, n);
	}
}

void cmdline_parse(const char *cmdline, struct boot_options *o)
{
	*o = (struct boot_options){ 0 };
	const char *p = cmdline;
	size_t len = strnlen(cmdline, MAX_CMDLINE);

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)cmdline[i];
		if (c < 0x20 || c > 0x7E) {
			printk("cmdline: byte %#x at offset %zu is not printable; "
			       "the command line is read up to there\n", c, i);
			o->problems++;
			len = i;
			break;
		}
	}
	/* QEMU -kernel passes the image path as the first word; GRUB does
	 * not. A first word with a '/' or ending in ".elf" is that path. */
	const char *end = cmdline + len;
	while (p < end && *p == ' ')
		p++;
	const char *w = p;
	while (p < end && *p != ' ')
		p++;
	size_t n = (size_t)(p - w);
	bool is_path = memchr(w, '/', n) != NULL ||
		       (n >= 4 && strncmp(p - 4, ".elf", 4) == 0);
	p = is_path ? p : w;

	while (p < end) {
		while (p < end && *p == ' ')
			p++;
		w = p;
		while (p < end && *p != ' ')
			p++;
		if (p > w)
			parse_word(o, w, (size_t)(p - w));
	}
}
