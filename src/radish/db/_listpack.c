/*
 * radish.db._listpack: small hashes and sorted sets kept in Redis's own
 * listpack bytes.
 *
 * The C twin of radish/db/listpack.py (PyHash, PyZSet, PyZSetView), whose
 * docstring describes the types and their API; tests/unit/test_listpack_twin.py
 * holds the two to the same bytes and the same answers (hypothesis).
 *
 * Why C: a hash of ten fields kept as a dict costs about 1.2 KB in CPython
 * (the table, twenty bytes objects); the same hash as a listpack is its
 * Redis size, 167 bytes, plus a 32-byte object. Every operation walks the
 * listpack as Redis's t_hash.c / t_zset.c do (they are small: at most
 * hash-max-listpack-entries / zset-max-listpack-entries), which in Python
 * would cost more than the command's whole budget.
 *
 * An object is a header (refcount, type), the listpack (a PyMem block: the
 * 6-byte header, the elements, the 0xFF end, exactly the bytes Redis keeps,
 * so RDB and DUMP save a copy) and two counters: elements, and changes
 * (views of a sorted set cache element offsets and check it). Every change
 * reallocates the block to its exact size, as lpInsert does.
 *
 * Listpacks built from outside (an RDB file, a DUMP payload) are checked
 * element by element before they are adopted: encodings, lengths, back
 * lengths, the header's total and count, the end byte.
 *
 * ZADD's and ZPOPMIN's common cases are one call each: ZSet.add (a pair
 * found, moved or added, or None when the set must become a skiplist
 * first) after the module's string2d (Redis's util.c string2d: glibc's
 * strtod, the twin of strconv.string2d), and ZSet.pop_reply.
 */

#include "lpcodec.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>

/* listpack.c's LISTPACK_MAX_SAFETY_SIZE: zsetAdd converts to a skiplist
 * rather than let a listpack grow past it (listpack.py's twin constant). */
#define LISTPACK_SAFETY_SIZE (1u << 30)


typedef struct {
    PyObject_HEAD
    unsigned char *lp;
    uint32_t n;   /* elements */
    uint32_t mod; /* bumped on every change */
} LPObject;

static PyTypeObject LPType, HashType, ZSetType, ViewType, SetType;

/* mod's top bit: a set once converted from intset to hashtable (sticky,
 * as Redis's conversion is); the next two: the widest intset encoding the
 * set has needed (0: 16 bits, 1: 32, 2: 64; Redis's intset never narrows
 * after removals, and its RDB/DUMP bytes show the width); the rest counts
 * changes. */
#define SET_BIG 0x80000000u
#define SET_WSHIFT 29
#define SET_WMASK (3u << SET_WSHIFT)
#define SET_FLAGS (SET_BIG | SET_WMASK)

/* Elements per entry: 2 for hashes and sorted sets (pairs), 1 for sets. */
#define WIDTH(o) (Py_TYPE(o) == &SetType ? 1 : 2)


static inline void
lp_set_header(LPObject *o, uint32_t total)
{
    unsigned char *lp = o->lp;
    uint32_t c = o->n < 65535 ? o->n : 65535;
    lp[0] = (unsigned char)(total & 0xFF);
    lp[1] = (unsigned char)((total >> 8) & 0xFF);
    lp[2] = (unsigned char)((total >> 16) & 0xFF);
    lp[3] = (unsigned char)((total >> 24) & 0xFF);
    lp[4] = (unsigned char)(c & 0xFF);
    lp[5] = (unsigned char)(c >> 8);
}

/* -- elements of a listpack already checked ------------------------------------------------ */





/* The element's text at t (an integer's digits go to buf). */
static inline const char *
elem_text(const Elem *e, char *buf, Py_ssize_t *len)
{
    if (e->str) {
        *len = e->slen;
        return (const char *)e->s;
    }
    *len = fmt_ll(buf, e->v);
    return buf;
}

static inline int
elem_eq(const Elem *e, const char *s, Py_ssize_t n)
{
    char buf[24];
    Py_ssize_t l;
    const char *t = elem_text(e, buf, &l);
    return l == n && memcmp(t, s, (size_t)n) == 0;
}

/* zzlCompareElements: memcmp, then the shorter first. */
static inline int
elem_cmp(const Elem *e, const char *s, Py_ssize_t n)
{
    char buf[24];
    Py_ssize_t l;
    const char *t = elem_text(e, buf, &l);
    Py_ssize_t m = l < n ? l : n;
    int c = memcmp(t, s, (size_t)m);
    if (c)
        return c;
    return l < n ? -1 : l > n ? 1 : 0;
}


/* zzlGetScore: an integer element, or a string read by strtod (zzlStrtod:
 * at most 127 characters). */
static inline double
elem_score(const Elem *e)
{
    if (!e->str)
        return (double)e->v;
    char buf[128];
    size_t l = e->slen < 127 ? (size_t)e->slen : 127;
    memcpy(buf, e->s, l);
    buf[l] = '\0';
    return strtod(buf, NULL);
}

/* -- changing a listpack -------------------------------------------------------------- */

/* Replaces the dellen bytes at off with the inslen bytes at ins; dn: the
 * change in elements. */
static int
lp_splice(LPObject *o, size_t off, size_t dellen, const unsigned char *ins, size_t inslen, long dn)
{
    size_t total = lp_total(o->lp);
    size_t ntotal = total - dellen + inslen;
    if (ntotal > UINT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "listpack larger than 4 GB");
        return -1;
    }
    if (inslen > dellen) {
        unsigned char *np = PyMem_Realloc(o->lp, ntotal);
        if (np == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        o->lp = np;
        memmove(np + off + inslen, np + off + dellen, total - off - dellen);
        memcpy(np + off, ins, inslen);
    } else {
        unsigned char *lp = o->lp;
        memcpy(lp + off, ins, inslen);
        memmove(lp + off + inslen, lp + off + dellen, total - off - dellen);
        if (inslen < dellen) {
            unsigned char *np = PyMem_Realloc(lp, ntotal);
            if (np != NULL)
                o->lp = np;
        }
    }
    o->n = (uint32_t)((long)o->n + dn);
    uint32_t keep = Py_TYPE(o) == &SetType ? SET_FLAGS : 0;
    o->mod = (o->mod & keep) | ((o->mod + 1) & ~keep);
    lp_set_header(o, (uint32_t)ntotal);
    return 0;
}

/* A scratch buffer for encoded elements: on the stack when small. */
typedef struct {
    unsigned char stack[256];
    unsigned char *p;
} Scratch;

static unsigned char *
scratch(Scratch *s, size_t need)
{
    if (need <= sizeof(s->stack)) {
        s->p = s->stack;
        return s->p;
    }
    s->p = PyMem_Malloc(need);
    if (s->p == NULL)
        PyErr_NoMemory();
    return s->p;
}

static void
scratch_free(Scratch *s)
{
    if (s->p != NULL && s->p != s->stack)
        PyMem_Free(s->p);
}

static int
as_bytes(PyObject *x, const char **s, Py_ssize_t *n)
{
    if (!PyBytes_Check(x)) {
        PyErr_Format(PyExc_TypeError, "listpack elements must be bytes, not %.100s", Py_TYPE(x)->tp_name);
        return -1;
    }
    *s = PyBytes_AS_STRING(x);
    *n = PyBytes_GET_SIZE(x);
    return 0;
}

/* Appends the bytes objects at items to o. */
static int
lp_append_objs(LPObject *o, PyObject *const *items, Py_ssize_t k)
{
    size_t need = 0;
    for (Py_ssize_t i = 0; i < k; i++) {
        const char *s;
        Py_ssize_t n;
        if (as_bytes(items[i], &s, &n) < 0)
            return -1;
        need += (size_t)n + 11;
    }
    Scratch sc;
    unsigned char *d = scratch(&sc, need), *b = d;
    if (d == NULL)
        return -1;
    for (Py_ssize_t i = 0; i < k; i++)
        d = put_str(d, PyBytes_AS_STRING(items[i]), PyBytes_GET_SIZE(items[i]));
    int r = lp_splice(o, lp_total(o->lp) - 1, 0, b, (size_t)(d - b), (long)k);
    scratch_free(&sc);
    return r;
}

/* -- checking a listpack from outside -------------------------------------------------------- */


/* -- the base type -------------------------------------------------------------------- */

static PyObject *
lp_new(PyTypeObject *type, PyObject *args, PyObject *Py_UNUSED(kwds))
{
    PyObject *blob = NULL;
    if (!PyArg_ParseTuple(args, "|O:listpack", &blob))
        return NULL;
    Py_buffer view = {0};
    uint32_t count = 0;
    if (blob != NULL) {
        if (PyObject_GetBuffer(blob, &view, PyBUF_SIMPLE) < 0)
            return NULL;
        if (lp_check(view.buf, view.len, &count) < 0) {
            PyBuffer_Release(&view);
            return NULL;
        }
        if ((PyType_IsSubtype(type, &HashType) || PyType_IsSubtype(type, &ZSetType)) &&
            (count & 1)) {
            PyBuffer_Release(&view);
            PyErr_SetString(PyExc_ValueError, "listpack of pairs with an odd number of elements");
            return NULL;
        }
    }
    LPObject *o = (LPObject *)type->tp_alloc(type, 0);
    if (o == NULL) {
        if (blob != NULL)
            PyBuffer_Release(&view);
        return NULL;
    }
    size_t total = blob != NULL ? (size_t)view.len : LP_HDR + 1;
    o->lp = PyMem_Malloc(total);
    if (o->lp == NULL) {
        if (blob != NULL)
            PyBuffer_Release(&view);
        Py_DECREF(o);
        return PyErr_NoMemory();
    }
    if (blob != NULL) {
        memcpy(o->lp, view.buf, total);
        PyBuffer_Release(&view);
        o->n = count;
    } else {
        o->n = 0;
        o->lp[LP_HDR] = LP_EOF;
    }
    o->mod = 0;
    lp_set_header(o, (uint32_t)total);
    return (PyObject *)o;
}

static void
lp_dealloc(LPObject *o)
{
    PyMem_Free(o->lp);
    Py_TYPE(o)->tp_free((PyObject *)o);
}

static PyObject *
lp_blob(LPObject *o, PyObject *Py_UNUSED(x))
{
    return PyBytes_FromStringAndSize((const char *)o->lp, lp_total(o->lp));
}

static PyObject *
lp_nbytes(LPObject *o, PyObject *Py_UNUSED(x))
{
    return PyLong_FromUnsignedLong(lp_total(o->lp));
}

static PyObject *
lp_sizeof(LPObject *o, PyObject *Py_UNUSED(x))
{
    return PyLong_FromSize_t((size_t)Py_TYPE(o)->tp_basicsize + lp_total(o->lp));
}

/* Every element (or every second one from first, step 2) as bytes. */
static PyObject *
lp_list(LPObject *o, int first, int step)
{
    PyObject *out = PyList_New(0);
    if (out == NULL)
        return NULL;
    const unsigned char *p = o->lp + LP_HDR;
    int i = 0;
    while (*p != LP_EOF) {
        Elem e;
        size_t sz = elem_read(p, &e);
        if (i >= first && (i - first) % step == 0) {
            PyObject *x = elem_obj(&e);
            if (x == NULL || PyList_Append(out, x) < 0) {
                Py_XDECREF(x);
                Py_DECREF(out);
                return NULL;
            }
            Py_DECREF(x);
        }
        p += sz;
        i++;
    }
    return out;
}

static PyObject *
lp_elements(LPObject *o, PyObject *Py_UNUSED(x))
{
    return lp_list(o, 0, 1);
}

static PyObject *
lp_extend(LPObject *o, PyObject *it)
{
    PyObject *seq = PySequence_Fast(it, "extend: an iterable of bytes");
    if (seq == NULL)
        return NULL;
    int r = lp_append_objs(o, PySequence_Fast_ITEMS(seq), PySequence_Fast_GET_SIZE(seq));
    Py_DECREF(seq);
    if (r < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *
lp_copy(LPObject *o, PyObject *Py_UNUSED(x))
{
    PyTypeObject *type = Py_TYPE(o);
    LPObject *c = (LPObject *)type->tp_alloc(type, 0);
    if (c == NULL)
        return NULL;
    size_t total = lp_total(o->lp);
    c->lp = PyMem_Malloc(total);
    if (c->lp == NULL) {
        Py_DECREF(c);
        return PyErr_NoMemory();
    }
    memcpy(c->lp, o->lp, total);
    c->n = o->n;
    c->mod = o->mod & SET_FLAGS;
    return (PyObject *)c;
}

/* encoding(config) -> "listpack" (OBJECT ENCODING) */
static PyObject *
lp_encoding(LPObject *Py_UNUSED(o), PyObject *Py_UNUSED(config))
{
    return PyUnicode_FromString("listpack");
}

/* -- random picks (HRANDFIELD, ZRANDMEMBER): Python's random module, so a
 * seeded generator gives the same picks in both twins -------------------- */

static PyObject *rand_random, *rand_sample; /* random.random, random.sample */

static Py_ssize_t
rand_below(Py_ssize_t n)
{
    PyObject *r = PyObject_CallNoArgs(rand_random);
    if (r == NULL)
        return -1;
    double d = PyFloat_AsDouble(r);
    Py_DECREF(r);
    if (d == -1.0 && PyErr_Occurred())
        return -1;
    Py_ssize_t i = (Py_ssize_t)(d * (double)n);
    return i >= n ? n - 1 : i;
}

static PyObject *
lp_random_member(LPObject *o, PyObject *Py_UNUSED(x))
{
    int w = WIDTH(o);
    Py_ssize_t n = (Py_ssize_t)(o->n / w);
    if (n == 0) {
        PyErr_SetString(PyExc_IndexError, "random pick from an empty value");
        return NULL;
    }
    Py_ssize_t i = rand_below(n);
    if (i < 0)
        return NULL;
    const unsigned char *p = o->lp + LP_HDR;
    for (Py_ssize_t k = 0; k < w * i; k++)
        p += elem_size(p);
    Elem e;
    elem_read(p, &e);
    return elem_obj(&e);
}

/* random_distinct(k): k distinct fields (members), k < len, in random order. */
static PyObject *
lp_random_distinct(LPObject *o, PyObject *arg)
{
    PyObject *keys = lp_list(o, 0, WIDTH(o));
    if (keys == NULL)
        return NULL;
    PyObject *range = PyObject_CallFunction((PyObject *)&PyRange_Type, "n", PyList_GET_SIZE(keys));
    PyObject *idx = range ? PyObject_CallFunctionObjArgs(rand_sample, range, arg, NULL) : NULL;
    Py_XDECREF(range);
    PyObject *out = idx ? PyList_New(PyList_GET_SIZE(idx)) : NULL;
    for (Py_ssize_t j = 0; out != NULL && j < PyList_GET_SIZE(idx); j++) {
        Py_ssize_t i = PyLong_AsSsize_t(PyList_GET_ITEM(idx, j));
        PyObject *k = PyList_GET_ITEM(keys, i);
        Py_INCREF(k);
        PyList_SET_ITEM(out, j, k);
    }
    Py_XDECREF(idx);
    Py_DECREF(keys);
    return out;
}

/* random_repeats(k): k fields (members) drawn with replacement. */
static PyObject *
lp_random_repeats(LPObject *o, PyObject *arg)
{
    Py_ssize_t k = PyLong_AsSsize_t(arg);
    if (k == -1 && PyErr_Occurred())
        return NULL;
    PyObject *keys = lp_list(o, 0, WIDTH(o));
    if (keys == NULL)
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(keys);
    PyObject *out = PyList_New(k > 0 ? k : 0);
    for (Py_ssize_t j = 0; out != NULL && j < k; j++) {
        Py_ssize_t i = n ? rand_below(n) : -1;
        if (i < 0) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_IndexError, "random pick from an empty value");
            Py_CLEAR(out);
            break;
        }
        PyObject *x = PyList_GET_ITEM(keys, i);
        Py_INCREF(x);
        PyList_SET_ITEM(out, j, x);
    }
    Py_DECREF(keys);
    return out;
}

/* pool: the dict types keep a list for random picks; a listpack reads
 * itself, so there is never one to drop. */
static PyObject *
lp_get_pool(LPObject *Py_UNUSED(o), void *Py_UNUSED(closure))
{
    Py_RETURN_NONE;
}

static int
lp_set_pool(LPObject *Py_UNUSED(o), PyObject *Py_UNUSED(v), void *Py_UNUSED(closure))
{
    return 0;
}

static PyGetSetDef lp_getset[] = {
    {"pool", (getter)lp_get_pool, (setter)lp_set_pool, "always None (the containers' random-pick list)", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef lp_methods[] = {
    {"encoding", (PyCFunction)lp_encoding, METH_O, "encoding(config) -> 'listpack'"},
    {"random_member", (PyCFunction)lp_random_member, METH_NOARGS, "random_member() -> a random field (member)"},
    {"random_distinct", (PyCFunction)lp_random_distinct, METH_O, "random_distinct(k) -> k distinct ones"},
    {"random_repeats", (PyCFunction)lp_random_repeats, METH_O, "random_repeats(k) -> k drawn with replacement"},
    {"blob", (PyCFunction)lp_blob, METH_NOARGS, "blob() -> the whole listpack as bytes"},
    {"nbytes", (PyCFunction)lp_nbytes, METH_NOARGS, "nbytes() -> the listpack's size in bytes"},
    {"elements", (PyCFunction)lp_elements, METH_NOARGS, "elements() -> every element, as bytes"},
    {"extend", (PyCFunction)lp_extend, METH_O, "extend(elements) -> append them (no lookups)"},
    {"copy", (PyCFunction)lp_copy, METH_NOARGS, "copy() -> an equal value of the same type"},
    {"__sizeof__", (PyCFunction)lp_sizeof, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject LPType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "radish.db._listpack.Listpack",
    .tp_basicsize = sizeof(LPObject),
    .tp_dealloc = (destructor)lp_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "A listpack (Redis's bytes): the base of Hash and ZSet.",
    .tp_methods = lp_methods,
    .tp_getset = lp_getset,
    .tp_new = lp_new,
};

/* -- Hash: field, value, field, value … ------------------------------------------------ */

/* The field's element (NULL when absent); *vp: its value's. */
static const unsigned char *
hash_find(LPObject *o, const char *f, Py_ssize_t fl, const unsigned char **vp)
{
    const unsigned char *p = o->lp + LP_HDR;
    while (*p != LP_EOF) {
        Elem e;
        size_t fs = elem_read(p, &e);
        const unsigned char *v = p + fs;
        if (elem_eq(&e, f, fl)) {
            *vp = v;
            return p;
        }
        p = v + elem_size(v);
    }
    return NULL;
}

static Py_ssize_t
hash_len(LPObject *o)
{
    return (Py_ssize_t)(o->n / 2);
}

static PyObject *
hash_lookup(LPObject *o, PyObject *key, PyObject *dflt, int raise)
{
    const char *f;
    Py_ssize_t fl;
    if (as_bytes(key, &f, &fl) < 0)
        return NULL;
    const unsigned char *vp;
    if (hash_find(o, f, fl, &vp) == NULL) {
        if (raise) {
            PyErr_SetObject(PyExc_KeyError, key);
            return NULL;
        }
        Py_INCREF(dflt);
        return dflt;
    }
    Elem e;
    elem_read(vp, &e);
    return elem_obj(&e);
}

static PyObject *
hash_subscript(LPObject *o, PyObject *key)
{
    return hash_lookup(o, key, NULL, 1);
}

/* hashTypeSet: 1 when the field was added, 0 when its value was replaced. */
static int
hash_set(LPObject *o, PyObject *key, PyObject *val)
{
    const char *f, *v;
    Py_ssize_t fl, vl;
    if (as_bytes(key, &f, &fl) < 0 || as_bytes(val, &v, &vl) < 0)
        return -1;
    const unsigned char *vp;
    Scratch sc;
    if (hash_find(o, f, fl, &vp) != NULL) {
        unsigned char *d = scratch(&sc, (size_t)vl + 11), *b = d;
        if (d == NULL)
            return -1;
        d = put_str(d, v, vl);
        int r = lp_splice(o, (size_t)(vp - o->lp), elem_size(vp), b, (size_t)(d - b), 0);
        scratch_free(&sc);
        return r < 0 ? -1 : 0;
    }
    PyObject *pair[2] = {key, val};
    return lp_append_objs(o, pair, 2) < 0 ? -1 : 1;
}

/* 1 when the field was there (and is deleted), 0 when it was not. */
static int
hash_del(LPObject *o, PyObject *key)
{
    const char *f;
    Py_ssize_t fl;
    if (as_bytes(key, &f, &fl) < 0)
        return -1;
    const unsigned char *vp;
    const unsigned char *fp = hash_find(o, f, fl, &vp);
    if (fp == NULL)
        return 0;
    size_t len = (size_t)(vp - fp) + elem_size(vp);
    return lp_splice(o, (size_t)(fp - o->lp), len, NULL, 0, -2) < 0 ? -1 : 1;
}

static int
hash_ass_subscript(LPObject *o, PyObject *key, PyObject *val)
{
    if (val != NULL)
        return hash_set(o, key, val) < 0 ? -1 : 0;
    int r = hash_del(o, key);
    if (r == 0)
        PyErr_SetObject(PyExc_KeyError, key);
    return r == 1 ? 0 : -1;
}

static int
hash_contains(LPObject *o, PyObject *key)
{
    const char *f;
    Py_ssize_t fl;
    if (as_bytes(key, &f, &fl) < 0)
        return -1;
    const unsigned char *vp;
    return hash_find(o, f, fl, &vp) != NULL;
}

static PyObject *
hash_get(LPObject *o, PyObject *const *argv, Py_ssize_t argc)
{
    if (argc < 1 || argc > 2) {
        PyErr_SetString(PyExc_TypeError, "get(field, default=None)");
        return NULL;
    }
    return hash_lookup(o, argv[0], argc == 2 ? argv[1] : Py_None, 0);
}

static PyObject *
hash_pop(LPObject *o, PyObject *const *argv, Py_ssize_t argc)
{
    if (argc < 1 || argc > 2) {
        PyErr_SetString(PyExc_TypeError, "pop(field[, default])");
        return NULL;
    }
    PyObject *v = hash_lookup(o, argv[0], argc == 2 ? argv[1] : NULL, argc == 1);
    if (v == NULL)
        return NULL;
    if (hash_del(o, argv[0]) < 0) {
        Py_DECREF(v);
        return NULL;
    }
    return v;
}

/* update(pairs): hashTypeSet for each (field, value). */
static PyObject *
hash_update(LPObject *o, PyObject *pairs)
{
    PyObject *it = PyObject_GetIter(pairs);
    if (it == NULL)
        return NULL;
    PyObject *pair;
    while ((pair = PyIter_Next(it)) != NULL) {
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
            Py_DECREF(pair);
            Py_DECREF(it);
            PyErr_SetString(PyExc_TypeError, "update: (field, value) pairs");
            return NULL;
        }
        int r = hash_set(o, PyTuple_GET_ITEM(pair, 0), PyTuple_GET_ITEM(pair, 1));
        Py_DECREF(pair);
        if (r < 0) {
            Py_DECREF(it);
            return NULL;
        }
    }
    Py_DECREF(it);
    if (PyErr_Occurred())
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *
hash_keys(LPObject *o, PyObject *Py_UNUSED(x))
{
    return lp_list(o, 0, 2);
}

static PyObject *
hash_values(LPObject *o, PyObject *Py_UNUSED(x))
{
    return lp_list(o, 1, 2);
}

/* Pairs (a, b) in order; swap: (second, first) of each pair. */
static PyObject *
pair_list(LPObject *o, int swap, int score)
{
    PyObject *out = PyList_New((Py_ssize_t)(o->n / 2));
    if (out == NULL)
        return NULL;
    const unsigned char *p = o->lp + LP_HDR;
    for (Py_ssize_t i = 0; *p != LP_EOF; i++) {
        Elem a, b;
        p += elem_read(p, &a);
        p += elem_read(p, &b);
        PyObject *x = elem_obj(&a);
        PyObject *y = score ? PyFloat_FromDouble(elem_score(&b)) : elem_obj(&b);
        PyObject *t = x && y ? (swap ? PyTuple_Pack(2, y, x) : PyTuple_Pack(2, x, y)) : NULL;
        Py_XDECREF(x);
        Py_XDECREF(y);
        if (t == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, i, t);
    }
    return out;
}

static PyObject *
hash_items(LPObject *o, PyObject *Py_UNUSED(x))
{
    return pair_list(o, 0, 0);
}

static PyObject *
keys_iter(LPObject *o)
{
    PyObject *k = lp_list(o, 0, WIDTH(o));
    if (k == NULL)
        return NULL;
    PyObject *it = PyObject_GetIter(k);
    Py_DECREF(k);
    return it;
}

/* The element at index i (counting every element). */
static const unsigned char *
elem_at(LPObject *o, Py_ssize_t i)
{
    const unsigned char *p = o->lp + LP_HDR;
    while (i-- > 0)
        p += elem_size(p);
    return p;
}

/* key_at(i): the i-th pair's first element (a field, a member). */
static PyObject *
key_at(LPObject *o, PyObject *arg)
{
    Py_ssize_t i = PyLong_AsSsize_t(arg);
    if (i == -1 && PyErr_Occurred())
        return NULL;
    int w = WIDTH(o);
    Py_ssize_t n = (Py_ssize_t)(o->n / w);
    if (i < 0)
        i += n;
    if (i < 0 || i >= n) {
        PyErr_SetString(PyExc_IndexError, "pair index out of range");
        return NULL;
    }
    Elem e;
    elem_read(elem_at(o, w * i), &e);
    return elem_obj(&e);
}

/* -- RESP replies built here (HGETALL, ZRANGE, SMEMBERS …): Raw bytes ------------------- */

typedef struct {
    char *p;
    size_t len, cap;
} Out;

static int
out_reserve(Out *b, size_t extra)
{
    if (b->len + extra <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap * 2 : 256;
    while (cap < b->len + extra)
        cap *= 2;
    char *np = PyMem_Realloc(b->p, cap);
    if (np == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    b->p = np;
    b->cap = cap;
    return 0;
}

/* "<t><n>\r\n": an aggregate's header. */
static int
out_hdr(Out *b, char t, Py_ssize_t n)
{
    if (out_reserve(b, 32) < 0)
        return -1;
    char *d = b->p + b->len;
    *d++ = t;
    d += fmt_ll(d, (long long)n);
    *d++ = '\r';
    *d++ = '\n';
    b->len = (size_t)(d - b->p);
    return 0;
}

static int
out_bulk(Out *b, const char *s, Py_ssize_t n)
{
    if (out_hdr(b, '$', n) < 0 || out_reserve(b, (size_t)n + 2) < 0)
        return -1;
    memcpy(b->p + b->len, s, (size_t)n);
    b->len += (size_t)n;
    b->p[b->len++] = '\r';
    b->p[b->len++] = '\n';
    return 0;
}

static int
out_elem(Out *b, const Elem *e)
{
    char buf[24];
    Py_ssize_t l;
    const char *t = elem_text(e, buf, &l);
    return out_bulk(b, t, l);
}

/* A double as Redis 7.0 replies it: %.17g ("inf", "-inf"), a bulk string
 * in RESP2, a ',' double in RESP3. */
static int
fmt_double(char *buf, size_t cap, double d)
{
    if (isinf(d))
        return snprintf(buf, cap, d > 0 ? "inf" : "-inf");
    if (isnan(d))
        return snprintf(buf, cap, "nan");
    return snprintf(buf, cap, "%.17g", d);
}

static int
out_double(Out *b, double d, int resp3)
{
    char buf[64];
    int l = fmt_double(buf, sizeof(buf), d);
    if (!resp3)
        return out_bulk(b, buf, l);
    if (out_reserve(b, (size_t)l + 3) < 0)
        return -1;
    b->p[b->len++] = ',';
    memcpy(b->p + b->len, buf, (size_t)l);
    b->len += (size_t)l;
    b->p[b->len++] = '\r';
    b->p[b->len++] = '\n';
    return 0;
}

static PyObject *
out_done(Out *b)
{
    PyObject *r = PyBytes_FromStringAndSize(b->p, (Py_ssize_t)b->len);
    PyMem_Free(b->p);
    return r;
}

static PyObject *
out_fail(Out *b)
{
    PyMem_Free(b->p);
    return NULL;
}

/* Hash.resp(resp3, what): the RESP reply of HGETALL (what 0: a map in
 * RESP3, field value … in RESP2), HKEYS (1) or HVALS (2). */
static PyObject *
hash_resp(LPObject *o, PyObject *const *argv, Py_ssize_t argc)
{
    if (argc != 2) {
        PyErr_SetString(PyExc_TypeError, "resp(resp3, what)");
        return NULL;
    }
    int resp3 = PyObject_IsTrue(argv[0]);
    long what = PyLong_AsLong(argv[1]);
    if (resp3 < 0 || (what == -1 && PyErr_Occurred()))
        return NULL;
    Py_ssize_t n = (Py_ssize_t)(o->n / 2);
    Out b = {NULL, 0, 0};
    int r = what == 0 ? (resp3 ? out_hdr(&b, '%', n) : out_hdr(&b, '*', 2 * n)) : out_hdr(&b, '*', n);
    const unsigned char *p = o->lp + LP_HDR;
    for (Py_ssize_t i = 0; r == 0 && *p != LP_EOF; i++) {
        Elem e;
        size_t sz = elem_read(p, &e);
        if (what == 0 || (i & 1) == what - 1)
            r = out_elem(&b, &e);
        p += sz;
    }
    return r < 0 ? out_fail(&b) : out_done(&b);
}

/* ZSet.resp_range(lo, hi, rev, withscores, resp3): the RESP reply of the
 * pairs of ranks [lo, hi) (from hi - 1 down with rev), as ZRANGE replies
 * them: members, or member score … (RESP2) / [member, score] pairs (RESP3). */
static PyObject *
zset_resp_range(LPObject *o, PyObject *const *argv, Py_ssize_t argc)
{
    if (argc != 5) {
        PyErr_SetString(PyExc_TypeError, "resp_range(lo, hi, rev, withscores, resp3)");
        return NULL;
    }
    Py_ssize_t lo = PyLong_AsSsize_t(argv[0]), hi = PyLong_AsSsize_t(argv[1]);
    int rev = PyObject_IsTrue(argv[2]), ws = PyObject_IsTrue(argv[3]), resp3 = PyObject_IsTrue(argv[4]);
    if (((lo == -1 || hi == -1) && PyErr_Occurred()) || rev < 0 || ws < 0 || resp3 < 0)
        return NULL;
    Py_ssize_t n = (Py_ssize_t)(o->n / 2);
    if (lo < 0 || hi > n || lo > hi) {
        PyErr_SetString(PyExc_IndexError, "rank range out of range");
        return NULL;
    }
    Py_ssize_t k = hi - lo;
    /* The pairs' offsets, so a reverse walk needs no second pass. */
    const unsigned char **at = PyMem_Malloc(sizeof(*at) * (size_t)(k ? k : 1));
    if (at == NULL)
        return PyErr_NoMemory();
    const unsigned char *p = elem_at(o, 2 * lo);
    for (Py_ssize_t i = 0; i < k; i++) {
        at[i] = p;
        p += elem_size(p);
        p += elem_size(p);
    }
    Out b = {NULL, 0, 0};
    int r = out_hdr(&b, '*', ws && !resp3 ? 2 * k : k);
    for (Py_ssize_t i = 0; r == 0 && i < k; i++) {
        const unsigned char *q = at[rev ? k - 1 - i : i];
        Elem me, se;
        q += elem_read(q, &me);
        if (ws && resp3)
            r = out_hdr(&b, '*', 2);
        if (r == 0)
            r = out_elem(&b, &me);
        if (r == 0 && ws) {
            elem_read(q, &se);
            r = out_double(&b, elem_score(&se), resp3);
        }
    }
    PyMem_Free(at);
    return r < 0 ? out_fail(&b) : out_done(&b);
}

/* repr: Hash([(field, value), …]) / ZSet([(member, score), …]) */
static PyObject *
lp_repr(LPObject *o)
{
    PyObject *items = pair_list(o, 0, Py_TYPE(o) == &ZSetType);
    if (items == NULL)
        return NULL;
    PyObject *r = PyUnicode_FromFormat("%s(%R)", Py_TYPE(o) == &ZSetType ? "ZSet" : "Hash", items);
    Py_DECREF(items);
    return r;
}

static PyMethodDef hash_methods[] = {
    {"get", (PyCFunction)(void (*)(void))hash_get, METH_FASTCALL, "get(field, default=None)"},
    {"pop", (PyCFunction)(void (*)(void))hash_pop, METH_FASTCALL, "pop(field[, default])"},
    {"update", (PyCFunction)hash_update, METH_O, "update(pairs): set each (field, value)"},
    {"keys", (PyCFunction)hash_keys, METH_NOARGS, "keys() -> the fields, in order"},
    {"values", (PyCFunction)hash_values, METH_NOARGS, "values() -> the values, in order"},
    {"items", (PyCFunction)hash_items, METH_NOARGS, "items() -> (field, value) pairs, in order"},
    {"key_at", (PyCFunction)key_at, METH_O, "key_at(i) -> the i-th field"},
    {"resp", (PyCFunction)(void (*)(void))hash_resp, METH_FASTCALL, "resp(resp3, what) -> HGETALL/HKEYS/HVALS's reply"},
    {NULL, NULL, 0, NULL},
};

static PyMappingMethods hash_mapping = {
    (lenfunc)hash_len,
    (binaryfunc)hash_subscript,
    (objobjargproc)hash_ass_subscript,
};

static PySequenceMethods hash_sequence = {
    .sq_contains = (objobjproc)hash_contains,
};

static PyTypeObject HashType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "radish.db._listpack.Hash",
    .tp_basicsize = sizeof(LPObject),
    .tp_dealloc = (destructor)lp_dealloc,
    .tp_as_mapping = &hash_mapping,
    .tp_as_sequence = &hash_sequence,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "A small hash: field, value, … in one listpack, in insertion order.",
    .tp_repr = (reprfunc)lp_repr,
    .tp_iter = (getiterfunc)keys_iter,
    .tp_methods = hash_methods,
    .tp_new = lp_new,
};

/* -- ZSet: member, score, … ordered by (score, member) ----------------------------------- */

/* zzlInsertAt's score element: an integer when double2ll takes it, else
 * d2string's text. */
static unsigned char *
put_score(unsigned char *d, double score)
{
    if (!(score < (double)(-LLONG_MAX / 2) || score > (double)(LLONG_MAX / 2))) {
        long long ll = (long long)score;
        if ((double)ll == score)
            return put_int(d, ll);
    }
    char buf[64];
    int l;
    if (isnan(score))
        l = snprintf(buf, sizeof(buf), "nan");
    else if (isinf(score))
        l = snprintf(buf, sizeof(buf), score < 0 ? "-inf" : "inf");
    else
        l = snprintf(buf, sizeof(buf), "%.17g", score);
    return put_str(d, buf, l);
}

/* The member's element (NULL when absent); *sp: its score's; *rank. */
static const unsigned char *
zset_find(LPObject *o, const char *m, Py_ssize_t ml, const unsigned char **sp, Py_ssize_t *rank)
{
    const unsigned char *p = o->lp + LP_HDR;
    for (Py_ssize_t r = 0; *p != LP_EOF; r++) {
        Elem e;
        size_t ms = elem_read(p, &e);
        const unsigned char *s = p + ms;
        if (elem_eq(&e, m, ml)) {
            *sp = s;
            *rank = r;
            return p;
        }
        p = s + elem_size(s);
    }
    return NULL;
}

static PyObject *
zset_lookup(LPObject *o, PyObject *key, PyObject *dflt, int raise)
{
    const char *m;
    Py_ssize_t ml, r;
    if (as_bytes(key, &m, &ml) < 0)
        return NULL;
    const unsigned char *sp;
    if (zset_find(o, m, ml, &sp, &r) == NULL) {
        if (raise) {
            PyErr_SetObject(PyExc_KeyError, key);
            return NULL;
        }
        Py_INCREF(dflt);
        return dflt;
    }
    Elem e;
    elem_read(sp, &e);
    return PyFloat_FromDouble(elem_score(&e));
}

static PyObject *
zset_subscript(LPObject *o, PyObject *key)
{
    return zset_lookup(o, key, NULL, 1);
}

static int
zset_contains(LPObject *o, PyObject *key)
{
    const char *m;
    Py_ssize_t ml, r;
    if (as_bytes(key, &m, &ml) < 0)
        return -1;
    const unsigned char *sp;
    return zset_find(o, m, ml, &sp, &r) != NULL;
}

static PyObject *
zset_get(LPObject *o, PyObject *const *argv, Py_ssize_t argc)
{
    if (argc < 1 || argc > 2) {
        PyErr_SetString(PyExc_TypeError, "get(member, default=None)");
        return NULL;
    }
    return zset_lookup(o, argv[0], argc == 2 ? argv[1] : Py_None, 0);
}

/* Inserts the pair (m, score), m absent, at zzlInsert's place: before the
 * first pair with a greater score, or an equal score and a greater member. */
static int
zset_put(LPObject *o, const char *m, Py_ssize_t ml, double score)
{
    const unsigned char *p = o->lp + LP_HDR;
    while (*p != LP_EOF) {
        Elem me, se;
        size_t msz = elem_read(p, &me);
        size_t ssz = elem_read(p + msz, &se);
        double s = elem_score(&se);
        if (s > score || (s == score && elem_cmp(&me, m, ml) > 0))
            break;
        p += msz + ssz;
    }
    Scratch sc;
    unsigned char *d = scratch(&sc, (size_t)ml + 11 + 40), *b = d;
    if (d == NULL)
        return -1;
    d = put_str(d, m, ml);
    d = put_score(d, score);
    int rc = lp_splice(o, (size_t)(p - o->lp), 0, b, (size_t)(d - b), 2);
    scratch_free(&sc);
    return rc;
}

/* Gives the member at mp (its score at sp) a new score: deleted and
 * inserted again, as zsetAdd does. */
static int
zset_move(LPObject *o, const unsigned char *mp, const unsigned char *sp, const char *m, Py_ssize_t ml, double score)
{
    if (lp_splice(o, (size_t)(mp - o->lp), (size_t)(sp - mp) + elem_size(sp), NULL, 0, -2) < 0)
        return -1;
    return zset_put(o, m, ml, score);
}

/* insert(member, score): zsetAdd on a listpack (a member whose score
 * changes is deleted and inserted again, zset_put's place). */
static PyObject *
zset_insert(LPObject *o, PyObject *const *argv, Py_ssize_t argc)
{
    if (argc != 2) {
        PyErr_SetString(PyExc_TypeError, "insert(member, score)");
        return NULL;
    }
    const char *m;
    Py_ssize_t ml, r;
    if (as_bytes(argv[0], &m, &ml) < 0)
        return NULL;
    double score = PyFloat_AsDouble(argv[1]);
    if (score == -1.0 && PyErr_Occurred())
        return NULL;
    const unsigned char *sp;
    const unsigned char *mp = zset_find(o, m, ml, &sp, &r);
    int rc;
    if (mp != NULL) {
        Elem e;
        elem_read(sp, &e);
        if (elem_score(&e) == score)
            Py_RETURN_NONE;
        rc = zset_move(o, mp, sp, m, ml, score);
    } else {
        rc = zset_put(o, m, ml, score);
    }
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *s_max_entries, *s_max_value; /* the config attributes ZSet.add reads */

/* config.<name> as a long long (saturated; -1 with an exception on error). */
static long long
config_limit(PyObject *config, PyObject *name)
{
    PyObject *x = PyObject_GetAttr(config, name);
    if (x == NULL)
        return -1;
    int overflow;
    long long v = PyLong_AsLongLongAndOverflow(x, &overflow);
    Py_DECREF(x);
    if (overflow)
        return overflow > 0 ? LLONG_MAX : LLONG_MIN;
    return v;
}

/* add(member, score, config) -> 0, 1, 2 or None: ZADD's one pair without
 * options on a listpack (zsetAdd). 0: the member is there with an equal
 * score (nothing changes); 2: it is there with another score (moved, as
 * insert); 1: it was absent and is added. None, nothing changed: it is
 * absent and adding it would take the set past
 * config.zset_max_listpack_entries pairs, or it is longer than
 * config.zset_max_listpack_value bytes, or the listpack would pass
 * LISTPACK_SAFETY_SIZE; zsetAdd converts to a skiplist first (the
 * caller's part). The config is read only when the member is absent. */
static PyObject *
zset_add(LPObject *o, PyObject *const *argv, Py_ssize_t argc)
{
    if (argc != 3) {
        PyErr_SetString(PyExc_TypeError, "add(member, score, config)");
        return NULL;
    }
    const char *m;
    Py_ssize_t ml, r;
    if (as_bytes(argv[0], &m, &ml) < 0)
        return NULL;
    double score = PyFloat_AsDouble(argv[1]);
    if (score == -1.0 && PyErr_Occurred())
        return NULL;
    const unsigned char *sp;
    const unsigned char *mp = zset_find(o, m, ml, &sp, &r);
    if (mp != NULL) {
        Elem e;
        elem_read(sp, &e);
        if (elem_score(&e) == score)
            return PyLong_FromLong(0);
        if (zset_move(o, mp, sp, m, ml, score) < 0)
            return NULL;
        return PyLong_FromLong(2);
    }
    long long max_entries = config_limit(argv[2], s_max_entries);
    if (max_entries == -1 && PyErr_Occurred())
        return NULL;
    long long max_value = config_limit(argv[2], s_max_value);
    if (max_value == -1 && PyErr_Occurred())
        return NULL;
    if ((long long)(o->n / 2) + 1 > max_entries || (long long)ml > max_value ||
        (unsigned long long)lp_total(o->lp) + (unsigned long long)ml > LISTPACK_SAFETY_SIZE)
        Py_RETURN_NONE;
    if (zset_put(o, m, ml, score) < 0)
        return NULL;
    return PyLong_FromLong(1);
}

static PyObject *
zset_remove(LPObject *o, PyObject *key)
{
    const char *m;
    Py_ssize_t ml, r;
    if (as_bytes(key, &m, &ml) < 0)
        return NULL;
    const unsigned char *sp;
    const unsigned char *mp = zset_find(o, m, ml, &sp, &r);
    if (mp == NULL)
        Py_RETURN_FALSE;
    if (lp_splice(o, (size_t)(mp - o->lp), (size_t)(sp - mp) + elem_size(sp), NULL, 0, -2) < 0)
        return NULL;
    Py_RETURN_TRUE;
}

static PyObject *
zset_rank(LPObject *o, PyObject *key)
{
    const char *m;
    Py_ssize_t ml, r;
    if (as_bytes(key, &m, &ml) < 0)
        return NULL;
    const unsigned char *sp;
    if (zset_find(o, m, ml, &sp, &r) == NULL)
        Py_RETURN_NONE;
    return PyLong_FromSsize_t(r);
}

/* (score, member) of the pair at p. */
static PyObject *
pair_at(const unsigned char *p)
{
    Elem me, se;
    p += elem_read(p, &me);
    elem_read(p, &se);
    PyObject *m = elem_obj(&me);
    if (m == NULL)
        return NULL;
    PyObject *s = PyFloat_FromDouble(elem_score(&se));
    if (s == NULL) {
        Py_DECREF(m);
        return NULL;
    }
    PyObject *t = PyTuple_Pack(2, s, m);
    Py_DECREF(s);
    Py_DECREF(m);
    return t;
}

static int
pair_index(LPObject *o, PyObject *arg, Py_ssize_t *out)
{
    Py_ssize_t i = PyLong_AsSsize_t(arg);
    if (i == -1 && PyErr_Occurred())
        return -1;
    Py_ssize_t n = (Py_ssize_t)(o->n / 2);
    if (i < 0)
        i += n;
    if (i < 0 || i >= n) {
        PyErr_SetString(PyExc_IndexError, "pair index out of range");
        return -1;
    }
    *out = i;
    return 0;
}

static PyObject *
zset_pop_at(LPObject *o, PyObject *arg)
{
    Py_ssize_t i;
    if (pair_index(o, arg, &i) < 0)
        return NULL;
    const unsigned char *p = elem_at(o, 2 * i);
    PyObject *t = pair_at(p);
    if (t == NULL)
        return NULL;
    size_t ms = elem_size(p);
    if (lp_splice(o, (size_t)(p - o->lp), ms + elem_size(p + ms), NULL, 0, -2) < 0) {
        Py_DECREF(t);
        return NULL;
    }
    return t;
}

/* pop_reply(top, resp3) -> [member, score]: ZPOPMIN's reply without a
 * count (ZPOPMAX's: top), the pair removed. The score is a float for a
 * RESP3 client (a double reply), else the text RESP2's bulk string holds
 * (%.17g, "inf", "-inf": protocol.resp.format_double). */
static PyObject *
zset_pop_reply(LPObject *o, PyObject *const *argv, Py_ssize_t argc)
{
    if (argc != 2) {
        PyErr_SetString(PyExc_TypeError, "pop_reply(top, resp3)");
        return NULL;
    }
    int top = PyObject_IsTrue(argv[0]), resp3 = PyObject_IsTrue(argv[1]);
    if (top < 0 || resp3 < 0)
        return NULL;
    Py_ssize_t n = (Py_ssize_t)(o->n / 2);
    if (n == 0) {
        PyErr_SetString(PyExc_IndexError, "pair index out of range");
        return NULL;
    }
    const unsigned char *p = top ? elem_at(o, 2 * (n - 1)) : o->lp + LP_HDR;
    Elem me, se;
    size_t ms = elem_read(p, &me);
    size_t ss = elem_read(p + ms, &se);
    double d = elem_score(&se);
    PyObject *s;
    if (resp3) {
        s = PyFloat_FromDouble(d);
    } else {
        char buf[64];
        int l = fmt_double(buf, sizeof(buf), d);
        s = PyBytes_FromStringAndSize(buf, l);
    }
    if (s == NULL)
        return NULL;
    PyObject *m = elem_obj(&me);
    if (m == NULL) {
        Py_DECREF(s);
        return NULL;
    }
    PyObject *out = PyList_New(2);
    if (out == NULL) {
        Py_DECREF(s);
        Py_DECREF(m);
        return NULL;
    }
    PyList_SET_ITEM(out, 0, m);
    PyList_SET_ITEM(out, 1, s);
    if (lp_splice(o, (size_t)(p - o->lp), ms + ss, NULL, 0, -2) < 0) {
        Py_DECREF(out);
        return NULL;
    }
    return out;
}

static PyObject *
zset_items(LPObject *o, PyObject *Py_UNUSED(x))
{
    return pair_list(o, 0, 1);
}

static PyObject *
zset_members(LPObject *o, PyObject *Py_UNUSED(x))
{
    return lp_list(o, 0, 2);
}

/* remove_range(lo, hi): the pairs of ranks [lo, hi) (zzlDeleteRangeByRank). */
static PyObject *
zset_remove_range(LPObject *o, PyObject *const *argv, Py_ssize_t argc)
{
    if (argc != 2) {
        PyErr_SetString(PyExc_TypeError, "remove_range(lo, hi)");
        return NULL;
    }
    Py_ssize_t lo = PyLong_AsSsize_t(argv[0]), hi = PyLong_AsSsize_t(argv[1]);
    if ((lo == -1 || hi == -1) && PyErr_Occurred())
        return NULL;
    Py_ssize_t n = (Py_ssize_t)(o->n / 2);
    if (lo < 0 || hi > n || lo > hi) {
        PyErr_SetString(PyExc_IndexError, "rank range out of range");
        return NULL;
    }
    if (lo == hi)
        Py_RETURN_NONE;
    const unsigned char *from = elem_at(o, 2 * lo), *to = from;
    for (Py_ssize_t k = 0; k < 2 * (hi - lo); k++)
        to += elem_size(to);
    if (lp_splice(o, (size_t)(from - o->lp), (size_t)(to - from), NULL, 0, -2 * (long)(hi - lo)) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *zset_view(LPObject *o, void *Py_UNUSED(closure));

static PyMethodDef zset_methods[] = {
    {"get", (PyCFunction)(void (*)(void))zset_get, METH_FASTCALL, "get(member, default=None) -> score"},
    {"insert", (PyCFunction)(void (*)(void))zset_insert, METH_FASTCALL, "insert(member, score)"},
    {"remove", (PyCFunction)zset_remove, METH_O, "remove(member) -> whether it was there"},
    {"rank", (PyCFunction)zset_rank, METH_O, "rank(member) -> int or None"},
    {"add", (PyCFunction)(void (*)(void))zset_add, METH_FASTCALL,
     "add(member, score, config) -> 0 (same score), 1 (added), 2 (moved) or None (convert first)"},
    {"pop_at", (PyCFunction)zset_pop_at, METH_O, "pop_at(i) -> (score, member), removed"},
    {"pop_reply", (PyCFunction)(void (*)(void))zset_pop_reply, METH_FASTCALL,
     "pop_reply(top, resp3) -> [member, score]: the first (top: last) pair, removed"},
    {"remove_range", (PyCFunction)(void (*)(void))zset_remove_range, METH_FASTCALL, "remove_range(lo, hi): ranks [lo, hi)"},
    {"items", (PyCFunction)zset_items, METH_NOARGS, "items() -> (member, score) pairs, in order"},
    {"members_by_rank", (PyCFunction)zset_members, METH_NOARGS, "members_by_rank() -> the members, in order"},
    {"key_at", (PyCFunction)key_at, METH_O, "key_at(i) -> the member of rank i"},
    {"resp_range", (PyCFunction)(void (*)(void))zset_resp_range, METH_FASTCALL,
     "resp_range(lo, hi, rev, withscores, resp3) -> ZRANGE's reply"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef zset_getset[] = {
    {"sl", (getter)zset_view, NULL, "the (score, member) pairs as a sequence (SortedList's API)", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMappingMethods zset_mapping = {
    (lenfunc)hash_len,
    (binaryfunc)zset_subscript,
    NULL,
};

static PySequenceMethods zset_sequence = {
    .sq_contains = (objobjproc)zset_contains,
};

static PyTypeObject ZSetType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "radish.db._listpack.ZSet",
    .tp_basicsize = sizeof(LPObject),
    .tp_dealloc = (destructor)lp_dealloc,
    .tp_as_mapping = &zset_mapping,
    .tp_as_sequence = &zset_sequence,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "A small sorted set: member, score, … in one listpack, by (score, member).",
    .tp_repr = (reprfunc)lp_repr,
    .tp_iter = (getiterfunc)keys_iter,
    .tp_methods = zset_methods,
    .tp_getset = zset_getset,
    .tp_new = lp_new,
};

/* -- the view: (score, member) by rank --------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    LPObject *z;
    uint32_t mod;    /* z->mod when offs was filled */
    Py_ssize_t noffs; /* -1: not filled */
    uint32_t *offs;  /* each pair's offset */
} ViewObject;

static PyObject *
zset_view(LPObject *o, void *Py_UNUSED(closure))
{
    ViewObject *v = PyObject_New(ViewObject, &ViewType);
    if (v == NULL)
        return NULL;
    Py_INCREF(o);
    v->z = o;
    v->noffs = -1;
    v->offs = NULL;
    v->mod = 0;
    return (PyObject *)v;
}

static void
view_dealloc(ViewObject *v)
{
    Py_DECREF(v->z);
    PyMem_Free(v->offs);
    PyObject_Free(v);
}

static int
view_fill(ViewObject *v)
{
    LPObject *z = v->z;
    if (v->noffs >= 0 && v->mod == z->mod)
        return 0;
    Py_ssize_t n = (Py_ssize_t)(z->n / 2);
    uint32_t *offs = PyMem_Realloc(v->offs, sizeof(uint32_t) * (size_t)(n ? n : 1));
    if (offs == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    v->offs = offs;
    const unsigned char *p = z->lp + LP_HDR;
    for (Py_ssize_t i = 0; i < n; i++) {
        offs[i] = (uint32_t)(p - z->lp);
        p += elem_size(p);
        p += elem_size(p);
    }
    v->noffs = n;
    v->mod = z->mod;
    return 0;
}

static Py_ssize_t
view_len(ViewObject *v)
{
    return (Py_ssize_t)(v->z->n / 2);
}

static PyObject *
view_subscript(ViewObject *v, PyObject *key)
{
    if (view_fill(v) < 0)
        return NULL;
    Py_ssize_t n = v->noffs;
    if (PySlice_Check(key)) {
        Py_ssize_t start, stop, step;
        if (PySlice_Unpack(key, &start, &stop, &step) < 0)
            return NULL;
        Py_ssize_t k = PySlice_AdjustIndices(n, &start, &stop, step);
        PyObject *out = PyList_New(k);
        if (out == NULL)
            return NULL;
        for (Py_ssize_t i = 0, j = start; i < k; i++, j += step) {
            PyObject *t = pair_at(v->z->lp + v->offs[j]);
            if (t == NULL) {
                Py_DECREF(out);
                return NULL;
            }
            PyList_SET_ITEM(out, i, t);
        }
        return out;
    }
    Py_ssize_t i = PyNumber_AsSsize_t(key, PyExc_IndexError);
    if (i == -1 && PyErr_Occurred())
        return NULL;
    if (i < 0)
        i += n;
    if (i < 0 || i >= n) {
        PyErr_SetString(PyExc_IndexError, "index out of range");
        return NULL;
    }
    return pair_at(v->z->lp + v->offs[i]);
}

/* del view[a:b] (step 1): zzlDeleteRangeByRank. */
static int
view_ass_subscript(ViewObject *v, PyObject *key, PyObject *val)
{
    if (val != NULL || !PySlice_Check(key)) {
        PyErr_SetString(PyExc_TypeError, "a sorted set view supports only del view[a:b]");
        return -1;
    }
    if (view_fill(v) < 0)
        return -1;
    Py_ssize_t n = v->noffs, start, stop, step;
    if (PySlice_Unpack(key, &start, &stop, &step) < 0)
        return -1;
    Py_ssize_t k = PySlice_AdjustIndices(n, &start, &stop, step);
    if (k == 0)
        return 0;
    if (step != 1) {
        PyErr_SetString(PyExc_ValueError, "del view[a:b] needs a step of 1");
        return -1;
    }
    LPObject *z = v->z;
    size_t from = v->offs[start];
    size_t to = stop < n ? v->offs[stop] : lp_total(z->lp) - 1;
    return lp_splice(z, from, to - from, NULL, 0, -2 * (long)k);
}

static PyObject *
view_all(ViewObject *v, int rev)
{
    PyObject *l = pair_list(v->z, 1, 1);
    if (l == NULL)
        return NULL;
    if (rev && PyList_Reverse(l) < 0) {
        Py_DECREF(l);
        return NULL;
    }
    PyObject *it = PyObject_GetIter(l);
    Py_DECREF(l);
    return it;
}

static PyObject *
view_iter(ViewObject *v)
{
    return view_all(v, 0);
}

static PyObject *
view_reversed(ViewObject *v, PyObject *Py_UNUSED(x))
{
    return view_all(v, 1);
}

/* bisect_left / bisect_right((score, member)): the first rank whose pair
 * is >= (or >) the key, pairs ordered as (score, member) tuples. */
static PyObject *
view_bisect(ViewObject *v, PyObject *key, int right)
{
    if (!PyTuple_Check(key) || PyTuple_GET_SIZE(key) != 2) {
        PyErr_SetString(PyExc_TypeError, "bisect: a (score, member) key");
        return NULL;
    }
    double ks = PyFloat_AsDouble(PyTuple_GET_ITEM(key, 0));
    if (ks == -1.0 && PyErr_Occurred())
        return NULL;
    const char *km;
    Py_ssize_t kl;
    if (as_bytes(PyTuple_GET_ITEM(key, 1), &km, &kl) < 0)
        return NULL;
    const unsigned char *p = v->z->lp + LP_HDR;
    Py_ssize_t i = 0;
    while (*p != LP_EOF) {
        Elem me, se;
        size_t msz = elem_read(p, &me);
        size_t ssz = elem_read(p + msz, &se);
        double s = elem_score(&se);
        int c = s < ks ? -1 : s > ks ? 1 : elem_cmp(&me, km, kl);
        if (right ? c > 0 : c >= 0)
            break;
        p += msz + ssz;
        i++;
    }
    return PyLong_FromSsize_t(i);
}

static PyObject *
view_bisect_left(ViewObject *v, PyObject *key)
{
    return view_bisect(v, key, 0);
}

static PyObject *
view_bisect_right(ViewObject *v, PyObject *key)
{
    return view_bisect(v, key, 1);
}

static PyMethodDef view_methods[] = {
    {"bisect_left", (PyCFunction)view_bisect_left, METH_O, "bisect_left((score, member)) -> rank"},
    {"bisect_right", (PyCFunction)view_bisect_right, METH_O, "bisect_right((score, member)) -> rank"},
    {"__reversed__", (PyCFunction)view_reversed, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyMappingMethods view_mapping = {
    (lenfunc)view_len,
    (binaryfunc)view_subscript,
    (objobjargproc)view_ass_subscript,
};

static PySequenceMethods view_sequence = {
    .sq_length = (lenfunc)view_len,
};

static PyTypeObject ViewType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "radish.db._listpack.ZSetView",
    .tp_basicsize = sizeof(ViewObject),
    .tp_dealloc = (destructor)view_dealloc,
    .tp_as_mapping = &view_mapping,
    .tp_as_sequence = &view_sequence,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A small sorted set's (score, member) pairs by rank.",
    .tp_iter = (getiterfunc)view_iter,
    .tp_methods = view_methods,
};

/* -- Set: member, member, … (a small set, any members) ------------------------------------ */

/* The member's element, or NULL. */
static const unsigned char *
set_find(LPObject *o, const char *m, Py_ssize_t ml)
{
    const unsigned char *p = o->lp + LP_HDR;
    while (*p != LP_EOF) {
        Elem e;
        size_t sz = elem_read(p, &e);
        if (elem_eq(&e, m, ml))
            return p;
        p += sz;
    }
    return NULL;
}

static Py_ssize_t
set_len(LPObject *o)
{
    return (Py_ssize_t)o->n;
}

static int
set_contains(LPObject *o, PyObject *key)
{
    const char *m;
    Py_ssize_t ml;
    if (as_bytes(key, &m, &ml) < 0)
        return -1;
    return set_find(o, m, ml) != NULL;
}

/* 1 added, 0 already there. */
static int
set_add1(LPObject *o, PyObject *key)
{
    const char *m;
    Py_ssize_t ml;
    if (as_bytes(key, &m, &ml) < 0)
        return -1;
    if (set_find(o, m, ml) != NULL)
        return 0;
    return lp_append_objs(o, &key, 1) < 0 ? -1 : 1;
}

/* 1 removed, 0 not there. */
static int
set_discard1(LPObject *o, PyObject *key)
{
    const char *m;
    Py_ssize_t ml;
    if (as_bytes(key, &m, &ml) < 0)
        return -1;
    const unsigned char *p = set_find(o, m, ml);
    if (p == NULL)
        return 0;
    return lp_splice(o, (size_t)(p - o->lp), elem_size(p), NULL, 0, -1) < 0 ? -1 : 1;
}

static PyObject *
set_add(LPObject *o, PyObject *key)
{
    int r = set_add1(o, key);
    if (r < 0)
        return NULL;
    return PyBool_FromLong(r);
}

static PyObject *
set_discard(LPObject *o, PyObject *key)
{
    int r = set_discard1(o, key);
    if (r < 0)
        return NULL;
    return PyBool_FromLong(r);
}

static PyObject *
set_remove(LPObject *o, PyObject *key)
{
    int r = set_discard1(o, key);
    if (r < 0)
        return NULL;
    if (r == 0) {
        PyErr_SetObject(PyExc_KeyError, key);
        return NULL;
    }
    Py_RETURN_NONE;
}

/* update(members) / difference_update(members): add or discard each. */
static PyObject *
set_each(LPObject *o, PyObject *members, int (*fn)(LPObject *, PyObject *))
{
    PyObject *it = PyObject_GetIter(members);
    if (it == NULL)
        return NULL;
    PyObject *x;
    while ((x = PyIter_Next(it)) != NULL) {
        int r = fn(o, x);
        Py_DECREF(x);
        if (r < 0) {
            Py_DECREF(it);
            return NULL;
        }
    }
    Py_DECREF(it);
    if (PyErr_Occurred())
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *
set_update(LPObject *o, PyObject *members)
{
    return set_each(o, members, set_add1);
}

static PyObject *
set_difference_update(LPObject *o, PyObject *members)
{
    return set_each(o, members, set_discard1);
}

/* pop_random(): SPOP of one member. */
static PyObject *
set_pop_random(LPObject *o, PyObject *Py_UNUSED(x))
{
    if (o->n == 0) {
        PyErr_SetString(PyExc_KeyError, "pop from an empty set");
        return NULL;
    }
    Py_ssize_t i = rand_below((Py_ssize_t)o->n);
    if (i < 0)
        return NULL;
    const unsigned char *p = elem_at(o, i);
    Elem e;
    size_t sz = elem_read(p, &e);
    PyObject *m = elem_obj(&e);
    if (m == NULL)
        return NULL;
    if (lp_splice(o, (size_t)(p - o->lp), sz, NULL, 0, -1) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}

/* Whether every member is an integer element (what an intset can hold:
 * lpStringToInt64 and string2ll take the same texts). */
static int
set_all_ints(LPObject *o)
{
    const unsigned char *p = o->lp + LP_HDR;
    while (*p != LP_EOF) {
        Elem e;
        p += elem_read(p, &e);
        if (e.str)
            return 0;
    }
    return 1;
}

/* Redis 7.0's encoding: an intset while every member is an integer and
 * there are at most set-max-intset-entries of them (and it never was a
 * hashtable: that is sticky), else a hashtable. */
static int
set_is_intset(LPObject *o, PyObject *config)
{
    if (o->mod & SET_BIG)
        return 0;
    long long limit = 512;
    if (config != Py_None) {
        PyObject *l = PyObject_GetAttrString(config, "set_max_intset_entries");
        if (l == NULL)
            return -1;
        limit = PyLong_AsLongLong(l);
        Py_DECREF(l);
        if (limit == -1 && PyErr_Occurred())
            return -1;
    }
    if (limit > (1LL << 30))
        limit = 1LL << 30;
    if ((long long)o->n > limit || !set_all_ints(o)) {
        o->mod |= SET_BIG;
        return 0;
    }
    return 1;
}

static PyObject *
set_encoding(LPObject *o, PyObject *config)
{
    int r = set_is_intset(o, config);
    if (r < 0)
        return NULL;
    return PyUnicode_FromString(r ? "intset" : "hashtable");
}

static int
cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

/* ordered(config): the members in the order Redis replies them: ascending
 * numbers for an intset, the set's own order for a hashtable. */
static PyObject *
set_ordered(LPObject *o, PyObject *config)
{
    int r = set_is_intset(o, config);
    if (r < 0)
        return NULL;
    if (!r)
        return lp_list(o, 0, 1);
    long long *v = PyMem_Malloc(sizeof(long long) * (o->n ? o->n : 1));
    if (v == NULL)
        return PyErr_NoMemory();
    const unsigned char *p = o->lp + LP_HDR;
    for (uint32_t i = 0; *p != LP_EOF; i++) {
        Elem e;
        p += elem_read(p, &e);
        v[i] = e.v;
    }
    qsort(v, o->n, sizeof(long long), cmp_ll);
    PyObject *out = PyList_New((Py_ssize_t)o->n);
    for (uint32_t i = 0; out != NULL && i < o->n; i++) {
        char buf[24];
        int l = fmt_ll(buf, v[i]);
        PyObject *x = PyBytes_FromStringAndSize(buf, l);
        if (x == NULL) {
            Py_CLEAR(out);
            break;
        }
        PyList_SET_ITEM(out, (Py_ssize_t)i, x);
    }
    PyMem_Free(v);
    return out;
}

static PyObject *
set_get_big(LPObject *o, void *Py_UNUSED(closure))
{
    return PyBool_FromLong((o->mod & SET_BIG) != 0);
}

static int
set_set_big(LPObject *o, PyObject *v, void *Py_UNUSED(closure))
{
    int t = v == NULL ? 0 : PyObject_IsTrue(v);
    if (t < 0)
        return -1;
    if (t)
        o->mod |= SET_BIG;
    else
        o->mod &= ~SET_BIG;
    return 0;
}

static PyObject *
set_get_width(LPObject *o, void *Py_UNUSED(closure))
{
    return PyLong_FromLong(2L << ((o->mod & SET_WMASK) >> SET_WSHIFT));
}

static int
set_set_width(LPObject *o, PyObject *v, void *Py_UNUSED(closure))
{
    long w = v == NULL ? 2 : PyLong_AsLong(v);
    if (w == -1 && PyErr_Occurred())
        return -1;
    if (w != 2 && w != 4 && w != 8) {
        PyErr_SetString(PyExc_ValueError, "width must be 2, 4 or 8");
        return -1;
    }
    uint32_t code = w == 2 ? 0 : w == 4 ? 1 : 2;
    o->mod = (o->mod & ~SET_WMASK) | (code << SET_WSHIFT);
    return 0;
}

static PyObject *
set_repr(LPObject *o)
{
    PyObject *items = lp_list(o, 0, 1);
    if (items == NULL)
        return NULL;
    PyObject *r = PyUnicode_FromFormat("Set(%R)", items);
    Py_DECREF(items);
    return r;
}

/* Set.resp(config, resp3): SMEMBERS's reply (a set in RESP3), members in
 * reply order. */
static PyObject *
set_resp(LPObject *o, PyObject *const *argv, Py_ssize_t argc)
{
    if (argc != 2) {
        PyErr_SetString(PyExc_TypeError, "resp(config, resp3)");
        return NULL;
    }
    int resp3 = PyObject_IsTrue(argv[1]);
    if (resp3 < 0)
        return NULL;
    PyObject *members = set_ordered(o, argv[0]);
    if (members == NULL)
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(members);
    Out b = {NULL, 0, 0};
    int r = out_hdr(&b, resp3 ? '~' : '*', n);
    for (Py_ssize_t i = 0; r == 0 && i < n; i++) {
        PyObject *m = PyList_GET_ITEM(members, i);
        r = out_bulk(&b, PyBytes_AS_STRING(m), PyBytes_GET_SIZE(m));
    }
    Py_DECREF(members);
    return r < 0 ? out_fail(&b) : out_done(&b);
}

static PyMethodDef set_methods[] = {
    {"add", (PyCFunction)set_add, METH_O, "add(member) -> whether it was added"},
    {"discard", (PyCFunction)set_discard, METH_O, "discard(member) -> whether it was there"},
    {"remove", (PyCFunction)set_remove, METH_O, "remove(member) (KeyError when absent)"},
    {"update", (PyCFunction)set_update, METH_O, "update(members): add each"},
    {"difference_update", (PyCFunction)set_difference_update, METH_O, "difference_update(members): discard each"},
    {"pop_random", (PyCFunction)set_pop_random, METH_NOARGS, "pop_random() -> a random member, removed"},
    {"encoding", (PyCFunction)set_encoding, METH_O, "encoding(config) -> 'intset' or 'hashtable'"},
    {"ordered", (PyCFunction)set_ordered, METH_O, "ordered(config) -> the members in reply order"},
    {"resp", (PyCFunction)(void (*)(void))set_resp, METH_FASTCALL, "resp(config, resp3) -> SMEMBERS's reply"},
    {"key_at", (PyCFunction)key_at, METH_O, "key_at(i) -> the i-th member"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef set_getset[] = {
    {"big", (getter)set_get_big, (setter)set_set_big, "once a hashtable, always one (Redis's conversion is one way)", NULL},
    {"width", (getter)set_get_width, (setter)set_set_width, "the widest intset encoding (2, 4 or 8 bytes) the set has needed", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PySequenceMethods set_sequence = {
    .sq_length = (lenfunc)set_len,
    .sq_contains = (objobjproc)set_contains,
};

static PyTypeObject SetType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "radish.db._listpack.Set",
    .tp_basicsize = sizeof(LPObject),
    .tp_dealloc = (destructor)lp_dealloc,
    .tp_as_sequence = &set_sequence,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "A small set: its members in one listpack, in insertion order.",
    .tp_repr = (reprfunc)set_repr,
    .tp_iter = (getiterfunc)keys_iter,
    .tp_methods = set_methods,
    .tp_getset = set_getset,
    .tp_new = lp_new,
};

/* -- module ---------------------------------------------------------------------------- */

#ifdef __GLIBC__
static locale_t c_locale; /* strtod as Redis runs it: the "C" locale */
#endif

/* string2d(text) -> float or None: Redis's util.c string2d, which
 * getDoubleFromObject (ZADD's and ZINCRBY's scores …) uses: glibc's strtod
 * over the whole text (a bytes object ends with a NUL, as an sds does);
 * refused (None): empty, a leading space (isspace), anything left after
 * the number (a NUL byte included), NaN, and ERANGE with +-HUGE_VAL or a
 * zero result (overflow, underflow to 0). inf, infinity and hexadecimal
 * are accepted. The twin: strconv.string2d. */
static PyObject *
mod_string2d(PyObject *Py_UNUSED(mod), PyObject *arg)
{
    if (!PyBytes_Check(arg)) {
        PyErr_Format(PyExc_TypeError, "string2d() needs bytes, not %.100s", Py_TYPE(arg)->tp_name);
        return NULL;
    }
    const char *s = PyBytes_AS_STRING(arg);
    Py_ssize_t n = PyBytes_GET_SIZE(arg);
    unsigned char c0 = (unsigned char)s[0];
    if (n == 0 || c0 == ' ' || (c0 >= '\t' && c0 <= '\r'))
        Py_RETURN_NONE;
    /* The commonest scores, an optional '-' and at most 15 digits, are
     * exact doubles: strtod's answer without the call. */
    Py_ssize_t i = c0 == '-';
    if (n - i <= 15 && n > i) {
        uint64_t u = 0;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            u = u * 10 + (uint64_t)(s[i] - '0');
        if (i == n)
            return PyFloat_FromDouble(c0 == '-' ? -(double)u : (double)u);
    }
    char *end;
    errno = 0;
#ifdef __GLIBC__
    double v = strtod_l(s, &end, c_locale);
#else
    double v = strtod(s, &end);
#endif
    if (end - s != n || isnan(v) ||
        (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || fpclassify(v) == FP_ZERO)))
        Py_RETURN_NONE;
    return PyFloat_FromDouble(v);
}

static PyMethodDef module_methods[] = {
    {"string2d", (PyCFunction)mod_string2d, METH_O, "string2d(text) -> float or None (Redis's util.c string2d)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef listpack_module = {
    PyModuleDef_HEAD_INIT, "radish.db._listpack",
    "Small hashes and sorted sets in Redis's listpack bytes (C twin of radish.db.listpack).", -1, module_methods,
};

PyMODINIT_FUNC
PyInit__listpack(void)
{
    s_max_entries = PyUnicode_InternFromString("zset_max_listpack_entries");
    s_max_value = PyUnicode_InternFromString("zset_max_listpack_value");
    if (s_max_entries == NULL || s_max_value == NULL)
        return NULL;
#ifdef __GLIBC__
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    if (c_locale == (locale_t)0) {
        PyErr_SetFromErrno(PyExc_OSError);
        return NULL;
    }
#endif
    HashType.tp_base = &LPType;
    ZSetType.tp_base = &LPType;
    SetType.tp_base = &LPType;
    if (PyType_Ready(&LPType) < 0 || PyType_Ready(&HashType) < 0 || PyType_Ready(&ZSetType) < 0 ||
        PyType_Ready(&ViewType) < 0 || PyType_Ready(&SetType) < 0)
        return NULL;
    /* What TYPE answers, and the encoding flag the dict types carry. */
    PyObject *hname = PyBytes_FromString("hash"), *zname = PyBytes_FromString("zset"), *sname = PyBytes_FromString("set");
    int bad = hname == NULL || zname == NULL || sname == NULL ||
              PyDict_SetItemString(HashType.tp_dict, "TYPE_NAME", hname) < 0 ||
              PyDict_SetItemString(ZSetType.tp_dict, "TYPE_NAME", zname) < 0 ||
              PyDict_SetItemString(SetType.tp_dict, "TYPE_NAME", sname) < 0 ||
              PyDict_SetItemString(HashType.tp_dict, "big", Py_False) < 0 ||
              PyDict_SetItemString(ZSetType.tp_dict, "big", Py_False) < 0;
    Py_XDECREF(hname);
    Py_XDECREF(zname);
    Py_XDECREF(sname);
    if (bad)
        return NULL;
    PyType_Modified(&HashType);
    PyType_Modified(&ZSetType);
    PyType_Modified(&SetType);
    PyObject *random = PyImport_ImportModule("random");
    if (random == NULL)
        return NULL;
    rand_random = PyObject_GetAttrString(random, "random");
    rand_sample = PyObject_GetAttrString(random, "sample");
    Py_DECREF(random);
    if (rand_random == NULL || rand_sample == NULL)
        return NULL;
    PyObject *m = PyModule_Create(&listpack_module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddObjectRef(m, "Listpack", (PyObject *)&LPType) < 0 ||
        PyModule_AddObjectRef(m, "Hash", (PyObject *)&HashType) < 0 ||
        PyModule_AddObjectRef(m, "ZSet", (PyObject *)&ZSetType) < 0 ||
        PyModule_AddObjectRef(m, "Set", (PyObject *)&SetType) < 0 ||
        PyModule_AddObjectRef(m, "ZSetView", (PyObject *)&ViewType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
