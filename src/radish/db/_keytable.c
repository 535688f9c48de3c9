/*
 * radish.db._keytable: a database's keys, values, expiry times and access
 * stamps in one C hash table (the keyspace's per-key overhead).
 *
 * Why our own table: a Python dict keeps a key as a bytes object (a
 * 16-byte key is a 64-byte block) and the keyspace needed three of them
 * (values, expiry times, access stamps), about 150 bytes a key before the
 * value; Redis needs a dictEntry, an sds and a 16-byte robj. Here a key
 * costs one 40-byte entry (value pointer, expiry, access stamp, hash,
 * length, flags), its bytes in a shared arena and a 4-byte index slot.
 * No library offers a bytes-keyed table with inline keys and per-entry
 * fields for Python.
 *
 * Layout, as CPython's compact dict: ``entries`` is a dense array in
 * insertion order (a deleted entry becomes a hole: value NULL) grown by
 * about a quarter with realloc; ``index`` is an open-addressing table of
 * int32 entry numbers (EMPTY, DUMMY after a delete) probed as dict
 * probes, with a 32-bit hash (of the bytes object's own hash) kept in the
 * entry. Holes are squeezed out, and the index rebuilt, when the entries
 * array is full and a quarter of it is holes, or when the index is three
 * quarters full. Key bytes live in one arena; a deleted key's bytes are
 * garbage until the arena would have to grow while half of it is garbage,
 * then the live keys are copied into a new one.
 *
 * The table is a mapping (get, [], in, pop, del, len, iteration, keys,
 * values, items, update, clear) whose keys must be bytes; iterating makes
 * a new bytes object per key. Two views give the per-key fields:
 * ``t.expires`` (key -> absolute expiry, unix ms, only keys with a TTL)
 * and ``t.lru`` (key -> access stamp, 0 .. 2**32-1). Setting either for a
 * key that is not in the table is a KeyError; deleting a key from the
 * table drops both. ``random_keys`` / ``expires.random_keys`` sample keys
 * (eviction, RANDOMKEY) and ``expires.scan`` walks the keys with a TTL
 * from a cursor (active expiry), without a snapshot of the keys.
 *
 * The pure-Python twin is radish.db.keytable.PyKeyTable (a dict with two
 * dicts beside it); tests/unit/test_keytable_twin.py holds them to the
 * same answers. The values are not tracked by the cyclic GC (they are
 * bytes or radish's value objects, which never refer back to a keyspace),
 * so a collection does not walk every value of the keyspace.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "lpcodec.h" /* str2ll and fmt_ll: Redis's string2ll and ll2string, once */

#define IX_EMPTY (-1)
#define IX_DUMMY (-2)
#define F_EXPIRE 1u
#define F_LRU 2u
#define MIN_INDEX 8

typedef struct {
    PyObject *value; /* NULL: a hole (deleted) */
    uint64_t koff;   /* key bytes at arena + koff */
    int64_t expire;  /* when flags & F_EXPIRE */
    uint32_t hash;
    uint32_t klen;
    uint32_t lru;    /* when flags & F_LRU */
    uint32_t flags;
} Entry;

typedef struct {
    PyObject_HEAD
    Entry *entries;
    Py_ssize_t nentries; /* entries in use, holes included */
    Py_ssize_t cap;
    int32_t *index;
    size_t mask;         /* index size - 1 */
    Py_ssize_t filled;   /* index slots not EMPTY (live + DUMMY) */
    Py_ssize_t used;     /* live keys */
    Py_ssize_t nexpire;
    Py_ssize_t nlru;
    char *arena;
    size_t alen, acap, agarbage;
    uint64_t version;    /* bumped when entries move (iterators check it) */
    uint64_t rng;
    uint64_t serial;     /* this table's number (SCAN cursors name their table) */
    uint64_t deletes;    /* keys removed so far */
} KeyTable;

static uint64_t next_serial = 1;

typedef struct {
    PyObject_HEAD
    KeyTable *t;
    int kind; /* 0 expires, 1 lru */
} View;

typedef struct {
    PyObject_HEAD
    KeyTable *t;
    Py_ssize_t pos;
    Py_ssize_t used0;
    uint64_t version;
    uint32_t flag; /* 0: every key, else keys with this flag */
    int items;     /* 0 keys, 1 (key, value) */
} TableIter;

static PyTypeObject KeyTableType, ViewType, TableIterType;

/* -- helpers --------------------------------------------------------- */

static int
key_parts(PyObject *key, const char **s, Py_ssize_t *n, uint32_t *h)
{
    if (!PyBytes_Check(key)) {
        PyErr_Format(PyExc_TypeError, "keyspace keys must be bytes, not %.100s", Py_TYPE(key)->tp_name);
        return -1;
    }
    Py_hash_t hh = PyObject_Hash(key);
    if (hh == -1 && PyErr_Occurred())
        return -1;
    *s = PyBytes_AS_STRING(key);
    *n = PyBytes_GET_SIZE(key);
    if (*n > (Py_ssize_t)UINT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "key too long");
        return -1;
    }
    *h = (uint32_t)((uint64_t)hh ^ ((uint64_t)hh >> 32));
    return 0;
}

static inline const char *
ekey(const KeyTable *t, const Entry *e)
{
    return t->arena + e->koff;
}

static PyObject *
key_object(const KeyTable *t, const Entry *e)
{
    return PyBytes_FromStringAndSize(ekey(t, e), e->klen);
}

/* The entry number of key, or -1; *slot: the index slot holding it, or
 * where to insert it (the first DUMMY met, else the EMPTY that ended the
 * probe). */
static Py_ssize_t
find(KeyTable *t, const char *s, Py_ssize_t n, uint32_t h, size_t *slot)
{
    size_t mask = t->mask;
    size_t i = h & mask;
    size_t perturb = h;
    size_t freeslot = (size_t)-1;
    for (;;) {
        int32_t ix = t->index[i];
        if (ix == IX_EMPTY) {
            if (slot)
                *slot = freeslot != (size_t)-1 ? freeslot : i;
            return -1;
        }
        if (ix >= 0) {
            Entry *e = &t->entries[ix];
            if (e->hash == h && e->klen == (uint32_t)n && memcmp(ekey(t, e), s, (size_t)n) == 0) {
                if (slot)
                    *slot = i;
                return ix;
            }
        } else if (freeslot == (size_t)-1) {
            freeslot = i;
        }
        perturb >>= 5;
        i = (i * 5 + perturb + 1) & mask;
    }
}

static Py_ssize_t
lookup_key(KeyTable *t, PyObject *key, size_t *slot)
{
    const char *s;
    Py_ssize_t n;
    uint32_t h;
    if (key_parts(key, &s, &n, &h) < 0)
        return -2;
    return find(t, s, n, h, slot);
}

/* What a lookup reads of an entry: KIND_VALUE the value (the table),
 * KIND_EXPIRE / KIND_LRU a field (the views; only entries with it). */
enum { KIND_VALUE = 0, KIND_EXPIRE = 1, KIND_LRU = 2 };

static inline uint32_t
kind_flag(int kind)
{
    return kind == KIND_EXPIRE ? F_EXPIRE : kind == KIND_LRU ? F_LRU : 0;
}

/* A new reference to what `kind` reads of e. */
static PyObject *
entry_field(const Entry *e, int kind)
{
    if (kind == KIND_EXPIRE)
        return PyLong_FromLongLong(e->expire);
    if (kind == KIND_LRU)
        return PyLong_FromUnsignedLong(e->lru);
    return Py_NewRef(e->value);
}

/* The entry of key having `kind`'s field: its number, -1 if none, -2 on
 * error. */
static Py_ssize_t
find_kind(KeyTable *t, PyObject *key, int kind, size_t *slot)
{
    Py_ssize_t ix = lookup_key(t, key, slot);
    if (ix >= 0 && kind != KIND_VALUE && !(t->entries[ix].flags & kind_flag(kind)))
        return -1;
    return ix;
}

static PyObject *
kind_subscript(KeyTable *t, int kind, PyObject *key)
{
    Py_ssize_t ix = find_kind(t, key, kind, NULL);
    if (ix == -2)
        return NULL;
    if (ix < 0) {
        PyErr_SetObject(PyExc_KeyError, key);
        return NULL;
    }
    return entry_field(&t->entries[ix], kind);
}

static int
kind_contains(KeyTable *t, int kind, PyObject *key)
{
    Py_ssize_t ix = find_kind(t, key, kind, NULL);
    if (ix == -2)
        return -1;
    return ix >= 0;
}

static PyObject *
kind_get(KeyTable *t, int kind, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 1 || nargs > 2) {
        PyErr_SetString(PyExc_TypeError, "get expected 1 or 2 arguments");
        return NULL;
    }
    Py_ssize_t ix = find_kind(t, args[0], kind, NULL);
    if (ix == -2)
        return NULL;
    if (ix < 0)
        return Py_NewRef(nargs == 2 ? args[1] : Py_None);
    return entry_field(&t->entries[ix], kind);
}

/* fn(ctx, key, value) for each pair of a dict, a mapping with items() or
 * an iterable of pairs; 0, or -1 with an exception. */
static int
for_pairs(PyObject *arg, int (*fn)(void *, PyObject *, PyObject *), void *ctx)
{
    if (PyDict_Check(arg)) {
        Py_ssize_t pos = 0;
        PyObject *k, *v;
        while (PyDict_Next(arg, &pos, &k, &v)) {
            Py_INCREF(k);
            Py_INCREF(v);
            int r = fn(ctx, k, v);
            Py_DECREF(k);
            Py_DECREF(v);
            if (r < 0)
                return -1;
        }
        return 0;
    }
    PyObject *items = PyObject_HasAttrString(arg, "items") ? PyMapping_Items(arg) : PySequence_List(arg);
    if (items == NULL)
        return -1;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(items); i++) {
        PyObject *seq = PySequence_Fast(PyList_GET_ITEM(items, i), "update: pairs expected");
        if (seq == NULL || PySequence_Fast_GET_SIZE(seq) != 2) {
            if (seq != NULL) {
                PyErr_SetString(PyExc_ValueError, "update: pairs expected");
                Py_DECREF(seq);
            }
            Py_DECREF(items);
            return -1;
        }
        int r = fn(ctx, PySequence_Fast_GET_ITEM(seq, 0), PySequence_Fast_GET_ITEM(seq, 1));
        Py_DECREF(seq);
        if (r < 0) {
            Py_DECREF(items);
            return -1;
        }
    }
    Py_DECREF(items);
    return 0;
}

static int
stamp_arg(PyObject *o, uint32_t *out)
{
    unsigned long stamp = PyLong_AsUnsignedLong(o);
    if (stamp == (unsigned long)-1 && PyErr_Occurred())
        return -1;
    if (stamp > UINT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "access stamp out of range");
        return -1;
    }
    *out = (uint32_t)stamp;
    return 0;
}

/* Squeeze the holes out of entries and build an index of `size` slots. */
static int
rebuild(KeyTable *t, size_t size)
{
    int32_t *index = PyMem_Malloc(size * sizeof(int32_t));
    if (index == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memset(index, 0xff, size * sizeof(int32_t)); /* IX_EMPTY */
    Py_ssize_t j = 0;
    for (Py_ssize_t i = 0; i < t->nentries; i++) {
        if (t->entries[i].value == NULL)
            continue;
        if (i != j)
            t->entries[j] = t->entries[i];
        j++;
    }
    if (j != t->nentries)
        t->version++;
    t->nentries = j;
    size_t mask = size - 1;
    for (Py_ssize_t k = 0; k < j; k++) {
        uint32_t h = t->entries[k].hash;
        size_t i = h & mask;
        size_t perturb = h;
        while (index[i] != IX_EMPTY) {
            perturb >>= 5;
            i = (i * 5 + perturb + 1) & mask;
        }
        index[i] = (int32_t)k;
    }
    PyMem_Free(t->index);
    t->index = index;
    t->mask = mask;
    t->filled = j;
    return 0;
}

static size_t
index_size_for(Py_ssize_t n)
{
    size_t size = MIN_INDEX;
    while (size < (size_t)n * 2)
        size <<= 1;
    return size;
}

/* Room for one more entry in entries and the index: 1 if the index was
 * rebuilt (slots found before are stale), 0 if not, -1 on error. */
static int
make_room(KeyTable *t)
{
    int rebuilt = 0;
    if ((size_t)(t->filled + 1) * 4 > (t->mask + 1) * 3) {
        if (rebuild(t, index_size_for(t->used + 1)) < 0)
            return -1;
        rebuilt = 1;
    }
    if (t->nentries == t->cap) {
        if ((t->nentries - t->used) * 4 > t->nentries) {
            /* A quarter or more is holes: squeeze them out. */
            if (rebuild(t, t->mask + 1) < 0)
                return -1;
            rebuilt = 1;
        } else {
            Py_ssize_t ncap = t->cap + t->cap / 4 + 8;
            if ((size_t)ncap > (size_t)INT32_MAX) {
                PyErr_SetString(PyExc_MemoryError, "keyspace table full");
                return -1;
            }
            Entry *ne = PyMem_Realloc(t->entries, (size_t)ncap * sizeof(Entry));
            if (ne == NULL) {
                PyErr_NoMemory();
                return -1;
            }
            t->entries = ne;
            t->cap = ncap;
        }
    }
    return rebuilt;
}

/* Copy n key bytes into the arena; their offset, or (uint64_t)-1. */
static uint64_t
arena_put(KeyTable *t, const char *s, size_t n)
{
    if (t->alen + n > t->acap) {
        if (t->agarbage * 2 > t->alen && t->alen - t->agarbage + n <= t->acap) {
            /* Half the arena is dead keys: copy the live ones to a new one. */
            char *na = PyMem_Malloc(t->acap ? t->acap : 1);
            if (na == NULL) {
                PyErr_NoMemory();
                return (uint64_t)-1;
            }
            size_t off = 0;
            for (Py_ssize_t i = 0; i < t->nentries; i++) {
                Entry *e = &t->entries[i];
                if (e->value == NULL)
                    continue;
                memcpy(na + off, ekey(t, e), e->klen);
                e->koff = off;
                off += e->klen;
            }
            PyMem_Free(t->arena);
            t->arena = na;
            t->alen = off;
            t->agarbage = 0;
        } else {
            size_t ncap = t->acap + t->acap / 4 + n + 64;
            char *na = PyMem_Realloc(t->arena, ncap);
            if (na == NULL) {
                PyErr_NoMemory();
                return (uint64_t)-1;
            }
            t->arena = na;
            t->acap = ncap;
        }
    }
    uint64_t off = t->alen;
    if (n)
        memcpy(t->arena + off, s, n);
    t->alen += n;
    return off;
}

/* Insert or replace; 0, or -1 with an exception. */
static int
table_set(KeyTable *t, PyObject *key, PyObject *value)
{
    const char *s;
    Py_ssize_t n;
    uint32_t h;
    size_t slot;
    if (key_parts(key, &s, &n, &h) < 0)
        return -1;
    Py_ssize_t ix = find(t, s, n, h, &slot);
    if (ix >= 0) {
        PyObject *old = t->entries[ix].value;
        Py_INCREF(value);
        t->entries[ix].value = value;
        Py_DECREF(old);
        return 0;
    }
    int room = make_room(t);
    if (room < 0)
        return -1;
    if (room)
        find(t, s, n, h, &slot);
    uint64_t off = arena_put(t, s, (size_t)n);
    if (off == (uint64_t)-1)
        return -1;
    Py_ssize_t k = t->nentries++;
    Entry *e = &t->entries[k];
    Py_INCREF(value);
    e->value = value;
    e->koff = off;
    e->expire = 0;
    e->hash = h;
    e->klen = (uint32_t)n;
    e->lru = 0;
    e->flags = 0;
    if (t->index[slot] == IX_EMPTY)
        t->filled++;
    t->index[slot] = (int32_t)k;
    t->used++;
    return 0;
}

/* Remove entry ix found at index slot; returns its value (a reference). */
static PyObject *
remove_at(KeyTable *t, Py_ssize_t ix, size_t slot)
{
    Entry *e = &t->entries[ix];
    PyObject *v = e->value;
    e->value = NULL;
    if (e->flags & F_EXPIRE)
        t->nexpire--;
    if (e->flags & F_LRU)
        t->nlru--;
    e->flags = 0;
    t->deletes++;
    t->agarbage += e->klen;
    t->index[slot] = IX_DUMMY;
    t->used--;
    /* Holes at the end go at once (no live entry moves): popitem stays
     * O(1), and appends reuse the room. */
    while (t->nentries > 0 && t->entries[t->nentries - 1].value == NULL)
        t->nentries--;
    if (t->used && t->nentries > 64 && t->used * 4 < t->nentries) {
        /* Three quarters are holes: squeeze them out, and give back the
         * room (random picks must mostly land on keys). On failure (no
         * memory for a new index) the holes stay; nothing is lost. */
        if (rebuild(t, index_size_for(t->used)) < 0) {
            PyErr_Clear();
        } else {
            Py_ssize_t ncap = t->used + t->used / 4 + 8;
            Entry *ne = PyMem_Realloc(t->entries, (size_t)ncap * sizeof(Entry));
            if (ne != NULL) {
                t->entries = ne;
                t->cap = ncap;
            }
        }
        return v;
    }
    if (t->used == 0) {
        /* Empty: start the arena and entries over. */
        t->nentries = 0;
        t->alen = 0;
        t->agarbage = 0;
        t->version++;
        memset(t->index, 0xff, (t->mask + 1) * sizeof(int32_t));
        t->filled = 0;
    }
    return v;
}

static void
table_clear(KeyTable *t)
{
    Entry *entries = t->entries;
    Py_ssize_t n = t->nentries;
    t->entries = NULL;
    t->nentries = t->cap = 0;
    t->used = t->nexpire = t->nlru = 0;
    PyMem_Free(t->arena);
    t->arena = NULL;
    t->alen = t->acap = t->agarbage = 0;
    t->version++;
    int32_t *index = PyMem_Malloc(MIN_INDEX * sizeof(int32_t));
    if (index != NULL) {
        memset(index, 0xff, MIN_INDEX * sizeof(int32_t));
        PyMem_Free(t->index);
        t->index = index;
        t->mask = MIN_INDEX - 1;
    } else {
        memset(t->index, 0xff, (t->mask + 1) * sizeof(int32_t));
    }
    t->filled = 0;
    for (Py_ssize_t i = 0; i < n; i++)
        Py_XDECREF(entries[i].value);
    PyMem_Free(entries);
}

static int
set_pair(void *t, PyObject *k, PyObject *v)
{
    return table_set((KeyTable *)t, k, v);
}

static int
table_update(KeyTable *t, PyObject *arg)
{
    return for_pairs(arg, set_pair, t);
}

static uint64_t
next_rand(KeyTable *t)
{
    /* xorshift64* */
    uint64_t x = t->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    t->rng = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* -- KeyTable type ----------------------------------------------------- */

static PyObject *
kt_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    KeyTable *t = (KeyTable *)type->tp_alloc(type, 0);
    if (t == NULL)
        return NULL;
    t->index = PyMem_Malloc(MIN_INDEX * sizeof(int32_t));
    if (t->index == NULL) {
        Py_DECREF(t);
        return PyErr_NoMemory();
    }
    memset(t->index, 0xff, MIN_INDEX * sizeof(int32_t));
    t->mask = MIN_INDEX - 1;
    t->serial = next_serial++;
    t->rng = (uint64_t)(uintptr_t)t ^ 0x9E3779B97F4A7C15ULL ^ (t->serial << 32);
    if (t->rng == 0)
        t->rng = 1;
    return (PyObject *)t;
}

static int
kt_init(KeyTable *t, PyObject *args, PyObject *kwds)
{
    PyObject *arg = NULL;
    if (!PyArg_ParseTuple(args, "|O:KeyTable", &arg))
        return -1;
    if (arg != NULL) {
        Py_ssize_t n = PyObject_Length(arg);
        if (n < 0)
            PyErr_Clear();
        else if ((size_t)n * 2 > t->mask + 1 && t->used == 0) {
            if (rebuild(t, index_size_for(n)) < 0)
                return -1;
            Entry *ne = PyMem_Realloc(t->entries, ((size_t)n + 1) * sizeof(Entry));
            if (ne == NULL) {
                PyErr_NoMemory();
                return -1;
            }
            t->entries = ne;
            t->cap = n + 1;
        }
        return table_update(t, arg);
    }
    return 0;
}

static void
kt_dealloc(KeyTable *t)
{
    for (Py_ssize_t i = 0; i < t->nentries; i++)
        Py_XDECREF(t->entries[i].value);
    PyMem_Free(t->entries);
    PyMem_Free(t->index);
    PyMem_Free(t->arena);
    Py_TYPE(t)->tp_free((PyObject *)t);
}

static Py_ssize_t
kt_len(KeyTable *t)
{
    return t->used;
}

static PyObject *
kt_subscript(KeyTable *t, PyObject *key)
{
    return kind_subscript(t, KIND_VALUE, key);
}

static int
kt_ass_subscript(KeyTable *t, PyObject *key, PyObject *value)
{
    if (value != NULL)
        return table_set(t, key, value);
    size_t slot;
    Py_ssize_t ix = lookup_key(t, key, &slot);
    if (ix == -2)
        return -1;
    if (ix < 0) {
        PyErr_SetObject(PyExc_KeyError, key);
        return -1;
    }
    Py_DECREF(remove_at(t, ix, slot));
    return 0;
}

static int
kt_contains(KeyTable *t, PyObject *key)
{
    return kind_contains(t, KIND_VALUE, key);
}

static PyObject *
kt_get(KeyTable *t, PyObject *const *args, Py_ssize_t nargs)
{
    return kind_get(t, KIND_VALUE, args, nargs);
}

static PyObject *
kt_pop(KeyTable *t, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 1 || nargs > 2) {
        PyErr_SetString(PyExc_TypeError, "pop expected 1 or 2 arguments");
        return NULL;
    }
    size_t slot;
    Py_ssize_t ix = lookup_key(t, args[0], &slot);
    if (ix == -2)
        return NULL;
    if (ix < 0) {
        if (nargs == 2)
            return Py_NewRef(args[1]);
        PyErr_SetObject(PyExc_KeyError, args[0]);
        return NULL;
    }
    return remove_at(t, ix, slot);
}

static inline void
stamp_entry(KeyTable *t, Entry *e, uint32_t stamp)
{
    e->lru = stamp;
    if (!(e->flags & F_LRU)) {
        e->flags |= F_LRU;
        t->nlru++;
    }
}

/* get_touch(key, stamp, has_ttl=None): the value of a key without a
 * TTL, its access stamp set; None when the key is missing, has_ttl when it
 * has a TTL (the caller's general lookup decides then). A GET's one table
 * lookup. */
static PyObject *
kt_get_touch(KeyTable *t, PyObject *const *args, Py_ssize_t nargs)
{
    uint32_t stamp;
    if (nargs != 2 && nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "get_touch expected 2 or 3 arguments");
        return NULL;
    }
    if (stamp_arg(args[1], &stamp) < 0)
        return NULL;
    Py_ssize_t ix = lookup_key(t, args[0], NULL);
    if (ix == -2)
        return NULL;
    if (ix < 0)
        Py_RETURN_NONE;
    if (t->entries[ix].flags & F_EXPIRE)
        return Py_NewRef(nargs == 3 ? args[2] : Py_None);
    Entry *e = &t->entries[ix];
    stamp_entry(t, e, stamp);
    return Py_NewRef(e->value);
}

/* set_touch(key, value, stamp): store value at a key that is missing or
 * has no TTL, with the access stamp; True. False, and nothing changed,
 * when the key has a TTL (the caller's general path decides then). */
static PyObject *
kt_set_touch(KeyTable *t, PyObject *const *args, Py_ssize_t nargs)
{
    uint32_t stamp;
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "set_touch expected 3 arguments");
        return NULL;
    }
    if (stamp_arg(args[2], &stamp) < 0)
        return NULL;
    Py_ssize_t ix = lookup_key(t, args[0], NULL);
    if (ix == -2)
        return NULL;
    if (ix >= 0) {
        Entry *e = &t->entries[ix];
        if (e->flags & F_EXPIRE)
            Py_RETURN_FALSE;
        stamp_entry(t, e, stamp);
        PyObject *old = e->value;
        e->value = Py_NewRef(args[1]);
        Py_DECREF(old);
        Py_RETURN_TRUE;
    }
    if (table_set(t, args[0], args[1]) < 0)
        return NULL;
    ix = lookup_key(t, args[0], NULL);
    if (ix < 0)
        return NULL;
    stamp_entry(t, &t->entries[ix], stamp);
    Py_RETURN_TRUE;
}

/* set_pairs_touch(args, start, stamp): set_touch for each (key, value)
 * of the list args from start on (MSET); stops at the first key with a
 * TTL. Returns the position reached (len(args) when all were stored). */
static PyObject *
kt_set_pairs_touch(KeyTable *t, PyObject *const *args, Py_ssize_t nargs)
{
    uint32_t stamp;
    if (nargs != 3 || !PyList_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "set_pairs_touch(list, start, stamp) expected");
        return NULL;
    }
    Py_ssize_t i = PyLong_AsSsize_t(args[1]);
    if (i == -1 && PyErr_Occurred())
        return NULL;
    if (stamp_arg(args[2], &stamp) < 0)
        return NULL;
    PyObject *list = args[0];
    if (i < 0)
        i = 0;
    for (; i + 1 < PyList_GET_SIZE(list); i += 2) {
        PyObject *key = PyList_GET_ITEM(list, i);
        PyObject *value = PyList_GET_ITEM(list, i + 1);
        Py_ssize_t ix = lookup_key(t, key, NULL);
        if (ix == -2)
            return NULL;
        if (ix >= 0) {
            Entry *e = &t->entries[ix];
            if (e->flags & F_EXPIRE)
                break;
            stamp_entry(t, e, stamp);
            PyObject *old = e->value;
            e->value = Py_NewRef(value);
            Py_DECREF(old);
            continue;
        }
        Py_INCREF(key);
        int r = table_set(t, key, value);
        if (r == 0) {
            ix = lookup_key(t, key, NULL);
            if (ix >= 0)
                stamp_entry(t, &t->entries[ix], stamp);
        }
        Py_DECREF(key);
        if (r < 0 || ix < 0)
            return NULL;
    }
    return PyLong_FromSsize_t(i);
}

/* incr_touch(key, delta, stamp, other): INCRBY's common case in one table
 * lookup: a missing key, or one without a TTL holding an integer as bytes,
 * gets the sum stored (as bytes) and the access stamp; the sum is
 * returned. Anything else (a TTL, another type, not an integer, an
 * overflow) returns `other`, nothing changed: the caller's general path
 * decides, and words the error. */
static PyObject *
kt_incr_touch(KeyTable *t, PyObject *const *args, Py_ssize_t nargs)
{
    uint32_t stamp;
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "incr_touch expected 4 arguments");
        return NULL;
    }
    long long delta = PyLong_AsLongLong(args[1]);
    if (delta == -1 && PyErr_Occurred())
        return NULL;
    if (stamp_arg(args[2], &stamp) < 0)
        return NULL;
    Py_ssize_t ix = lookup_key(t, args[0], NULL);
    if (ix == -2)
        return NULL;
    long long cur = 0, sum;
    if (ix >= 0) {
        Entry *e = &t->entries[ix];
        if ((e->flags & F_EXPIRE) || !PyBytes_CheckExact(e->value)
            || !str2ll(PyBytes_AS_STRING(e->value), PyBytes_GET_SIZE(e->value), &cur))
            return Py_NewRef(args[3]);
    }
    if (__builtin_add_overflow(cur, delta, &sum))
        return Py_NewRef(args[3]);
    char buf[24];
    PyObject *nv = PyBytes_FromStringAndSize(buf, fmt_ll(buf, sum));
    if (nv == NULL)
        return NULL;
    if (ix >= 0) {
        Entry *e = &t->entries[ix];
        PyObject *old = e->value;
        e->value = nv;
        stamp_entry(t, e, stamp);
        Py_DECREF(old);
    } else {
        int r = table_set(t, args[0], nv);
        Py_DECREF(nv);
        if (r < 0)
            return NULL;
        ix = lookup_key(t, args[0], NULL);
        if (ix < 0)
            return NULL;
        stamp_entry(t, &t->entries[ix], stamp);
    }
    return PyLong_FromLongLong(sum);
}

/* setdefault(key, default): the value at key, stored first if missing. */
static PyObject *
kt_setdefault(KeyTable *t, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 1 || nargs > 2) {
        PyErr_SetString(PyExc_TypeError, "setdefault expected 1 or 2 arguments");
        return NULL;
    }
    Py_ssize_t ix = lookup_key(t, args[0], NULL);
    if (ix == -2)
        return NULL;
    if (ix >= 0)
        return Py_NewRef(t->entries[ix].value);
    PyObject *v = nargs == 2 ? args[1] : Py_None;
    if (table_set(t, args[0], v) < 0)
        return NULL;
    return Py_NewRef(v);
}

/* popitem(): remove and return the last (key, value). */
static PyObject *
kt_popitem(KeyTable *t, PyObject *unused)
{
    if (t->used == 0) {
        PyErr_SetString(PyExc_KeyError, "popitem(): keyspace table is empty");
        return NULL;
    }
    Py_ssize_t ix = t->nentries - 1;
    while (t->entries[ix].value == NULL)
        ix--;
    Entry *e = &t->entries[ix];
    PyObject *k = key_object(t, e);
    if (k == NULL)
        return NULL;
    size_t slot;
    find(t, ekey(t, e), e->klen, e->hash, &slot);
    PyObject *v = remove_at(t, ix, slot);
    PyObject *r = PyTuple_Pack(2, k, v);
    Py_DECREF(k);
    Py_DECREF(v);
    return r;
}

static PyObject *
make_iter(KeyTable *t, uint32_t flag, int items)
{
    TableIter *it = PyObject_New(TableIter, &TableIterType);
    if (it == NULL)
        return NULL;
    it->t = (KeyTable *)Py_NewRef(t);
    it->pos = 0;
    it->used0 = t->used;
    it->version = t->version;
    it->flag = flag;
    it->items = items;
    return (PyObject *)it;
}

static PyObject *
kt_iter(KeyTable *t)
{
    return make_iter(t, 0, 0);
}

/* A list of keys (what 0), values (1) or (key, value) pairs (2) of the
 * entries with `flag` (0: all); for views, the value is the field. */
static PyObject *
collect(KeyTable *t, uint32_t flag, int what, int field)
{
    Py_ssize_t n = flag == F_EXPIRE ? t->nexpire : flag == F_LRU ? t->nlru : t->used;
    PyObject *out = PyList_New(n);
    if (out == NULL)
        return NULL;
    Py_ssize_t j = 0;
    for (Py_ssize_t i = 0; i < t->nentries && j < n; i++) {
        Entry *e = &t->entries[i];
        if (e->value == NULL || (flag && !(e->flags & flag)))
            continue;
        PyObject *item;
        PyObject *v = NULL;
        if (what != 0) {
            v = entry_field(e, field);
            if (v == NULL)
                goto fail;
        }
        if (what == 1) {
            item = v;
        } else {
            PyObject *k = key_object(t, e);
            if (k == NULL) {
                Py_XDECREF(v);
                goto fail;
            }
            if (what == 0) {
                item = k;
            } else {
                item = PyTuple_Pack(2, k, v);
                Py_DECREF(k);
                Py_DECREF(v);
                if (item == NULL)
                    goto fail;
            }
        }
        PyList_SET_ITEM(out, j++, item);
    }
    return out;
fail:
    for (; j < n; j++)
        PyList_SET_ITEM(out, j, Py_NewRef(Py_None));
    Py_DECREF(out);
    return NULL;
}

static PyObject *
kt_keys(KeyTable *t, PyObject *unused)
{
    return collect(t, 0, 0, 0);
}

static PyObject *
kt_values(KeyTable *t, PyObject *unused)
{
    return collect(t, 0, 1, 0);
}

/* items(): an iterator of (key, value), made as it goes (a snapshot save
 * walks a whole database with it). */
static PyObject *
kt_items(KeyTable *t, PyObject *unused)
{
    return make_iter(t, 0, 1);
}

static PyObject *
kt_update(KeyTable *t, PyObject *arg)
{
    if (table_update(t, arg) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *
kt_clear(KeyTable *t, PyObject *unused)
{
    table_clear(t);
    Py_RETURN_NONE;
}

/* Up to n keys picked at random among the entries with `flag` (0: all),
 * possibly repeated (dictGetSomeKeys gives no guarantee either). Sparse
 * flags are found by walking on from a random entry. */
static PyObject *
random_keys(KeyTable *t, Py_ssize_t n, uint32_t flag)
{
    Py_ssize_t have = flag == F_EXPIRE ? t->nexpire : t->used;
    PyObject *out = PyList_New(0);
    if (out == NULL || have == 0 || n <= 0)
        return out;
    for (Py_ssize_t got = 0; got < n; got++) {
        Py_ssize_t start = 0;
        Entry *e = NULL;
        /* Entries at random until one qualifies (holes are at most three
         * quarters of the entries, see remove_at); past 32 misses (a
         * sparse flag), walk on from the last one. */
        for (int tries = 0; tries < 32; tries++) {
            start = (Py_ssize_t)(next_rand(t) % (uint64_t)t->nentries);
            e = &t->entries[start];
            if (e->value != NULL && (!flag || (e->flags & flag)))
                break;
            e = NULL;
        }
        Py_ssize_t i = start;
        while (e == NULL) {
            if (t->entries[i].value != NULL && (!flag || (t->entries[i].flags & flag))) {
                e = &t->entries[i];
                break;
            }
            if (++i == t->nentries)
                i = 0;
            if (i == start)
                break;
        }
        if (e == NULL)
            break;
        PyObject *k = key_object(t, e);
        if (k == NULL || PyList_Append(out, k) < 0) {
            Py_XDECREF(k);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(k);
    }
    return out;
}

static PyObject *
kt_random_keys(KeyTable *t, PyObject *arg)
{
    Py_ssize_t n = PyLong_AsSsize_t(arg);
    if (n == -1 && PyErr_Occurred())
        return NULL;
    return random_keys(t, n, 0);
}

/* scan_state() -> (serial, version, deletes, holes, entries): what a
 * SCAN cursor keeps to find its place again (see radish.db.scan). */
static PyObject *
kt_scan_state(KeyTable *t, PyObject *unused)
{
    return Py_BuildValue("(KKKnn)", (unsigned long long)t->serial, (unsigned long long)t->version,
                         (unsigned long long)t->deletes, t->nentries - t->used, t->nentries);
}

/* scan_keys(pos, count, end) -> (next, [key, ...]): the keys of the
 * entries from pos on, until count keys or entry `end` (or the last; next
 * is 0 there). */
static PyObject *
kt_scan_keys(KeyTable *t, PyObject *args)
{
    Py_ssize_t pos, count, end;
    if (!PyArg_ParseTuple(args, "nnn:scan_keys", &pos, &count, &end))
        return NULL;
    if (end > t->nentries)
        end = t->nentries;
    PyObject *out = PyList_New(0);
    if (out == NULL)
        return NULL;
    if (pos < 0)
        pos = 0;
    Py_ssize_t got = 0;
    while (pos < end && got < count) {
        Entry *e = &t->entries[pos++];
        if (e->value == NULL)
            continue;
        PyObject *k = key_object(t, e);
        if (k == NULL || PyList_Append(out, k) < 0) {
            Py_XDECREF(k);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(k);
        got++;
    }
    if (pos >= end)
        pos = 0;
    return Py_BuildValue("(nN)", pos, out);
}

static PyObject *
kt_sizeof(KeyTable *t, PyObject *unused)
{
    size_t n = sizeof(KeyTable) + (size_t)t->cap * sizeof(Entry) + (t->mask + 1) * sizeof(int32_t) + t->acap;
    return PyLong_FromSize_t(n);
}

static PyObject *
kt_get_view(KeyTable *t, void *closure)
{
    View *v = PyObject_New(View, &ViewType);
    if (v == NULL)
        return NULL;
    v->t = (KeyTable *)Py_NewRef(t);
    v->kind = (int)(intptr_t)closure;
    return (PyObject *)v;
}

static PyObject *
kt_repr(KeyTable *t)
{
    return PyUnicode_FromFormat("<KeyTable of %zd keys>", t->used);
}

static PyMethodDef kt_methods[] = {
    {"get", (PyCFunction)(void (*)(void))kt_get, METH_FASTCALL, "get(key, default=None)"},
    {"pop", (PyCFunction)(void (*)(void))kt_pop, METH_FASTCALL, "pop(key[, default])"},
    {"keys", (PyCFunction)kt_keys, METH_NOARGS, "a list of the keys"},
    {"values", (PyCFunction)kt_values, METH_NOARGS, "a list of the values"},
    {"items", (PyCFunction)kt_items, METH_NOARGS, "an iterator of (key, value)"},
    {"update", (PyCFunction)kt_update, METH_O, "update(mapping or pairs)"},
    {"clear", (PyCFunction)kt_clear, METH_NOARGS, "remove every key"},
    {"get_touch", (PyCFunction)(void (*)(void))kt_get_touch, METH_FASTCALL, "get_touch(key, stamp)"},
    {"set_touch", (PyCFunction)(void (*)(void))kt_set_touch, METH_FASTCALL, "set_touch(key, value, stamp)"},
    {"set_pairs_touch", (PyCFunction)(void (*)(void))kt_set_pairs_touch, METH_FASTCALL, "set_pairs_touch(args, start, stamp)"},
    {"incr_touch", (PyCFunction)(void (*)(void))kt_incr_touch, METH_FASTCALL, "incr_touch(key, delta, stamp, other)"},
    {"setdefault", (PyCFunction)(void (*)(void))kt_setdefault, METH_FASTCALL, "setdefault(key, default=None)"},
    {"popitem", (PyCFunction)kt_popitem, METH_NOARGS, "remove and return the last (key, value)"},
    {"random_keys", (PyCFunction)kt_random_keys, METH_O, "random_keys(n): up to n random keys"},
    {"scan_state", (PyCFunction)kt_scan_state, METH_NOARGS, "(serial, version, deletes, holes, entries)"},
    {"scan_keys", (PyCFunction)kt_scan_keys, METH_VARARGS, "scan_keys(pos, count, end) -> (next, keys)"},
    {"__sizeof__", (PyCFunction)kt_sizeof, METH_NOARGS, NULL},
    {NULL},
};

static PyGetSetDef kt_getset[] = {
    {"expires", (getter)kt_get_view, NULL, "key -> expiry (unix ms) of the keys with a TTL", (void *)0},
    {"lru", (getter)kt_get_view, NULL, "key -> access stamp", (void *)1},
    {NULL},
};

static PyMappingMethods kt_as_mapping = {
    (lenfunc)kt_len,
    (binaryfunc)kt_subscript,
    (objobjargproc)kt_ass_subscript,
};

static PySequenceMethods kt_as_sequence = {
    .sq_contains = (objobjproc)kt_contains,
};

static PyTypeObject KeyTableType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "radish.db._keytable.KeyTable",
    .tp_basicsize = sizeof(KeyTable),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A database's keys with their values, expiry times and access stamps.",
    .tp_new = kt_new,
    .tp_init = (initproc)kt_init,
    .tp_dealloc = (destructor)kt_dealloc,
    .tp_as_mapping = &kt_as_mapping,
    .tp_as_sequence = &kt_as_sequence,
    .tp_iter = (getiterfunc)kt_iter,
    .tp_methods = kt_methods,
    .tp_getset = kt_getset,
    .tp_repr = (reprfunc)kt_repr,
};

/* -- views: expires (kind 0) and lru (kind 1) ---------------------------- */

static inline uint32_t
view_flag(View *v)
{
    return v->kind == 0 ? F_EXPIRE : F_LRU;
}

static PyObject *
field_value(View *v, Entry *e)
{
    return entry_field(e, v->kind + 1);
}

static void
view_dealloc(View *v)
{
    Py_DECREF(v->t);
    PyObject_Free(v);
}

static Py_ssize_t
view_len(View *v)
{
    return v->kind == 0 ? v->t->nexpire : v->t->nlru;
}

/* The entry of key if it has the view's field: its number, -1 if not,
 * -2 on error. */
static Py_ssize_t
view_find(View *v, PyObject *key, size_t *slot)
{
    return find_kind(v->t, key, v->kind + 1, slot);
}

static PyObject *
view_subscript(View *v, PyObject *key)
{
    return kind_subscript(v->t, v->kind + 1, key);
}

static int
view_set(View *v, PyObject *key, PyObject *value)
{
    KeyTable *t = v->t;
    /* The number first: converting it may run Python code (__index__),
     * which may change the table. */
    long long when = 0;
    uint32_t stamp = 0;
    if (v->kind == 0) {
        when = PyLong_AsLongLong(value);
        if (when == -1 && PyErr_Occurred())
            return -1;
    } else if (stamp_arg(value, &stamp) < 0) {
        return -1;
    }
    Py_ssize_t ix = lookup_key(t, key, NULL);
    if (ix == -2)
        return -1;
    if (ix < 0) {
        PyErr_SetObject(PyExc_KeyError, key);
        return -1;
    }
    Entry *e = &t->entries[ix];
    if (v->kind == 0) {
        e->expire = when;
        if (!(e->flags & F_EXPIRE)) {
            e->flags |= F_EXPIRE;
            t->nexpire++;
        }
    } else {
        e->lru = (uint32_t)stamp;
        if (!(e->flags & F_LRU)) {
            e->flags |= F_LRU;
            t->nlru++;
        }
    }
    return 0;
}

static void
view_drop(View *v, Entry *e)
{
    e->flags &= ~view_flag(v);
    if (v->kind == 0) {
        v->t->nexpire--;
        e->expire = 0;
    } else {
        v->t->nlru--;
        e->lru = 0;
    }
}

static int
view_ass_subscript(View *v, PyObject *key, PyObject *value)
{
    if (value != NULL)
        return view_set(v, key, value);
    Py_ssize_t ix = view_find(v, key, NULL);
    if (ix == -2)
        return -1;
    if (ix < 0) {
        PyErr_SetObject(PyExc_KeyError, key);
        return -1;
    }
    view_drop(v, &v->t->entries[ix]);
    return 0;
}

static int
view_contains(View *v, PyObject *key)
{
    return kind_contains(v->t, v->kind + 1, key);
}

static PyObject *
view_get(View *v, PyObject *const *args, Py_ssize_t nargs)
{
    return kind_get(v->t, v->kind + 1, args, nargs);
}

static PyObject *
view_pop(View *v, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 1 || nargs > 2) {
        PyErr_SetString(PyExc_TypeError, "pop expected 1 or 2 arguments");
        return NULL;
    }
    Py_ssize_t ix = view_find(v, args[0], NULL);
    if (ix == -2)
        return NULL;
    if (ix < 0) {
        if (nargs == 2)
            return Py_NewRef(args[1]);
        PyErr_SetObject(PyExc_KeyError, args[0]);
        return NULL;
    }
    Entry *e = &v->t->entries[ix];
    PyObject *r = field_value(v, e);
    if (r != NULL)
        view_drop(v, e);
    return r;
}

static int
view_set_pair(void *v, PyObject *k, PyObject *val)
{
    return view_set((View *)v, k, val);
}

static PyObject *
view_update(View *v, PyObject *arg)
{
    if (for_pairs(arg, view_set_pair, v) < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* lru.fill(stamp): every key's access stamp (a freshly loaded database). */
static PyObject *
view_fill(View *v, PyObject *arg)
{
    if (v->kind != 1) {
        PyErr_SetString(PyExc_TypeError, "fill is for access stamps");
        return NULL;
    }
    uint32_t stamp;
    if (stamp_arg(arg, &stamp) < 0)
        return NULL;
    KeyTable *t = v->t;
    for (Py_ssize_t i = 0; i < t->nentries; i++) {
        Entry *e = &t->entries[i];
        if (e->value == NULL)
            continue;
        e->lru = stamp;
        e->flags |= F_LRU;
    }
    t->nlru = t->used;
    Py_RETURN_NONE;
}

static PyObject *
view_iter(View *v)
{
    return make_iter(v->t, view_flag(v), 0);
}

static PyObject *
view_keys(View *v, PyObject *unused)
{
    return collect(v->t, view_flag(v), 0, v->kind + 1);
}

static PyObject *
view_items(View *v, PyObject *unused)
{
    return collect(v->t, view_flag(v), 2, v->kind + 1);
}

static PyObject *
view_random_keys(View *v, PyObject *arg)
{
    Py_ssize_t n = PyLong_AsSsize_t(arg);
    if (n == -1 && PyErr_Occurred())
        return NULL;
    return random_keys(v->t, n, view_flag(v));
}

/* expires.scan(cursor, count, max_visit) -> (cursor, [(key, when), ...]):
 * the next keys with a TTL from entry `cursor` on, up to count of them and
 * max_visit entries looked at; the cursor comes back 0 after the last
 * entry (active expiry's rolling walk). */
static PyObject *
view_scan(View *v, PyObject *args)
{
    Py_ssize_t cursor, count, max_visit;
    if (!PyArg_ParseTuple(args, "nnn:scan", &cursor, &count, &max_visit))
        return NULL;
    KeyTable *t = v->t;
    uint32_t flag = view_flag(v);
    PyObject *out = PyList_New(0);
    if (out == NULL)
        return NULL;
    if (cursor < 0 || cursor >= t->nentries)
        cursor = 0;
    Py_ssize_t got = 0, seen = 0;
    while (cursor < t->nentries && got < count && seen < max_visit) {
        Entry *e = &t->entries[cursor++];
        seen++;
        if (e->value == NULL || !(e->flags & flag))
            continue;
        PyObject *item = Py_BuildValue("(NN)", key_object(t, e), field_value(v, e));
        if (item == NULL || PyList_Append(out, item) < 0) {
            Py_XDECREF(item);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(item);
        got++;
    }
    if (cursor >= t->nentries)
        cursor = 0;
    return Py_BuildValue("(nN)", cursor, out);
}

static PyMethodDef view_methods[] = {
    {"get", (PyCFunction)(void (*)(void))view_get, METH_FASTCALL, "get(key, default=None)"},
    {"pop", (PyCFunction)(void (*)(void))view_pop, METH_FASTCALL, "pop(key[, default])"},
    {"update", (PyCFunction)view_update, METH_O, "update(mapping)"},
    {"fill", (PyCFunction)view_fill, METH_O, "fill(stamp): stamp every key"},
    {"keys", (PyCFunction)view_keys, METH_NOARGS, "a list of the keys with this field"},
    {"items", (PyCFunction)view_items, METH_NOARGS, "a list of (key, field)"},
    {"random_keys", (PyCFunction)view_random_keys, METH_O, "random_keys(n)"},
    {"scan", (PyCFunction)view_scan, METH_VARARGS, "scan(cursor, count, max_visit)"},
    {NULL},
};

static PyMappingMethods view_as_mapping = {
    (lenfunc)view_len,
    (binaryfunc)view_subscript,
    (objobjargproc)view_ass_subscript,
};

static PySequenceMethods view_as_sequence = {
    .sq_contains = (objobjproc)view_contains,
};

static PyTypeObject ViewType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "radish.db._keytable.FieldView",
    .tp_basicsize = sizeof(View),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The expiry times or access stamps of a KeyTable.",
    .tp_dealloc = (destructor)view_dealloc,
    .tp_as_mapping = &view_as_mapping,
    .tp_as_sequence = &view_as_sequence,
    .tp_iter = (getiterfunc)view_iter,
    .tp_methods = view_methods,
};

/* -- iterator ---------------------------------------------------------- */

static void
iter_dealloc(TableIter *it)
{
    Py_DECREF(it->t);
    PyObject_Free(it);
}

static PyObject *
iter_next(TableIter *it)
{
    KeyTable *t = it->t;
    if (t->version != it->version || (it->flag == 0 && t->used != it->used0)) {
        PyErr_SetString(PyExc_RuntimeError, "keyspace changed size during iteration");
        return NULL;
    }
    while (it->pos < t->nentries) {
        Entry *e = &t->entries[it->pos++];
        if (e->value == NULL || (it->flag && !(e->flags & it->flag)))
            continue;
        PyObject *k = key_object(t, e);
        if (k == NULL || !it->items)
            return k;
        PyObject *r = PyTuple_Pack(2, k, e->value);
        Py_DECREF(k);
        return r;
    }
    return NULL;
}

static PyTypeObject TableIterType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "radish.db._keytable.KeyTableIterator",
    .tp_basicsize = sizeof(TableIter),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_dealloc = (destructor)iter_dealloc,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = (iternextfunc)iter_next,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_keytable",
    "A database's keys, values, expiry times and access stamps in one table.", -1, NULL,
};

PyMODINIT_FUNC
PyInit__keytable(void)
{
    if (PyType_Ready(&KeyTableType) < 0 || PyType_Ready(&ViewType) < 0 || PyType_Ready(&TableIterType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&KeyTableType);
    if (PyModule_AddObject(m, "KeyTable", (PyObject *)&KeyTableType) < 0) {
        Py_DECREF(&KeyTableType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
