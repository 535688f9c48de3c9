/*
 * radish.protocol._reqparser: Redis request framing in C.
 *
 * Why our own C: hiredis is a *reply* parser. It accepts what a request
 * may not hold (integers, nested arrays, RESP3 types), cannot say where a
 * partial frame starts, and knows neither Redis's limits nor its
 * protocol-error texts, so the hiredis path has to re-validate every
 * frame in Python, which costs three times what hiredis itself does. This
 * module frames requests exactly as Redis 7.0's processMultibulkBuffer and
 * processInlineBuffer do, in one pass, with the same errors and limits as
 * the pure-Python PyRequestParser in parser.py (the reference; both pass
 * the same tests).
 *
 * RequestParser(max_bulk_len, error_class, split_args)
 *   .feed_and_parse(data) -> (commands, error_or_None)
 *   .buffered() -> bytes received and not yet consumed
 *   .in_frame() -> a partial command is pending
 *   .auth_required: the client has not authenticated (Redis's
 *     authRequired): a multibulk count over 10 or a bulk length over 16384
 *     is a protocol error, and each call frames at most one command (the
 *     connection runs it, then asks again, so AUTH lifts the limits for
 *     what follows it in the same read)
 *
 * Inline commands are split here when the line holds no quote, \v, \f or
 * NUL (then sdssplitargs splits on space, \t, \r like bytes.split);
 * otherwise the line goes to ``split_args`` (splitargs.py, the one
 * implementation of sdssplitargs's quoting rules).
 *
 * encode_command(args) -> bytes: the inverse, a list of bytes as a RESP
 * multibulk (what the propagation funnel sends replicas and the AOF).
 *
 * A multibulk frame cut across reads keeps its parsed arguments, so a
 * large frame is never rescanned; the unconsumed tail is the only thing
 * kept in the buffer, and the buffer is compacted only when more than
 * half of it is consumed (amortised O(1) per byte).
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <limits.h>
#include <string.h>
#include <structmember.h>

#define PROTO_INLINE_MAX_SIZE (64 * 1024)

typedef struct {
    PyObject_HEAD
    char *buf;           /* unconsumed bytes: buf[pos:len] */
    Py_ssize_t len, cap, pos;
    long long max_bulk_len;
    PyObject *args;      /* multibulk in progress (list) or NULL */
    int busy;            /* inside feed_and_parse (split_args calls back) */
    Py_ssize_t remaining;
    long long bulklen;   /* -1: next is a $len line */
    PyObject *error;     /* the error once one occurred (sticky) */
    PyObject *error_class;
    PyObject *split_args;
    char auth_required;  /* Redis's authRequired(c): limits, one command a call */
} RequestParser;

/* Command names, shared: the first argument of a multibulk, when short,
 * is looked up here (a direct-mapped cache on length and bytes) and the
 * same bytes object is handed out again. A pipeline repeats a few names,
 * so this saves an allocation, a free and the hash the dispatcher's
 * lookup computes (bytes objects keep their hash) for most commands.
 * Equal bytes either way: nothing can tell the difference but identity. */
#define NAME_CACHE_SIZE 64
#define NAME_CACHE_MAXLEN 24
static PyObject *name_cache[NAME_CACHE_SIZE];

static PyObject *
command_name(const char *s, Py_ssize_t n)
{
    if (n > NAME_CACHE_MAXLEN)
        return PyBytes_FromStringAndSize(s, n);
    unsigned h = (unsigned)n;
    for (Py_ssize_t i = 0; i < n; i++)
        h = h * 31u + (unsigned char)s[i];
    PyObject **slot = &name_cache[h % NAME_CACHE_SIZE];
    PyObject *cached = *slot;
    if (cached != NULL && PyBytes_GET_SIZE(cached) == n && memcmp(PyBytes_AS_STRING(cached), s, n) == 0) {
        Py_INCREF(cached);
        return cached;
    }
    PyObject *a = PyBytes_FromStringAndSize(s, n);
    if (a != NULL) {
        Py_INCREF(a);
        Py_XSETREF(*slot, a);
    }
    return a;
}

/* Redis's limits on a client that must authenticate first. */
#define UNAUTH_MAX_MULTIBULK 10
#define UNAUTH_MAX_BULK 16384

/* Redis's string2ll: optional '-', digits, no leading zeros, no '+', no
 * spaces, within 64 bits. */
static int
str2ll(const char *s, Py_ssize_t n, long long *out)
{
    Py_ssize_t i = 0;
    int neg = 0;
    unsigned long long v = 0;

    if (n <= 0 || n > 20)
        return 0;
    if (n == 1 && s[0] == '0') {
        *out = 0;
        return 1;
    }
    if (s[0] == '-') {
        neg = 1;
        i = 1;
        if (n == 1)
            return 0;
    }
    if (s[i] < '1' || s[i] > '9')
        return 0;
    for (; i < n; i++) {
        unsigned d = (unsigned char)s[i] - '0';
        if (d > 9)
            return 0;
        if (v > (ULLONG_MAX - d) / 10)
            return 0;
        v = v * 10 + d;
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
set_error(RequestParser *self, PyObject *message)
{
    if (message == NULL)
        return -1;
    PyObject *err = PyObject_CallOneArg(self->error_class, message);
    Py_DECREF(message);
    if (err == NULL)
        return -1;
    Py_XSETREF(self->error, err);
    return 0;
}

static int
fail(RequestParser *self, const char *what)
{
    return set_error(self, PyUnicode_FromFormat("ERR Protocol error: %s", what));
}

/* One inline line -> its argument list (new reference), an empty list for
 * a blank line, Py_None (new reference) for unbalanced quotes, NULL on a
 * Python error. */
static PyObject *
split_inline(RequestParser *self, const char *s, Py_ssize_t n)
{
    Py_ssize_t i, start;
    for (i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '"' || ch == '\'' || ch == '\v' || ch == '\f' || ch == '\0')
            break;
    }
    if (i < n) {
        PyObject *line = PyBytes_FromStringAndSize(s, n);
        if (line == NULL)
            return NULL;
        PyObject *r = PyObject_CallOneArg(self->split_args, line);
        Py_DECREF(line);
        if (r != NULL && r != Py_None && !PyList_Check(r)) {
            Py_DECREF(r);
            PyErr_SetString(PyExc_TypeError, "split_args must return a list or None");
            return NULL;
        }
        return r;
    }
    PyObject *out = PyList_New(0);
    if (out == NULL)
        return NULL;
    i = 0;
    while (i < n) {
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
            i++;
        if (i >= n)
            break;
        start = i;
        while (i < n && !(s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
            i++;
        PyObject *a = PyBytes_FromStringAndSize(s + start, i - start);
        if (a == NULL || PyList_Append(out, a) < 0) {
            Py_XDECREF(a);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(a);
    }
    return out;
}

/* Frame commands from s[*ppos:n] into out. Returns 0 (stopped: need more
 * data, or self->error set) or -1 on a Python error. */
static int
parse(RequestParser *self, const char *s, Py_ssize_t n, Py_ssize_t *ppos, PyObject *out)
{
    Py_ssize_t pos = *ppos;
    int rc = 0;

    while (pos < n) {
        if (self->args == NULL) {
            if (s[pos] != '*') {
                /* Inline command. */
                const char *nl = memchr(s + pos, '\n', n - pos);
                if (nl == NULL) {
                    if (n - pos > PROTO_INLINE_MAX_SIZE)
                        rc = fail(self, "too big inline request");
                    break;
                }
                const char *end = nl;
                if (end > s + pos && end[-1] == '\r')
                    end--;
                PyObject *args = split_inline(self, s + pos, end - (s + pos));
                if (args == NULL) {
                    rc = -1;
                    break;
                }
                pos = nl - s + 1;
                if (args == Py_None) {
                    Py_DECREF(args);
                    rc = fail(self, "unbalanced quotes in request");
                    break;
                }
                if (PyList_GET_SIZE(args) == 0) {
                    Py_DECREF(args);
                    continue;
                }
                int r = PyList_Append(out, args);
                Py_DECREF(args);
                if (r < 0) {
                    rc = -1;
                    break;
                }
                if (self->auth_required)
                    break; /* one command at a time until AUTH */
                continue;
            }
            /* *<count>\r\n */
            const char *cr = memchr(s + pos, '\r', n - pos);
            if (cr == NULL) {
                if (n - pos > PROTO_INLINE_MAX_SIZE)
                    rc = fail(self, "too big mbulk count string");
                break;
            }
            if (cr - (s + pos) > PROTO_INLINE_MAX_SIZE) {
                rc = fail(self, "too big mbulk count string");
                break;
            }
            if (cr + 1 >= s + n) /* the '\n' too */
                break;
            long long count;
            if (!str2ll(s + pos + 1, cr - (s + pos + 1), &count) || count > INT_MAX) {
                rc = fail(self, "invalid multibulk length");
                break;
            }
            if (count > UNAUTH_MAX_MULTIBULK && self->auth_required) {
                rc = fail(self, "unauthenticated multibulk length");
                break;
            }
            pos = cr - s + 2;
            if (count <= 0)
                continue; /* empty command: skipped */
            /* Grown by appending: a list with empty slots must not be
             * reachable (it is, through the GC) between reads. */
            self->args = PyList_New(0);
            if (self->args == NULL) {
                rc = -1;
                break;
            }
            self->remaining = (Py_ssize_t)count;
            self->bulklen = -1;
        }
        /* $<len>\r\n<data>\r\n, remaining times */
        while (self->remaining) {
            if (self->bulklen < 0) {
                if (pos >= n)
                    goto done;
                const char *cr = memchr(s + pos, '\r', n - pos);
                if (cr == NULL) {
                    if (n - pos > PROTO_INLINE_MAX_SIZE)
                        rc = fail(self, "too big bulk count string");
                    goto done;
                }
                if (cr - (s + pos) > PROTO_INLINE_MAX_SIZE) {
                    rc = fail(self, "too big bulk count string");
                    goto done;
                }
                if (cr + 1 >= s + n)
                    goto done;
                if (s[pos] != '$') {
                    rc = set_error(self, PyUnicode_FromFormat(
                        "ERR Protocol error: expected '$', got '%c'", (int)(unsigned char)s[pos]));
                    goto done;
                }
                long long ln;
                if (!str2ll(s + pos + 1, cr - (s + pos + 1), &ln) || ln < 0 || ln > self->max_bulk_len) {
                    rc = fail(self, "invalid bulk length");
                    goto done;
                }
                if (ln > UNAUTH_MAX_BULK && self->auth_required) {
                    rc = fail(self, "unauthenticated bulk length");
                    goto done;
                }
                self->bulklen = ln;
                pos = cr - s + 2;
            }
            if ((long long)(n - pos) - 2 < self->bulklen)
                goto done;
            PyObject *a = PyList_GET_SIZE(self->args) == 0
                ? command_name(s + pos, (Py_ssize_t)self->bulklen)
                : PyBytes_FromStringAndSize(s + pos, (Py_ssize_t)self->bulklen);
            if (a == NULL) {
                rc = -1;
                goto done;
            }
            int r = PyList_Append(self->args, a);
            Py_DECREF(a);
            if (r < 0) {
                rc = -1;
                goto done;
            }
            pos += (Py_ssize_t)self->bulklen + 2;
            self->bulklen = -1;
            self->remaining--;
        }
        {
            PyObject *args = self->args;
            self->args = NULL;
            int r = PyList_Append(out, args);
            Py_DECREF(args);
            if (r < 0) {
                rc = -1;
                break;
            }
            if (self->auth_required)
                break; /* one command at a time until AUTH */
        }
    }
done:
    *ppos = pos;
    return rc;
}

static int
reserve(RequestParser *self, Py_ssize_t extra)
{
    Py_ssize_t need = self->len + extra;
    if (need <= self->cap)
        return 0;
    Py_ssize_t cap = self->cap ? self->cap : 4096;
    while (cap < need) {
        if (cap > PY_SSIZE_T_MAX / 2) {
            cap = need;
            break;
        }
        cap *= 2;
    }
    char *b = PyMem_Realloc(self->buf, cap);
    if (b == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->buf = b;
    self->cap = cap;
    return 0;
}

static PyObject *
result(PyObject *out, PyObject *err)
{
    PyObject *t = PyTuple_New(2);
    if (t == NULL) {
        Py_DECREF(out);
        return NULL;
    }
    PyTuple_SET_ITEM(t, 0, out);
    Py_INCREF(err);
    PyTuple_SET_ITEM(t, 1, err);
    return t;
}

static PyObject *
RequestParser_feed_and_parse(RequestParser *self, PyObject *arg)
{
    Py_buffer view;
    PyObject *out = PyList_New(0);
    int rc;

    if (out == NULL)
        return NULL;
    if (self->error_class == NULL || self->busy) {
        Py_DECREF(out);
        PyErr_SetString(PyExc_RuntimeError,
                        self->busy ? "feed_and_parse re-entered" : "RequestParser is not initialised");
        return NULL;
    }
    if (self->error != NULL)
        return result(out, self->error);
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) {
        Py_DECREF(out);
        return NULL;
    }
    self->busy = 1;
    if (self->pos == self->len) {
        /* Nothing buffered: frame straight from the read and keep only
         * its unconsumed tail. */
        Py_ssize_t pos = 0;
        self->len = self->pos = 0;
        rc = parse(self, view.buf, view.len, &pos, out);
        if (rc == 0 && self->error == NULL && pos < view.len) {
            if (reserve(self, view.len - pos) < 0) {
                rc = -1;
            } else {
                memcpy(self->buf, (char *)view.buf + pos, view.len - pos);
                self->len = view.len - pos;
            }
        }
    } else {
        if (reserve(self, view.len) < 0) {
            rc = -1;
        } else {
            memcpy(self->buf + self->len, view.buf, view.len);
            self->len += view.len;
            rc = parse(self, self->buf, self->len, &self->pos, out);
        }
    }
    PyBuffer_Release(&view);
    self->busy = 0;
    if (rc < 0) {
        /* A Python error (memory, split_args): the connection is lost
         * anyway; leave no half-parsed frame behind. */
        self->len = self->pos = 0;
        Py_CLEAR(self->args);
        Py_DECREF(out);
        return NULL;
    }
    if (self->error != NULL) {
        /* The connection is closed after the error reply: drop the rest. */
        self->len = self->pos = 0;
        Py_CLEAR(self->args);
        return result(out, self->error);
    }
    if (self->pos == self->len) {
        self->len = self->pos = 0;
        if (self->cap > 1024 * 1024) { /* give a big frame's memory back */
            PyMem_Free(self->buf);
            self->buf = NULL;
            self->cap = 0;
        }
    } else if (self->pos > self->len / 2) {
        memmove(self->buf, self->buf + self->pos, self->len - self->pos);
        self->len -= self->pos;
        self->pos = 0;
    }
    return result(out, Py_None);
}

static PyObject *
RequestParser_buffered(RequestParser *self, PyObject *Py_UNUSED(ignored))
{
    return PyLong_FromSsize_t(self->len - self->pos);
}

static PyObject *
RequestParser_in_frame(RequestParser *self, PyObject *Py_UNUSED(ignored))
{
    return PyBool_FromLong(self->args != NULL || self->pos < self->len);
}

static int
RequestParser_init(RequestParser *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"max_bulk_len", "error_class", "split_args", NULL};
    long long max_bulk_len;
    PyObject *error_class, *split_args;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "LOO", kwlist, &max_bulk_len, &error_class, &split_args))
        return -1;
    self->max_bulk_len = max_bulk_len;
    Py_INCREF(error_class);
    Py_XSETREF(self->error_class, error_class);
    Py_INCREF(split_args);
    Py_XSETREF(self->split_args, split_args);
    Py_CLEAR(self->args);
    Py_CLEAR(self->error);
    self->len = self->pos = 0;
    self->bulklen = -1;
    self->remaining = 0;
    self->busy = 0;
    self->auth_required = 0;
    return 0;
}

static int
RequestParser_traverse(RequestParser *self, visitproc visit, void *arg)
{
    Py_VISIT(self->args);
    Py_VISIT(self->error);
    Py_VISIT(self->error_class);
    Py_VISIT(self->split_args);
    return 0;
}

static int
RequestParser_clear(RequestParser *self)
{
    Py_CLEAR(self->args);
    Py_CLEAR(self->error);
    Py_CLEAR(self->error_class);
    Py_CLEAR(self->split_args);
    return 0;
}

static void
RequestParser_dealloc(RequestParser *self)
{
    PyObject_GC_UnTrack(self);
    RequestParser_clear(self);
    PyMem_Free(self->buf);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef RequestParser_methods[] = {
    {"feed_and_parse", (PyCFunction)RequestParser_feed_and_parse, METH_O,
     "Parse every complete command of the data received (plus what was pending): (commands, error)."},
    {"buffered", (PyCFunction)RequestParser_buffered, METH_NOARGS,
     "Bytes received and not yet consumed (the query buffer)."},
    {"in_frame", (PyCFunction)RequestParser_in_frame, METH_NOARGS,
     "Whether a partially received command is pending."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef RequestParser_members[] = {
    {"auth_required", T_BOOL, offsetof(RequestParser, auth_required), 0,
     "The client must authenticate first (Redis's authRequired): multibulk counts over 10 and "
     "bulks over 16384 bytes are protocol errors, and each call frames at most one command, "
     "so that an AUTH is run before what follows it is framed."},
    {NULL},
};

static PyTypeObject RequestParserType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "radish.protocol._reqparser.RequestParser",
    .tp_basicsize = sizeof(RequestParser),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "Redis request framing (multibulk and inline) with Redis's limits and errors.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)RequestParser_init,
    .tp_dealloc = (destructor)RequestParser_dealloc,
    .tp_traverse = (traverseproc)RequestParser_traverse,
    .tp_clear = (inquiry)RequestParser_clear,
    .tp_methods = RequestParser_methods,
    .tp_members = RequestParser_members,
};

static Py_ssize_t
put_len(char *dst, char lead, Py_ssize_t n)
{
    char tmp[24];
    int k = 0;
    Py_ssize_t w = 0;
    do {
        tmp[k++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    dst[w++] = lead;
    while (k)
        dst[w++] = tmp[--k];
    dst[w++] = '\r';
    dst[w++] = '\n';
    return w;
}

static PyObject *
encode_command(PyObject *Py_UNUSED(module), PyObject *arg)
{
    PyObject *seq = PySequence_Fast(arg, "encode_command takes a sequence of bytes-like objects");
    if (seq == NULL)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq), total = 24;
    PyObject **items = PySequence_Fast_ITEMS(seq);
    PyObject *out = NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (PyBytes_Check(items[i])) {
            total += PyBytes_GET_SIZE(items[i]) + 26;
        } else {
            Py_buffer view;
            if (PyObject_GetBuffer(items[i], &view, PyBUF_SIMPLE) < 0)
                goto done;
            total += view.len + 26;
            PyBuffer_Release(&view);
        }
    }
    out = PyBytes_FromStringAndSize(NULL, total);
    if (out == NULL)
        goto done;
    char *p = PyBytes_AS_STRING(out);
    Py_ssize_t w = put_len(p, '*', n);
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_buffer view;
        const char *data;
        Py_ssize_t len;
        int is_bytes = PyBytes_Check(items[i]);
        if (is_bytes) {
            data = PyBytes_AS_STRING(items[i]);
            len = PyBytes_GET_SIZE(items[i]);
        } else {
            if (PyObject_GetBuffer(items[i], &view, PyBUF_SIMPLE) < 0) {
                Py_CLEAR(out);
                goto done;
            }
            data = view.buf;
            len = view.len;
        }
        if (w + len + 26 > total) { /* a buffer grew between the passes */
            if (!is_bytes)
                PyBuffer_Release(&view);
            Py_CLEAR(out);
            PyErr_SetString(PyExc_RuntimeError, "encode_command: argument changed size");
            goto done;
        }
        w += put_len(p + w, '$', len);
        memcpy(p + w, data, len);
        w += len;
        p[w++] = '\r';
        p[w++] = '\n';
        if (!is_bytes)
            PyBuffer_Release(&view);
    }
    if (_PyBytes_Resize(&out, w) < 0)
        out = NULL;
done:
    Py_DECREF(seq);
    return out;
}

static PyMethodDef module_methods[] = {
    {"encode_command", encode_command, METH_O, "A list of bytes as a RESP multibulk."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef reqparser_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "radish.protocol._reqparser",
    .m_doc = "Redis request framing in C (see parser.py for the Python reference).",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC
PyInit__reqparser(void)
{
    if (PyType_Ready(&RequestParserType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&reqparser_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&RequestParserType);
    if (PyModule_AddObject(m, "RequestParser", (PyObject *)&RequestParserType) < 0) {
        Py_DECREF(&RequestParserType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
