/*
 * radish.db._streamlp: a stream node's listpack, appended to and read, in C.
 *
 * The C twin of radish/db/streamlp.py (py_append, py_scan): the same two
 * functions with the same results; streamlp.py's docstring describes the
 * layout and the API. Why C: XADD and XRANGE spend their time here (one
 * entry encoded per XADD; each XRANGE decodes entries and encodes them as
 * RESP), which in Python costs several times a whole command's budget.
 * tests/unit/test_streamlp.py holds the two to the same results.
 *
 * append(lp, master, mfields, new_id, fv) -> bytes (the ID as text)
 * scan(lp, master, mfields, start, end, count, flags) -> list | (n, bytes)
 * elements(lp) -> int
 * add_star(s, args, now_ms, max_bytes, max_entries) -> bytes | None
 *   XADD key * field value …'s (args) whole change when the entry goes to the stream's last
 *   node: the ID, the entry, the node's and the stream's counters (reading
 *   and setting the StreamValue / StreamNode attributes by name).
 *
 * IDs are Python ints ms << 64 | seq. Every read of ``lp`` is bounds
 * checked: a malformed node raises ValueError rather than reading past it.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <stdint.h>
#include <string.h>

#include "lpcodec.h"

#define FLAG_DELETED 1
#define FLAG_SAMEFIELDS 2
#define SCAN_REV 1
#define SCAN_TOMBSTONES 2
#define SCAN_RAW 4

/* -- IDs ---------------------------------------------------------------------------- */

typedef struct {
    uint64_t ms, seq;
} sid;

static int
get_id(PyObject *o, sid *out)
{
    unsigned char b[16];
    if (!PyLong_Check(o)) {
        PyErr_SetString(PyExc_TypeError, "a stream ID must be an int");
        return -1;
    }
#if PY_VERSION_HEX >= 0x030D0000
    if (_PyLong_AsByteArray((PyLongObject *)o, b, 16, 1, 0, 1) < 0)
#else
    if (_PyLong_AsByteArray((PyLongObject *)o, b, 16, 1, 0) < 0)
#endif
        return -1;
    uint64_t lo = 0, hi = 0;
    for (int i = 7; i >= 0; i--) {
        lo = (lo << 8) | b[i];
        hi = (hi << 8) | b[i + 8];
    }
    out->ms = hi;
    out->seq = lo;
    return 0;
}

static PyObject *
make_id(sid id)
{
    unsigned char b[16];
    uint64_t lo = id.seq, hi = id.ms;
    for (int i = 0; i < 8; i++) {
        b[i] = (unsigned char)(lo & 0xff);
        b[i + 8] = (unsigned char)(hi & 0xff);
        lo >>= 8;
        hi >>= 8;
    }
    return _PyLong_FromByteArray(b, 16, 1, 0);
}

static inline int
id_cmp(sid a, sid b)
{
    if (a.ms != b.ms)
        return a.ms < b.ms ? -1 : 1;
    if (a.seq != b.seq)
        return a.seq < b.seq ? -1 : 1;
    return 0;
}

static PyObject *do_append(PyObject *lp, sid master, PyObject *mfields, sid id, PyObject *fv);
static PyObject *do_append_items(PyObject *lp, sid master, PyObject *mfields, sid id, PyObject **items, Py_ssize_t n);

/* append(lp, master, mfields, new_id, fv) -> the ID as text, b"ms-seq" */
static PyObject *
lp_append(PyObject *Py_UNUSED(module), PyObject *const *argv, Py_ssize_t argc)
{
    if (argc != 5) {
        PyErr_SetString(PyExc_TypeError, "append(lp, master, mfields, new_id, fv)");
        return NULL;
    }
    PyObject *lp = argv[0], *mfields = argv[2], *fv = argv[4];
    if (!PyByteArray_Check(lp) || !PyTuple_Check(mfields) || !PyTuple_Check(fv)) {
        PyErr_SetString(PyExc_TypeError, "append: lp must be a bytearray, mfields and fv tuples");
        return NULL;
    }
    sid master, id;
    if (get_id(argv[1], &master) < 0 || get_id(argv[3], &id) < 0)
        return NULL;
    return do_append(lp, master, mfields, id, fv);
}

/* The entry appended to lp (a bytearray; mfields and fv tuples); returns
 * its ID as text. */
static PyObject *
do_append(PyObject *lp, sid master, PyObject *mfields, sid id, PyObject *fv)
{
    return do_append_items(lp, master, mfields, id, &PyTuple_GET_ITEM(fv, 0), PyTuple_GET_SIZE(fv));
}

/* do_append for the n items at items (bytes: field, value, ...). */
static PyObject *
do_append_items(PyObject *lp, sid master, PyObject *mfields, sid id, PyObject **items, Py_ssize_t n)
{
    Py_ssize_t nf = n / 2, nmf = PyTuple_GET_SIZE(mfields);
    size_t bound = 64; /* flags, ID deltas, field count and lp-count: at most 2+10+10+10+10 */
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *x = items[k];
        if (!PyBytes_Check(x)) {
            PyErr_SetString(PyExc_TypeError, "append: fields and values must be bytes");
            return NULL;
        }
        bound += (size_t)PyBytes_GET_SIZE(x) + 10;
    }
    int same = nmf == nf;
    for (Py_ssize_t k = 0; same && k < nf; k++) {
        PyObject *a = PyTuple_GET_ITEM(mfields, k), *b = items[2 * k];
        if (a == b)
            continue;
        if (!PyBytes_Check(a) || PyBytes_GET_SIZE(a) != PyBytes_GET_SIZE(b) ||
            memcmp(PyBytes_AS_STRING(a), PyBytes_AS_STRING(b), (size_t)PyBytes_GET_SIZE(a)) != 0)
            same = 0;
    }
    /* A small entry is encoded on the stack and copied in with one resize
     * (growing then shrinking the bytearray would reallocate twice while
     * the node is small); a large one is encoded in place. */
    Py_ssize_t old = PyByteArray_GET_SIZE(lp);
    unsigned char stack[512];
    unsigned char *base, *d;
    if (bound <= sizeof(stack)) {
        base = stack;
        d = stack;
    } else {
        if (PyByteArray_Resize(lp, old + (Py_ssize_t)bound) < 0)
            return NULL;
        base = (unsigned char *)PyByteArray_AS_STRING(lp);
        d = base + old;
    }
    *d++ = same ? FLAG_SAMEFIELDS : 0;
    *d++ = 1;
    d = put_int(d, (long long)(id.ms - master.ms));
    d = put_int(d, (long long)(id.seq - master.seq));
    long long lp_count;
    if (same) {
        for (Py_ssize_t k = 1; k < n; k += 2) {
            PyObject *x = items[k];
            d = put_str(d, PyBytes_AS_STRING(x), PyBytes_GET_SIZE(x));
        }
        lp_count = nf + 3;
    } else {
        d = put_int(d, nf);
        for (Py_ssize_t k = 0; k < n; k++) {
            PyObject *x = items[k];
            d = put_str(d, PyBytes_AS_STRING(x), PyBytes_GET_SIZE(x));
        }
        lp_count = nf + 3 + nf + 1;
    }
    d = put_int(d, lp_count);
    if (base == stack) {
        if (PyByteArray_Resize(lp, old + (Py_ssize_t)(d - stack)) < 0)
            return NULL;
        memcpy(PyByteArray_AS_STRING(lp) + old, stack, (size_t)(d - stack));
    } else if (PyByteArray_Resize(lp, (Py_ssize_t)(d - base)) < 0) {
        return NULL;
    }
    char idt[48];
    int k = fmt_u64(idt, id.ms);
    idt[k++] = '-';
    k += fmt_u64(idt + k, id.seq);
    return PyBytes_FromStringAndSize(idt, k);
}

/* -- XADD key * … ---------------------------------------------------------------------------- */

#define LISTPACK_MAX_SIZE (1LL << 30)

static PyObject *s_last_id, *s_nodes, *s_count, *s_deleted, *s_lp, *s_master, *s_mfields, *s_last, *s_length,
    *s_entries_added, *s_first_id;

/* add_star reads and writes the __slots__ of StreamValue and StreamNode
 * (stream.py) through their member descriptors' offsets, found once per
 * class: by name (PyObject_GetAttr) the fifteen accesses cost more than
 * the append itself. Anything unexpected (another class, a slot that is
 * not a plain object slot, an unset slot) makes add_star answer None, and
 * the caller takes the general path. */
enum { S_NODES, S_LAST_ID, S_LENGTH, S_ENTRIES_ADDED, S_FIRST_ID, S_N };
enum { N_COUNT, N_DELETED, N_LP, N_MASTER, N_MFIELDS, N_LAST, N_N };

typedef struct {
    PyTypeObject *type; /* a strong reference once found */
    Py_ssize_t off[8];
} SlotMap;

static SlotMap stream_slots, node_slots;

/* 1 when ``m`` maps type ``t``'s slots ``names``; 0 when they are not all
 * plain object slots; -1 on a Python error. */
static int
slot_map(SlotMap *m, PyTypeObject *t, PyObject *const *names, int n)
{
    if (m->type == t)
        return 1;
    Py_ssize_t off[8];
    for (int i = 0; i < n; i++) {
        PyObject *d = PyDict_GetItemWithError(t->tp_dict, names[i]);
        if (d == NULL)
            return PyErr_Occurred() ? -1 : 0;
        if (Py_TYPE(d) != &PyMemberDescr_Type)
            return 0;
        PyMemberDef *md = ((PyMemberDescrObject *)d)->d_member;
        if (md->type != T_OBJECT_EX || (md->flags & READONLY))
            return 0;
        off[i] = md->offset;
    }
    Py_INCREF(t);
    Py_XSETREF(m->type, t);
    memcpy(m->off, off, sizeof(off));
    return 1;
}

#define SLOT(o, m, i) (*(PyObject **)((char *)(o) + (m).off[i]))

static inline void
slot_set(PyObject *o, const SlotMap *m, int i, PyObject *v) /* steals v */
{
    PyObject **p = (PyObject **)((char *)o + m->off[i]);
    PyObject *old = *p;
    *p = v;
    Py_XDECREF(old);
}

/* A slot holding an int >= 0 (-1: not one; -2 with an exception set). */
static Py_ssize_t
slot_ssize(PyObject *o, const SlotMap *m, int i)
{
    PyObject *v = SLOT(o, *m, i);
    if (v == NULL || !PyLong_CheckExact(v))
        return -1;
    Py_ssize_t x = PyLong_AsSsize_t(v);
    if (x == -1 && PyErr_Occurred())
        return -2;
    return x < 0 ? -1 : x;
}

/* add_star(s, args, now_ms, max_bytes, max_entries) -> ID text | None
 * stream.py's py_add_star: XADD key * with the entry (args[3:]) going to
 * the last node; None (nothing changed) when another case applies. */
static PyObject *
add_star(PyObject *Py_UNUSED(module), PyObject *const *argv, Py_ssize_t argc)
{
    if (argc != 5) {
        PyErr_SetString(PyExc_TypeError, "add_star(s, args, now_ms, max_bytes, max_entries)");
        return NULL;
    }
    PyObject *s = argv[0], *args = argv[1];
    if (!PyList_Check(args) || PyList_GET_SIZE(args) < 3) {
        PyErr_SetString(PyExc_TypeError, "add_star: args must be XADD's argument list");
        return NULL;
    }
    PyObject **fvitems = ((PyListObject *)args)->ob_item + 3;
    Py_ssize_t nfv = PyList_GET_SIZE(args) - 3;
    unsigned long long now = PyLong_AsUnsignedLongLong(argv[2]);
    if (now == (unsigned long long)-1 && PyErr_Occurred())
        return NULL;
    long long mb = PyLong_AsLongLong(argv[3]), me = PyLong_AsLongLong(argv[4]);
    if ((mb == -1 || me == -1) && PyErr_Occurred())
        return NULL;
    if (mb <= 0 || mb > LISTPACK_MAX_SIZE || nfv < 2 || nfv % 2)
        Py_RETURN_NONE;
    PyObject *const snames[S_N] = {s_nodes, s_last_id, s_length, s_entries_added, s_first_id};
    PyObject *const nnames[N_N] = {s_count, s_deleted, s_lp, s_master, s_mfields, s_last};
    int r = slot_map(&stream_slots, Py_TYPE(s), snames, S_N);
    if (r <= 0)
        return r < 0 ? NULL : Py_NewRef(Py_None);
    PyObject *nodes = SLOT(s, stream_slots, S_NODES);
    if (nodes == NULL || !PyList_Check(nodes) || PyList_GET_SIZE(nodes) == 0)
        Py_RETURN_NONE;
    PyObject *node = PyList_GET_ITEM(nodes, PyList_GET_SIZE(nodes) - 1);
    r = slot_map(&node_slots, Py_TYPE(node), nnames, N_N);
    if (r <= 0)
        return r < 0 ? NULL : Py_NewRef(Py_None);
    Py_ssize_t count = slot_ssize(node, &node_slots, N_COUNT), deleted = slot_ssize(node, &node_slots, N_DELETED);
    Py_ssize_t length = slot_ssize(s, &stream_slots, S_LENGTH), added = slot_ssize(s, &stream_slots, S_ENTRIES_ADDED);
    if (count == -2 || deleted == -2 || length == -2 || added == -2)
        return NULL;
    long long lim = (me > 0 && me < 128) ? me : 128;
    if (count < 0 || deleted < 0 || length < 0 || added < 0 || count + deleted >= lim)
        Py_RETURN_NONE;
    PyObject *lp = SLOT(node, node_slots, N_LP), *mo = SLOT(node, node_slots, N_MASTER),
             *mfields = SLOT(node, node_slots, N_MFIELDS), *lasto = SLOT(s, stream_slots, S_LAST_ID);
    if (lp == NULL || !PyByteArray_CheckExact(lp) || mo == NULL || mfields == NULL || !PyTuple_Check(mfields) ||
        lasto == NULL)
        Py_RETURN_NONE;
    long long total = 0;
    for (Py_ssize_t k = 0; k < nfv; k++) {
        PyObject *x = fvitems[k];
        if (!PyBytes_Check(x))
            Py_RETURN_NONE;
        total += PyBytes_GET_SIZE(x);
    }
    /* lp_bytes() with both counters under 128 (2 bytes each) */
    if ((long long)PyByteArray_GET_SIZE(lp) + 11 + total >= mb)
        Py_RETURN_NONE;
    sid last, id, master;
    if (get_id(lasto, &last) < 0 || get_id(mo, &master) < 0)
        return NULL;
    if (now > last.ms) { /* streamNextID: the clock, else streamIncrID */
        id.ms = now;
        id.seq = 0;
    } else if (last.seq != UINT64_MAX) {
        id.ms = last.ms;
        id.seq = last.seq + 1;
    } else if (last.ms != UINT64_MAX) {
        id.ms = last.ms + 1;
        id.seq = 0;
    } else {
        Py_RETURN_NONE; /* exhausted: the general path raises */
    }
    /* Everything that can fail before the append. */
    PyObject *newid = make_id(id), *ncount = PyLong_FromSsize_t(count + 1), *nlength = PyLong_FromSsize_t(length + 1),
             *nadded = PyLong_FromSsize_t(added + 1);
    PyObject *text = NULL;
    if (newid != NULL && ncount != NULL && nlength != NULL && nadded != NULL)
        text = do_append_items(lp, master, mfields, id, fvitems, nfv);
    if (text == NULL) {
        Py_XDECREF(newid);
        Py_XDECREF(ncount);
        Py_XDECREF(nlength);
        Py_XDECREF(nadded);
        return NULL;
    }
    slot_set(node, &node_slots, N_COUNT, ncount);
    slot_set(s, &stream_slots, S_LENGTH, nlength);
    slot_set(s, &stream_slots, S_ENTRIES_ADDED, nadded);
    if (length == 0)
        slot_set(s, &stream_slots, S_FIRST_ID, Py_NewRef(newid));
    slot_set(node, &node_slots, N_LAST, Py_NewRef(newid));
    slot_set(s, &stream_slots, S_LAST_ID, newid);
    return text;
}

static int
get_num(const Reader *r, Py_ssize_t *p, long long *v)
{
    const unsigned char *s;
    Py_ssize_t l;
    int k = lp_get(r, p, &s, &l, v);
    if (k < 0)
        return -1;
    if (k == 1 && !str2ll((const char *)s, l, v)) {
        PyErr_SetString(PyExc_ValueError, "integer expected in a stream listpack");
        return -1;
    }
    return 0;
}

static int
skip(const Reader *r, Py_ssize_t *p)
{
    const unsigned char *s;
    Py_ssize_t l;
    long long v;
    return lp_get(r, p, &s, &l, &v) < 0 ? -1 : 0;
}

/* The head of the entry at *p: flags and ID; *p moves to its fields. */
static int
entry_head(const Reader *r, Py_ssize_t *p, sid master, long long *flags, sid *id)
{
    long long msd, seqd;
    if (get_num(r, p, flags) < 0 || get_num(r, p, &msd) < 0 || get_num(r, p, &seqd) < 0)
        return -1;
    id->ms = master.ms + (uint64_t)msd;
    id->seq = master.seq + (uint64_t)seqd;
    return 0;
}

/* Skips the rest of an entry (after its head) and its lp-count. */
static int
entry_skip(const Reader *r, Py_ssize_t *p, long long flags, Py_ssize_t nmf)
{
    long long k;
    if (flags & FLAG_SAMEFIELDS) {
        k = nmf;
    } else {
        long long nf;
        if (get_num(r, p, &nf) < 0)
            return -1;
        if (nf < 0 || nf > r->n) {
            PyErr_SetString(PyExc_ValueError, "bad field count in a stream listpack");
            return -1;
        }
        k = 2 * nf;
    }
    for (long long i = 0; i <= k; i++) /* the fields and values, then lp-count */
        if (skip(r, p) < 0)
            return -1;
    return 0;
}

/* Output buffer of RAW scans. */
typedef struct {
    char *p;
    Py_ssize_t len, cap;
} Buf;

static int
buf_reserve(Buf *b, Py_ssize_t extra)
{
    if (b->len + extra <= b->cap)
        return 0;
    Py_ssize_t cap = b->cap ? b->cap * 2 : 1024;
    while (cap < b->len + extra)
        cap *= 2;
    char *np = PyMem_Realloc(b->p, (size_t)cap);
    if (np == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    b->p = np;
    b->cap = cap;
    return 0;
}

static int
buf_bulk(Buf *b, const char *s, Py_ssize_t n)
{
    if (buf_reserve(b, n + 32) < 0)
        return -1;
    char *d = b->p + b->len;
    *d++ = '$';
    d += fmt_u64(d, (uint64_t)n);
    *d++ = '\r';
    *d++ = '\n';
    b->len = d - b->p;
    memcpy(b->p + b->len, s, (size_t)n);
    b->len += n;
    b->p[b->len++] = '\r';
    b->p[b->len++] = '\n';
    return 0;
}

static int
elem_raw(Buf *b, int kind, const unsigned char *s, Py_ssize_t l, long long v)
{
    if (kind == 1)
        return buf_bulk(b, (const char *)s, l);
    char tmp[24];
    int k = fmt_ll(tmp, v);
    return buf_bulk(b, tmp, k);
}

/* Emits the entry at pos: a (id, fv, pos, flags) tuple appended to out, or
 * its RESP encoding to raw. */
static int
emit(const Reader *r, Py_ssize_t pos, sid master, PyObject *mfields, PyObject *out, Buf *raw)
{
    Py_ssize_t p = pos;
    long long flags;
    sid id;
    const unsigned char *s = NULL;
    Py_ssize_t l = 0;
    long long v = 0;
    int kind;
    if (entry_head(r, &p, master, &flags, &id) < 0)
        return -1;
    Py_ssize_t nmf = PyTuple_GET_SIZE(mfields);
    int same = (flags & FLAG_SAMEFIELDS) != 0;
    long long nf = nmf;
    if (!same) {
        if (get_num(r, &p, &nf) < 0)
            return -1;
        if (nf < 0 || nf > r->n) {
            PyErr_SetString(PyExc_ValueError, "bad field count in a stream listpack");
            return -1;
        }
    }
    if (raw != NULL) {
        if (buf_reserve(raw, 80) < 0)
            return -1;
        char idt[48];
        int k = fmt_u64(idt, id.ms);
        idt[k++] = '-';
        k += fmt_u64(idt + k, id.seq);
        char *d = raw->p + raw->len;
        memcpy(d, "*2\r\n$", 5);
        d += 5;
        d += fmt_u64(d, (uint64_t)k);
        *d++ = '\r';
        *d++ = '\n';
        memcpy(d, idt, (size_t)k);
        d += k;
        memcpy(d, "\r\n*", 3);
        d += 3;
        d += fmt_u64(d, (uint64_t)(2 * nf));
        *d++ = '\r';
        *d++ = '\n';
        raw->len = d - raw->p;
        for (long long i = 0; i < nf; i++) {
            if (same) {
                PyObject *f = PyTuple_GET_ITEM(mfields, i);
                if (!PyBytes_Check(f)) {
                    PyErr_SetString(PyExc_TypeError, "master fields must be bytes");
                    return -1;
                }
                if (buf_bulk(raw, PyBytes_AS_STRING(f), PyBytes_GET_SIZE(f)) < 0)
                    return -1;
            } else {
                if ((kind = lp_get(r, &p, &s, &l, &v)) < 0 || elem_raw(raw, kind, s, l, v) < 0)
                    return -1;
            }
            if ((kind = lp_get(r, &p, &s, &l, &v)) < 0 || elem_raw(raw, kind, s, l, v) < 0)
                return -1;
        }
        return 0;
    }
    PyObject *fv = PyTuple_New((Py_ssize_t)(2 * nf));
    if (fv == NULL)
        return -1;
    for (long long i = 0; i < nf; i++) {
        PyObject *f, *x;
        if (same) {
            f = PyTuple_GET_ITEM(mfields, i);
            Py_INCREF(f);
        } else {
            if ((kind = lp_get(r, &p, &s, &l, &v)) < 0 || (f = elem_bytes(kind, s, l, v)) == NULL)
                goto fail;
        }
        PyTuple_SET_ITEM(fv, 2 * i, f);
        if ((kind = lp_get(r, &p, &s, &l, &v)) < 0 || (x = elem_bytes(kind, s, l, v)) == NULL)
            goto fail;
        PyTuple_SET_ITEM(fv, 2 * i + 1, x);
    }
    PyObject *idobj = make_id(id);
    if (idobj == NULL)
        goto fail;
    PyObject *t = Py_BuildValue("(NNnL)", idobj, fv, pos, flags);
    if (t == NULL)
        return -1;
    int rc = PyList_Append(out, t);
    Py_DECREF(t);
    return rc;
fail:
    Py_DECREF(fv);
    return -1;
}

/* scan(lp, master, mfields, start, end, count, flags) */
static PyObject *
lp_scan(PyObject *Py_UNUSED(module), PyObject *const *argv, Py_ssize_t argc)
{
    if (argc != 7) {
        PyErr_SetString(PyExc_TypeError, "scan(lp, master, mfields, start, end, count, flags)");
        return NULL;
    }
    PyObject *lpo = argv[0], *mfields = argv[2];
    if (!PyByteArray_Check(lpo) || !PyTuple_Check(mfields)) {
        PyErr_SetString(PyExc_TypeError, "scan: lp must be a bytearray, mfields a tuple");
        return NULL;
    }
    sid master, start, end;
    if (get_id(argv[1], &master) < 0 || get_id(argv[3], &start) < 0 || get_id(argv[4], &end) < 0)
        return NULL;
    Py_ssize_t count = PyLong_AsSsize_t(argv[5]);
    long flags = PyLong_AsLong(argv[6]);
    if ((count == -1 || flags == -1) && PyErr_Occurred())
        return NULL;
    int rev = (flags & SCAN_REV) != 0, tomb = (flags & SCAN_TOMBSTONES) != 0, israw = (flags & SCAN_RAW) != 0;
    Reader r = {(const unsigned char *)PyByteArray_AS_STRING(lpo), PyByteArray_GET_SIZE(lpo)};
    Py_ssize_t nmf = PyTuple_GET_SIZE(mfields);

    /* Pass 1: the offsets of the entries taken. */
    Py_ssize_t small[128];
    Py_ssize_t *pos = small, npos = 0, cap = 128;
    PyObject *result = NULL, *out = NULL;
    Buf raw = {NULL, 0, 0};
    Py_ssize_t p = 0;
    long long mf;
    if (get_num(&r, &p, &mf) < 0)
        goto done;
    for (long long i = 0; i <= mf; i++)
        if (skip(&r, &p) < 0)
            goto done;
    while (p < r.n) {
        Py_ssize_t at = p;
        long long ef;
        sid id;
        if (entry_head(&r, &p, master, &ef, &id) < 0)
            goto done;
        if (id_cmp(id, end) > 0)
            break;
        if (entry_skip(&r, &p, ef, nmf) < 0)
            goto done;
        if (id_cmp(id, start) < 0 || (!tomb && (ef & FLAG_DELETED)))
            continue;
        if (npos == cap) {
            Py_ssize_t ncap = cap * 2;
            Py_ssize_t *np;
            if (pos == small) {
                np = PyMem_Malloc((size_t)ncap * sizeof(Py_ssize_t));
                if (np != NULL)
                    memcpy(np, small, sizeof(small));
            } else {
                np = PyMem_Realloc(pos, (size_t)ncap * sizeof(Py_ssize_t));
            }
            if (np == NULL) {
                PyErr_NoMemory();
                goto done;
            }
            pos = np;
            cap = ncap;
        }
        pos[npos++] = at;
        if (count > 0 && !rev && npos >= count)
            break;
    }
    /* Pass 2: the entries, in the order asked. */
    Py_ssize_t take = npos;
    if (count > 0 && take > count)
        take = count;
    if (!israw) {
        out = PyList_New(0);
        if (out == NULL)
            goto done;
    }
    for (Py_ssize_t k = 0; k < take; k++) {
        Py_ssize_t at = rev ? pos[npos - 1 - k] : pos[k];
        if (emit(&r, at, master, mfields, out, israw ? &raw : NULL) < 0)
            goto done;
    }
    if (israw) {
        PyObject *data = PyBytes_FromStringAndSize(raw.p ? raw.p : "", raw.len);
        if (data != NULL)
            result = Py_BuildValue("(nN)", take, data);
    } else {
        result = out;
        out = NULL;
    }
done:
    if (pos != small)
        PyMem_Free(pos);
    PyMem_Free(raw.p);
    Py_XDECREF(out);
    return result;
}

/* elements(lp) -> the number of listpack elements in lp */
static PyObject *
lp_elements(PyObject *Py_UNUSED(module), PyObject *lpo)
{
    if (!PyByteArray_Check(lpo)) {
        PyErr_SetString(PyExc_TypeError, "elements: lp must be a bytearray");
        return NULL;
    }
    Reader r = {(const unsigned char *)PyByteArray_AS_STRING(lpo), PyByteArray_GET_SIZE(lpo)};
    Py_ssize_t p = 0, n = 0;
    while (p < r.n) {
        if (skip(&r, &p) < 0)
            return NULL;
        n++;
    }
    return PyLong_FromSsize_t(n);
}

static PyMethodDef methods[] = {
    {"add_star", (PyCFunction)(void (*)(void))add_star, METH_FASTCALL,
     "add_star(s, args, now_ms, max_bytes, max_entries) -> the ID as text, or None"},
    {"elements", (PyCFunction)lp_elements, METH_O, "elements(lp) -> number of listpack elements"},
    {"append", (PyCFunction)(void (*)(void))lp_append, METH_FASTCALL,
     "append(lp, master, mfields, new_id, fv) -> the ID as text"},
    {"scan", (PyCFunction)(void (*)(void))lp_scan, METH_FASTCALL,
     "scan(lp, master, mfields, start, end, count, flags) -> list or (n, bytes)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef streamlp_module = {
    PyModuleDef_HEAD_INIT, "radish.db._streamlp",
    "A stream node's listpack: append and scan (C twin of radish.db.streamlp).", -1, methods,
};

PyMODINIT_FUNC
PyInit__streamlp(void)
{
#define INTERN(var, name)                                   \
    if ((var = PyUnicode_InternFromString(name)) == NULL) \
        return NULL;
    INTERN(s_last_id, "last_id");
    INTERN(s_nodes, "nodes");
    INTERN(s_count, "count");
    INTERN(s_deleted, "deleted");
    INTERN(s_lp, "lp");
    INTERN(s_master, "master");
    INTERN(s_mfields, "mfields");
    INTERN(s_last, "last");
    INTERN(s_length, "length");
    INTERN(s_entries_added, "entries_added");
    INTERN(s_first_id, "first_id");
    return PyModule_Create(&streamlp_module);
}
