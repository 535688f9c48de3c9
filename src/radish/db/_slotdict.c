/*
 * radish.db._slotdict: the keyspace dict of cluster mode, in C.
 *
 * SlotDict is a dict subclass that also keeps the keys of each of the
 * 16384 hash slots (CLUSTER COUNTKEYSINSLOT / GETKEYSINSLOT, and the keys
 * a node must delete when it loses a slot), as Redis's slots_to_keys.
 * Why C: every write of a key goes through the subclass's __setitem__;
 * written in Python that costs a method call per write (cluster-mode SET
 * at -P 16 took twice the CPU of SET without cluster mode). Here the
 * override is a C slot, and reads (get, in, []) are dict's own.
 *
 * The pure-Python twin is radish.db.slots.SlotDict (the reference; the two
 * are held to the same answers by tests/unit/test_slotdict_twin.py). Each
 * slot's keys are a dict {key: None} in insertion order, made on the
 * slot's first key and dropped with its last; the 16384 pointers are
 * allocated on the first key.
 *
 * Keys must be bytes (the keyspace's are); the slot is Redis's keyHashSlot
 * (CRC16/XMODEM of the key or of its {hash tag}, modulo 16384).
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#define SLOTS 16384

typedef struct {
    PyDictObject dict;
    PyObject **slots; /* NULL until the first key; each NULL or a dict */
} SlotDict;

static unsigned short crc16_table[256];

static int
key_slot(PyObject *key)
{
    const char *s;
    Py_ssize_t n;
    if (PyBytes_Check(key)) {
        s = PyBytes_AS_STRING(key);
        n = PyBytes_GET_SIZE(key);
    } else {
        PyErr_SetString(PyExc_TypeError, "SlotDict keys must be bytes");
        return -1;
    }
    Py_ssize_t a, e;
    for (a = 0; a < n && s[a] != '{'; a++)
        ;
    if (a < n) {
        for (e = a + 1; e < n && s[e] != '}'; e++)
            ;
        if (e < n && e != a + 1) {
            s += a + 1;
            n = e - a - 1;
        }
    }
    unsigned short crc = 0;
    for (Py_ssize_t i = 0; i < n; i++)
        crc = (unsigned short)((crc << 8) ^ crc16_table[((crc >> 8) ^ (unsigned char)s[i]) & 0xff]);
    return crc & 0x3FFF;
}

static int
index_key(SlotDict *self, PyObject *key)
{
    int slot = key_slot(key);
    if (slot < 0)
        return -1;
    if (self->slots == NULL) {
        self->slots = PyMem_Calloc(SLOTS, sizeof(PyObject *));
        if (self->slots == NULL) {
            PyErr_NoMemory();
            return -1;
        }
    }
    PyObject *keys = self->slots[slot];
    if (keys == NULL) {
        if ((keys = PyDict_New()) == NULL)
            return -1;
        self->slots[slot] = keys;
    }
    return PyDict_SetItem(keys, key, Py_None);
}

static void
unindex_key(SlotDict *self, PyObject *key)
{
    int slot = key_slot(key);
    if (slot < 0 || self->slots == NULL || self->slots[slot] == NULL) {
        PyErr_Clear();
        return;
    }
    PyObject *keys = self->slots[slot];
    if (PyDict_DelItem(keys, key) < 0)
        PyErr_Clear();
    if (PyDict_GET_SIZE(keys) == 0)
        Py_CLEAR(self->slots[slot]);
}

static void
clear_index(SlotDict *self)
{
    if (self->slots == NULL)
        return;
    for (int i = 0; i < SLOTS; i++)
        Py_CLEAR(self->slots[i]);
}

/* d[key] = value / del d[key] */
static int
sd_ass_subscript(PyObject *op, PyObject *key, PyObject *value)
{
    SlotDict *self = (SlotDict *)op;
    if (value == NULL) {
        if (PyDict_Type.tp_as_mapping->mp_ass_subscript(op, key, NULL) < 0)
            return -1;
        unindex_key(self, key);
        return 0;
    }
    int has = PyDict_Contains(op, key);
    if (has < 0)
        return -1;
    if (!has && index_key(self, key) < 0)
        return -1;
    return PyDict_Type.tp_as_mapping->mp_ass_subscript(op, key, value);
}

static PyObject *
sd_pop(PyObject *op, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 1 || nargs > 2) {
        PyErr_SetString(PyExc_TypeError, "pop expected 1 or 2 arguments");
        return NULL;
    }
    PyObject *v = PyDict_GetItemWithError(op, args[0]);
    if (v == NULL) {
        if (PyErr_Occurred())
            return NULL;
        if (nargs == 2)
            return Py_NewRef(args[1]);
        PyErr_SetObject(PyExc_KeyError, args[0]);
        return NULL;
    }
    Py_INCREF(v);
    if (PyDict_DelItem(op, args[0]) < 0) {
        Py_DECREF(v);
        return NULL;
    }
    unindex_key((SlotDict *)op, args[0]);
    return v;
}

static PyObject *
sd_popitem(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    PyObject *item = PyObject_CallMethod((PyObject *)&PyDict_Type, "popitem", "O", op);
    if (item == NULL)
        return NULL;
    unindex_key((SlotDict *)op, PyTuple_GET_ITEM(item, 0));
    return item;
}

static PyObject *
sd_setdefault(PyObject *op, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 1 || nargs > 2) {
        PyErr_SetString(PyExc_TypeError, "setdefault expected 1 or 2 arguments");
        return NULL;
    }
    PyObject *dflt = nargs == 2 ? args[1] : Py_None;
    PyObject *v = PyDict_GetItemWithError(op, args[0]);
    if (v != NULL)
        return Py_NewRef(v);
    if (PyErr_Occurred())
        return NULL;
    if (sd_ass_subscript(op, args[0], dflt) < 0)
        return NULL;
    return Py_NewRef(dflt);
}

static PyObject *
sd_update(PyObject *op, PyObject *args, PyObject *kwds)
{
    /* dict(*args, **kw), then each pair through __setitem__ */
    PyObject *src = PyObject_Call((PyObject *)&PyDict_Type, args, kwds);
    if (src == NULL)
        return NULL;
    PyObject *k, *v;
    Py_ssize_t pos = 0;
    while (PyDict_Next(src, &pos, &k, &v)) {
        if (sd_ass_subscript(op, k, v) < 0) {
            Py_DECREF(src);
            return NULL;
        }
    }
    Py_DECREF(src);
    Py_RETURN_NONE;
}

static PyObject *
sd_clear(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    PyDict_Clear(op);
    clear_index((SlotDict *)op);
    Py_RETURN_NONE;
}

static long
slot_arg(PyObject *arg)
{
    long slot = PyLong_AsLong(arg);
    if (slot == -1 && PyErr_Occurred())
        return -1;
    if (slot < 0 || slot >= SLOTS) {
        PyErr_SetString(PyExc_ValueError, "slot out of range");
        return -1;
    }
    return slot;
}

static PyObject *
sd_count_in_slot(PyObject *op, PyObject *arg)
{
    SlotDict *self = (SlotDict *)op;
    long slot = slot_arg(arg);
    if (slot < 0)
        return NULL;
    Py_ssize_t n = self->slots != NULL && self->slots[slot] != NULL ? PyDict_GET_SIZE(self->slots[slot]) : 0;
    return PyLong_FromSsize_t(n);
}

static PyObject *
sd_keys_in_slot(PyObject *op, PyObject *const *args, Py_ssize_t nargs)
{
    SlotDict *self = (SlotDict *)op;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "keys_in_slot(slot, count)");
        return NULL;
    }
    long slot = slot_arg(args[0]);
    if (slot < 0)
        return NULL;
    Py_ssize_t count = PyLong_AsSsize_t(args[1]);
    if (count == -1 && PyErr_Occurred())
        return NULL;
    PyObject *out = PyList_New(0);
    if (out == NULL || self->slots == NULL || self->slots[slot] == NULL)
        return out;
    PyObject *k, *v;
    Py_ssize_t pos = 0;
    while (PyList_GET_SIZE(out) < count && PyDict_Next(self->slots[slot], &pos, &k, &v)) {
        if (PyList_Append(out, k) < 0) {
            Py_DECREF(out);
            return NULL;
        }
    }
    return out;
}

static int
sd_init(PyObject *op, PyObject *args, PyObject *kwds)
{
    if (PyDict_Type.tp_init(op, args, kwds) < 0)
        return -1;
    clear_index((SlotDict *)op);
    PyObject *k, *v;
    Py_ssize_t pos = 0;
    while (PyDict_Next(op, &pos, &k, &v))
        if (index_key((SlotDict *)op, k) < 0)
            return -1;
    return 0;
}

static int
sd_traverse(PyObject *op, visitproc visit, void *arg)
{
    SlotDict *self = (SlotDict *)op;
    if (self->slots != NULL)
        for (int i = 0; i < SLOTS; i++)
            Py_VISIT(self->slots[i]);
    return PyDict_Type.tp_traverse(op, visit, arg);
}

static int
sd_tp_clear(PyObject *op)
{
    clear_index((SlotDict *)op);
    return PyDict_Type.tp_clear(op);
}

static void
sd_dealloc(PyObject *op)
{
    SlotDict *self = (SlotDict *)op;
    PyObject_GC_UnTrack(op);
    clear_index(self);
    PyMem_Free(self->slots);
    self->slots = NULL;
    PyDict_Type.tp_dealloc(op); /* its untracking is a no-op now */
}

static PyMappingMethods sd_as_mapping;

static PyMethodDef sd_methods[] = {
    {"pop", (PyCFunction)(void (*)(void))sd_pop, METH_FASTCALL, "D.pop(k[, d]): the value, and k gone from its slot too."},
    {"popitem", sd_popitem, METH_NOARGS, "D.popitem(): the last pair, gone from its slot too."},
    {"setdefault", (PyCFunction)(void (*)(void))sd_setdefault, METH_FASTCALL, "D.setdefault(k[, d])."},
    {"update", (PyCFunction)(void (*)(void))sd_update, METH_VARARGS | METH_KEYWORDS, "D.update(...), each key indexed."},
    {"clear", sd_clear, METH_NOARGS, "D.clear(): the keys and every slot's index."},
    {"count_in_slot", sd_count_in_slot, METH_O, "count_in_slot(slot) -> keys in the slot."},
    {"keys_in_slot", (PyCFunction)(void (*)(void))sd_keys_in_slot, METH_FASTCALL,
     "keys_in_slot(slot, count) -> up to count keys of the slot, oldest first."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject SlotDictType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "radish.db._slotdict.SlotDict",
    .tp_basicsize = sizeof(SlotDict),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_DICT_SUBCLASS | Py_TPFLAGS_BASETYPE,
    .tp_doc = "A dict of keys that keeps, beside it, the keys of each hash slot.",
    .tp_methods = sd_methods,
    .tp_init = sd_init,
    .tp_traverse = sd_traverse,
    .tp_clear = sd_tp_clear,
    .tp_dealloc = sd_dealloc,
};

static struct PyModuleDef slotdict_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "radish.db._slotdict",
    .m_doc = "The keyspace dict of cluster mode (see radish.db.slots.SlotDict, its twin).",
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__slotdict(void)
{
    for (int i = 0; i < 256; i++) {
        unsigned short c = (unsigned short)(i << 8);
        for (int j = 0; j < 8; j++)
            c = (unsigned short)(c & 0x8000 ? (c << 1) ^ 0x1021 : c << 1);
        crc16_table[i] = c;
    }
    SlotDictType.tp_base = &PyDict_Type;
    sd_as_mapping = *PyDict_Type.tp_as_mapping;
    sd_as_mapping.mp_ass_subscript = sd_ass_subscript;
    SlotDictType.tp_as_mapping = &sd_as_mapping;
    if (PyType_Ready(&SlotDictType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&slotdict_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&SlotDictType);
    if (PyModule_AddObject(m, "SlotDict", (PyObject *)&SlotDictType) < 0) {
        Py_DECREF(&SlotDictType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
