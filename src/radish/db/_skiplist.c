/*
 * radish.db._skiplist: the ordered half of a big sorted set, in C.
 *
 * A ZSetValue (db/types.py: Redis's ``skiplist`` encoding) keeps a dict
 * member -> score and ``sl``, its (score, member) pairs in Redis's order:
 * score, then member bytes (memcmp, the shorter first on a tie, as
 * sdscmp). ``SkipList`` is Redis's zskiplist (t_zset.c): nodes with spans,
 * so that add, remove, the rank of a pair (bisect) and the pair at a rank
 * are O(log n), and a range is O(log n + k).
 *
 * Its pure-Python twin is sortedcontainers.SortedList of (score, member)
 * tuples, of whose API this type has the part ZSetValue and the sorted-set
 * commands use: add, remove, pop(i), clear, len, iteration both ways,
 * ``in``, indexing and slicing (the pairs as (float, bytes) tuples), del of
 * an index or a slice, bisect_left / bisect_right of a (score, member) key,
 * copy. tests/unit/test_skiplist_twin.py holds the two to the same answers.
 *
 * Why our own rather than the library: SortedList keeps a tuple (64 bytes)
 * and a list slot per member and compares tuples in Python. On a sorted set
 * of 1M members an add took ~6 us and the first rank lookup after a change
 * ~6 us more (its positional index is rebuilt after every change); a node
 * here is 40-56 bytes and both are a few hundred ns.
 *
 * Members are bytes objects, held by a strong reference (the dict holds
 * them too); scores are doubles (the float objects stay in the dict). NaN
 * scores never reach a sorted set (Redis refuses them), so the order is
 * total. Iterators check a change counter and raise RuntimeError if the
 * list changed under them (a node they point to may be gone).
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define SL_MAXLEVEL 32

typedef struct Node {
    PyObject *ele;
    double score;
    struct Node *backward;
    int nlevel; /* (fills what 16-byte alignment would leave empty) */
    struct Level {
        struct Node *forward;
        Py_ssize_t span;
    } level[];
} Node;

typedef struct {
    PyObject_HEAD
    Node *header, *tail;
    Py_ssize_t length;
    int level;
    uint64_t mod;  /* bumped on every change (iterators check it) */
    size_t bytes;  /* of the nodes but the header (__sizeof__ in O(1)) */
    uint64_t rng;  /* xorshift state for node levels */
} SkipList;

static PyTypeObject SkipListType, IterType;

/* -- nodes --------------------------------------------------------------------------- */

static Node *
node_new(int level, double score, PyObject *ele)
{
    Node *n = PyMem_Malloc(sizeof(Node) + (size_t)level * sizeof(struct Level));
    if (n == NULL)
        return (Node *)PyErr_NoMemory();
    n->score = score;
    n->ele = ele;
    n->nlevel = level;
    Py_XINCREF(ele);
    return n;
}

static void
node_free(Node *n)
{
    Py_XDECREF(n->ele);
    PyMem_Free(n);
}

static int
random_level(SkipList *sl)
{
    /* zslRandomLevel: each level with probability 1/4 (ZSKIPLIST_P) */
    int level = 1;
    for (;;) {
        uint64_t x = sl->rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        sl->rng = x;
        if ((x & 0xFFFF) >= 0x4000 || level >= SL_MAXLEVEL)
            return level;
        level++;
    }
}

/* Order of a node against a key: score, then member bytes. */
static inline int
cmp_node(const Node *n, double score, const char *m, Py_ssize_t ml)
{
    if (n->score < score)
        return -1;
    if (n->score > score)
        return 1;
    Py_ssize_t nl = PyBytes_GET_SIZE(n->ele);
    int c = memcmp(PyBytes_AS_STRING(n->ele), m, (size_t)(nl < ml ? nl : ml));
    if (c)
        return c < 0 ? -1 : 1;
    return (nl > ml) - (nl < ml);
}

/* A (score, member) key from Python: any real number and a bytes object. */
static int
parse_key(PyObject *key, double *score, PyObject **ele)
{
    if (!PyTuple_Check(key) || PyTuple_GET_SIZE(key) != 2) {
        PyErr_SetString(PyExc_TypeError, "a (score, member) pair is expected");
        return -1;
    }
    PyObject *s = PyTuple_GET_ITEM(key, 0), *m = PyTuple_GET_ITEM(key, 1);
    if (!PyBytes_Check(m)) {
        PyErr_SetString(PyExc_TypeError, "a sorted set member must be bytes");
        return -1;
    }
    double d = PyFloat_AsDouble(s);
    if (d == -1.0 && PyErr_Occurred())
        return -1;
    *score = d;
    *ele = m;
    return 0;
}

static PyObject *
node_pair(const Node *n)
{
    PyObject *s = PyFloat_FromDouble(n->score);
    if (s == NULL)
        return NULL;
    PyObject *t = PyTuple_New(2);
    if (t == NULL) {
        Py_DECREF(s);
        return NULL;
    }
    PyTuple_SET_ITEM(t, 0, s);
    Py_INCREF(n->ele);
    PyTuple_SET_ITEM(t, 1, n->ele);
    return t;
}

/* -- the list ------------------------------------------------------------------------ */

static int
sl_init_header(SkipList *sl)
{
    sl->header = node_new(SL_MAXLEVEL, 0.0, NULL);
    if (sl->header == NULL)
        return -1;
    for (int i = 0; i < SL_MAXLEVEL; i++) {
        sl->header->level[i].forward = NULL;
        sl->header->level[i].span = 0;
    }
    sl->header->backward = NULL;
    sl->tail = NULL;
    sl->length = 0;
    sl->level = 1;
    return 0;
}

static void
sl_free_nodes(SkipList *sl)
{
    if (sl->header == NULL)
        return;
    Node *x = sl->header->level[0].forward;
    /* Unlink first: a member's deallocation runs no Python code that could
     * reach this list, but keep the list consistent anyway. */
    for (int i = 0; i < SL_MAXLEVEL; i++) {
        sl->header->level[i].forward = NULL;
        sl->header->level[i].span = 0;
    }
    sl->tail = NULL;
    sl->length = 0;
    sl->level = 1;
    sl->bytes = 0;
    sl->mod++;
    while (x != NULL) {
        Node *next = x->level[0].forward;
        node_free(x);
        x = next;
    }
}

/* zslInsert; a pair equal to one already there goes after it, as
 * SortedList.add puts it (a sorted set never holds two equal pairs: its
 * members are unique). */
static int
sl_insert(SkipList *sl, double score, PyObject *ele)
{
    Node *update[SL_MAXLEVEL], *x = sl->header;
    Py_ssize_t rank[SL_MAXLEVEL];
    const char *m = PyBytes_AS_STRING(ele);
    Py_ssize_t ml = PyBytes_GET_SIZE(ele);
    for (int i = sl->level - 1; i >= 0; i--) {
        rank[i] = i == sl->level - 1 ? 0 : rank[i + 1];
        while (x->level[i].forward != NULL && cmp_node(x->level[i].forward, score, m, ml) <= 0) {
            rank[i] += x->level[i].span;
            x = x->level[i].forward;
        }
        update[i] = x;
    }
    int level = random_level(sl);
    Node *n = node_new(level, score, ele);
    if (n == NULL)
        return -1;
    if (level > sl->level) {
        for (int i = sl->level; i < level; i++) {
            rank[i] = 0;
            update[i] = sl->header;
            update[i]->level[i].span = sl->length;
        }
        sl->level = level;
    }
    for (int i = 0; i < level; i++) {
        n->level[i].forward = update[i]->level[i].forward;
        update[i]->level[i].forward = n;
        n->level[i].span = update[i]->level[i].span - (rank[0] - rank[i]);
        update[i]->level[i].span = (rank[0] - rank[i]) + 1;
    }
    for (int i = level; i < sl->level; i++)
        update[i]->level[i].span++;
    sl->bytes += sizeof(Node) + (size_t)level * sizeof(struct Level);
    n->backward = update[0] == sl->header ? NULL : update[0];
    if (n->level[0].forward != NULL)
        n->level[0].forward->backward = n;
    else
        sl->tail = n;
    sl->length++;
    sl->mod++;
    return 0;
}

/* zslDeleteNode: unlink x (update[i]: the last node before x on level i). */
static void
sl_unlink(SkipList *sl, Node *x, Node **update)
{
    for (int i = 0; i < sl->level; i++) {
        if (update[i]->level[i].forward == x) {
            update[i]->level[i].span += x->level[i].span - 1;
            update[i]->level[i].forward = x->level[i].forward;
        } else {
            update[i]->level[i].span -= 1;
        }
    }
    if (x->level[0].forward != NULL)
        x->level[0].forward->backward = x->backward;
    else
        sl->tail = x->backward;
    while (sl->level > 1 && sl->header->level[sl->level - 1].forward == NULL)
        sl->level--;
    sl->bytes -= sizeof(Node) + (size_t)x->nlevel * sizeof(struct Level);
    sl->length--;
    sl->mod++;
}

/* update[] for the position before 0-based rank r; returns the node at r. */
static Node *
sl_seek_rank(SkipList *sl, Py_ssize_t r, Node **update)
{
    Node *x = sl->header;
    Py_ssize_t traversed = 0;
    for (int i = sl->level - 1; i >= 0; i--) {
        while (x->level[i].forward != NULL && traversed + x->level[i].span <= r) {
            traversed += x->level[i].span;
            x = x->level[i].forward;
        }
        update[i] = x;
    }
    return x->level[0].forward;
}

/* zslGetElementByRank, 0-based (r in range). */
static Node *
sl_at(SkipList *sl, Py_ssize_t r)
{
    Node *x = sl->header;
    Py_ssize_t traversed = 0;
    r += 1;
    for (int i = sl->level - 1; i >= 0; i--) {
        while (x->level[i].forward != NULL && traversed + x->level[i].span <= r) {
            traversed += x->level[i].span;
            x = x->level[i].forward;
        }
        if (traversed == r)
            return x;
    }
    return NULL;
}

/* How many pairs sort before the key (right: before or equal to it). */
static Py_ssize_t
sl_bisect(SkipList *sl, double score, PyObject *ele, int right)
{
    Node *x = sl->header;
    Py_ssize_t rank = 0;
    const char *m = PyBytes_AS_STRING(ele);
    Py_ssize_t ml = PyBytes_GET_SIZE(ele);
    for (int i = sl->level - 1; i >= 0; i--) {
        while (x->level[i].forward != NULL) {
            int c = cmp_node(x->level[i].forward, score, m, ml);
            if (c > 0 || (c == 0 && !right))
                break;
            rank += x->level[i].span;
            x = x->level[i].forward;
        }
    }
    return rank;
}

/* Remove the pairs of ranks [lo, hi) (0-based, in range). */
static void
sl_delete_range(SkipList *sl, Py_ssize_t lo, Py_ssize_t hi)
{
    Node *update[SL_MAXLEVEL];
    Node *x = sl_seek_rank(sl, lo, update);
    for (Py_ssize_t k = lo; k < hi && x != NULL; k++) {
        Node *next = x->level[0].forward;
        sl_unlink(sl, x, update);
        node_free(x);
        x = next;
    }
}

/* -- Python API ---------------------------------------------------------------------- */

static int
add_all(SkipList *sl, PyObject *iterable)
{
    PyObject *it = PyObject_GetIter(iterable);
    if (it == NULL)
        return -1;
    PyObject *item;
    while ((item = PyIter_Next(it)) != NULL) {
        double score;
        PyObject *ele;
        int r = parse_key(item, &score, &ele);
        if (r == 0)
            r = sl_insert(sl, score, ele);
        Py_DECREF(item);
        if (r < 0) {
            Py_DECREF(it);
            return -1;
        }
    }
    Py_DECREF(it);
    return PyErr_Occurred() ? -1 : 0;
}

static PyObject *
sl_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *iterable = NULL;
    if (kwds != NULL && PyDict_GET_SIZE(kwds)) {
        PyErr_SetString(PyExc_TypeError, "SkipList takes no keyword arguments");
        return NULL;
    }
    if (!PyArg_UnpackTuple(args, "SkipList", 0, 1, &iterable))
        return NULL;
    SkipList *sl = (SkipList *)type->tp_alloc(type, 0);
    if (sl == NULL)
        return NULL;
    sl->rng = 0x9E3779B97F4A7C15ULL ^ (uint64_t)(uintptr_t)sl;
    if (sl->rng == 0)
        sl->rng = 1;
    if (sl_init_header(sl) < 0 || (iterable != NULL && add_all(sl, iterable) < 0)) {
        Py_DECREF(sl);
        return NULL;
    }
    return (PyObject *)sl;
}

static void
sl_dealloc(SkipList *sl)
{
    sl_free_nodes(sl);
    if (sl->header != NULL)
        node_free(sl->header);
    Py_TYPE(sl)->tp_free((PyObject *)sl);
}

static Py_ssize_t
sl_len(SkipList *sl)
{
    return sl->length;
}

static PyObject *
sl_add(SkipList *sl, PyObject *key)
{
    double score;
    PyObject *ele;
    if (parse_key(key, &score, &ele) < 0 || sl_insert(sl, score, ele) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *
sl_remove(SkipList *sl, PyObject *key)
{
    double score;
    PyObject *ele;
    if (parse_key(key, &score, &ele) < 0)
        return NULL;
    Node *update[SL_MAXLEVEL], *x = sl->header;
    const char *m = PyBytes_AS_STRING(ele);
    Py_ssize_t ml = PyBytes_GET_SIZE(ele);
    for (int i = sl->level - 1; i >= 0; i--) {
        while (x->level[i].forward != NULL && cmp_node(x->level[i].forward, score, m, ml) < 0)
            x = x->level[i].forward;
        update[i] = x;
    }
    x = x->level[0].forward;
    if (x == NULL || cmp_node(x, score, m, ml) != 0) {
        PyErr_Format(PyExc_ValueError, "%R not in list", key);
        return NULL;
    }
    sl_unlink(sl, x, update);
    node_free(x);
    Py_RETURN_NONE;
}

static int
norm_index(SkipList *sl, Py_ssize_t *i, const char *what)
{
    if (*i < 0)
        *i += sl->length;
    if (*i < 0 || *i >= sl->length) {
        PyErr_Format(PyExc_IndexError, "%s index out of range", what);
        return -1;
    }
    return 0;
}

static PyObject *
sl_pop(SkipList *sl, PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t i = -1;
    if (nargs > 1) {
        PyErr_SetString(PyExc_TypeError, "pop([index])");
        return NULL;
    }
    if (nargs == 1 && (i = PyNumber_AsSsize_t(args[0], PyExc_IndexError)) == -1 && PyErr_Occurred())
        return NULL;
    if (sl->length == 0) {
        PyErr_SetString(PyExc_IndexError, "pop index out of range");
        return NULL;
    }
    if (norm_index(sl, &i, "pop") < 0)
        return NULL;
    Node *update[SL_MAXLEVEL];
    Node *x = sl_seek_rank(sl, i, update);
    PyObject *pair = node_pair(x);
    if (pair == NULL)
        return NULL;
    sl_unlink(sl, x, update);
    node_free(x);
    return pair;
}

static PyObject *
sl_clear(SkipList *sl, PyObject *Py_UNUSED(ignored))
{
    sl_free_nodes(sl);
    Py_RETURN_NONE;
}

static PyObject *
bisect_key(SkipList *sl, PyObject *key, int right)
{
    double score;
    PyObject *ele;
    if (parse_key(key, &score, &ele) < 0)
        return NULL;
    return PyLong_FromSsize_t(sl_bisect(sl, score, ele, right));
}

static PyObject *
sl_bisect_left(SkipList *sl, PyObject *key)
{
    return bisect_key(sl, key, 0);
}

static PyObject *
sl_bisect_right(SkipList *sl, PyObject *key)
{
    return bisect_key(sl, key, 1);
}

static int
sl_contains(SkipList *sl, PyObject *key)
{
    double score;
    PyObject *ele;
    if (!PyTuple_Check(key) || PyTuple_GET_SIZE(key) != 2 || !PyBytes_Check(PyTuple_GET_ITEM(key, 1)) ||
        !(PyFloat_Check(PyTuple_GET_ITEM(key, 0)) || PyLong_Check(PyTuple_GET_ITEM(key, 0))))
        return 0;
    if (parse_key(key, &score, &ele) < 0)
        return -1;
    Py_ssize_t r = sl_bisect(sl, score, ele, 0);
    if (r >= sl->length)
        return 0;
    Node *x = sl_at(sl, r);
    return x != NULL && cmp_node(x, score, PyBytes_AS_STRING(ele), PyBytes_GET_SIZE(ele)) == 0;
}

static PyObject *
sl_copy(SkipList *sl, PyObject *Py_UNUSED(ignored))
{
    SkipList *c = (SkipList *)PyObject_CallNoArgs((PyObject *)Py_TYPE(sl));
    if (c == NULL)
        return NULL;
    for (Node *x = sl->header->level[0].forward; x != NULL; x = x->level[0].forward)
        if (sl_insert(c, x->score, x->ele) < 0) {
            Py_DECREF(c);
            return NULL;
        }
    return (PyObject *)c;
}

static PyObject *
sl_sizeof(SkipList *sl, PyObject *Py_UNUSED(ignored))
{
    /* The object, its header node and every node with its levels (the
     * members are the dict's as much as this list's: not counted). */
    return PyLong_FromSize_t(sizeof(SkipList) + sizeof(Node) + SL_MAXLEVEL * sizeof(struct Level) + sl->bytes);
}

/* self[i] and self[a:b:s] */
static PyObject *
sl_subscript(SkipList *sl, PyObject *item)
{
    if (PyIndex_Check(item)) {
        Py_ssize_t i = PyNumber_AsSsize_t(item, PyExc_IndexError);
        if (i == -1 && PyErr_Occurred())
            return NULL;
        if (norm_index(sl, &i, "list") < 0)
            return NULL;
        return node_pair(sl_at(sl, i));
    }
    if (!PySlice_Check(item)) {
        PyErr_SetString(PyExc_TypeError, "SkipList indices must be integers or slices");
        return NULL;
    }
    Py_ssize_t start, stop, step;
    if (PySlice_Unpack(item, &start, &stop, &step) < 0)
        return NULL;
    Py_ssize_t n = PySlice_AdjustIndices(sl->length, &start, &stop, step);
    PyObject *out = PyList_New(n);
    if (out == NULL || n == 0)
        return out;
    if (step == 1 || step == -1) {
        Node *x = sl_at(sl, start);
        for (Py_ssize_t k = 0; k < n; k++) {
            PyObject *p = node_pair(x);
            if (p == NULL) {
                Py_DECREF(out);
                return NULL;
            }
            PyList_SET_ITEM(out, k, p);
            x = step == 1 ? x->level[0].forward : x->backward;
        }
        return out;
    }
    for (Py_ssize_t k = 0, i = start; k < n; k++, i += step) {
        PyObject *p = node_pair(sl_at(sl, i));
        if (p == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, k, p);
    }
    return out;
}

/* del self[i] and del self[a:b:s] */
static int
sl_ass_subscript(SkipList *sl, PyObject *item, PyObject *value)
{
    if (value != NULL) { /* the order decides positions: pairs go in with add() */
        PyErr_SetString(PyExc_TypeError, "'SkipList' object does not support item assignment");
        return -1;
    }
    if (PyIndex_Check(item)) {
        Py_ssize_t i = PyNumber_AsSsize_t(item, PyExc_IndexError);
        if (i == -1 && PyErr_Occurred())
            return -1;
        if (norm_index(sl, &i, "list assignment") < 0)
            return -1;
        sl_delete_range(sl, i, i + 1);
        return 0;
    }
    if (!PySlice_Check(item)) {
        PyErr_SetString(PyExc_TypeError, "SkipList indices must be integers or slices");
        return -1;
    }
    Py_ssize_t start, stop, step;
    if (PySlice_Unpack(item, &start, &stop, &step) < 0)
        return -1;
    Py_ssize_t n = PySlice_AdjustIndices(sl->length, &start, &stop, step);
    if (n == 0)
        return 0;
    if (step == 1) {
        sl_delete_range(sl, start, stop);
    } else if (step == -1) {
        sl_delete_range(sl, start - n + 1, start + 1);
    } else {
        /* from the highest index down, so the lower ones keep their ranks */
        Py_ssize_t first = step > 0 ? start + (n - 1) * step : start, d = step > 0 ? -step : step;
        for (Py_ssize_t k = 0, i = first; k < n; k++, i += d)
            sl_delete_range(sl, i, i + 1);
    }
    return 0;
}

/* -- iteration ----------------------------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    SkipList *sl;
    Node *next;
    uint64_t mod;
    int reverse;
} Iter;

static PyObject *
iter_new(SkipList *sl, int reverse)
{
    Iter *it = PyObject_New(Iter, &IterType);
    if (it == NULL)
        return NULL;
    Py_INCREF(sl);
    it->sl = sl;
    it->next = reverse ? sl->tail : sl->header->level[0].forward;
    it->mod = sl->mod;
    it->reverse = reverse;
    return (PyObject *)it;
}

static PyObject *
sl_iter(SkipList *sl)
{
    return iter_new(sl, 0);
}

static PyObject *
sl_reversed(SkipList *sl, PyObject *Py_UNUSED(ignored))
{
    return iter_new(sl, 1);
}

static void
iter_dealloc(Iter *it)
{
    Py_DECREF(it->sl);
    PyObject_Free(it);
}

static PyObject *
iter_next(Iter *it)
{
    if (it->mod != it->sl->mod) {
        PyErr_SetString(PyExc_RuntimeError, "SkipList changed during iteration");
        return NULL;
    }
    Node *x = it->next;
    if (x == NULL)
        return NULL;
    it->next = it->reverse ? x->backward : x->level[0].forward;
    return node_pair(x);
}

static PyTypeObject IterType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "radish.db._skiplist.SkipListIterator",
    .tp_basicsize = sizeof(Iter),
    .tp_dealloc = (destructor)iter_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = (iternextfunc)iter_next,
};

/* -- type ---------------------------------------------------------------------------- */

static PyObject *
sl_repr(SkipList *sl)
{
    PyObject *items = PySequence_List((PyObject *)sl);
    if (items == NULL)
        return NULL;
    PyObject *r = PyUnicode_FromFormat("SkipList(%R)", items);
    Py_DECREF(items);
    return r;
}

static PyMethodDef sl_methods[] = {
    {"add", (PyCFunction)sl_add, METH_O, "add((score, member))"},
    {"remove", (PyCFunction)sl_remove, METH_O, "remove((score, member)): ValueError when absent"},
    {"pop", (PyCFunction)(void (*)(void))sl_pop, METH_FASTCALL, "pop([index]) -> (score, member), removed"},
    {"clear", (PyCFunction)sl_clear, METH_NOARGS, "clear()"},
    {"bisect_left", (PyCFunction)sl_bisect_left, METH_O, "bisect_left(key) -> pairs before key"},
    {"bisect_right", (PyCFunction)sl_bisect_right, METH_O, "bisect_right(key) -> pairs before or equal to key"},
    {"copy", (PyCFunction)sl_copy, METH_NOARGS, "copy() -> a new SkipList of the same pairs"},
    {"__reversed__", (PyCFunction)sl_reversed, METH_NOARGS, "iterate from the last pair"},
    {"__sizeof__", (PyCFunction)sl_sizeof, METH_NOARGS, "bytes of the object and its nodes"},
    {NULL, NULL, 0, NULL},
};

static PySequenceMethods sl_as_sequence = {
    .sq_length = (lenfunc)sl_len,
    .sq_contains = (objobjproc)sl_contains,
};

static PyMappingMethods sl_as_mapping = {
    .mp_length = (lenfunc)sl_len,
    .mp_subscript = (binaryfunc)sl_subscript,
    .mp_ass_subscript = (objobjargproc)sl_ass_subscript,
};

static PyTypeObject SkipListType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "radish.db._skiplist.SkipList",
    .tp_basicsize = sizeof(SkipList),
    .tp_dealloc = (destructor)sl_dealloc,
    .tp_repr = (reprfunc)sl_repr,
    .tp_as_sequence = &sl_as_sequence,
    .tp_as_mapping = &sl_as_mapping,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Redis's zskiplist of (score, member) pairs (see the module notes).",
    .tp_iter = (getiterfunc)sl_iter,
    .tp_methods = sl_methods,
    .tp_new = sl_new,
};

static struct PyModuleDef skiplist_module = {
    PyModuleDef_HEAD_INIT, "radish.db._skiplist", "Redis's zskiplist for big sorted sets.", -1, NULL,
};

PyMODINIT_FUNC
PyInit__skiplist(void)
{
    if (PyType_Ready(&SkipListType) < 0 || PyType_Ready(&IterType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&skiplist_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&SkipListType);
    if (PyModule_AddObject(m, "SkipList", (PyObject *)&SkipListType) < 0) {
        Py_DECREF(&SkipListType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
