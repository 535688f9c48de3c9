/*
 * radish.db._quicklist: lists kept as Redis 7.0 keeps them, a quicklist of
 * listpack nodes.
 *
 * The C twin of radish/db/quicklist.py (PyQuickList), whose docstring
 * describes the type and its API; tests/unit/test_quicklist_twin.py holds
 * the two to the same answers and the same node bytes (hypothesis).
 *
 * Why C: a list of ten short items kept as a deque of bytes objects costs
 * about 1.1 KB in CPython (the deque's block, ten bytes objects); the same
 * list as one listpack node is its Redis size, 77 bytes, plus an 80-byte
 * object. A big list costs its listpacks (about the elements' own bytes
 * plus one or two bytes each) plus 16 bytes per node of 4 to 64 KB.
 *
 * An object is a header, the node slots and counters. A node is a pointer
 * and an element count: a listpack (a PyMem block holding exactly the bytes
 * Redis keeps, header, elements, 0xFF end, so RDB and DUMP save a copy) or,
 * for an element of at least packed_threshold bytes (DEBUG
 * QUICKLIST-PACKED-THRESHOLD, 1 GB by default), a PLAIN node (a PyMem block:
 * the length as a size_t, then the bytes). The slots are a C array (a
 * power of two of them) with room at both ends (nodes[head .. head + nn)),
 * so a node is added at either end in amortised O(1); a list of one node
 * keeps its slot inside the object, which is 64 bytes.
 * A listpack block is its exact size up to 512 bytes (pymalloc's size
 * classes) and rounded up to 1/16-1/32 of its size above (lp_alloc_size), so
 * that a push onto a node of a few KB does not reallocate every time.
 *
 * Every operation is quicklist.c's (7.0.15), so a list holds the same nodes
 * as Redis's after the same commands: quicklistPushHead/Tail and
 * _quicklistNodeAllowInsert (fill = list-max-listpack-size: a size level
 * when negative, an entry count within SIZE_SAFETY_LIMIT when positive,
 * each new entry estimated at its raw size plus 8), _quicklistInsert
 * (LINSERT, with node splits and _quicklistMergeNodes),
 * quicklistReplaceEntry (LSET), quicklistDelRange (LTRIM, LPOP count),
 * quicklistDelEntry (LREM), quicklistDup (COPY), quicklistAppendListpack
 * (RDB load). Nodes are never LZF-compressed (list-compress-depth is not
 * built).
 *
 * Listpacks from outside (an RDB file, a DUMP payload) are checked element
 * by element before they are adopted: encodings, lengths, back lengths, the
 * header's total and count, the end byte.
 */

#include "lpcodec.h"

#include <stddef.h>

#define SIZE_SAFETY_LIMIT 8192
#define SIZE_ESTIMATE_OVERHEAD 8
#define FILL_MAX 32767
#define FILL_MIN (-5)
#define CONTAINER_PLAIN 1
#define CONTAINER_PACKED 2

static const size_t optimization_level[] = {4096, 8192, 16384, 32768, 65536};

/* isLargeElement: an element this big gets a PLAIN node of its own. */
static size_t packed_threshold = (size_t)1 << 30;
#define IS_LARGE(sz) ((size_t)(sz) >= packed_threshold)

typedef struct {
    unsigned char *p; /* the listpack, or a plain node's block */
    uint32_t count;   /* elements (1 for a plain node) */
    uint32_t plain;
} Node;

typedef struct {
    PyObject_HEAD
    Node *nodes;      /* the slots: nodes[head .. head + nn) are the list's nodes */
    Py_ssize_t len;   /* elements */
    uint32_t nn, head;
    uint32_t mod;     /* bumped on every change (iterators check it) */
    int16_t fill;     /* list-max-listpack-size when the list was made */
    uint8_t capshift; /* 1 << capshift slots */
    Node one;         /* the slot while there is one (capshift 0) */
} QLObject;

/* 64 bytes: one pymalloc size class for the object of a small list. */
_Static_assert(sizeof(QLObject) <= 64, "QLObject outgrew 64 bytes");

#define CAP(o) ((uint32_t)1 << (o)->capshift)

/* The smallest power of two >= n (n >= 1), as a shift. */
static inline uint8_t
pow2_shift(uint32_t n)
{
    uint8_t s = 0;
    while (((uint32_t)1 << s) < n)
        s++;
    return s;
}

static PyTypeObject QLType, QLIterType;

#define NODE(o, i) ((o)->nodes[(o)->head + (i)])

/* -- listpack bytes ----------------------------------------------------------------------- */


static inline void
lp_set_total(unsigned char *lp, uint32_t t)
{
    lp[0] = (unsigned char)(t & 0xFF);
    lp[1] = (unsigned char)((t >> 8) & 0xFF);
    lp[2] = (unsigned char)((t >> 16) & 0xFF);
    lp[3] = (unsigned char)((t >> 24) & 0xFF);
}

static inline void
lp_set_count(unsigned char *lp, uint32_t n)
{
    uint32_t c = n < 65535 ? n : 65535;
    lp[4] = (unsigned char)(c & 0xFF);
    lp[5] = (unsigned char)(c >> 8);
}

static inline size_t
plain_len(const unsigned char *b)
{
    size_t n;
    memcpy(&n, b, sizeof n);
    return n;
}

#define PLAIN_DATA(b) ((b) + sizeof(size_t))

/* node->sz: the listpack's bytes, or a plain element's length. */
static inline size_t
node_sz(const Node *n)
{
    return n->plain ? plain_len(n->p) : lp_total(n->p);
}





/* lpPrev: the element before p (the start of an element, or the end
 * byte); the caller knows there is one. */
static inline unsigned char *
lp_prev(unsigned char *p)
{
    unsigned char *q = p - 1;
    uint64_t v = 0;
    unsigned shift = 0;
    for (;;) {
        v |= (uint64_t)(*q & 127) << shift;
        if (!(*q & 128))
            break;
        shift += 7;
        q--;
    }
    return q - v;
}


/* The entry lpInsert would write for s: its size. */
static size_t
entry_size(const char *s, Py_ssize_t n)
{
    long long v;
    if (n && n <= 20 && ((s[0] >= '0' && s[0] <= '9') || s[0] == '-') && str2ll(s, n, &v)) {
        if (v >= 0 && v <= 127)
            return 2;
        if (v >= -4096 && v <= 4095)
            return 3;
        if (v >= -32768 && v <= 32767)
            return 4;
        if (v >= -8388608 && v <= 8388607)
            return 5;
        if (v >= -2147483648LL && v <= 2147483647LL)
            return 6;
        return 10;
    }
    if (n < 64)
        return 2 + (size_t)n;
    if (n < 4096)
        return 2 + (size_t)n + (size_t)backlen_size(2 + (uint64_t)n);
    return 5 + (size_t)n + (size_t)backlen_size(5 + (uint64_t)n);
}

/* A search key: lpCompare's equality with an element's text, without
 * formatting integers (an integer element's text is its canonical
 * decimal, which a key spells exactly when str2ll reads it). */
typedef struct {
    const char *s;
    Py_ssize_t n;
    long long v;
    int isint;
} Match;

static void
match_init(Match *m, const char *s, Py_ssize_t n)
{
    m->s = s;
    m->n = n;
    m->isint = n && n <= 20 && str2ll(s, n, &m->v);
}

static inline int
match_elem(const Match *m, const Elem *e)
{
    if (e->str)
        return e->slen == m->n && memcmp(e->s, m->s, (size_t)m->n) == 0;
    return m->isint && e->v == m->v;
}

/* -- nodes ------------------------------------------------------------------------------ */

/* The block a listpack of total bytes lives in. Up to 512 bytes, the exact
 * size (pymalloc's 16-byte size classes already leave the room); above,
 * rounded up to a step of 1/16 to 1/32 of the size, so that pushing onto
 * a node of a few KB reallocates (and, when the heap cannot grow the block
 * where it is, copies it) once per step rather than on every push, as
 * jemalloc's size classes spare Redis. At most 1/16 more memory, 3% on
 * average. Every listpack block is allocated through here, so it is
 * always at least lp_alloc_size(lp_total(lp)) bytes (more only when a
 * shrinking realloc failed). */
static inline size_t
lp_alloc_size(size_t total)
{
    if (total <= 512)
        return total;
    size_t step = 64;
    while (step * 32 <= total)
        step <<= 1;
    return (total + step - 1) & ~(step - 1);
}

static inline unsigned char *
lp_malloc(size_t total)
{
    return PyMem_Malloc(lp_alloc_size(total));
}

static int
node_new_packed(Node *nd, const char *s, Py_ssize_t n)
{
    size_t es = entry_size(s, n), total = LP_HDR + es + 1;
    unsigned char *lp = lp_malloc(total);
    if (lp == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    put_str(lp + LP_HDR, s, n);
    lp[total - 1] = LP_EOF;
    lp_set_total(lp, (uint32_t)total);
    lp_set_count(lp, 1);
    nd->p = lp;
    nd->count = 1;
    nd->plain = 0;
    return 0;
}

static int
node_new_plain(Node *nd, const char *s, size_t n)
{
    unsigned char *b = PyMem_Malloc(sizeof(size_t) + (n ? n : 1));
    if (b == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(b, &n, sizeof n);
    memcpy(PLAIN_DATA(b), s, n);
    nd->p = b;
    nd->count = 1;
    nd->plain = 1;
    return 0;
}

/* Replaces dellen bytes at off with room for inslen bytes; returns where
 * they go (NULL with an exception). The count is the caller's. */
static unsigned char *
lp_gap(Node *nd, size_t off, size_t dellen, size_t inslen)
{
    unsigned char *lp = nd->p;
    size_t total = lp_total(lp);
    size_t nt = total - dellen + inslen;
    if (nt > UINT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "listpack larger than 4 GB");
        return NULL;
    }
    size_t had = lp_alloc_size(total), want = lp_alloc_size(nt);
    if (inslen > dellen) {
        if (want != had) {
            lp = PyMem_Realloc(lp, want);
            if (lp == NULL) {
                PyErr_NoMemory();
                return NULL;
            }
        }
        memmove(lp + off + inslen, lp + off + dellen, total - off - dellen);
    } else if (inslen < dellen) {
        memmove(lp + off + inslen, lp + off + dellen, total - off - dellen);
        if (want != had) {
            /* A block that cannot shrink is kept: it is only ever bigger
             * than lp_alloc_size(total), never smaller. */
            unsigned char *np = PyMem_Realloc(lp, want);
            if (np != NULL)
                lp = np;
        }
    }
    nd->p = lp;
    lp_set_total(lp, (uint32_t)nt);
    return lp + off;
}

/* Inserts s as an element at byte offset off of a packed node. */
static int
node_insert_at(Node *nd, size_t off, const char *s, Py_ssize_t n)
{
    unsigned char *d = lp_gap(nd, off, 0, entry_size(s, n));
    if (d == NULL)
        return -1;
    put_str(d, s, n);
    nd->count++;
    lp_set_count(nd->p, nd->count);
    return 0;
}

/* Deletes the k elements in bytes [from, to) of a packed node. */
static void
node_delete_bytes(Node *nd, size_t from, size_t to, uint32_t k)
{
    lp_gap(nd, from, to - from, 0); /* shrinking cannot fail */
    nd->count -= k;
    lp_set_count(nd->p, nd->count);
}

/* The byte offset of element k (0 <= k <= count: count is the end byte) of
 * a packed node, walking from the nearer end (lpSeek). */
static size_t
node_offset(const Node *nd, uint32_t k)
{
    unsigned char *lp = nd->p;
    if (k <= nd->count / 2) {
        unsigned char *p = lp + LP_HDR;
        for (uint32_t i = 0; i < k; i++)
            p += elem_size(p);
        return (size_t)(p - lp);
    }
    unsigned char *p = lp + lp_total(lp) - 1;
    for (uint32_t i = nd->count; i > k; i--)
        p = lp_prev(p);
    return (size_t)(p - lp);
}

static inline void
node_free(Node *nd)
{
    PyMem_Free(nd->p);
}

/* _quicklistNodeAllowInsert */
static int
allow_insert(const Node *nd, int fill, size_t sz)
{
    if (nd->plain || IS_LARGE(sz))
        return 0;
    size_t new_sz = lp_total(nd->p) + sz + SIZE_ESTIMATE_OVERHEAD;
    if (fill < 0)
        return new_sz <= optimization_level[-fill - 1];
    if (new_sz > SIZE_SAFETY_LIMIT)
        return 0;
    return (int)nd->count < fill;
}

/* _quicklistNodeAllowMerge */
static int
allow_merge(const Node *a, const Node *b, int fill)
{
    if (a->plain || b->plain)
        return 0;
    unsigned int merge_sz = lp_total(a->p) + lp_total(b->p) - 11;
    if (fill < 0)
        return merge_sz <= optimization_level[-fill - 1];
    if (merge_sz > SIZE_SAFETY_LIMIT)
        return 0;
    return (int)(a->count + b->count) <= fill;
}

/* -- the node slots ---------------------------------------------------------------------- */

/* Lays the nn nodes out again in a new block of 1 << shift slots, centred,
 * with a free slot at gap (or none when gap > nn). */
static int
slots_relayout(QLObject *o, uint8_t shift, uint32_t gap)
{
    uint32_t nn = o->nn, used = nn + (gap <= nn), ncap = (uint32_t)1 << shift;
    Node *nb;
    if (shift == 0) {
        nb = &o->one;
    } else {
        nb = PyMem_Malloc(sizeof(Node) * (size_t)ncap);
        if (nb == NULL) {
            PyErr_NoMemory();
            return -1;
        }
    }
    uint32_t nh = (ncap - used) / 2;
    Node *old = o->nodes + o->head;
    if (gap > nn) {
        memmove(nb + nh, old, sizeof(Node) * nn);
    } else {
        memmove(nb + nh, old, sizeof(Node) * gap);
        memmove(nb + nh + gap + 1, old + gap, sizeof(Node) * (nn - gap));
    }
    if (o->nodes != &o->one)
        PyMem_Free(o->nodes);
    o->nodes = nb;
    o->capshift = shift;
    o->head = nh;
    return 0;
}

/* Puts nd in slot i (0 <= i <= nn), after moving the later ones on. */
static int
slots_insert(QLObject *o, uint32_t i, Node nd)
{
    uint32_t nn = o->nn;
    int front = o->head > 0, back = o->head + nn < CAP(o);
    if (i == nn && back) {
        /* the slot after the last is free */
    } else if (i == 0 && front) {
        o->head--;
    } else if (back && (!front || nn - i <= i)) {
        memmove(&NODE(o, i + 1), &NODE(o, i), sizeof(Node) * (nn - i));
    } else if (front) {
        Node *first = o->nodes + o->head;
        memmove(first - 1, first, sizeof(Node) * i);
        o->head--;
    } else {
        if (slots_relayout(o, pow2_shift(2 * (nn + 1) < 4 ? 4 : 2 * (nn + 1)), i) < 0)
            return -1;
    }
    NODE(o, i) = nd;
    o->nn = nn + 1;
    return 0;
}

/* Room for k more nodes, so that the next k slots_insert calls cannot fail
 * (a change that adds several nodes reserves first and never stops
 * half-way). */
static int
slots_reserve(QLObject *o, uint32_t k)
{
    if (o->nn + k <= CAP(o))
        return 0;
    return slots_relayout(o, pow2_shift(2 * (o->nn + k) < 4 ? 4 : 2 * (o->nn + k)), UINT32_MAX);
}

/* Takes slot i out (the node itself is the caller's). */
static void
slots_remove(QLObject *o, uint32_t i)
{
    uint32_t nn = o->nn;
    if (i < nn / 2) {
        memmove(&NODE(o, 1), &NODE(o, 0), sizeof(Node) * i);
        o->head++;
    } else {
        memmove(&NODE(o, i), &NODE(o, i + 1), sizeof(Node) * (nn - i - 1));
    }
    o->nn = nn - 1;
    if (o->nodes != &o->one) {
        if (o->nn <= 1)
            slots_relayout(o, 0, UINT32_MAX); /* back into the object: cannot fail */
        else if (o->capshift > 4 && o->nn < CAP(o) / 4 && slots_relayout(o, o->capshift - 1, UINT32_MAX) < 0)
            PyErr_Clear(); /* keeping the bigger block is fine */
    }
    if (o->nn == 0)
        o->head = 0;
}

/* __quicklistDelNode */
static void
del_node(QLObject *o, uint32_t i)
{
    Node nd = NODE(o, i);
    o->len -= nd.count;
    slots_remove(o, i);
    node_free(&nd);
}

/* -- quicklist.c ---------------------------------------------------------------------- */

/* quicklistPushHead / quicklistPushTail */
static int
ql_push(QLObject *o, const char *s, Py_ssize_t n, int head)
{
    Node nd;
    if (IS_LARGE(n)) {
        if (node_new_plain(&nd, s, (size_t)n) < 0)
            return -1;
        if (slots_insert(o, head ? 0 : o->nn, nd) < 0) {
            node_free(&nd);
            return -1;
        }
    } else if (o->nn && allow_insert(head ? &NODE(o, 0) : &NODE(o, o->nn - 1), o->fill, (size_t)n)) {
        Node *t = head ? &NODE(o, 0) : &NODE(o, o->nn - 1);
        if (node_insert_at(t, head ? LP_HDR : lp_total(t->p) - 1, s, n) < 0)
            return -1;
    } else {
        if (node_new_packed(&nd, s, n) < 0)
            return -1;
        if (slots_insert(o, head ? 0 : o->nn, nd) < 0) {
            node_free(&nd);
            return -1;
        }
    }
    o->len++;
    o->mod++;
    return 0;
}

/* quicklistDelIndex: deletes the element at byte offset off of node i
 * (the whole node when it was the last); returns 1 when the node went. */
static int
del_index(QLObject *o, uint32_t i, size_t off)
{
    Node *nd = &NODE(o, i);
    if (nd->plain || nd->count == 1) {
        del_node(o, i);
        o->mod++;
        return 1;
    }
    node_delete_bytes(nd, off, off + elem_size(nd->p + off), 1);
    o->len--;
    o->mod++;
    return 0;
}

/* The node holding element idx (0 <= idx < len) and the element's place
 * in it, walking from the nearer end (quicklistGetIteratorAtIdx). */
static uint32_t
locate(const QLObject *o, Py_ssize_t idx, uint32_t *off)
{
    Py_ssize_t acc = 0;
    if (idx <= (o->len - 1) / 2) {
        for (uint32_t i = 0;; i++) {
            const Node *n = &NODE(o, i);
            if (acc + (Py_ssize_t)n->count > idx) {
                *off = (uint32_t)(idx - acc);
                return i;
            }
            acc += n->count;
        }
    }
    Py_ssize_t s = o->len - 1 - idx;
    for (uint32_t i = o->nn; i-- > 0;) {
        const Node *n = &NODE(o, i);
        if (acc + (Py_ssize_t)n->count > s) {
            *off = (uint32_t)(n->count - 1 - (s - acc));
            return i;
        }
        acc += n->count;
    }
    return 0; /* not reached: 0 <= idx < len */
}

/* _quicklistSplitNode: node i keeps [0, k) and *out gets [k, count) when
 * after (k = offset + 1), the other way round otherwise (k = offset). With
 * s, *out also gets s, at its head when after, at its tail otherwise (as
 * _quicklistInsert adds it). Everything is allocated before node i
 * changes, so a failure leaves the list as it was. */
static int
split_node(QLObject *o, uint32_t i, uint32_t offset, int after, const char *s, Py_ssize_t n, Node *out)
{
    Node *nd = &NODE(o, i);
    uint32_t k = after ? offset + 1 : offset;
    size_t cut = node_offset(nd, k), total = lp_total(nd->p);
    size_t add = s != NULL ? entry_size(s, n) : 0;
    /* The part that moves out gets a new block; the node keeps its own. */
    size_t part = after ? total - cut - 1 : cut - LP_HDR; /* its elements' bytes */
    size_t osz = LP_HDR + add + part + 1;
    if (osz > UINT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "listpack larger than 4 GB");
        return -1;
    }
    unsigned char *b = lp_malloc(osz);
    if (b == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    if (after) {
        if (s != NULL)
            put_str(b + LP_HDR, s, n);
        memcpy(b + LP_HDR + add, nd->p + cut, part);
        out->count = nd->count - k;
        node_delete_bytes(nd, cut, total - 1, out->count);
    } else {
        memcpy(b + LP_HDR, nd->p + LP_HDR, part);
        if (s != NULL)
            put_str(b + LP_HDR + part, s, n);
        out->count = k;
        node_delete_bytes(nd, LP_HDR, cut, k);
    }
    b[osz - 1] = LP_EOF;
    if (s != NULL)
        out->count++;
    lp_set_total(b, (uint32_t)osz);
    lp_set_count(b, out->count);
    out->p = b;
    out->plain = 0;
    return 0;
}

/* _quicklistListpackMerge of nodes i and i + 1 (into slot i). */
static int
merge_pair(QLObject *o, uint32_t i)
{
    Node *a = &NODE(o, i), *b = &NODE(o, i + 1);
    size_t at = lp_total(a->p), bt = lp_total(b->p);
    unsigned char *d = lp_gap(a, at - 1, 0, bt - LP_HDR - 1);
    if (d == NULL)
        return -1;
    memcpy(d, b->p + LP_HDR, bt - LP_HDR - 1);
    a->count += b->count;
    lp_set_count(a->p, a->count);
    Node gone = *b;
    slots_remove(o, i + 1);
    node_free(&gone);
    return 0;
}

/* _quicklistMergeNodes around node c. */
static int
merge_nodes(QLObject *o, uint32_t c)
{
    int fill = o->fill;
    if (c >= 2 && allow_merge(&NODE(o, c - 1), &NODE(o, c - 2), fill)) {
        if (merge_pair(o, c - 2) < 0)
            return -1;
        c--;
    }
    if (c + 2 < o->nn && allow_merge(&NODE(o, c + 1), &NODE(o, c + 2), fill)) {
        if (merge_pair(o, c + 1) < 0)
            return -1;
    }
    uint32_t target = c;
    if (c >= 1 && allow_merge(&NODE(o, c), &NODE(o, c - 1), fill)) {
        if (merge_pair(o, c - 1) < 0)
            return -1;
        target = c - 1;
    }
    if (target + 1 < o->nn && allow_merge(&NODE(o, target), &NODE(o, target + 1), fill)) {
        if (merge_pair(o, target) < 0)
            return -1;
    }
    return 0;
}

/* _quicklistInsert: s goes before (after = 0) or after element offset of
 * node i. */
static int
ql_insert(QLObject *o, uint32_t i, uint32_t offset, const char *s, Py_ssize_t n, int after)
{
    int fill = o->fill;
    size_t sz = (size_t)n;
    Node *node = &NODE(o, i);
    int full = 0, at_tail = 0, at_head = 0, avail_next = 0, avail_prev = 0;
    Node nd;

    if (!allow_insert(node, fill, sz))
        full = 1;
    if (after && offset == node->count - 1) {
        at_tail = 1;
        if (i + 1 < o->nn && allow_insert(&NODE(o, i + 1), fill, sz))
            avail_next = 1;
    }
    if (!after && offset == 0) {
        at_head = 1;
        if (i >= 1 && allow_insert(&NODE(o, i - 1), fill, sz))
            avail_prev = 1;
    }

    if (IS_LARGE(sz)) {
        int alone = node->plain || (at_tail && after) || (at_head && !after);
        Node big, rest;
        if (slots_reserve(o, alone ? 1 : 2) < 0 || node_new_plain(&big, s, sz) < 0)
            return -1;
        if (alone) {
            slots_insert(o, after ? i + 1 : i, big); /* reserved: cannot fail */
        } else {
            if (split_node(o, i, offset, after, NULL, 0, &rest) < 0) {
                node_free(&big);
                return -1;
            }
            /* after: node, big, rest; before: rest, big, node */
            slots_insert(o, after ? i + 1 : i, big);
            slots_insert(o, after ? i + 2 : i, rest);
        }
        o->len++;
        o->mod++;
        return 0;
    }

    if (!full) {
        size_t off = node_offset(node, after ? offset + 1 : offset);
        if (node_insert_at(node, off, s, n) < 0)
            return -1;
    } else if (at_tail && avail_next && after) {
        if (node_insert_at(&NODE(o, i + 1), LP_HDR, s, n) < 0)
            return -1;
    } else if (at_head && avail_prev && !after) {
        Node *prev = &NODE(o, i - 1);
        if (node_insert_at(prev, lp_total(prev->p) - 1, s, n) < 0)
            return -1;
    } else if ((at_tail && !avail_next && after) || (at_head && !avail_prev && !after)) {
        if (node_new_packed(&nd, s, n) < 0)
            return -1;
        if (slots_insert(o, after ? i + 1 : i, nd) < 0) {
            node_free(&nd);
            return -1;
        }
    } else {
        if (slots_reserve(o, 1) < 0 || split_node(o, i, offset, after, s, n, &nd) < 0)
            return -1;
        slots_insert(o, after ? i + 1 : i, nd); /* reserved: cannot fail */
        o->len++;
        o->mod++;
        /* A merge that fails for memory leaves the nodes as they are: still
         * the right list. */
        if (merge_nodes(o, after ? i : i + 1) < 0)
            PyErr_Clear();
        return 0;
    }
    o->len++;
    o->mod++;
    return 0;
}

/* quicklistReplaceEntry: element offset of node i becomes s. */
static int
ql_replace(QLObject *o, uint32_t i, uint32_t offset, const char *s, Py_ssize_t n)
{
    Node *node = &NODE(o, i);
    size_t sz = (size_t)n;
    if (!node->plain && !IS_LARGE(sz)) {
        size_t off = node_offset(node, offset);
        unsigned char *d = lp_gap(node, off, elem_size(node->p + off), entry_size(s, n));
        if (d == NULL)
            return -1;
        put_str(d, s, n);
    } else if (node->plain) {
        if (IS_LARGE(sz)) {
            Node nd;
            if (node_new_plain(&nd, s, sz) < 0)
                return -1;
            node_free(node);
            *node = nd;
        } else {
            if (ql_insert(o, i, 0, s, n, 1) < 0)
                return -1;
            del_node(o, i); /* still slot i: the insert went after it */
        }
    } else {
        if (ql_insert(o, i, offset, s, n, 1) < 0)
            return -1;
        node = &NODE(o, i);
        if (node->count == 1) {
            del_node(o, i);
        } else {
            /* the replaced element is now node i's last */
            size_t off = node_offset(node, node->count - 1);
            del_index(o, i, off);
        }
    }
    o->mod++;
    return 0;
}

/* quicklistDelRange: count elements from start (negative: from the tail);
 * returns how many went. */
static Py_ssize_t
ql_del_range(QLObject *o, Py_ssize_t start, Py_ssize_t count)
{
    if (count <= 0)
        return 0;
    Py_ssize_t extent = count;
    if (start >= 0 && extent > o->len - start)
        extent = o->len - start;
    else if (start < 0 && extent > -start)
        extent = -start;
    Py_ssize_t idx = start < 0 ? o->len + start : start;
    if (idx < 0 || idx >= o->len)
        return 0;
    Py_ssize_t deleted = extent;
    uint32_t offset;
    uint32_t i = locate(o, idx, &offset);
    while (extent) {
        Node *nd = &NODE(o, i);
        Py_ssize_t del;
        int whole = 0;
        if (offset == 0 && extent >= (Py_ssize_t)nd->count) {
            whole = 1;
            del = nd->count;
        } else if (extent + offset >= nd->count) {
            del = nd->count - offset;
        } else {
            del = extent;
        }
        if (whole || nd->plain || (Py_ssize_t)nd->count == del) {
            del_node(o, i); /* the next node is now slot i */
        } else {
            size_t from = node_offset(nd, offset);
            size_t to = from;
            for (Py_ssize_t k = 0; k < del; k++)
                to += elem_size(nd->p + to);
            node_delete_bytes(nd, from, to, (uint32_t)del);
            o->len -= del;
            i++;
        }
        extent -= del;
        offset = 0;
    }
    o->mod++;
    return deleted;
}

static void
ql_clear(QLObject *o)
{
    for (uint32_t i = 0; i < o->nn; i++)
        node_free(&NODE(o, i));
    if (o->nodes != &o->one)
        PyMem_Free(o->nodes);
    o->nodes = &o->one;
    o->capshift = 0;
    o->head = 0;
    o->nn = 0;
    o->len = 0;
    o->mod++;
}

/* -- a cursor over the elements -------------------------------------------------------- */

typedef struct {
    uint32_t ni;      /* node */
    unsigned char *p; /* the element in a packed node, the block of a plain one */
} Cur;

static void
cur_first(const QLObject *o, uint32_t ni, Cur *c)
{
    const Node *nd = &NODE(o, ni);
    c->ni = ni;
    c->p = nd->plain ? nd->p : nd->p + LP_HDR;
}

static void
cur_last(const QLObject *o, uint32_t ni, Cur *c)
{
    const Node *nd = &NODE(o, ni);
    c->ni = ni;
    c->p = nd->plain ? nd->p : lp_prev(nd->p + lp_total(nd->p) - 1);
}

/* The cursor at element idx (0 <= idx < len). */
static void
cur_at(const QLObject *o, Py_ssize_t idx, Cur *c)
{
    uint32_t off;
    uint32_t i = locate(o, idx, &off);
    const Node *nd = &NODE(o, i);
    c->ni = i;
    c->p = nd->plain ? nd->p : nd->p + node_offset(nd, off);
}

static inline void
cur_get(const QLObject *o, const Cur *c, Elem *e)
{
    if (NODE(o, c->ni).plain) {
        e->str = 1;
        e->s = PLAIN_DATA(c->p);
        e->slen = (Py_ssize_t)plain_len(c->p);
    } else {
        elem_read(c->p, e);
    }
}

/* Moves on; 0 past the last element. */
static inline int
cur_next(const QLObject *o, Cur *c)
{
    const Node *nd = &NODE(o, c->ni);
    if (!nd->plain) {
        c->p += elem_size(c->p);
        if (*c->p != LP_EOF)
            return 1;
    }
    if (c->ni + 1 >= o->nn)
        return 0;
    cur_first(o, c->ni + 1, c);
    return 1;
}

/* Moves back; 0 before the first element. */
static inline int
cur_prev(const QLObject *o, Cur *c)
{
    const Node *nd = &NODE(o, c->ni);
    if (!nd->plain && c->p != nd->p + LP_HDR) {
        c->p = lp_prev(c->p);
        return 1;
    }
    if (c->ni == 0)
        return 0;
    cur_last(o, c->ni - 1, c);
    return 1;
}

/* -- checking a listpack from outside (as _listpack.c's lp_check) ------------------------- */


/* -- the Python type ------------------------------------------------------------------- */

static int
as_buf(PyObject *x, const char **s, Py_ssize_t *n)
{
    if (PyBytes_Check(x)) {
        *s = PyBytes_AS_STRING(x);
        *n = PyBytes_GET_SIZE(x);
        return 0;
    }
    if (PyByteArray_Check(x)) {
        *s = PyByteArray_AS_STRING(x);
        *n = PyByteArray_GET_SIZE(x);
        return 0;
    }
    PyErr_Format(PyExc_TypeError, "list elements must be bytes, not %.100s", Py_TYPE(x)->tp_name);
    return -1;
}

static int
clamp_fill(PyObject *arg, int16_t *out)
{
    long f = PyLong_AsLong(arg);
    if (f == -1 && PyErr_Occurred())
        return -1;
    /* quicklistSetFill */
    if (f > FILL_MAX)
        f = FILL_MAX;
    else if (f < FILL_MIN)
        f = FILL_MIN;
    *out = (int16_t)f;
    return 0;
}

static int
push_objs(QLObject *o, PyObject *it, int head)
{
    PyObject *seq = PySequence_Fast(it, "an iterable of bytes");
    if (seq == NULL)
        return -1;
    Py_ssize_t k = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    for (Py_ssize_t j = 0; j < k; j++) {
        const char *s;
        Py_ssize_t n;
        if (as_buf(items[j], &s, &n) < 0 || ql_push(o, s, n, head) < 0) {
            Py_DECREF(seq);
            return -1;
        }
    }
    Py_DECREF(seq);
    return 0;
}

static QLObject *
ql_alloc(PyTypeObject *type, int16_t fill)
{
    QLObject *o = (QLObject *)type->tp_alloc(type, 0);
    if (o == NULL)
        return NULL;
    o->nodes = &o->one;
    o->capshift = 0;
    o->head = 0;
    o->nn = 0;
    o->len = 0;
    o->mod = 0;
    o->fill = fill;
    return o;
}

static PyObject *
ql_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"items", "fill", NULL};
    PyObject *items = NULL, *fillarg = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|OO:QuickList", kwlist, &items, &fillarg))
        return NULL;
    int16_t fill = -2;
    if (fillarg != NULL && clamp_fill(fillarg, &fill) < 0)
        return NULL;
    QLObject *o = ql_alloc(type, fill);
    if (o == NULL)
        return NULL;
    if (items != NULL && push_objs(o, items, 0) < 0) {
        Py_DECREF(o);
        return NULL;
    }
    return (PyObject *)o;
}

static void
ql_dealloc(QLObject *o)
{
    for (uint32_t i = 0; i < o->nn; i++)
        node_free(&NODE(o, i));
    if (o->nodes != &o->one)
        PyMem_Free(o->nodes);
    Py_TYPE(o)->tp_free((PyObject *)o);
}

static Py_ssize_t
ql_len(QLObject *o)
{
    return o->len;
}

static PyObject *
m_push(QLObject *o, PyObject *x, int head)
{
    const char *s;
    Py_ssize_t n;
    if (as_buf(x, &s, &n) < 0 || ql_push(o, s, n, head) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *
m_append(QLObject *o, PyObject *x)
{
    return m_push(o, x, 0);
}

static PyObject *
m_appendleft(QLObject *o, PyObject *x)
{
    return m_push(o, x, 1);
}

static PyObject *
m_extend(QLObject *o, PyObject *it)
{
    if (push_objs(o, it, 0) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *
m_extendleft(QLObject *o, PyObject *it)
{
    if (push_objs(o, it, 1) < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* quicklistPopCustom */
static PyObject *
ql_pop(QLObject *o, int head)
{
    if (o->len == 0) {
        PyErr_SetString(PyExc_IndexError, "pop from an empty list");
        return NULL;
    }
    uint32_t i = head ? 0 : o->nn - 1;
    Cur c;
    if (head)
        cur_first(o, i, &c);
    else
        cur_last(o, i, &c);
    Elem e;
    cur_get(o, &c, &e);
    PyObject *v = elem_obj(&e);
    if (v == NULL)
        return NULL;
    del_index(o, i, NODE(o, i).plain ? 0 : (size_t)(c.p - NODE(o, i).p));
    return v;
}

static PyObject *
m_pop(QLObject *o, PyObject *Py_UNUSED(x))
{
    return ql_pop(o, 0);
}

static PyObject *
m_popleft(QLObject *o, PyObject *Py_UNUSED(x))
{
    return ql_pop(o, 1);
}

/* Elements start..start + k - 1 (forward), or from start back k of them. */
static PyObject *
range_list(QLObject *o, Py_ssize_t start, Py_ssize_t k, int reverse)
{
    PyObject *out = PyList_New(k);
    if (out == NULL || k == 0)
        return out;
    Cur c;
    cur_at(o, start, &c);
    for (Py_ssize_t j = 0; j < k; j++) {
        Elem e;
        cur_get(o, &c, &e);
        PyObject *v = elem_obj(&e);
        if (v == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, j, v);
        if (j + 1 < k)
            reverse ? cur_prev(o, &c) : cur_next(o, &c);
    }
    return out;
}

/* addListRangeReply's normalisation: 0 when the range is empty. */
static int
norm_range(Py_ssize_t len, long long start, long long end, Py_ssize_t *s, Py_ssize_t *k)
{
    if (start < 0)
        start += len;
    if (end < 0)
        end += len;
    if (start < 0)
        start = 0;
    if (start > end || start >= len)
        return 0;
    if (end >= len)
        end = len - 1;
    *s = (Py_ssize_t)start;
    *k = (Py_ssize_t)(end - start + 1);
    return 1;
}

/* popn(count, left): listPopRangeAndReplyWithKey's elements (head first,
 * or tail first), then quicklistDelRange. */
static PyObject *
m_popn(QLObject *o, PyObject *args)
{
    Py_ssize_t count;
    int left;
    if (!PyArg_ParseTuple(args, "np:popn", &count, &left))
        return NULL;
    if (count < 0) {
        PyErr_SetString(PyExc_ValueError, "popn: a negative count");
        return NULL;
    }
    Py_ssize_t k = count > o->len ? o->len : count;
    PyObject *out = range_list(o, left ? 0 : o->len - 1, k, !left);
    if (out == NULL)
        return NULL;
    ql_del_range(o, left ? 0 : -k, k);
    return out;
}

static PyObject *
m_lrange(QLObject *o, PyObject *args)
{
    long long start, end;
    int reverse = 0;
    if (!PyArg_ParseTuple(args, "LL|p:lrange", &start, &end, &reverse))
        return NULL;
    Py_ssize_t s, k;
    if (!norm_range(o->len, start, end, &s, &k))
        return PyList_New(0);
    return range_list(o, reverse ? s + k - 1 : s, k, reverse);
}

static inline int
ndigits(size_t v)
{
    int n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

/* lrange_raw(start, end): LRANGE's whole reply, a RESP array of bulk
 * strings (the same in RESP2 and RESP3). */
static PyObject *
m_lrange_raw(QLObject *o, PyObject *args)
{
    long long start, end;
    if (!PyArg_ParseTuple(args, "LL:lrange_raw", &start, &end))
        return NULL;
    Py_ssize_t s, k;
    if (!norm_range(o->len, start, end, &s, &k))
        return PyBytes_FromStringAndSize("*0\r\n", 4);
    /* Once to size the reply, once to write it. */
    size_t total = 3 + (size_t)ndigits((size_t)k);
    Cur c;
    cur_at(o, s, &c);
    char num[24];
    for (Py_ssize_t j = 0; j < k; j++) {
        Elem e;
        cur_get(o, &c, &e);
        size_t l = e.str ? (size_t)e.slen : (size_t)fmt_ll(num, e.v);
        total += 5 + (size_t)ndigits(l) + l;
        if (j + 1 < k)
            cur_next(o, &c);
    }
    PyObject *out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)total);
    if (out == NULL)
        return NULL;
    char *d = PyBytes_AS_STRING(out);
    *d++ = '*';
    d += fmt_u64(d, (uint64_t)k);
    *d++ = '\r';
    *d++ = '\n';
    cur_at(o, s, &c);
    for (Py_ssize_t j = 0; j < k; j++) {
        Elem e;
        cur_get(o, &c, &e);
        const char *t;
        size_t l;
        if (e.str) {
            t = (const char *)e.s;
            l = (size_t)e.slen;
        } else {
            l = (size_t)fmt_ll(num, e.v);
            t = num;
        }
        *d++ = '$';
        d += fmt_u64(d, (uint64_t)l);
        *d++ = '\r';
        *d++ = '\n';
        memcpy(d, t, l);
        d += l;
        *d++ = '\r';
        *d++ = '\n';
        if (j + 1 < k)
            cur_next(o, &c);
    }
    return out;
}

static int
norm_index(QLObject *o, PyObject *arg, Py_ssize_t *out)
{
    Py_ssize_t i = PyNumber_AsSsize_t(arg, PyExc_IndexError);
    if (i == -1 && PyErr_Occurred())
        return -1;
    if (i < 0)
        i += o->len;
    if (i < 0 || i >= o->len) {
        PyErr_SetString(PyExc_IndexError, "list index out of range");
        return -1;
    }
    *out = i;
    return 0;
}

static PyObject *
ql_subscript(QLObject *o, PyObject *key)
{
    Py_ssize_t i;
    if (norm_index(o, key, &i) < 0)
        return NULL;
    Cur c;
    cur_at(o, i, &c);
    Elem e;
    cur_get(o, &c, &e);
    return elem_obj(&e);
}

/* lst[i] = x: LSET (quicklistReplaceAtIndex). */
static int
ql_ass_subscript(QLObject *o, PyObject *key, PyObject *val)
{
    if (val == NULL) {
        PyErr_SetString(PyExc_TypeError, "use delrange() to delete list elements");
        return -1;
    }
    Py_ssize_t i;
    const char *s;
    Py_ssize_t n;
    if (norm_index(o, key, &i) < 0 || as_buf(val, &s, &n) < 0)
        return -1;
    uint32_t off;
    uint32_t ni = locate(o, i, &off);
    return ql_replace(o, ni, off, s, n);
}

static int
ql_contains(QLObject *o, PyObject *x)
{
    const char *s;
    Py_ssize_t n;
    if (as_buf(x, &s, &n) < 0)
        return -1;
    if (o->len == 0)
        return 0;
    Match m;
    match_init(&m, s, n);
    Cur c;
    cur_first(o, 0, &c);
    do {
        Elem e;
        cur_get(o, &c, &e);
        if (match_elem(&m, &e))
            return 1;
    } while (cur_next(o, &c));
    return 0;
}

/* lpos(element, rank, count, maxlen, reverse) -> positions: LPOS's scan
 * (rank >= 1 counts matches from the start of the scan, count 0 is every
 * match, maxlen 0 the whole list). */
static PyObject *
m_lpos(QLObject *o, PyObject *args)
{
    const char *s;
    Py_ssize_t n;
    long long rank, count, maxlen;
    int reverse;
    if (!PyArg_ParseTuple(args, "y#LLLp:lpos", &s, &n, &rank, &count, &maxlen, &reverse))
        return NULL;
    PyObject *out = PyList_New(0);
    if (out == NULL || o->len == 0)
        return out;
    Match m;
    match_init(&m, s, n);
    Cur c;
    if (reverse)
        cur_last(o, o->nn - 1, &c);
    else
        cur_first(o, 0, &c);
    long long index = 0, matches = 0;
    for (;;) {
        if (maxlen && index >= maxlen)
            break;
        Elem e;
        cur_get(o, &c, &e);
        if (match_elem(&m, &e)) {
            matches++;
            if (matches >= rank) {
                PyObject *pos = PyLong_FromLongLong(reverse ? (long long)o->len - index - 1 : index);
                if (pos == NULL || PyList_Append(out, pos) < 0) {
                    Py_XDECREF(pos);
                    Py_DECREF(out);
                    return NULL;
                }
                Py_DECREF(pos);
                if (count && matches - rank + 1 >= count)
                    break;
            }
        }
        index++;
        if (!(reverse ? cur_prev(o, &c) : cur_next(o, &c)))
            break;
    }
    return out;
}

/* linsert(pivot, element, after) -> whether the pivot was found: LINSERT's
 * walk from the head, then _quicklistInsert at the first match. */
static PyObject *
m_linsert(QLObject *o, PyObject *args)
{
    const char *ps, *s;
    Py_ssize_t pn, n;
    int after;
    PyObject *elem;
    if (!PyArg_ParseTuple(args, "y#Op:linsert", &ps, &pn, &elem, &after))
        return NULL;
    if (as_buf(elem, &s, &n) < 0)
        return NULL;
    Match m;
    match_init(&m, ps, pn);
    for (uint32_t i = 0; i < o->nn; i++) {
        Cur c;
        cur_first(o, i, &c);
        for (uint32_t off = 0; off < NODE(o, i).count; off++) {
            Elem e;
            cur_get(o, &c, &e);
            if (match_elem(&m, &e)) {
                if (ql_insert(o, i, off, s, n, after) < 0)
                    return NULL;
                Py_RETURN_TRUE;
            }
            if (!NODE(o, i).plain)
                c.p += elem_size(c.p);
        }
    }
    Py_RETURN_FALSE;
}

/* lrem(element, count) -> removed: LREM (quicklistDelEntry for each match,
 * from the tail when count < 0, at most |count| of them unless 0). */
static PyObject *
m_lrem(QLObject *o, PyObject *args)
{
    const char *s;
    Py_ssize_t n;
    long long toremove;
    if (!PyArg_ParseTuple(args, "y#L:lrem", &s, &n, &toremove))
        return NULL;
    Match m;
    match_init(&m, s, n);
    int rev = toremove < 0;
    unsigned long long limit = rev ? 0ULL - (unsigned long long)toremove : (unsigned long long)toremove;
    unsigned long long removed = 0;
    if (!rev) {
        uint32_t i = 0;
        while (i < o->nn) {
            Node *nd = &NODE(o, i);
            if (nd->plain) {
                Elem e = {PLAIN_DATA(nd->p), (Py_ssize_t)plain_len(nd->p), 0, 1};
                if (match_elem(&m, &e)) {
                    del_node(o, i);
                    o->mod++;
                    if (++removed == limit)
                        break;
                    continue;
                }
                i++;
                continue;
            }
            size_t off = LP_HDR;
            int gone = 0;
            while (nd->p[off] != LP_EOF) {
                Elem e;
                size_t sz = elem_read(nd->p + off, &e);
                if (match_elem(&m, &e)) {
                    gone = del_index(o, i, off);
                    if (++removed == limit || gone)
                        break;
                    nd = &NODE(o, i);
                } else {
                    off += sz;
                }
            }
            if (limit && removed == limit)
                break;
            if (!gone)
                i++;
        }
    } else {
        uint32_t i = o->nn;
        while (i-- > 0) {
            Node *nd = &NODE(o, i);
            if (nd->plain) {
                Elem e = {PLAIN_DATA(nd->p), (Py_ssize_t)plain_len(nd->p), 0, 1};
                if (match_elem(&m, &e)) {
                    del_node(o, i);
                    o->mod++;
                    if (++removed == limit)
                        break;
                }
                continue;
            }
            unsigned char *p = lp_prev(nd->p + lp_total(nd->p) - 1);
            for (;;) {
                int first = p == nd->p + LP_HDR;
                size_t prev = first ? 0 : (size_t)(lp_prev(p) - nd->p);
                Elem e;
                elem_read(p, &e);
                if (match_elem(&m, &e)) {
                    int gone = del_index(o, i, (size_t)(p - nd->p));
                    if (++removed == limit || gone)
                        break;
                    nd = &NODE(o, i);
                }
                if (first)
                    break;
                p = nd->p + prev;
            }
            if (limit && removed == limit)
                break;
        }
    }
    return PyLong_FromUnsignedLongLong(removed);
}

/* delrange(start, count) -> deleted: quicklistDelRange. */
static PyObject *
m_delrange(QLObject *o, PyObject *args)
{
    Py_ssize_t start, count;
    if (!PyArg_ParseTuple(args, "nn:delrange", &start, &count))
        return NULL;
    return PyLong_FromSsize_t(ql_del_range(o, start, count));
}

static PyObject *
m_clear(QLObject *o, PyObject *Py_UNUSED(x))
{
    ql_clear(o);
    Py_RETURN_NONE;
}

/* quicklistDup: the same nodes and fill. */
static PyObject *
m_copy(QLObject *o, PyObject *Py_UNUSED(x))
{
    QLObject *c = ql_alloc(Py_TYPE(o), o->fill);
    if (c == NULL)
        return NULL;
    if (o->nn > 1) {
        c->nodes = PyMem_Malloc(sizeof(Node) * ((size_t)1 << pow2_shift(o->nn)));
        if (c->nodes == NULL) {
            c->nodes = &c->one;
            Py_DECREF(c);
            return PyErr_NoMemory();
        }
        c->capshift = pow2_shift(o->nn);
    }
    for (uint32_t i = 0; i < o->nn; i++) {
        const Node *src = &NODE(o, i);
        size_t sz = src->plain ? sizeof(size_t) + plain_len(src->p) : lp_total(src->p);
        Node nd = {src->plain ? PyMem_Malloc(sz) : lp_malloc(sz), src->count, src->plain};
        if (nd.p == NULL) {
            Py_DECREF(c);
            return PyErr_NoMemory();
        }
        memcpy(nd.p, src->p, sz);
        NODE(c, i) = nd;
        c->nn = i + 1;
        c->len += nd.count;
    }
    return (PyObject *)c;
}

/* nodes() -> [(container, bytes)]: what RDB saves (2: a listpack, 1: a
 * plain element). */
static PyObject *
m_nodes(QLObject *o, PyObject *Py_UNUSED(x))
{
    PyObject *out = PyList_New(o->nn);
    if (out == NULL)
        return NULL;
    for (uint32_t i = 0; i < o->nn; i++) {
        const Node *nd = &NODE(o, i);
        PyObject *b = nd->plain ? PyBytes_FromStringAndSize((const char *)PLAIN_DATA(nd->p), (Py_ssize_t)plain_len(nd->p))
                                : PyBytes_FromStringAndSize((const char *)nd->p, lp_total(nd->p));
        PyObject *t = b == NULL ? NULL : Py_BuildValue("(iN)", nd->plain ? CONTAINER_PLAIN : CONTAINER_PACKED, b);
        if (t == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, i, t);
    }
    return out;
}

/* append_node(container, blob) -> whether a node was added:
 * quicklistAppendListpack (after checking the listpack; an empty one is
 * skipped, as Redis's loader does) or quicklistAppendPlainNode. */
static PyObject *
m_append_node(QLObject *o, PyObject *args)
{
    int container;
    Py_buffer view;
    if (!PyArg_ParseTuple(args, "iy*:append_node", &container, &view))
        return NULL;
    Node nd;
    if (container == CONTAINER_PLAIN) {
        if (view.len == 0) {
            PyBuffer_Release(&view);
            PyErr_SetString(PyExc_ValueError, "an empty plain node");
            return NULL;
        }
        int r = node_new_plain(&nd, view.buf, (size_t)view.len);
        PyBuffer_Release(&view);
        if (r < 0)
            return NULL;
    } else if (container == CONTAINER_PACKED) {
        uint32_t count;
        if (lp_check(view.buf, view.len, &count) < 0) {
            PyBuffer_Release(&view);
            return NULL;
        }
        if (count == 0) {
            PyBuffer_Release(&view);
            Py_RETURN_FALSE;
        }
        nd.p = lp_malloc((size_t)view.len);
        if (nd.p == NULL) {
            PyBuffer_Release(&view);
            return PyErr_NoMemory();
        }
        memcpy(nd.p, view.buf, (size_t)view.len);
        PyBuffer_Release(&view);
        nd.count = count;
        nd.plain = 0;
        lp_set_count(nd.p, count); /* lpLength fixes an unknown count */
    } else {
        PyBuffer_Release(&view);
        PyErr_Format(PyExc_ValueError, "unknown quicklist node container %d", container);
        return NULL;
    }
    if (slots_insert(o, o->nn, nd) < 0) {
        node_free(&nd);
        return NULL;
    }
    o->len += nd.count;
    o->mod++;
    Py_RETURN_TRUE;
}

static PyObject *
m_node_count(QLObject *o, PyObject *Py_UNUSED(x))
{
    return PyLong_FromUnsignedLong(o->nn);
}

/* nbytes(): the nodes' sizes added up (DEBUG OBJECT's ql_uncompressed_size). */
static PyObject *
m_nbytes(QLObject *o, PyObject *Py_UNUSED(x))
{
    size_t t = 0;
    for (uint32_t i = 0; i < o->nn; i++)
        t += node_sz(&NODE(o, i));
    return PyLong_FromSize_t(t);
}

/* free_nodes(k) -> nodes left: drops up to k nodes from the tail (lazy
 * freeing a slice at a time). */
static PyObject *
m_free_nodes(QLObject *o, PyObject *arg)
{
    Py_ssize_t k = PyLong_AsSsize_t(arg);
    if (k == -1 && PyErr_Occurred())
        return NULL;
    while (k-- > 0 && o->nn)
        del_node(o, o->nn - 1);
    o->mod++;
    return PyLong_FromUnsignedLong(o->nn);
}

static PyObject *
m_sizeof(QLObject *o, PyObject *Py_UNUSED(x))
{
    size_t t = (size_t)Py_TYPE(o)->tp_basicsize;
    if (o->nodes != &o->one)
        t += sizeof(Node) * CAP(o);
    for (uint32_t i = 0; i < o->nn; i++) {
        const Node *nd = &NODE(o, i);
        t += nd->plain ? sizeof(size_t) + plain_len(nd->p) : lp_alloc_size(lp_total(nd->p));
    }
    return PyLong_FromSize_t(t);
}

static PyObject *
get_fill(QLObject *o, void *Py_UNUSED(closure))
{
    return PyLong_FromLong(o->fill);
}

static PyObject *ql_iter_make(QLObject *o, int reverse);

static PyObject *
ql_iter(QLObject *o)
{
    return ql_iter_make(o, 0);
}

static PyObject *
m_reversed(QLObject *o, PyObject *Py_UNUSED(x))
{
    return ql_iter_make(o, 1);
}

/* QuickList([b'a', ...]) (the class's own name, ListValue for a list value). */
static PyObject *
ql_repr(QLObject *o)
{
    const char *name = Py_TYPE(o)->tp_name, *dot = strrchr(name, '.');
    PyObject *items = range_list(o, 0, o->len, 0);
    if (items == NULL)
        return NULL;
    PyObject *r = PyUnicode_FromFormat("%s(%R)", dot != NULL ? dot + 1 : name, items);
    Py_DECREF(items);
    return r;
}

static PyObject *
ql_richcompare(PyObject *a, PyObject *b, int op)
{
    if ((op != Py_EQ && op != Py_NE) || !PyObject_TypeCheck(b, &QLType))
        Py_RETURN_NOTIMPLEMENTED;
    QLObject *x = (QLObject *)a, *y = (QLObject *)b;
    int eq = x->len == y->len;
    if (eq && x->len) {
        Cur c, d;
        cur_first(x, 0, &c);
        cur_first(y, 0, &d);
        do {
            Elem e, f;
            cur_get(x, &c, &e);
            cur_get(y, &d, &f);
            char b1[24], b2[24];
            const char *t1 = e.str ? (const char *)e.s : b1, *t2 = f.str ? (const char *)f.s : b2;
            Py_ssize_t l1 = e.str ? e.slen : fmt_ll(b1, e.v), l2 = f.str ? f.slen : fmt_ll(b2, f.v);
            if (l1 != l2 || memcmp(t1, t2, (size_t)l1) != 0) {
                eq = 0;
                break;
            }
            cur_next(y, &d);
        } while (cur_next(x, &c));
    }
    if (op == Py_NE)
        eq = !eq;
    return PyBool_FromLong(eq);
}

static PyMethodDef ql_methods[] = {
    {"append", (PyCFunction)m_append, METH_O, "append(x): RPUSH one element"},
    {"appendleft", (PyCFunction)m_appendleft, METH_O, "appendleft(x): LPUSH one element"},
    {"extend", (PyCFunction)m_extend, METH_O, "extend(xs): RPUSH each"},
    {"extendleft", (PyCFunction)m_extendleft, METH_O, "extendleft(xs): LPUSH each (so reversed)"},
    {"pop", (PyCFunction)m_pop, METH_NOARGS, "pop() -> the last element, removed"},
    {"popleft", (PyCFunction)m_popleft, METH_NOARGS, "popleft() -> the first element, removed"},
    {"popn", (PyCFunction)m_popn, METH_VARARGS, "popn(count, left) -> up to count elements, removed"},
    {"lrange", (PyCFunction)m_lrange, METH_VARARGS, "lrange(start, end, reverse=False) -> elements"},
    {"lrange_raw", (PyCFunction)m_lrange_raw, METH_VARARGS, "lrange_raw(start, end) -> LRANGE's RESP reply"},
    {"lpos", (PyCFunction)m_lpos, METH_VARARGS, "lpos(element, rank, count, maxlen, reverse) -> positions"},
    {"linsert", (PyCFunction)m_linsert, METH_VARARGS, "linsert(pivot, element, after) -> found"},
    {"lrem", (PyCFunction)m_lrem, METH_VARARGS, "lrem(element, count) -> removed"},
    {"delrange", (PyCFunction)m_delrange, METH_VARARGS, "delrange(start, count) -> deleted"},
    {"clear", (PyCFunction)m_clear, METH_NOARGS, "clear()"},
    {"copy", (PyCFunction)m_copy, METH_NOARGS, "copy() -> the same nodes in a new list"},
    {"nodes", (PyCFunction)m_nodes, METH_NOARGS, "nodes() -> [(container, bytes)]"},
    {"append_node", (PyCFunction)m_append_node, METH_VARARGS, "append_node(container, blob) -> added"},
    {"node_count", (PyCFunction)m_node_count, METH_NOARGS, "node_count() -> nodes"},
    {"nbytes", (PyCFunction)m_nbytes, METH_NOARGS, "nbytes() -> the nodes' bytes"},
    {"free_nodes", (PyCFunction)m_free_nodes, METH_O, "free_nodes(k) -> nodes left"},
    {"__reversed__", (PyCFunction)m_reversed, METH_NOARGS, NULL},
    {"__sizeof__", (PyCFunction)m_sizeof, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef ql_getset[] = {
    {"fill", (getter)get_fill, NULL, "list-max-listpack-size when the list was made", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMappingMethods ql_mapping = {
    (lenfunc)ql_len,
    (binaryfunc)ql_subscript,
    (objobjargproc)ql_ass_subscript,
};

static PySequenceMethods ql_sequence = {
    .sq_length = (lenfunc)ql_len,
    .sq_contains = (objobjproc)ql_contains,
};

static PyTypeObject QLType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "radish.db._quicklist.QuickList",
    .tp_basicsize = sizeof(QLObject),
    .tp_dealloc = (destructor)ql_dealloc,
    .tp_as_mapping = &ql_mapping,
    .tp_as_sequence = &ql_sequence,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "QuickList(items=(), fill=-2): a list as Redis 7.0's quicklist of listpacks.",
    .tp_repr = (reprfunc)ql_repr,
    .tp_richcompare = ql_richcompare,
    .tp_iter = (getiterfunc)ql_iter,
    .tp_methods = ql_methods,
    .tp_getset = ql_getset,
    .tp_new = ql_new,
};

/* -- iterators ------------------------------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    QLObject *o;
    Cur c;
    uint32_t mod;
    int reverse;
    int state; /* 0: not started, 1: at an element, 2: done */
} QLIter;

static PyObject *
ql_iter_make(QLObject *o, int reverse)
{
    QLIter *it = PyObject_New(QLIter, &QLIterType);
    if (it == NULL)
        return NULL;
    Py_INCREF(o);
    it->o = o;
    it->mod = o->mod;
    it->reverse = reverse;
    it->state = o->len ? 0 : 2;
    return (PyObject *)it;
}

static void
ql_iter_dealloc(QLIter *it)
{
    Py_DECREF(it->o);
    PyObject_Free(it);
}

static PyObject *
ql_iter_next(QLIter *it)
{
    QLObject *o = it->o;
    if (it->state == 2)
        return NULL;
    if (it->mod != o->mod) {
        it->state = 2;
        PyErr_SetString(PyExc_RuntimeError, "list mutated during iteration");
        return NULL;
    }
    if (it->state == 0) {
        if (it->reverse)
            cur_last(o, o->nn - 1, &it->c);
        else
            cur_first(o, 0, &it->c);
        it->state = 1;
    } else if (!(it->reverse ? cur_prev(o, &it->c) : cur_next(o, &it->c))) {
        it->state = 2;
        return NULL;
    }
    Elem e;
    cur_get(o, &it->c, &e);
    return elem_obj(&e);
}

static PyTypeObject QLIterType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "radish.db._quicklist.QuickListIterator",
    .tp_basicsize = sizeof(QLIter),
    .tp_dealloc = (destructor)ql_iter_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = (iternextfunc)ql_iter_next,
};

/* -- module ---------------------------------------------------------------------------- */

/* set_packed_threshold(sz) -> bool: quicklistisSetPackedThreshold (0
 * restores 1 GB; refused above 4 GB less 1 MB). */
static PyObject *
mod_set_packed_threshold(PyObject *Py_UNUSED(m), PyObject *arg)
{
    unsigned long long sz = PyLong_AsUnsignedLongLong(arg);
    if (sz == (unsigned long long)-1 && PyErr_Occurred())
        return NULL;
    if (sz > (1ULL << 32) - (1ULL << 20))
        Py_RETURN_FALSE;
    packed_threshold = sz == 0 ? (size_t)1 << 30 : (size_t)sz;
    Py_RETURN_TRUE;
}

static PyObject *
mod_packed_threshold(PyObject *Py_UNUSED(m), PyObject *Py_UNUSED(x))
{
    return PyLong_FromSize_t(packed_threshold);
}

static PyMethodDef mod_methods[] = {
    {"set_packed_threshold", (PyCFunction)mod_set_packed_threshold, METH_O, "set_packed_threshold(sz) -> accepted"},
    {"packed_threshold", (PyCFunction)mod_packed_threshold, METH_NOARGS, "packed_threshold() -> bytes"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef quicklist_module = {
    PyModuleDef_HEAD_INIT, "radish.db._quicklist",
    "Lists as Redis 7.0's quicklist of listpacks (C twin of radish.db.quicklist).", -1, mod_methods,
};

PyMODINIT_FUNC
PyInit__quicklist(void)
{
    if (PyType_Ready(&QLType) < 0 || PyType_Ready(&QLIterType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&quicklist_module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddObjectRef(m, "QuickList", (PyObject *)&QLType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
