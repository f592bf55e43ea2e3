/*
 * cmdline.c: parse the hypervisor's command line (see cmdline.h).
 * Pure string handling: also compiled into tests/unit.
 */
#include "cmdline.h"
#include "klib.h"
#include "param.h"
#include "sharevisor.h"

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

/* The index of the word w[0..n) in names[0..count), or -1. */
static int lookup(const char *w, size_t n, const char *const *names, int count)
{
	for (int i = 0; i < count; i++)
		if (names[i] && word_is(w, n, names[i]))
			return i;
	return -1;
}

static const char *const crash_names[] = {
	[CRASH_PAGEFAULT] = "pagefault",
	[CRASH_DIVIDE] = "divide",
	[CRASH_STACK_OVERFLOW] = "stackoverflow",
	[CRASH_LOCK_TWICE] = "locktwice",	/* several CPUs and check=invariants */
};

static void parse_selftests(struct boot_options *o, const char *v, size_t n)
{
	static const char *const names[] = { "frames", "paging", "timer" };
	bool *flags[] = { &o->selftest_frames, &o->selftest_paging, &o->selftest_timer };

	while (n > 0) {
		size_t len = 0;
		while (len < n && v[len] != ',')
			len++;
		int i = lookup(v, len, names, ARRAY_SIZE(names));
		if (i >= 0)
			*flags[i] = true;
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

/* A decimal number of milliseconds in [min, max] into *out; otherwise a
 * problem naming the word, and *out keeps its default. */
static void parse_ms(struct boot_options *o, const char *w, size_t n, const char *v,
		     size_t vlen, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t x = 0;
	size_t i = 0;
	while (i < vlen && v[i] >= '0' && v[i] <= '9' && x <= max)
		x = x * 10 + (uint64_t)(v[i++] - '0');
	if (vlen == 0 || i != vlen)
		problem(o, "not a number of milliseconds", w, n);
	else if (x < min || x > max)
		problem(o, "milliseconds out of range", w, n);
	else
		*out = (uint32_t)x;
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
	} else if (word_is(w, key, "check") && key < n) {
		if (word_is(val, vlen, "invariants"))
			o->check_invariants = true;
		else
			problem(o, "unknown check", val, vlen);
	} else if (word_is(w, key, "trace") && key < n) {
		if (word_is(val, vlen, "hypercalls"))
			o->trace_hypercalls = true;
		else
			problem(o, "unknown trace", val, vlen);
	} else if (word_is(w, key, "devslice") && key < n) {
		parse_ms(o, w, n, val, vlen, SV_DEV_MS_MIN, SV_DEV_SLICE_MAX_MS, &o->dev_slice_ms);
	} else if (word_is(w, key, "devgrace") && key < n) {
		parse_ms(o, w, n, val, vlen, SV_DEV_MS_MIN, SV_DEV_GRACE_MAX_MS, &o->dev_grace_ms);
	} else if (word_is(w, key, "fpu") && key < n) {
		if (word_is(val, vlen, "eager") || word_is(val, vlen, "lazy"))
			o->fpu_lazy = word_is(val, vlen, "lazy");
		else
			problem(o, "unknown FPU switching (eager or lazy)", val, vlen);
	} else if (word_is(w, key, "tick") && key < n) {
		if (word_is(val, vlen, "none") || word_is(val, vlen, "periodic"))
			o->tick_periodic = word_is(val, vlen, "periodic");
		else
			problem(o, "unknown tick (none or periodic)", val, vlen);
	} else if (word_is(w, key, "crash") && key < n) {
		int kind = lookup(val, vlen, crash_names, ARRAY_SIZE(crash_names));
		if (kind > 0)
			o->crash = (enum crash_kind)kind;
		else
			problem(o, "unknown crash kind", val, vlen);
	} else {
		problem(o, "unknown option", w, n);
	}
}

const char *next_word(const char **cursor, const char *end, size_t *len)
{
	const char *p = *cursor;
	while (p < end && *p == ' ')
		p++;
	const char *w = p;
	while (p < end && *p != ' ')
		p++;
	*cursor = p;
	*len = (size_t)(p - w);
	return *len ? w : NULL;
}

void cmdline_parse(const char *cmdline, struct boot_options *o)
{
	*o = (struct boot_options){
		.dev_slice_ms = SV_DEV_SLICE_DEFAULT_MS, .dev_grace_ms = SV_DEV_GRACE_DEFAULT_MS,
	};
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
	const char *p = cmdline, *end = cmdline + len, *w;
	size_t n;
	/* QEMU -kernel passes the image path as the first word; GRUB does
	 * not. A first word with a '/' or ending in ".elf" is that path. */
	const char *after_first = p;
	w = next_word(&after_first, end, &n);
	if (w && (memchr(w, '/', n) || (n >= 4 && strncmp(w + n - 4, ".elf", 4) == 0)))
		p = after_first;
	while ((w = next_word(&p, end, &n)))
		parse_word(o, w, n);
}
