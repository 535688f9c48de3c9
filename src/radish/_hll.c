/*
 * radish._hll: the hot parts of HyperLogLog in C (hashing, register
 * updates over the dense and sparse encodings, counting, merging).
 *
 * Same functions, arguments and results as the pure-Python twin
 * src/radish/db/hyperloglog.py, whose docstrings describe each one; the
 * bytes are Redis 7.0's (hyperloglog.c). tests/unit/test_hll_twin.py
 * compares the two on random inputs, corrupt ones included.
 *
 * Values are users' strings (SET, SETRANGE, RESTORE): every read of an
 * opcode is bounds-checked, a byte past the end reads as 0 (where Redis
 * reads its sds terminator), and a value that is not an HLL (wrong magic,
 * encoding, or a dense value of the wrong size) raises ValueError instead
 * of being touched. Values changed in place are bytearrays, resized with
 * PyByteArray_Resize (the pointer is fetched again after every resize).
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define HLL_P 14
#define HLL_Q (64 - HLL_P)
#define HLL_REGISTERS (1 << HLL_P)
#define HLL_P_MASK (HLL_REGISTERS - 1)
#define HLL_BITS 6
#define HLL_REGISTER_MAX ((1 << HLL_BITS) - 1)
#define HDR 16
#define DENSE_SIZE (HDR + (HLL_REGISTERS * HLL_BITS + 7) / 8)
#define HLL_DENSE 0
#define HLL_SPARSE 1
#define VAL_MAX_VALUE 32
#define VAL_MAX_LEN 4
#define ZERO_MAX_LEN 64
#define ALPHA_INF 0.721347520444481703680

#define IS_ZERO(b) (((b) & 0xc0) == 0)
#define IS_XZERO(b) (((b) & 0xc0) == 0x40)
#define IS_VAL(b) ((b) & 0x80)
#define ZERO_LEN(b) (((b) & 0x3f) + 1)
#define VAL_VALUE(b) ((((b) >> 2) & 0x1f) + 1)
#define VAL_LEN(b) (((b) & 0x3) + 1)
#define VAL_BYTE(v, l) ((uint8_t)((((v) - 1) << 2 | ((l) - 1)) | 0x80))

#define ERR_CORRUPT (-1)
#define ERR_PYTHON (-2)

static const uint8_t EMPTY[HDR + 2] = {'H', 'Y', 'L', 'L', 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f, 0xff};

/* XZERO run length of the opcode at p; the second byte reads 0 past end. */
static inline long xzero_len(const uint8_t *p, const uint8_t *end) {
    long b1 = (p + 1 < end) ? p[1] : 0;
    return ((((long)p[0] & 0x3f) << 8) | b1) + 1;
}

static uint64_t murmur64a(const uint8_t *data, Py_ssize_t len, uint64_t seed) {
    const uint64_t m = 0xc6a4a7935bd1e995ULL;
    const int r = 47;
    uint64_t h = seed ^ ((uint64_t)len * m);
    const uint8_t *end = data + (len - (len & 7));
    while (data != end) {
        uint64_t k = (uint64_t)data[0] | (uint64_t)data[1] << 8 | (uint64_t)data[2] << 16 |
                     (uint64_t)data[3] << 24 | (uint64_t)data[4] << 32 | (uint64_t)data[5] << 40 |
                     (uint64_t)data[6] << 48 | (uint64_t)data[7] << 56;
        k *= m;
        k ^= k >> r;
        k *= m;
        h ^= k;
        h *= m;
        data += 8;
    }
    switch (len & 7) {
    case 7: h ^= (uint64_t)data[6] << 48; /* fall through */
    case 6: h ^= (uint64_t)data[5] << 40; /* fall through */
    case 5: h ^= (uint64_t)data[4] << 32; /* fall through */
    case 4: h ^= (uint64_t)data[3] << 24; /* fall through */
    case 3: h ^= (uint64_t)data[2] << 16; /* fall through */
    case 2: h ^= (uint64_t)data[1] << 8;  /* fall through */
    case 1: h ^= (uint64_t)data[0]; h *= m;
    }
    h ^= h >> r;
    h *= m;
    h ^= h >> r;
    return h;
}

static inline int pat_len(const uint8_t *ele, Py_ssize_t n, long *index) {
    uint64_t hash = murmur64a(ele, n, 0xadc83b19ULL);
    *index = (long)(hash & HLL_P_MASK);
    hash >>= HLL_P;
    hash |= (uint64_t)1 << HLL_Q;
    int count = 1;
    uint64_t bit = 1;
    while ((hash & bit) == 0) {
        count++;
        bit <<= 1;
    }
    return count;
}

/* Dense registers: 'r' points at the registers (after the header); every
 * register's two bytes lie inside the 12288 bytes. */
static inline int dense_get(const uint8_t *r, long i) {
    unsigned long byte = (unsigned long)i * HLL_BITS / 8, fb = (unsigned long)i * HLL_BITS & 7;
    unsigned long b0 = r[byte], b1 = (byte + 1 < DENSE_SIZE - HDR) ? r[byte + 1] : 0;
    return (int)(((b0 >> fb) | (b1 << (8 - fb))) & HLL_REGISTER_MAX);
}

static inline void dense_set(uint8_t *r, long i, unsigned long v) {
    unsigned long byte = (unsigned long)i * HLL_BITS / 8, fb = (unsigned long)i * HLL_BITS & 7, fb8 = 8 - fb;
    r[byte] &= ~(HLL_REGISTER_MAX << fb);
    r[byte] |= v << fb;
    if (byte + 1 < DENSE_SIZE - HDR) {
        r[byte + 1] &= ~(HLL_REGISTER_MAX >> fb8);
        r[byte + 1] |= v >> fb8;
    }
}

static inline int dense_update(uint8_t *r, long i, int count) {
    if (count > dense_get(r, i)) {
        dense_set(r, i, (unsigned long)count);
        return 1;
    }
    return 0;
}

static int valid_hll(const uint8_t *s, Py_ssize_t n) {
    if (n < HDR || memcmp(s, "HYLL", 4) != 0 || s[4] > HLL_SPARSE) return 0;
    return s[4] != HLL_DENSE || n == DENSE_SIZE;
}

static int check_hll(const uint8_t *s, Py_ssize_t n) {
    if (valid_hll(s, n)) return 1;
    PyErr_SetString(PyExc_ValueError, "not a valid HyperLogLog value");
    return 0;
}

static PyObject *as_hll_bytearray(PyObject *o) {
    if (!PyByteArray_Check(o)) {
        PyErr_SetString(PyExc_TypeError, "a bytearray is required");
        return NULL;
    }
    if (!check_hll((uint8_t *)PyByteArray_AS_STRING(o), PyByteArray_GET_SIZE(o))) return NULL;
    return o;
}

/* Sparse registers into one byte each; -1 when they do not cover exactly
 * the 16384 registers (a VAL run past the end stops the scan). */
static int sparse_to_raw(const uint8_t *s, Py_ssize_t n, uint8_t *regs, int max_merge) {
    const uint8_t *p = s + HDR, *end = s + n;
    long idx = 0;
    while (p < end) {
        uint8_t b = *p;
        if (IS_ZERO(b)) {
            idx += ZERO_LEN(b);
            p++;
        } else if (IS_XZERO(b)) {
            idx += xzero_len(p, end);
            p += 2;
        } else {
            long runlen = VAL_LEN(b);
            uint8_t val = VAL_VALUE(b);
            if (runlen + idx > HLL_REGISTERS) break;
            while (runlen--) {
                if (!max_merge || val > regs[idx]) regs[idx] = val;
                idx++;
            }
            p++;
        }
    }
    return idx == HLL_REGISTERS ? 0 : -1;
}

/* hllSparseToDense in place: 1 converted, 0 already dense, ERR_CORRUPT,
 * ERR_PYTHON. */
static int to_dense(PyObject *ba) {
    uint8_t *s = (uint8_t *)PyByteArray_AS_STRING(ba);
    Py_ssize_t n = PyByteArray_GET_SIZE(ba);
    uint8_t regs[HLL_REGISTERS], hdr[HDR];
    if (s[4] == HLL_DENSE) return 0;
    memset(regs, 0, sizeof(regs));
    if (sparse_to_raw(s, n, regs, 0) < 0) return ERR_CORRUPT;
    memcpy(hdr, s, HDR);
    if (PyByteArray_Resize(ba, DENSE_SIZE) < 0) return ERR_PYTHON;
    s = (uint8_t *)PyByteArray_AS_STRING(ba);
    memcpy(s, hdr, HDR);
    s[4] = HLL_DENSE;
    memset(s + HDR, 0, DENSE_SIZE - HDR);
    for (long i = 0; i < HLL_REGISTERS; i++)
        if (regs[i]) dense_set(s + HDR, i, regs[i]);
    return 1;
}

static int zeros_op(uint8_t *n, long len) {
    if (len > ZERO_MAX_LEN) {
        long l = len - 1;
        n[0] = (uint8_t)((l >> 8) | 0x40);
        n[1] = (uint8_t)(l & 0xff);
        return 2;
    }
    n[0] = (uint8_t)(len - 1);
    return 1;
}

/* hllSparseSet: 1 raised, 0 not, ERR_CORRUPT, ERR_PYTHON. */
static int sparse_set(PyObject *ba, long index, int count, Py_ssize_t sparse_max) {
    uint8_t *s, *p, *end, *prev = NULL, *next;
    Py_ssize_t len;
    long first = 0, span = 0, runlen;
    int is_zero, is_xzero;

    if (count > VAL_MAX_VALUE) goto promote;
    s = (uint8_t *)PyByteArray_AS_STRING(ba);
    len = PyByteArray_GET_SIZE(ba);
    p = s + HDR;
    end = s + len;
    while (p < end) {
        long oplen = 1;
        uint8_t b = *p;
        if (IS_ZERO(b)) span = ZERO_LEN(b);
        else if (IS_VAL(b)) span = VAL_LEN(b);
        else {
            span = xzero_len(p, end);
            oplen = 2;
        }
        if (index <= first + span - 1) break;
        prev = p;
        p += oplen;
        first += span;
    }
    if (span == 0 || p >= end) return ERR_CORRUPT;

    uint8_t b = *p;
    is_xzero = IS_XZERO(b);
    is_zero = IS_ZERO(b);
    next = is_xzero ? p + 2 : p + 1;
    if (next >= end) next = NULL;
    runlen = is_xzero ? xzero_len(p, end) : (is_zero ? ZERO_LEN(b) : VAL_LEN(b));

    if (!is_zero && !is_xzero) {
        if (VAL_VALUE(b) >= count) return 0;
        if (runlen == 1) {
            *p = VAL_BYTE(count, 1);
            goto updated;
        }
    }
    if (is_zero && runlen == 1) {
        *p = VAL_BYTE(count, 1);
        goto updated;
    }
    {
        uint8_t seq[5];
        int seqlen = 0;
        long last = first + span - 1;
        if (is_zero || is_xzero) {
            if (index != first) seqlen += zeros_op(seq + seqlen, index - first);
            seq[seqlen++] = VAL_BYTE(count, 1);
            if (index != last) seqlen += zeros_op(seq + seqlen, last - index);
        } else {
            int cur = VAL_VALUE(b);
            if (index != first) seq[seqlen++] = VAL_BYTE(cur, index - first);
            seq[seqlen++] = VAL_BYTE(count, 1);
            if (index != last) seq[seqlen++] = VAL_BYTE(cur, last - index);
        }
        int oldlen = is_xzero ? 2 : 1;
        Py_ssize_t delta = seqlen - oldlen;
        if (delta > 0 && len + delta > sparse_max) goto promote;
        Py_ssize_t off = p - s, prev_off = prev ? prev - s : -1;
        Py_ssize_t next_off = next ? next - s : -1;
        Py_ssize_t newlen = len + delta;
        Py_ssize_t tail = next ? len - next_off : 0;
        Py_ssize_t ncopy = newlen - off < seqlen ? newlen - off : seqlen;
        if (delta > 0) {
            if (PyByteArray_Resize(ba, newlen) < 0) return ERR_PYTHON;
            s = (uint8_t *)PyByteArray_AS_STRING(ba);
        }
        if (tail) memmove(s + off + seqlen, s + next_off, (size_t)tail);
        memcpy(s + off, seq, (size_t)ncopy);
        if (delta < 0) {
            if (PyByteArray_Resize(ba, newlen) < 0) return ERR_PYTHON;
            s = (uint8_t *)PyByteArray_AS_STRING(ba);
        }
        len = newlen;
        end = s + len;
        prev = prev_off >= 0 ? s + prev_off : NULL;
    }

updated:
    /* Merge adjacent VAL opcodes of the same value. */
    {
        Py_ssize_t removed = 0;
        int scan = 5;
        p = prev ? prev : s + HDR;
        while (p < end && scan--) {
            uint8_t c = *p;
            if (IS_XZERO(c)) {
                p += 2;
                continue;
            } else if (IS_ZERO(c)) {
                p++;
                continue;
            }
            if (p + 1 < end && IS_VAL(p[1])) {
                int v1 = VAL_VALUE(c), v2 = VAL_VALUE(p[1]);
                if (v1 == v2) {
                    int l = VAL_LEN(c) + VAL_LEN(p[1]);
                    if (l <= VAL_MAX_LEN) {
                        p[1] = VAL_BYTE(v1, l);
                        memmove(p, p + 1, (size_t)(end - p - 1));
                        end--;
                        removed++;
                        continue;
                    }
                }
            }
            p++;
        }
        s[15] |= 0x80;
        if (removed && PyByteArray_Resize(ba, (end - s)) < 0) return ERR_PYTHON;
    }
    return 1;

promote: {
        int r = to_dense(ba);
        if (r < 0) return r;
        s = (uint8_t *)PyByteArray_AS_STRING(ba);
        return dense_update(s + HDR, index, count);
    }
}

static int add_one(PyObject *ba, const uint8_t *ele, Py_ssize_t n, Py_ssize_t sparse_max) {
    long index;
    int count = pat_len(ele, n, &index);
    uint8_t *s = (uint8_t *)PyByteArray_AS_STRING(ba);
    if (s[4] == HLL_DENSE) return dense_update(s + HDR, index, count);
    return sparse_set(ba, index, count, sparse_max);
}

/* ---- counting ---- */

static double sigma(double x) {
    if (x == 1.) return INFINITY;
    double zp, y = 1, z = x;
    do {
        x *= x;
        zp = z;
        z += x * y;
        y += y;
    } while (zp != z);
    return z;
}

static double tau(double x) {
    if (x == 0. || x == 1.) return 0.;
    double zp, y = 1.0, z = 1 - x;
    do {
        x = sqrt(x);
        zp = z;
        y *= 0.5;
        z -= pow(1 - x, 2) * y;
    } while (zp != z);
    return z / 3;
}

static uint64_t estimate(const long *histo) {
    double m = HLL_REGISTERS;
    double z = m * tau((m - histo[HLL_Q + 1]) / m);
    for (int j = HLL_Q; j >= 1; --j) {
        z += histo[j];
        z *= 0.5;
    }
    z += m * sigma(histo[0] / m);
    return (uint64_t)llround(ALPHA_INF * m * m / z);
}

/* Histogram of a valid HLL; -1 for a sparse one not covering 16384 registers. */
static int histogram(const uint8_t *s, Py_ssize_t n, long *histo) {
    memset(histo, 0, 64 * sizeof(long));
    if (s[4] == HLL_DENSE) {
        const uint8_t *r = s + HDR;
        for (int j = 0; j < 1024; j++) {
            histo[r[0] & 63]++;
            histo[(r[0] >> 6 | r[1] << 2) & 63]++;
            histo[(r[1] >> 4 | r[2] << 4) & 63]++;
            histo[(r[2] >> 2) & 63]++;
            histo[r[3] & 63]++;
            histo[(r[3] >> 6 | r[4] << 2) & 63]++;
            histo[(r[4] >> 4 | r[5] << 4) & 63]++;
            histo[(r[5] >> 2) & 63]++;
            histo[r[6] & 63]++;
            histo[(r[6] >> 6 | r[7] << 2) & 63]++;
            histo[(r[7] >> 4 | r[8] << 4) & 63]++;
            histo[(r[8] >> 2) & 63]++;
            histo[r[9] & 63]++;
            histo[(r[9] >> 6 | r[10] << 2) & 63]++;
            histo[(r[10] >> 4 | r[11] << 4) & 63]++;
            histo[(r[11] >> 2) & 63]++;
            r += 12;
        }
        return 0;
    }
    const uint8_t *p = s + HDR, *end = s + n;
    long idx = 0;
    while (p < end) {
        uint8_t b = *p;
        long runlen;
        if (IS_ZERO(b)) {
            runlen = ZERO_LEN(b);
            histo[0] += runlen;
            p++;
        } else if (IS_XZERO(b)) {
            runlen = xzero_len(p, end);
            histo[0] += runlen;
            p += 2;
        } else {
            runlen = VAL_LEN(b);
            histo[VAL_VALUE(b)] += runlen;
            p++;
        }
        idx += runlen;
    }
    return idx == HLL_REGISTERS ? 0 : -1;
}

static long long count_of(const uint8_t *s, Py_ssize_t n) {
    long histo[64];
    if (histogram(s, n, histo) < 0) return -1;
    return (long long)estimate(histo);
}

/* ---- Python functions ---- */

static PyObject *py_murmurhash64a(PyObject *self, PyObject *args) {
    Py_buffer b;
    unsigned long long seed;
    if (!PyArg_ParseTuple(args, "y*K", &b, &seed)) return NULL;
    uint64_t h = murmur64a(b.buf, b.len, seed);
    PyBuffer_Release(&b);
    return PyLong_FromUnsignedLongLong(h);
}

static PyObject *py_pat_len(PyObject *self, PyObject *arg) {
    Py_buffer b;
    long index;
    if (PyObject_GetBuffer(arg, &b, PyBUF_SIMPLE) < 0) return NULL;
    int count = pat_len(b.buf, b.len, &index);
    PyBuffer_Release(&b);
    return Py_BuildValue("(li)", index, count);
}

static PyObject *py_is_hll(PyObject *self, PyObject *arg) {
    Py_buffer b;
    if (PyByteArray_CheckExact(arg))
        return PyBool_FromLong(valid_hll((uint8_t *)PyByteArray_AS_STRING(arg), PyByteArray_GET_SIZE(arg)));
    if (PyBytes_CheckExact(arg))
        return PyBool_FromLong(valid_hll((uint8_t *)PyBytes_AS_STRING(arg), PyBytes_GET_SIZE(arg)));
    if (PyObject_GetBuffer(arg, &b, PyBUF_SIMPLE) < 0) return NULL;
    int ok = valid_hll(b.buf, b.len);
    PyBuffer_Release(&b);
    return PyBool_FromLong(ok);
}

static PyObject *py_add(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    PyObject *ba, *elements;
    Py_ssize_t start, sparse_max;
    long updated = 0;
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "add(v, elements, start, sparse_max)");
        return NULL;
    }
    ba = args[0];
    elements = args[1];
    if (!PyList_Check(elements)) {
        PyErr_SetString(PyExc_TypeError, "elements must be a list");
        return NULL;
    }
    start = PyLong_AsSsize_t(args[2]);
    if (start == -1 && PyErr_Occurred()) return NULL;
    sparse_max = PyLong_AsSsize_t(args[3]);
    if (sparse_max == -1 && PyErr_Occurred()) return NULL;
    if (!PyByteArray_Check(ba)) {
        PyErr_SetString(PyExc_TypeError, "a bytearray is required");
        return NULL;
    }
    if (!valid_hll((uint8_t *)PyByteArray_AS_STRING(ba), PyByteArray_GET_SIZE(ba))) return PyLong_FromLong(-2);
    if (start < 0) start = 0;
    for (Py_ssize_t i = start; i < PyList_GET_SIZE(elements); i++) {
        PyObject *e = PyList_GET_ITEM(elements, i);
        int r;
        if (PyBytes_Check(e)) {
            r = add_one(ba, (uint8_t *)PyBytes_AS_STRING(e), PyBytes_GET_SIZE(e), sparse_max);
        } else {
            Py_buffer b;
            if (PyObject_GetBuffer(e, &b, PyBUF_SIMPLE) < 0) return NULL;
            r = add_one(ba, b.buf, b.len, sparse_max);
            PyBuffer_Release(&b);
        }
        if (r == ERR_PYTHON) return NULL;
        if (r == ERR_CORRUPT) return PyLong_FromLong(-1);
        updated += r;
    }
    return PyLong_FromLong(updated);
}

static PyObject *py_to_dense(PyObject *self, PyObject *ba) {
    if (!as_hll_bytearray(ba)) return NULL;
    int r = to_dense(ba);
    if (r == ERR_PYTHON) return NULL;
    return PyLong_FromLong(r);
}

static PyObject *py_count(PyObject *self, PyObject *arg) {
    Py_buffer b;
    if (PyObject_GetBuffer(arg, &b, PyBUF_SIMPLE) < 0) return NULL;
    if (!check_hll(b.buf, b.len)) {
        PyBuffer_Release(&b);
        return NULL;
    }
    long long c = count_of(b.buf, b.len);
    PyBuffer_Release(&b);
    return PyLong_FromLongLong(c);
}

static PyObject *card_of(const uint8_t *s, Py_ssize_t n) {
    if (!valid_hll(s, n)) return PyLong_FromLong(-2);
    if (s[15] & 0x80) return PyLong_FromLong(-1);
    uint64_t card = 0;
    for (int i = 15; i >= 8; i--) card = card << 8 | s[i];
    return PyLong_FromUnsignedLongLong(card);
}

static PyObject *py_cached_card(PyObject *self, PyObject *arg) {
    Py_buffer b;
    if (PyByteArray_CheckExact(arg)) return card_of((uint8_t *)PyByteArray_AS_STRING(arg), PyByteArray_GET_SIZE(arg));
    if (PyObject_GetBuffer(arg, &b, PyBUF_SIMPLE) < 0) return NULL;
    PyObject *r = card_of(b.buf, b.len);
    PyBuffer_Release(&b);
    return r;
}

static PyObject *py_recount(PyObject *self, PyObject *ba) {
    if (!as_hll_bytearray(ba)) return NULL;
    uint8_t *s = (uint8_t *)PyByteArray_AS_STRING(ba);
    long long c = count_of(s, PyByteArray_GET_SIZE(ba));
    if (c >= 0)
        for (int i = 0; i < 8; i++) s[8 + i] = (uint8_t)(((uint64_t)c >> (8 * i)) & 0xff);
    return PyLong_FromLongLong(c);
}

#define MAX_INTO(i, v) do { uint8_t _v = (uint8_t)((v) & 63); if (_v > raw[i]) raw[i] = _v; } while (0)

static int merge_into(uint8_t *raw, const uint8_t *s, Py_ssize_t n) {
    if (s[4] == HLL_DENSE) {
        /* 16 registers in every 12 bytes, as the dense histogram reads them. */
        const uint8_t *r = s + HDR;
        for (long j = 0; j < HLL_REGISTERS; j += 16, r += 12) {
            MAX_INTO(j, r[0]);
            MAX_INTO(j + 1, r[0] >> 6 | r[1] << 2);
            MAX_INTO(j + 2, r[1] >> 4 | r[2] << 4);
            MAX_INTO(j + 3, r[2] >> 2);
            MAX_INTO(j + 4, r[3]);
            MAX_INTO(j + 5, r[3] >> 6 | r[4] << 2);
            MAX_INTO(j + 6, r[4] >> 4 | r[5] << 4);
            MAX_INTO(j + 7, r[5] >> 2);
            MAX_INTO(j + 8, r[6]);
            MAX_INTO(j + 9, r[6] >> 6 | r[7] << 2);
            MAX_INTO(j + 10, r[7] >> 4 | r[8] << 4);
            MAX_INTO(j + 11, r[8] >> 2);
            MAX_INTO(j + 12, r[9]);
            MAX_INTO(j + 13, r[9] >> 6 | r[10] << 2);
            MAX_INTO(j + 14, r[10] >> 4 | r[11] << 4);
            MAX_INTO(j + 15, r[11] >> 2);
        }
        return 0;
    }
    return sparse_to_raw(s, n, raw, 1);
}

static int raw_buffer(PyObject *o, Py_buffer *b, int writable) {
    if (PyObject_GetBuffer(o, b, writable ? PyBUF_WRITABLE : PyBUF_SIMPLE) < 0) return -1;
    if (b->len != HLL_REGISTERS) {
        PyBuffer_Release(b);
        PyErr_SetString(PyExc_ValueError, "16384 registers are required");
        return -1;
    }
    return 0;
}

static PyObject *py_merge_max(PyObject *self, PyObject *args) {
    PyObject *rawo, *v;
    Py_buffer raw, b;
    if (!PyArg_ParseTuple(args, "OO", &rawo, &v)) return NULL;
    if (raw_buffer(rawo, &raw, 1) < 0) return NULL;
    if (PyObject_GetBuffer(v, &b, PyBUF_SIMPLE) < 0) {
        PyBuffer_Release(&raw);
        return NULL;
    }
    int r = -2;
    if (check_hll(b.buf, b.len)) r = merge_into(raw.buf, b.buf, b.len);
    PyBuffer_Release(&b);
    PyBuffer_Release(&raw);
    if (r == -2) return NULL;
    return PyBool_FromLong(r == 0);
}

static PyObject *py_count_raw(PyObject *self, PyObject *rawo) {
    Py_buffer raw;
    long histo[64];
    if (raw_buffer(rawo, &raw, 0) < 0) return NULL;
    const uint8_t *r = raw.buf;
    memset(histo, 0, sizeof(histo));
    for (long i = 0; i < HLL_REGISTERS; i++) histo[r[i] & 63]++;
    PyBuffer_Release(&raw);
    return PyLong_FromUnsignedLongLong(estimate(histo));
}

static PyObject *py_store_merged(PyObject *self, PyObject *args) {
    PyObject *ba, *rawo;
    int use_dense;
    Py_ssize_t sparse_max;
    Py_buffer rb;
    uint8_t raw[HLL_REGISTERS];
    if (!PyArg_ParseTuple(args, "OOpn", &ba, &rawo, &use_dense, &sparse_max)) return NULL;
    if (!as_hll_bytearray(ba)) return NULL;
    if (raw_buffer(rawo, &rb, 0) < 0) return NULL;
    memcpy(raw, rb.buf, HLL_REGISTERS); /* ours: the buffer may be ba itself */
    PyBuffer_Release(&rb);
    if (use_dense) {
        int r = to_dense(ba);
        if (r == ERR_PYTHON) return NULL;
        if (r == ERR_CORRUPT) Py_RETURN_FALSE;
    }
    for (long j = 0; j < HLL_REGISTERS; j++) {
        if (!raw[j]) continue;
        uint8_t *s = (uint8_t *)PyByteArray_AS_STRING(ba);
        if (s[4] == HLL_DENSE) {
            dense_update(s + HDR, j, raw[j] & HLL_REGISTER_MAX);
        } else if (sparse_set(ba, j, raw[j] & HLL_REGISTER_MAX, sparse_max) == ERR_PYTHON) {
            return NULL;
        }
    }
    ((uint8_t *)PyByteArray_AS_STRING(ba))[15] |= 0x80;
    Py_RETURN_TRUE;
}

static PyObject *py_registers(PyObject *self, PyObject *arg) {
    Py_buffer b;
    if (PyObject_GetBuffer(arg, &b, PyBUF_SIMPLE) < 0) return NULL;
    const uint8_t *s = b.buf;
    if (!check_hll(s, b.len) || s[4] != HLL_DENSE) {
        PyBuffer_Release(&b);
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "a dense HyperLogLog is required");
        return NULL;
    }
    PyObject *list = PyList_New(HLL_REGISTERS);
    if (list)
        for (long i = 0; i < HLL_REGISTERS; i++) PyList_SET_ITEM(list, i, PyLong_FromLong(dense_get(s + HDR, i)));
    PyBuffer_Release(&b);
    return list;
}

static PyObject *py_decode(PyObject *self, PyObject *arg) {
    Py_buffer b;
    if (PyObject_GetBuffer(arg, &b, PyBUF_SIMPLE) < 0) return NULL;
    const uint8_t *s = b.buf, *p, *end = s + b.len;
    if (!check_hll(s, b.len)) {
        PyBuffer_Release(&b);
        return NULL;
    }
    /* Each opcode prints at most "Z:16384 " (8 bytes). */
    size_t cap = (size_t)(b.len - HDR) * 8 + 1, len = 0;
    char *out = PyMem_Malloc(cap);
    if (!out) {
        PyBuffer_Release(&b);
        return PyErr_NoMemory();
    }
    for (p = s + HDR; p < end;) {
        uint8_t c = *p;
        int w;
        if (IS_ZERO(c)) {
            w = snprintf(out + len, cap - len, "z:%d ", ZERO_LEN(c));
            p++;
        } else if (IS_XZERO(c)) {
            w = snprintf(out + len, cap - len, "Z:%ld ", xzero_len(p, end));
            p += 2;
        } else {
            w = snprintf(out + len, cap - len, "v:%d,%d ", VAL_VALUE(c), VAL_LEN(c));
            p++;
        }
        len += (size_t)w;
    }
    if (len) len--; /* the trailing space */
    PyObject *r = PyBytes_FromStringAndSize(out, (Py_ssize_t)len);
    PyMem_Free(out);
    PyBuffer_Release(&b);
    return r;
}

static uint64_t xorshift(uint64_t *st) {
    uint64_t x = *st;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *st = x;
}

static PyObject *py_selftest(PyObject *self, PyObject *args) {
    Py_ssize_t sparse_max, cycles = 1000, elements = 10000000;
    if (!PyArg_ParseTuple(args, "n|nn", &sparse_max, &cycles, &elements)) return NULL;
    uint64_t st = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL | 1;
    uint8_t *dense = PyMem_Calloc(DENSE_SIZE, 1);
    uint8_t bytes[HLL_REGISTERS];
    PyObject *sparse = NULL, *result = NULL;
    if (!dense) return PyErr_NoMemory();
    for (Py_ssize_t j = 0; j < cycles; j++) {
        for (long i = 0; i < HLL_REGISTERS; i++) {
            uint8_t r = (uint8_t)(xorshift(&st) & HLL_REGISTER_MAX);
            bytes[i] = r;
            dense_set(dense + HDR, i, r);
        }
        for (long i = 0; i < HLL_REGISTERS; i++) {
            int val = dense_get(dense + HDR, i);
            if (val != bytes[i]) {
                result = PyUnicode_FromFormat("TESTFAILED Register %ld should be %d but is %d", i, (int)bytes[i], val);
                goto cleanup;
            }
        }
    }
    memset(dense, 0, DENSE_SIZE);
    memcpy(dense, "HYLL", 4);
    sparse = PyByteArray_FromStringAndSize((const char *)EMPTY, sizeof(EMPTY));
    if (!sparse) goto cleanup;
    double relerr = 1.04 / sqrt(HLL_REGISTERS);
    long long checkpoint = 1;
    uint64_t seed = xorshift(&st);
    for (Py_ssize_t j = 1; j <= elements; j++) {
        uint64_t e = (uint64_t)j ^ seed;
        uint8_t ele[8];
        long index;
        for (int k = 0; k < 8; k++) ele[k] = (uint8_t)(e >> (8 * k));
        int cnt = pat_len(ele, 8, &index);
        dense_update(dense + HDR, index, cnt);
        if (add_one(sparse, ele, 8, sparse_max) == ERR_PYTHON) goto cleanup;
        if (j == checkpoint) {
            uint8_t *s = (uint8_t *)PyByteArray_AS_STRING(sparse);
            Py_ssize_t n = PyByteArray_GET_SIZE(sparse);
            if (j < sparse_max / 2 && s[4] != HLL_SPARSE) {
                result = PyUnicode_FromString("TESTFAILED sparse encoding not used");
                goto cleanup;
            }
            long long dc = count_of(dense, DENSE_SIZE);
            if (dc != count_of(s, n)) {
                result = PyUnicode_FromString("TESTFAILED dense/sparse disagree");
                goto cleanup;
            }
            long long abserr = checkpoint - dc;
            long long maxerr = (long long)ceil(relerr * 6 * (double)checkpoint);
            if (j == 10) maxerr = 1;
            if (abserr < 0) abserr = -abserr;
            if (abserr > maxerr) {
                result = PyUnicode_FromFormat("TESTFAILED Too big error. card:%lld abserr:%lld", checkpoint, abserr);
                goto cleanup;
            }
            checkpoint *= 10;
        }
    }
    result = Py_None;
    Py_INCREF(result);
cleanup:
    PyMem_Free(dense);
    Py_XDECREF(sparse);
    return result;
}

static PyMethodDef methods[] = {
    {"murmurhash64a", py_murmurhash64a, METH_VARARGS, "MurmurHash64A(data, seed)."},
    {"pat_len", py_pat_len, METH_O, "(register index, count) of an element."},
    {"is_hll", py_is_hll, METH_O, "Whether a string is a valid HLL (isHLLObjectOrReply)."},
    {"add", (PyCFunction)(void (*)(void))py_add, METH_FASTCALL, "add(v, elements, start, sparse_max) -> updated count, -1 corrupt, -2 not an HLL."},
    {"to_dense", py_to_dense, METH_O, "Sparse to dense in place: 1, 0 or -1 (corrupt)."},
    {"count", py_count, METH_O, "Estimated cardinality, -1 if corrupt."},
    {"cached_card", py_cached_card, METH_O, "Cached cardinality, -1 when marked invalid, -2 not an HLL."},
    {"recount", py_recount, METH_O, "Count and store the cache; -1 if corrupt."},
    {"merge_max", py_merge_max, METH_VARARGS, "merge_max(raw, v) -> False if corrupt."},
    {"count_raw", py_count_raw, METH_O, "Cardinality of 16384 one-byte registers."},
    {"store_merged", py_store_merged, METH_VARARGS, "store_merged(v, raw, use_dense, sparse_max) -> bool."},
    {"registers", py_registers, METH_O, "Registers of a dense HLL."},
    {"decode", py_decode, METH_O, "PFDEBUG DECODE text of a sparse HLL."},
    {"selftest", py_selftest, METH_VARARGS, "selftest(sparse_max, cycles=1000, elements=10000000) -> error text or None."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "radish._hll", "HyperLogLog in C (twin of radish.db.hyperloglog).", -1, methods};

PyMODINIT_FUNC PyInit__hll(void) { return PyModule_Create(&module); }
