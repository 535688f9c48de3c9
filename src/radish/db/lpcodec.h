/*
 * lpcodec.h: Redis's listpack element codec (listpack.c), shared by the C
 * modules that keep listpacks (db/_streamlp.c, db/_listpack.c,
 * db/_quicklist.c).
 *
 * Encoding: put_str stores a string as lpAppend does (as an integer when
 * lpStringToInt64 reads it as one), put_int an integer, each followed by
 * its back length. Decoding: lp_get reads one element, bounds checked
 * against the buffer's length (a malformed listpack raises ValueError, it
 * never reads past the end); elem_bytes gives an element's text. Whole
 * listpacks: lp_check checks one from outside (every element, the back
 * lengths, the header's total and count, the end byte); elem_read,
 * elem_size, enc_len and elem_obj walk one already checked.
 * Static functions only: each module that includes it gets its own copy.
 */

#ifndef RADISH_LPCODEC_H
#define RADISH_LPCODEC_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

/* Decimal digits of v at d (no terminator); returns their count. */
static int
fmt_u64(char *d, uint64_t v)
{
    char tmp[20];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (int i = 0; i < n; i++)
        d[i] = tmp[n - 1 - i];
    return n;
}

static int
fmt_ll(char *d, long long v)
{
    if (v < 0) {
        d[0] = '-';
        return 1 + fmt_u64(d + 1, 0 - (uint64_t)v);
    }
    return fmt_u64(d, (uint64_t)v);
}

/* Redis's string2ll (lpStringToInt64): 1 when s spells an int64 exactly. */
static int
str2ll(const char *s, Py_ssize_t n, long long *out)
{
    if (n == 0 || n > 20)
        return 0;
    const char *p = s;
    Py_ssize_t left = n;
    int neg = 0;
    if (n == 1 && p[0] == '0') {
        *out = 0;
        return 1;
    }
    if (*p == '-') {
        neg = 1;
        p++;
        left--;
        if (left == 0)
            return 0;
    }
    if (*p < '1' || *p > '9')
        return 0;
    unsigned long long v = 0;
    while (left) {
        if (*p < '0' || *p > '9')
            return 0;
        unsigned d = (unsigned)(*p - '0');
        if (v > (ULLONG_MAX - d) / 10)
            return 0;
        v = v * 10 + d;
        p++;
        left--;
    }
    if (neg) {
        if (v > (unsigned long long)LLONG_MAX + 1)
            return 0;
        *out = (long long)(0 - v);
    } else {
        if (v > (unsigned long long)LLONG_MAX)
            return 0;
        *out = (long long)v;
    }
    return 1;
}

static int
backlen_size(uint64_t l)
{
    if (l <= 127)
        return 1;
    if (l < 16383)
        return 2;
    if (l < 2097151)
        return 3;
    if (l < 268435455)
        return 4;
    return 5;
}

static unsigned char *
put_backlen(unsigned char *d, uint64_t l)
{
    int n = backlen_size(l);
    /* Big-endian 7-bit groups, every byte but the first with the high bit. */
    for (int i = n - 1; i >= 0; i--) {
        unsigned char b = (unsigned char)((l >> (7 * (n - 1 - i))) & 127);
        if (i != 0)
            b |= 128;
        d[i] = b;
    }
    return d + n;
}

static unsigned char *
put_int(unsigned char *d, long long v)
{
    if (v >= 0 && v <= 127) {
        *d++ = (unsigned char)v;
        *d++ = 1;
    } else if (v >= -4096 && v <= 4095) {
        uint64_t u = (uint64_t)v & 0x1FFF;
        *d++ = (unsigned char)(0xC0 | (u >> 8));
        *d++ = (unsigned char)(u & 0xFF);
        *d++ = 2;
    } else {
        int w;
        unsigned char tag;
        if (v >= -32768 && v <= 32767) {
            w = 2;
            tag = 0xF1;
        } else if (v >= -8388608 && v <= 8388607) {
            w = 3;
            tag = 0xF2;
        } else if (v >= -2147483648LL && v <= 2147483647LL) {
            w = 4;
            tag = 0xF3;
        } else {
            w = 8;
            tag = 0xF4;
        }
        *d++ = tag;
        uint64_t u = (uint64_t)v;
        for (int i = 0; i < w; i++) {
            *d++ = (unsigned char)(u & 0xFF);
            u >>= 8;
        }
        *d++ = (unsigned char)(w + 1);
    }
    return d;
}

static unsigned char *
put_str(unsigned char *d, const char *s, Py_ssize_t n)
{
    long long v;
    if (n && n <= 20 && ((s[0] >= '0' && s[0] <= '9') || s[0] == '-') && str2ll(s, n, &v))
        return put_int(d, v);
    uint64_t l;
    if (n < 64) {
        *d++ = (unsigned char)(0x80 | n);
        l = 1 + (uint64_t)n;
    } else if (n < 4096) {
        *d++ = (unsigned char)(0xE0 | (n >> 8));
        *d++ = (unsigned char)(n & 0xFF);
        l = 2 + (uint64_t)n;
    } else {
        *d++ = 0xF0;
        uint64_t u = (uint64_t)n;
        for (int i = 0; i < 4; i++) {
            *d++ = (unsigned char)(u & 0xFF);
            u >>= 8;
        }
        l = 5 + (uint64_t)n;
    }
    memcpy(d, s, (size_t)n);
    d += n;
    return put_backlen(d, l);
}

/* -- decoding ------------------------------------------------------------------------------ */

typedef struct {
    const unsigned char *lp;
    Py_ssize_t n;
} Reader;

/* The element at *p: returns 1 (string: *s, *slen) or 0 (integer: *v) and
 * moves *p past it; -1 with ValueError when it runs past the end. */
static int
lp_get(const Reader *r, Py_ssize_t *p, const unsigned char **s, Py_ssize_t *slen, long long *v)
{
    const unsigned char *lp = r->lp;
    Py_ssize_t n = r->n, q = *p;
    if (q >= n)
        goto bad;
    unsigned char b = lp[q];
    if (b < 0x80) {
        if (q + 2 > n)
            goto bad;
        *v = b;
        *p = q + 2;
        return 0;
    }
    if (b < 0xC0) {
        Py_ssize_t l = b & 0x3F;
        if (q + 1 + l + 1 > n)
            goto bad;
        *s = lp + q + 1;
        *slen = l;
        *p = q + 1 + l + 1;
        return 1;
    }
    if (b < 0xE0) {
        if (q + 3 > n)
            goto bad;
        long long x = ((b & 0x1F) << 8) | lp[q + 1];
        *v = x >= 4096 ? x - 8192 : x;
        *p = q + 3;
        return 0;
    }
    if (b < 0xF0) {
        if (q + 2 > n)
            goto bad;
        Py_ssize_t l = ((b & 0x0F) << 8) | lp[q + 1];
        Py_ssize_t e = q + 2 + l + backlen_size((uint64_t)l + 2);
        if (e > n)
            goto bad;
        *s = lp + q + 2;
        *slen = l;
        *p = e;
        return 1;
    }
    if (b == 0xF0) {
        if (q + 5 > n)
            goto bad;
        uint64_t l = (uint64_t)lp[q + 1] | ((uint64_t)lp[q + 2] << 8) | ((uint64_t)lp[q + 3] << 16) | ((uint64_t)lp[q + 4] << 24);
        if (l > (uint64_t)(n - q))
            goto bad;
        Py_ssize_t e = q + 5 + (Py_ssize_t)l + backlen_size(l + 5);
        if (e > n)
            goto bad;
        *s = lp + q + 5;
        *slen = (Py_ssize_t)l;
        *p = e;
        return 1;
    }
    int w = b == 0xF1 ? 2 : b == 0xF2 ? 3 : b == 0xF3 ? 4 : b == 0xF4 ? 8 : 0;
    if (w == 0) {
        PyErr_Format(PyExc_ValueError, "bad listpack element encoding 0x%02x", b);
        return -1;
    }
    if (q + 2 + w > n)
        goto bad;
    uint64_t u = 0;
    for (int i = w - 1; i >= 0; i--)
        u = (u << 8) | lp[q + 1 + i];
    if (w < 8 && (u >> (8 * w - 1)) & 1)
        u |= ~(uint64_t)0 << (8 * w);
    *v = (long long)u;
    *p = q + 2 + w;
    return 0;
bad:
    PyErr_SetString(PyExc_ValueError, "listpack element runs past its end");
    return -1;
}

static PyObject *
elem_bytes(int kind, const unsigned char *s, Py_ssize_t l, long long v)
{
    if (kind == 1)
        return PyBytes_FromStringAndSize((const char *)s, l);
    char tmp[24];
    int k = fmt_ll(tmp, v);
    return PyBytes_FromStringAndSize(tmp, k);
}

/* -- a whole listpack, already checked (the value types' own bytes) --------------------- */

#define LP_HDR 6    /* total bytes (u32), element count (u16) */
#define LP_EOF 0xFF

static inline uint32_t
lp_total(const unsigned char *lp)
{
    return (uint32_t)lp[0] | ((uint32_t)lp[1] << 8) | ((uint32_t)lp[2] << 16) | ((uint32_t)lp[3] << 24);
}

typedef struct {
    const unsigned char *s;
    Py_ssize_t slen;
    long long v;
    int str;
} Elem;

/* Reads the element at p; returns its whole size (encoding, data, back length). */
static inline size_t
elem_read(const unsigned char *p, Elem *e)
{
    unsigned char b = p[0];
    if (b < 0x80) {
        e->str = 0;
        e->v = b;
        return 2;
    }
    if (b < 0xC0) {
        size_t l = b & 0x3F;
        e->str = 1;
        e->s = p + 1;
        e->slen = (Py_ssize_t)l;
        return l + 2;
    }
    if (b < 0xE0) {
        long long x = ((b & 0x1F) << 8) | p[1];
        e->str = 0;
        e->v = x >= 4096 ? x - 8192 : x;
        return 3;
    }
    if (b < 0xF0) {
        size_t l = ((size_t)(b & 0x0F) << 8) | p[1];
        e->str = 1;
        e->s = p + 2;
        e->slen = (Py_ssize_t)l;
        return 2 + l + (size_t)backlen_size(l + 2);
    }
    if (b == 0xF0) {
        size_t l = (size_t)p[1] | ((size_t)p[2] << 8) | ((size_t)p[3] << 16) | ((size_t)p[4] << 24);
        e->str = 1;
        e->s = p + 5;
        e->slen = (Py_ssize_t)l;
        return 5 + l + (size_t)backlen_size(l + 5);
    }
    int w = b == 0xF1 ? 2 : b == 0xF2 ? 3 : b == 0xF3 ? 4 : 8;
    uint64_t u = 0;
    for (int i = w - 1; i >= 0; i--)
        u = (u << 8) | p[1 + i];
    if (w < 8 && (u >> (8 * w - 1)) & 1)
        u |= ~(uint64_t)0 << (8 * w);
    e->str = 0;
    e->v = (long long)u;
    return (size_t)(2 + w);
}

/* The size of the element's encoding and data (what its back length holds). */
static inline size_t
enc_len(const unsigned char *p)
{
    unsigned char b = p[0];
    if (b < 0x80)
        return 1;
    if (b < 0xC0)
        return 1 + (size_t)(b & 0x3F);
    if (b < 0xE0)
        return 2;
    if (b < 0xF0)
        return 2 + (((size_t)(b & 0x0F) << 8) | p[1]);
    if (b == 0xF0)
        return 5 + ((size_t)p[1] | ((size_t)p[2] << 8) | ((size_t)p[3] << 16) | ((size_t)p[4] << 24));
    return b == 0xF1 ? 3 : b == 0xF2 ? 4 : b == 0xF3 ? 5 : 9;
}

static inline size_t
elem_size(const unsigned char *p)
{
    Elem e;
    return elem_read(p, &e);
}

static inline PyObject *
elem_obj(const Elem *e)
{
    return elem_bytes(e->str, e->s, e->slen, e->v);
}

/* 0 when blob is a well-formed listpack (every element's encoding, length
 * and back length, the header's total and count, the end byte); *count:
 * its elements. ValueError otherwise. */
static inline int
lp_check(const unsigned char *b, Py_ssize_t n, uint32_t *count)
{
    if (n < LP_HDR + 1 || lp_total(b) != (uint32_t)n || b[n - 1] != LP_EOF) {
        PyErr_SetString(PyExc_ValueError, "listpack header or end byte is wrong");
        return -1;
    }
    Reader r = {b, n - 1};
    Py_ssize_t p = LP_HDR;
    uint32_t c = 0;
    while (p < n - 1) {
        const unsigned char *s;
        Py_ssize_t sl;
        long long v;
        Py_ssize_t start = p;
        if (lp_get(&r, &p, &s, &sl, &v) < 0)
            return -1;
        /* The back length must spell the encoding's size. */
        size_t enc = enc_len(b + start), whole = (size_t)(p - start);
        unsigned char want[8];
        unsigned char *end = put_backlen(want, enc);
        if (enc + (size_t)(end - want) != whole || memcmp(want, b + start + enc, whole - enc) != 0) {
            PyErr_SetString(PyExc_ValueError, "listpack back length is wrong");
            return -1;
        }
        c++;
    }
    uint32_t hc = (uint32_t)b[4] | ((uint32_t)b[5] << 8);
    if (hc != 65535 && hc != c) {
        PyErr_SetString(PyExc_ValueError, "listpack header count is wrong");
        return -1;
    }
    *count = c;
    return 0;
}

#endif /* RADISH_LPCODEC_H */
