/*
 * format.c: vsnprintf, the one formatting engine behind printk and panic.
 * It never writes past the buffer and always terminates it, so a bad
 * format argument can garble a line but never corrupt memory.
 */
#include "lib.h"

struct out {
	char *buf;
	size_t size;	/* capacity, including the NUL */
	size_t len;	/* characters produced so far (may exceed size) */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

static void put_str(struct out *o, const char *s)
{
	while (*s)
		put(o, *s++);
}

/* Emit one number in the given base, honouring width and flags. The
 * prefix ("-", "0x" or "") goes before zero padding, after space padding. */
static void put_number(struct out *o, unsigned long long v, const char *prefix,
		       unsigned base, bool upper, int width, bool left,
		       char padc)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	int total = n + (int)strlen(prefix);
	if (padc == '0')
		put_str(o, prefix);
	if (!left)
		pad(o, padc, width - total);
	if (padc != '0')
		put_str(o, prefix);
	while (n)
		put(o, tmp[--n]);
	if (left)
		pad(o, ' ', width - total);
}

/* A width or precision: decimal digits, or '*' for the next int argument. */
static int read_count(const char **fmt, va_list *ap)
{
	int n = 0;
	if (**fmt == '*') {
		(*fmt)++;
		return va_arg(*ap, int);
	}
	while (**fmt >= '0' && **fmt <= '9')
		n = n * 10 + (*(*fmt)++ - '0');
	return n;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list arg_list)
{
	struct out o = { buf, size, 0 };
	va_list ap;

	/* A copy we can pass by address (a va_list parameter may be an array
	 * type, whose address is not a va_list *). */
	va_copy(ap, arg_list);

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		bool left = false, alt = false;
		char padc = ' ';
		for (;; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '0')
				padc = '0';
			else if (*fmt == '#')
				alt = true;	/* 0x before hex */
			else
				break;
		}
		if (left)
			padc = ' ';
		int width = read_count(&fmt, &ap), prec = -1;
		if (*fmt == '.') {
			fmt++;
			prec = read_count(&fmt, &ap);
		}
		int lng = 0;	/* 0: int, 1: long, 2: long long */
		if (*fmt == 'z') {
			lng = sizeof(size_t) == sizeof(long) ? 1 : 0;
			fmt++;
		}
		while (*fmt == 'l') {
			lng++;
			fmt++;
		}

		unsigned long long u;
		long long s;
		switch (*fmt) {
		case 'd':
		case 'i':
			s = lng >= 2 ? va_arg(ap, long long)
			    : lng == 1 ? va_arg(ap, long) : va_arg(ap, int);
			u = s < 0 ? 0ULL - (unsigned long long)s : (unsigned long long)s;
			put_number(&o, u, s < 0 ? "-" : "", 10, false, width, left, padc);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o': {
			u = lng >= 2 ? va_arg(ap, unsigned long long)
			    : lng == 1 ? va_arg(ap, unsigned long)
			    : va_arg(ap, unsigned int);
			const char *prefix = "";
			if (alt && *fmt == 'x')
				prefix = "0x";
			else if (alt && *fmt == 'X')
				prefix = "0X";
			put_number(&o, u, prefix, *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16,
				   *fmt == 'X', width, left, padc);
			break;
		}
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			put_number(&o, (uintptr_t)va_arg(ap, void *), "", 16,
				   false, 8, false, '0');
			break;
		case 'c':
			if (!left)
				pad(&o, ' ', width - 1);
			put(&o, (char)va_arg(ap, int));
			if (left)
				pad(&o, ' ', width - 1);
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);
			if (!str)
				str = "(null)";
			int n = (int)strnlen(str, prec < 0 ? (size_t)-1 : (size_t)prec);
			if (!left)
				pad(&o, ' ', width - n);
			for (int i = 0; i < n; i++)
				put(&o, str[i]);
			if (left)
				pad(&o, ' ', width - n);
			break;
		}
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--;	/* a lone '%' at the end: stop cleanly */
			break;
		default:	/* unknown conversion: show it as written */
			put(&o, '%');
			put(&o, *fmt);
			break;
		}
	}
	va_end(ap);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
