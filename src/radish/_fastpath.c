/*
 * radish._fastpath: the dispatcher's batch loop for data commands, in C.
 *
 * Why C: at pipeline depth 16 the Python loop around a handler (spec
 * lookup, arity check, clock, statistics, reply encoding) costs more than
 * the handler itself; Python spends about 0.5 us per command there. This
 * is that loop, and only that loop: handlers, errors, blocking and every
 * reply type but the simplest stay in Python. It is ``run_batch``'s inner
 * loop in dispatch.py when dispatch.direct_ok allows it; dispatch.py keeps the
 * same loop in Python for installs without a compiler. Keep the two in
 * step (tests/unit/test_fastpath.py runs both on the same commands).
 *
 * run_fast(c, cmds, start, out, fast, ks, stats, blocking, server, budget,
 *          slow_us, tracking, maxmemory, route) -> int
 *   Runs cmds[start:] while they are data commands known to ``fast``
 *   (spelling -> (spec, handler, arity, name, keypos), filled by the
 *   ``miss`` callback) with a valid arity and, in cluster mode (``route``
 *   not None), keys in a slot served here. Returns the index of the first command
 *   it did not run, or ~consumed when the batch must end (the client was
 *   parked by a blocking command). With ``budget`` >= 0 it also returns
 *   once the replies it appended reach ``budget`` bytes, so the caller can
 *   enforce client-output-buffer-limit before running more.
 *
 * Per command, as run_batch: one clock reading (it sets ks.now_ms and
 * ks.expire_now, and ends the previous command's INFO commandstats time,
 * counted like Redis in whole microseconds between readings), c.last_cmd,
 * the handler, spec.calls / spec.usec / stats.numcommands, blocked clients
 * served when the command made keys ready, and the reply appended to
 * ``out``: bulk strings, +OK and other status replies, integers, nulls and
 * flat arrays of those here; everything else (nested or typed replies,
 * errors, Block …) by the ``finish`` callback. When ``server`` is given (replicas, the backlog or the AOF
 * listen), a command that moved the dirty counter or asked for a rewrite
 * goes to the funnel through the ``propagated`` callback, and what is
 * queued is flushed after each command. Counters are added up while the same command repeats and
 * written back when it changes and on return, so Python sees the same
 * totals.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>
#include <time.h>

static PyObject *CommandError;   /* radish.errors.CommandError */
static PyObject *OK;             /* radish.protocol.resp.OK */
static PyTypeObject *SimpleString;
static PyObject *failed_cb;      /* failed(c, spec, exc) -> result value */
static PyObject *finish_cb;      /* finish(c, spec, args, result) -> bytes | None (stop) */
static PyObject *miss_cb;        /* miss(name) -> entry tuple | None */
static PyObject *slow_cb;        /* slow(c, spec, args, usec): a command at the slow threshold */
static long long (*used_memory_fn)(void); /* radish._alloc's counter, when running */
static PyObject *propagated_cb;  /* propagated(c, args, dirtied): to the funnel */
static PyObject *new_hist_cb;    /* new_hist() -> an empty latency histogram */

static PyObject *s_latency_hist;
static PyObject *s_lru_now;
static PyObject *s_now_ms, *s_expire_now, *s_last_cmd, *s_calls, *s_usec, *s_numcommands,
    *s_ready, *s_serve_ready, *s_resp3, *s_propagate_as, *s_dirty, *s_propagation, *s_pending,
    *s_keyspace, *s_is_replica, *s_replica, *s_enabled, *s_subscribers, *s_backlog, *s_active, *s_db, *s_id,
    *s_stream_db, *s_master_repl_offset, *s_woff, *s_stream, *s_drain,
    *s_lfu_mode, *s_notify_flags, *s_on_key_changed, *s_data, *s_get_touch, *s_incr_touch, *s_keyspace_hits,
    *s_append, *s_appendleft, *s_pop, *s_popleft, *s_server, *s_keyspace_misses, *s_config, *s_hash_max_listpack_value, *s_set_touch, *s_lazy_server_del;

/* Output gathered here, handed to ``out`` as one bytes object. */
typedef struct {
    char *p;
    Py_ssize_t len, cap;
    Py_ssize_t handed; /* bytes already in ``out`` (for the output budget) */
    char small[8192];
} OutBuf;

static int
ob_reserve(OutBuf *b, Py_ssize_t extra)
{
    if (b->len + extra <= b->cap)
        return 0;
    Py_ssize_t cap = b->cap * 2;
    while (cap < b->len + extra)
        cap *= 2;
    char *np;
    if (b->p == b->small) {
        np = PyMem_Malloc(cap);
        if (np != NULL)
            memcpy(np, b->p, b->len);
    } else {
        np = PyMem_Realloc(b->p, cap);
    }
    if (np == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    b->p = np;
    b->cap = cap;
    return 0;
}

static int
ob_put(OutBuf *b, const char *s, Py_ssize_t n)
{
    if (ob_reserve(b, n) < 0)
        return -1;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    return 0;
}

/* Move what is gathered into ``out`` (before anything is appended there
 * directly, and on return). */
static int
ob_flush(OutBuf *b, PyObject *out)
{
    if (b->len == 0)
        return 0;
    PyObject *chunk = PyBytes_FromStringAndSize(b->p, b->len);
    if (chunk == NULL)
        return -1;
    int r = PyList_Append(out, chunk);
    Py_DECREF(chunk);
    b->handed += b->len;
    b->len = 0;
    return r;
}

static void
ob_free(OutBuf *b)
{
    if (b->p != b->small)
        PyMem_Free(b->p);
}

static Py_ssize_t
fmt_ll(char *dst, long long v)
{
    char tmp[24];
    int n = 0;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    Py_ssize_t k = 0;
    if (v < 0)
        dst[k++] = '-';
    while (n)
        dst[k++] = tmp[--n];
    return k;
}

/* Add ``delta`` to the integer attribute ``name`` of ``obj``. */
static int
add_attr(PyObject *obj, PyObject *name, long long delta)
{
    if (delta == 0)
        return 0;
    PyObject *v = PyObject_GetAttr(obj, name);
    if (v == NULL)
        return -1;
    PyObject *d = PyLong_FromLongLong(delta);
    if (d == NULL) {
        Py_DECREF(v);
        return -1;
    }
    PyObject *nv = PyNumber_Add(v, d);
    Py_DECREF(v);
    Py_DECREF(d);
    if (nv == NULL)
        return -1;
    int r = PyObject_SetAttr(obj, name, nv);
    Py_DECREF(nv);
    return r;
}

/* A RESP header: ``lead``, the number, CRLF (into ``dst``, 32 bytes). */
static Py_ssize_t
fmt_header(char *dst, char lead, long long n)
{
    Py_ssize_t k = 0;
    dst[k++] = lead;
    k += fmt_ll(dst + k, n);
    dst[k++] = '\r';
    dst[k++] = '\n';
    return k;
}

static int
put_header(OutBuf *b, char lead, long long n)
{
    char head[32];
    return ob_put(b, head, fmt_header(head, lead, n));
}

/* A bulk string reply. */
static int
put_bulk(OutBuf *b, const char *s, Py_ssize_t len)
{
    char head[32];
    Py_ssize_t hl = fmt_header(head, '$', len);
    if (ob_reserve(b, hl + len + 2) < 0)
        return -1;
    memcpy(b->p + b->len, head, hl);
    memcpy(b->p + b->len + hl, s, len);
    memcpy(b->p + b->len + hl + len, "\r\n", 2);
    b->len += hl + len + 2;
    return 0;
}

/* A null: RESP3's _ or RESP2's null bulk string. */
static int
put_null(OutBuf *b, int resp3)
{
    return resp3 ? ob_put(b, "_\r\n", 3) : ob_put(b, "$-1\r\n", 5);
}

/* An integer reply: 1 written, 0 when it needs more than 64 bits (Python
 * writes it), -1 on error. */
static int
put_int(OutBuf *b, PyObject *v)
{
    int overflow;
    long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (overflow || (x == -1 && PyErr_Occurred())) {
        PyErr_Clear();
        return 0;
    }
    return put_header(b, ':', x) < 0 ? -1 : 1;
}

/* A list or tuple of bytes, bytearrays, ints and Nones as one RESP array,
 * as protocol.resp.encode_into writes it: 1 when written, 0 when it holds
 * anything else (nothing written: Python encodes it), -1 on error. */
static int
put_flat_array(OutBuf *b, PyObject *seq, int resp3)
{
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    Py_ssize_t total = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyTypeObject *it = Py_TYPE(items[i]);
        if (it == &PyBytes_Type)
            total += PyBytes_GET_SIZE(items[i]);
        else if (it == &PyByteArray_Type)
            total += PyByteArray_GET_SIZE(items[i]);
        else if (it != &PyLong_Type && items[i] != Py_None)
            return 0;
        if (total > (1 << 20))
            return 0; /* a big reply: Python's encoder hands it on without copies */
    }
    Py_ssize_t start = b->len;
    if (put_header(b, '*', n) < 0)
        return -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *v = items[i];
        PyTypeObject *it = Py_TYPE(v);
        int r;
        if (it == &PyBytes_Type) {
            r = put_bulk(b, PyBytes_AS_STRING(v), PyBytes_GET_SIZE(v));
        } else if (it == &PyByteArray_Type) {
            r = put_bulk(b, PyByteArray_AS_STRING(v), PyByteArray_GET_SIZE(v));
        } else if (v == Py_None) {
            r = put_null(b, resp3);
        } else {
            r = put_int(b, v);
            if (r == 0) {
                b->len = start; /* Python writes big integers */
                return 0;
            }
            r = r < 0 ? -1 : 0;
        }
        if (r < 0)
            return -1;
    }
    return 1;
}

static long long
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

typedef struct {
    PyObject *spec;      /* borrowed from the entry (kept alive by ``fast``) */
    long long calls, usec;
    long long ran;       /* commands not yet added to stats.numcommands */
} Counters;

static int
flush_counters(Counters *k, PyObject *stats)
{
    int r = 0;
    if (k->spec != NULL) {
        if (add_attr(k->spec, s_calls, k->calls) < 0 || add_attr(k->spec, s_usec, k->usec) < 0)
            r = -1;
        Py_CLEAR(k->spec);
    }
    k->calls = k->usec = 0;
    if (add_attr(stats, s_numcommands, k->ran) < 0)
        r = -1;
    k->ran = 0;
    return r;
}

/* Nobody listens to the funnel: a rewrite a handler asked for is dropped,
 * as Propagator.propagate would. */
static int
drop_rewrite(PyObject *c)
{
    PyObject *pa = PyObject_GetAttr(c, s_propagate_as);
    if (pa == NULL)
        return -1;
    int r = 0;
    if (pa != Py_None)
        r = PyObject_SetAttr(c, s_propagate_as, Py_None);
    Py_DECREF(pa);
    return r;
}

/* Truth of obj.name: 1, 0, or -1 on error. */
static int
attr_true(PyObject *obj, PyObject *name)
{
    PyObject *v = PyObject_GetAttr(obj, name);
    if (v == NULL)
        return -1;
    int r = PyObject_IsTrue(v);
    Py_DECREF(v);
    return r;
}

static int
get_ll(PyObject *obj, PyObject *name, long long *out)
{
    PyObject *v = PyObject_GetAttr(obj, name);
    if (v == NULL)
        return -1;
    *out = PyLong_AsLongLong(v);
    Py_DECREF(v);
    return (*out == -1 && PyErr_Occurred()) ? -1 : 0;
}

/* A RESP multibulk of ``n`` arguments into ``b`` (protocol.resp.encode_command). */
static int
put_command(OutBuf *b, PyObject *const *items, Py_ssize_t n)
{
    if (put_header(b, '*', n) < 0)
        return -1;
    for (Py_ssize_t j = 0; j < n; j++)
        if (put_bulk(b, PyBytes_AS_STRING(items[j]), PyBytes_GET_SIZE(items[j])) < 0)
            return -1;
    return 0;
}

/* Set when propagate_plain left bytes in a Propagator's ``stream`` that
 * its ``drain()`` has not delivered yet (run_fast drains before it returns). */
static int stream_pending;

/* What propagate_plain reads of the funnel, the keyspace and the client,
 * kept for one run_fast call between Python callbacks: a data command's
 * handler does not change them (a replica's role, the funnel's switch, its
 * listeners, the client's database); the Python ways into the stream that
 * do (the propagated callback, finish, failed, blocked clients served …)
 * run as callbacks, after which run_fast sets ``known`` to 0. */
typedef struct {
    int known;          /* 0: read them again; 1: plain; 2: not plain (callback) */
    PyObject *stream;   /* prop.stream (new ref while known == 1) */
    long long dbid, stream_db, offset;
} PropCache;

static void
pc_forget(PropCache *pc)
{
    pc->known = 0;
    Py_CLEAR(pc->stream);
}

/* Fill ``pc``: 1 plain, 0 not, -1 error. */
static int
pc_load(PropCache *pc, PyObject *c, PyObject *server, PyObject *prop)
{
    int r = -1, t;
    PyObject *ks = NULL, *db = NULL, *stream = NULL, *subs = NULL, *backlog = NULL;
    pc_forget(pc);
    if ((ks = PyObject_GetAttr(server, s_keyspace)) == NULL)
        goto done;
    if ((t = attr_true(ks, s_is_replica)) != 0 || (t = attr_true(prop, s_replica)) != 0) {
        r = t < 0 ? -1 : 0;
        goto done;
    }
    if ((t = attr_true(prop, s_enabled)) != 1) {
        r = t < 0 ? -1 : 0;
        goto done;
    }
    if ((subs = PyObject_GetAttr(prop, s_subscribers)) == NULL || (backlog = PyObject_GetAttr(prop, s_backlog)) == NULL
        || (stream = PyObject_GetAttr(prop, s_stream)) == NULL)
        goto done;
    if (!PyList_Check(subs) || !PyByteArray_CheckExact(stream)) {
        r = 0;
        goto done;
    }
    int active = attr_true(backlog, s_active);
    if (active < 0)
        goto done;
    if (!active && PyList_GET_SIZE(subs) == 0) {
        r = 0;
        goto done;
    }
    if ((db = PyObject_GetAttr(c, s_db)) == NULL || get_ll(db, s_id, &pc->dbid) < 0
        || get_ll(prop, s_stream_db, &pc->stream_db) < 0 || get_ll(prop, s_master_repl_offset, &pc->offset) < 0)
        goto done;
    pc->stream = stream;
    stream = NULL;
    r = 1;
done:
    Py_XDECREF(ks);
    Py_XDECREF(db);
    Py_XDECREF(stream);
    Py_XDECREF(subs);
    Py_XDECREF(backlog);
    if (r >= 0)
        pc->known = r ? 1 : 2;
    return r;
}

/* dispatch._propagated's common case, with Propagator.propagate_now: a
 * command whose only write is itself, on a server that is not a replica,
 * encoded (after a SELECT when the stream is in another database) and its
 * length added to master_repl_offset; the client's woff set. The bytes go
 * to prop.stream, which prop.drain() hands to an active backlog and every
 * subscriber at the end of run_fast (or before anything else reaches the
 * funnel), so a pipeline's writes reach them in one piece. 1 when done, 0
 * when the Python callback must do it (a replica, a disabled funnel,
 * arguments that are not bytes, nobody listening), -1 on error. */
static int
propagate_plain(PyObject *c, PyObject *args, PyObject *server, PyObject *prop, PropCache *pc)
{
    int r = -1;
    PyObject *off = NULL;
    Py_ssize_t n = PyList_GET_SIZE(args);
    for (Py_ssize_t j = 0; j < n; j++)
        if (!PyBytes_CheckExact(PyList_GET_ITEM(args, j)))
            return 0;
    if (pc->known == 0 && pc_load(pc, c, server, prop) < 0)
        return -1;
    if (pc->known != 1)
        return 0;
    OutBuf ob;
    ob.p = ob.small;
    ob.len = 0;
    ob.cap = sizeof(ob.small);
    ob.handed = 0;
    int select = pc->dbid != pc->stream_db;
    if (select) {
        char num[24];
        Py_ssize_t nl = fmt_ll(num, pc->dbid);
        if (ob_put(&ob, "*2\r\n$6\r\nSELECT\r\n", 16) < 0 || put_bulk(&ob, num, nl) < 0)
            goto done;
    }
    if (put_command(&ob, PySequence_Fast_ITEMS(args), n) < 0)
        goto done;
    if (select) {
        PyObject *v = PyLong_FromLongLong(pc->dbid);
        if (v == NULL)
            goto done;
        int t = PyObject_SetAttr(prop, s_stream_db, v);
        Py_DECREF(v);
        if (t < 0)
            goto done;
        pc->stream_db = pc->dbid;
    }
    PyObject *stream = pc->stream;
    Py_ssize_t had = PyByteArray_GET_SIZE(stream);
    if (PyByteArray_Resize(stream, had + ob.len) < 0)
        goto done;
    memcpy(PyByteArray_AS_STRING(stream) + had, ob.p, ob.len);
    stream_pending = 1;
    pc->offset += ob.len;
    if ((off = PyLong_FromLongLong(pc->offset)) == NULL || PyObject_SetAttr(prop, s_master_repl_offset, off) < 0
        || PyObject_SetAttr(c, s_woff, off) < 0)
        goto done;
    r = 1;
done:
    if (r < 0)
        pc_forget(pc);
    ob_free(&ob);
    Py_XDECREF(off);
    return r;
}

/* prop.drain() when propagate_plain left bytes for it. */
static int
drain_stream(PyObject *prop)
{
    if (!stream_pending || prop == NULL)
        return 0;
    stream_pending = 0;
    PyObject *r = PyObject_CallMethodNoArgs(prop, s_drain);
    if (r == NULL)
        return -1;
    Py_DECREF(r);
    return 0;
}

/* Someone listens to the funnel: hand it the command when it wrote (the
 * dirty counter moved) or asked for a rewrite, and flush what is queued
 * (lazy-expiry DELs too), as run_batch's Python loop does. */
static int
propagate(PyObject *c, PyObject *args, PyObject *server, PyObject *prop, long long dirty, PropCache *pc)
{
    long long now_dirty;
    if (get_ll(server, s_dirty, &now_dirty) < 0)
        return -1;
    PyObject *pa = PyObject_GetAttr(c, s_propagate_as);
    if (pa == NULL)
        return -1;
    int rewrite = pa != Py_None;
    Py_DECREF(pa);
    PyObject *pending = PyObject_GetAttr(prop, s_pending);
    if (pending == NULL)
        return -1;
    int queued = PyObject_IsTrue(pending);
    Py_DECREF(pending);
    if (queued < 0)
        return -1;
    if (now_dirty == dirty && !rewrite && !queued)
        return 0;
    if (now_dirty != dirty && !rewrite && !queued) {
        int done = propagate_plain(c, args, server, prop, pc);
        if (done != 0)
            return done < 0 ? -1 : 0;
    }
    pc_forget(pc);
    PyObject *r = PyObject_CallFunctionObjArgs(propagated_cb, c, args, now_dirty != dirty ? Py_True : Py_False, NULL);
    if (r == NULL)
        return -1;
    Py_DECREF(r);
    return 0;
}

/* A short handler's write to the funnel: propagate_plain, else (a replica,
 * a disabled funnel) the Python callback, as ``propagate`` does. */
static int
propagate_short(PyObject *c, PyObject *args, PyObject *server, PyObject *prop, PropCache *pc)
{
    int done = propagate_plain(c, args, server, prop, pc);
    if (done != 0)
        return done < 0 ? -1 : 0;
    pc_forget(pc);
    PyObject *r = PyObject_CallFunctionObjArgs(propagated_cb, c, args, Py_True, NULL);
    if (r == NULL)
        return -1;
    Py_DECREF(r);
    return 0;
}

/* The spec whose latency histogram is held in ``Hist`` (its counts array,
 * spec.latency_hist, made by new_hist_cb at the command's first recorded
 * call; specs live as long as the command table). */
typedef struct {
    PyObject *spec;  /* identity only */
    PyObject *arr;   /* new ref */
    Py_buffer view;  /* valid while arr != NULL */
} Hist;

static void
hist_release(Hist *h)
{
    if (h->arr != NULL) {
        PyBuffer_Release(&h->view);
        Py_CLEAR(h->arr);
    }
    h->spec = NULL;
}

#define HDR_COUNTS_LEN 3072 /* radish.latency._COUNTS_LEN */

/* One call of ``usec`` into the spec's histogram: index as
 * radish.latency.hdr_index, one increment. */
static int
record_latency(PyObject *spec, long long usec, Hist *h)
{
    if (spec != h->spec) {
        hist_release(h);
        PyObject *a = PyObject_GetAttr(spec, s_latency_hist);
        if (a == NULL)
            return -1;
        if (a == Py_None) {
            Py_DECREF(a);
            if ((a = PyObject_CallNoArgs(new_hist_cb)) == NULL)
                return -1;
            if (PyObject_SetAttr(spec, s_latency_hist, a) < 0) {
                Py_DECREF(a);
                return -1;
            }
        }
        if (PyObject_GetBuffer(a, &h->view, PyBUF_WRITABLE | PyBUF_FORMAT) < 0) {
            Py_DECREF(a);
            return -1;
        }
        if (h->view.itemsize != 8 || h->view.format == NULL || strcmp(h->view.format, "q") != 0
            || h->view.len != 8 * HDR_COUNTS_LEN) {
            PyBuffer_Release(&h->view);
            Py_DECREF(a);
            PyErr_SetString(PyExc_TypeError, "latency_hist must be an array('q') of the HDR counts");
            return -1;
        }
        h->arr = a;
        h->spec = spec;
    }
    long long v = usec * 1000;
    if (v < 1)
        v = 1;
    else if (v > 1000000000LL)
        v = 1000000000LL;
    int b = (64 - __builtin_clzll((unsigned long long)(v | 255))) - 8;
    long idx = ((long)(b + 1) << 7) + (long)(v >> b) - 128;
    ((long long *)h->view.buf)[idx]++;
    return 0;
}

/* Redis's crc16.c (XMODEM: polynomial 0x1021, initial value 0), the
 * table computed at import. */
static unsigned short crc16_table[256];

static void
crc16_init(void)
{
    for (int i = 0; i < 256; i++) {
        unsigned short c = (unsigned short)(i << 8);
        for (int j = 0; j < 8; j++)
            c = (unsigned short)(c & 0x8000 ? (c << 1) ^ 0x1021 : c << 1);
        crc16_table[i] = c;
    }
}

/* keyHashSlot: CRC16 of the key, or of its hash tag (between the first
 * '{' and the next '}', when not empty), modulo 16384. */
static int
key_hash_slot(const char *key, Py_ssize_t n)
{
    Py_ssize_t s, e;
    for (s = 0; s < n && key[s] != '{'; s++)
        ;
    if (s < n) {
        for (e = s + 1; e < n && key[e] != '}'; e++)
            ;
        if (e < n && e != s + 1) {
            key += s + 1;
            n = e - s - 1;
        }
    }
    unsigned short crc = 0;
    for (Py_ssize_t i = 0; i < n; i++)
        crc = (unsigned short)((crc << 8) ^ crc16_table[((crc >> 8) ^ (unsigned char)key[i]) & 0xff]);
    return crc & 0x3FFF;
}

/* Cluster mode: cluster_cmds.served_here, the same test. ``route`` is
 * (slots, myself, migrating, importing) from cluster_cmds.fast_route;
 * ``keypos`` the entry's legacy key range, None (no keys) or False.
 * 1: the command may run here directly; 0: process_command routes it. */
static int
served_here(PyObject *keypos, PyObject *args, PyObject *route)
{
    if (keypos == Py_None)
        return 1;
    if (!PyTuple_Check(keypos) || PyTuple_GET_SIZE(keypos) != 3 || !PyTuple_Check(route)
        || PyTuple_GET_SIZE(route) != 4)
        return 0;
    long first = PyLong_AsLong(PyTuple_GET_ITEM(keypos, 0));
    long last = PyLong_AsLong(PyTuple_GET_ITEM(keypos, 1));
    long step = PyLong_AsLong(PyTuple_GET_ITEM(keypos, 2));
    if (PyErr_Occurred()) {
        PyErr_Clear();
        return 0;
    }
    Py_ssize_t n = PyList_GET_SIZE(args);
    if (last < 0)
        last += (long)n;
    if (last > n - 1)
        last = (long)n - 1;
    if (first < 1 || step < 1)
        return 0;
    int slot = -1;
    for (long i = first; i <= last; i += step) {
        PyObject *k = PyList_GET_ITEM(args, i);
        if (!PyBytes_Check(k))
            return 0;
        int s = key_hash_slot(PyBytes_AS_STRING(k), PyBytes_GET_SIZE(k));
        if (slot < 0)
            slot = s;
        else if (s != slot)
            return 0;
    }
    if (slot < 0)
        return 0;
    PyObject *slots = PyTuple_GET_ITEM(route, 0);
    if (!PyList_Check(slots) || PyList_GET_SIZE(slots) <= slot
        || PyList_GET_ITEM(slots, slot) != PyTuple_GET_ITEM(route, 1))
        return 0;
    for (int j = 2; j < 4; j++) { /* migrating, importing */
        PyObject *d = PyTuple_GET_ITEM(route, j);
        if (!PyDict_Check(d))
            return 0;
        if (PyDict_GET_SIZE(d) == 0)
            continue;
        PyObject *key = PyLong_FromLong(slot);
        if (key == NULL) {
            PyErr_Clear();
            return 0;
        }
        int has = PyDict_Contains(d, key);
        Py_DECREF(key);
        if (has != 0) {
            PyErr_Clear();
            return 0;
        }
    }
    return 1;
}

/* Short handlers: the common case of a few hot commands done here, with
 * no Python frame, when nothing else would have to happen (no keyspace
 * events, no WATCHed keys, LRU not LFU, a key without a TTL of the exact
 * type); anything else is left to the command's Python handler, which is
 * their twin (tests/unit/test_fastpath.py runs both loops on the same
 * batches). ``op_map`` maps a handler to its OP_ code (dispatch._fast_entry
 * fills it); the types are radish.db.types' ListValue, SetLP, HashLP and
 * HashValue. */
enum { OP_GET = 1, OP_INCR, OP_DECR, OP_LPUSH, OP_RPUSH, OP_LPOP, OP_RPOP, OP_SADD, OP_HSET, OP_SPOP, OP_ZPOP, OP_SET, OP_PING };
static PyObject *op_map;
static PyTypeObject *list_type, *set_lp_type, *hash_lp_type, *hash_type;
static PyObject *one, *minus_one;
static PyObject *has_ttl; /* radish.db.keytable.HAS_TTL */
static PyObject *pong;    /* radish.protocol.resp.PONG */

/* What the short handlers read of the keyspace and the client, kept like
 * PropCache (and also dropped when run_fast moves ks.lru_now). */
typedef struct {
    int known;          /* 0: read again; 1: usable; 2: not (LFU, events, WATCH) */
    PyObject *data;     /* c.db.data (new ref while known == 1) */
    PyObject *lru_now;  /* ks.lru_now (new ref while known == 1) */
    PyObject *server;   /* c.server, whose dirty counter the writes move (new ref while known == 1) */
    long long hash_value_max; /* hash-max-listpack-value */
    int lazy_del;       /* ks.lazy_server_del: SET's overwrite frees in the background */
} KsCache;

static void
kc_forget(KsCache *kc)
{
    kc->known = 0;
    Py_CLEAR(kc->data);
    Py_CLEAR(kc->lru_now);
    Py_CLEAR(kc->server);
}

static int
kc_load(KsCache *kc, PyObject *c, PyObject *ks)
{
    kc_forget(kc);
    int t;
    if ((t = attr_true(ks, s_lfu_mode)) != 0 || (t = attr_true(ks, s_notify_flags)) != 0) {
        if (t < 0)
            return -1;
        kc->known = 2;
        return 0;
    }
    PyObject *okc = PyObject_GetAttr(ks, s_on_key_changed);
    if (okc == NULL)
        return -1;
    int watched = okc != Py_None;
    Py_DECREF(okc);
    if (watched) {
        kc->known = 2;
        return 0;
    }
    PyObject *db = PyObject_GetAttr(c, s_db);
    if (db == NULL)
        return -1;
    kc->data = PyObject_GetAttr(db, s_data);
    Py_DECREF(db);
    if (kc->data == NULL)
        return -1;
    if ((kc->lru_now = PyObject_GetAttr(ks, s_lru_now)) == NULL || (kc->server = PyObject_GetAttr(c, s_server)) == NULL) {
        kc_forget(kc);
        return -1;
    }
    if ((kc->lazy_del = attr_true(ks, s_lazy_server_del)) < 0) {
        kc_forget(kc);
        return -1;
    }
    PyObject *cfg = PyObject_GetAttr(kc->server, s_config);
    int bad = cfg == NULL || get_ll(cfg, s_hash_max_listpack_value, &kc->hash_value_max) < 0;
    Py_XDECREF(cfg);
    if (bad) {
        kc_forget(kc);
        return -1;
    }
    kc->known = 1;
    return 0;
}

/* data.get_touch(key, lru_now, HAS_TTL): the value of a key without a
 * TTL, stamped; *missing set (and NULL without an error) for a missing key;
 * NULL without an error for one with a TTL. */
static PyObject *
touch(KsCache *kc, PyObject *key, int *missing)
{
    PyObject *a[4] = {kc->data, key, kc->lru_now, has_ttl};
    PyObject *v = PyObject_VectorcallMethod(s_get_touch, a, 4 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
    *missing = v == Py_None;
    if (v == Py_None || v == has_ttl) {
        Py_DECREF(v);
        return NULL;
    }
    return v;
}

/* 1: done, the reply in *out (*dirtied set when it wrote); 0: the Python
 * handler must run; -1: error. */
static int
short_handler(int op, PyObject *c, PyObject *args, PyObject *ks, KsCache *kc, PyObject **out, int *dirtied)
{
    Py_ssize_t n = PyList_GET_SIZE(args);
    if (op == OP_PING) { /* no RESP2 pub/sub context here (direct_ok) */
        if (n > 2)
            return 0;
        *out = n == 2 ? PyList_GET_ITEM(args, 1) : pong;
        Py_INCREF(*out);
        return 1;
    }
    if (kc->known == 0 && kc_load(kc, c, ks) < 0)
        return -1;
    if (kc->known != 1)
        return 0;
    PyObject *key = n >= 2 ? PyList_GET_ITEM(args, 1) : NULL;
    if (key == NULL || !PyBytes_CheckExact(key))
        return 0;
    PyObject *v, *r;
    int missing;
    switch (op) {
    case OP_GET:
        if (n != 2)
            return 0;
        if ((v = touch(kc, key, &missing)) == NULL) {
            if (PyErr_Occurred())
                return -1;
            if (!missing)
                return 0;
            /* db.missed with no keyspace events: the miss counted, a null */
            if (add_attr(ks, s_keyspace_misses, 1) < 0)
                return -1;
            Py_INCREF(Py_None);
            *out = Py_None;
            return 1;
        }
        if (!PyBytes_CheckExact(v)) {
            Py_DECREF(v);
            return 0;
        }
        if (add_attr(ks, s_keyspace_hits, 1) < 0) {
            Py_DECREF(v);
            return -1;
        }
        *out = v;
        return 1;
    case OP_INCR:
    case OP_DECR: {
        if (n != 2)
            return 0;
        PyObject *a[6] = {NULL, kc->data, key, op == OP_INCR ? one : minus_one, kc->lru_now, Py_None};
        r = PyObject_VectorcallMethod(s_incr_touch, a + 1, 5 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
        if (r == NULL)
            return -1;
        if (r == Py_None) { /* a TTL, another type, not an integer, an overflow */
            Py_DECREF(r);
            return 0;
        }
        if ((*dirtied = 1, add_attr(kc->server, s_dirty, 1) < 0)) {
            Py_DECREF(r);
            return -1;
        }
        *out = r;
        return 1;
    }
    case OP_LPUSH:
    case OP_RPUSH:
    case OP_LPOP:
    case OP_RPOP: {
        int push = op == OP_LPUSH || op == OP_RPUSH;
        if (n != (push ? 3 : 2))
            return 0;
        if ((v = touch(kc, key, &missing)) == NULL)
            return PyErr_Occurred() ? -1 : 0;
        if (Py_TYPE(v) != list_type) {
            Py_DECREF(v);
            return 0;
        }
        if (push) {
            PyObject *a[2] = {v, PyList_GET_ITEM(args, 2)};
            r = PyObject_VectorcallMethod(op == OP_LPUSH ? s_appendleft : s_append, a, 2 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
            if (r == NULL) {
                Py_DECREF(v);
                return -1;
            }
            Py_DECREF(r);
            Py_ssize_t len = PyObject_Length(v);
            Py_DECREF(v);
            if (len < 0 || (*dirtied = 1, add_attr(kc->server, s_dirty, 1) < 0))
                return -1;
            *out = PyLong_FromSsize_t(len);
            return *out == NULL ? -1 : 1;
        }
        Py_ssize_t len = PyObject_Length(v);
        if (len <= 1) { /* the last element: the key goes too, in Python */
            Py_DECREF(v);
            return len < 0 ? -1 : 0;
        }
        PyObject *a[1] = {v};
        r = PyObject_VectorcallMethod(op == OP_LPOP ? s_popleft : s_pop, a, 1 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
        Py_DECREF(v);
        if (r == NULL)
            return -1;
        if ((*dirtied = 1, add_attr(kc->server, s_dirty, 1) < 0)) {
            Py_DECREF(r);
            return -1;
        }
        *out = r;
        return 1;
    }
    case OP_SADD: /* a member already in a listpack set: 0, nothing changes */
    case OP_HSET: { /* a field already in the hash: its value replaced, 0 */
        int hset = op == OP_HSET;
        if (n != (hset ? 4 : 3))
            return 0;
        if ((v = touch(kc, key, &missing)) == NULL)
            return PyErr_Occurred() ? -1 : 0;
        PyObject *m = PyList_GET_ITEM(args, 2);
        PyTypeObject *t = Py_TYPE(v);
        int ok = hset ? t == hash_type || t == hash_lp_type : t == set_lp_type;
        if (ok && t == hash_lp_type) { /* hset's listpack limits (else a conversion) */
            long long lim = kc->hash_value_max;
            PyObject *val = PyList_GET_ITEM(args, 3);
            ok = PyBytes_Check(m) && PyBytes_Check(val) && lim <= (1LL << 20) && PyBytes_GET_SIZE(m) <= lim
                 && PyBytes_GET_SIZE(val) <= lim;
        }
        int has = ok ? PySequence_Contains(v, m) : 0;
        if (has != 1 || (hset && PyObject_SetItem(v, m, PyList_GET_ITEM(args, 3)) < 0)) {
            Py_DECREF(v);
            return has < 0 || PyErr_Occurred() ? -1 : 0;
        }
        Py_DECREF(v);
        if (hset && (*dirtied = 1, add_attr(kc->server, s_dirty, 1) < 0))
            return -1;
        *out = PyLong_FromLong(0);
        return *out == NULL ? -1 : 1;
    }
    case OP_SET: { /* SET key value at a key without a TTL */
        if (n != 3 || kc->lazy_del)
            return 0;
        PyObject *a[4] = {kc->data, key, PyList_GET_ITEM(args, 2), kc->lru_now};
        r = PyObject_VectorcallMethod(s_set_touch, a, 4 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
        if (r == NULL)
            return -1;
        int stored = r == Py_True;
        Py_DECREF(r);
        if (!stored)
            return 0;
        if ((*dirtied = 1, add_attr(kc->server, s_dirty, 1) < 0))
            return -1;
        Py_INCREF(OK);
        *out = OK;
        return 1;
    }
    case OP_SPOP: /* a missing key: a null */
    case OP_ZPOP: /* a missing key: an empty array */
        if (n != 2)
            return 0;
        if ((v = touch(kc, key, &missing)) != NULL)
            Py_DECREF(v);
        if (PyErr_Occurred())
            return -1;
        if (!missing)
            return 0;
        if (op == OP_SPOP) {
            Py_INCREF(Py_None);
            *out = Py_None;
        } else if ((*out = PyList_New(0)) == NULL) {
            return -1;
        }
        return 1;
    }
    return 0;
}

static PyObject *
run_fast(PyObject *Py_UNUSED(module), PyObject *const *argv, Py_ssize_t argc)
{
    if (argc != 14) {
        PyErr_SetString(PyExc_TypeError, "run_fast takes 14 arguments");
        return NULL;
    }
    if (finish_cb == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "radish._fastpath is not configured");
        return NULL;
    }
    PyObject *c = argv[0], *cmds = argv[1], *out = argv[3], *fast = argv[4];
    PyObject *ks = argv[5], *stats = argv[6], *blocking = argv[7];
    PyObject *server = argv[8]; /* None while nobody listens to the funnel */
    Py_ssize_t i = PyLong_AsSsize_t(argv[2]);
    if (i == -1 && PyErr_Occurred())
        return NULL;
    /* Output budget: stop once the replies of this call reach it (the
     * caller checks client-output-buffer-limit); -1 for none. */
    Py_ssize_t budget = PyLong_AsSsize_t(argv[9]);
    if (budget == -1 && PyErr_Occurred())
        return NULL;
    /* A command taking this many microseconds or more is reported to
     * slow_cb (the slow log, the latency monitor). */
    long long slow_us = PyLong_AsLongLong(argv[10]);
    if (slow_us == -1 && PyErr_Occurred())
        return NULL;
    /* latency-tracking: each command's duration into its spec's
     * latency_hist (HDR counts index -> calls, as radish.latency.hdr_index). */
    int tracking = PyObject_IsTrue(argv[11]);
    if (tracking < 0)
        return NULL;
    /* maxmemory (0: none): a command found with used memory above it is
     * left to process_command, which evicts or refuses it. */
    long long maxmemory = PyLong_AsLongLong(argv[12]);
    if (maxmemory == -1 && PyErr_Occurred())
        return NULL;
    if (used_memory_fn == NULL)
        maxmemory = 0;
    /* Cluster mode: cluster_cmds.fast_route's tuple (else None); a keyed
     * command runs here only when served_here says so. */
    PyObject *route = argv[13] == Py_None ? NULL : argv[13];
    Hist hist = {NULL, NULL};
    if (i < 0) {
        PyErr_SetString(PyExc_ValueError, "run_fast: negative start");
        return NULL;
    }
    if (!PyList_Check(cmds) || !PyList_Check(out) || !PyDict_Check(fast)) {
        PyErr_SetString(PyExc_TypeError, "run_fast: cmds and out must be lists, fast a dict");
        return NULL;
    }

    OutBuf ob;
    ob.p = ob.small;
    ob.len = 0;
    ob.cap = sizeof(ob.small);
    ob.handed = 0;
    Counters k = {NULL, 0, 0, 0};
    PropCache pc = {0, NULL, 0, 0, 0};
    KsCache kc = {0, NULL, NULL, NULL, 0, 0};
    Py_ssize_t ret = -1; /* set on every way out but errors */
    long long last_ms = -1, last_sec = -1;
    long long t0 = now_ns();
    PyObject *ready = NULL, *resp3_obj = NULL, *args = NULL, *entry = NULL, *prop = NULL;
    int resp3;

    ready = PyObject_GetAttr(blocking, s_ready);
    if (ready == NULL)
        goto error;
    if (!PyList_Check(ready)) {
        PyErr_SetString(PyExc_TypeError, "run_fast: blocking.ready must be a list");
        goto error;
    }
    if (server != Py_None && (prop = PyObject_GetAttr(server, s_propagation)) == NULL)
        goto error;
    resp3_obj = PyObject_GetAttr(c, s_resp3);
    if (resp3_obj == NULL || (resp3 = PyObject_IsTrue(resp3_obj)) < 0)
        goto error;

    /* The command and its entry are held for the iteration: the handler
     * and the callbacks run Python code. */
    for (; i < PyList_GET_SIZE(cmds); i++) {
        Py_CLEAR(args);
        Py_CLEAR(entry);
        args = PyList_GET_ITEM(cmds, i);
        Py_INCREF(args);
        if (!PyList_Check(args) || PyList_GET_SIZE(args) == 0) {
            ret = i;
            break;
        }
        if (maxmemory > 0 && used_memory_fn() > maxmemory) {
            ret = i;
            break;
        }
        PyObject *name = PyList_GET_ITEM(args, 0);
        entry = PyDict_GetItemWithError(fast, name);
        if (entry != NULL) {
            Py_INCREF(entry);
        } else {
            if (PyErr_Occurred())
                goto error;
            pc_forget(&pc);
            kc_forget(&kc);
            entry = PyObject_CallOneArg(miss_cb, name);
            if (entry == NULL)
                goto error;
            if (entry == Py_None) {
                ret = i; /* not a data command: the general path */
                break;
            }
        }
        if (!PyTuple_Check(entry) || PyTuple_GET_SIZE(entry) != 5) {
            PyErr_SetString(PyExc_TypeError, "run_fast: bad entry");
            goto error;
        }
        PyObject *spec = PyTuple_GET_ITEM(entry, 0);
        PyObject *handler = PyTuple_GET_ITEM(entry, 1);
        long arity = PyLong_AsLong(PyTuple_GET_ITEM(entry, 2));
        if (arity == -1 && PyErr_Occurred())
            goto error;
        Py_ssize_t nargs = PyList_GET_SIZE(args);
        if ((arity > 0 && arity != nargs) || (arity < 0 && nargs < -arity)) {
            ret = i; /* the general path gives the arity error */
            break;
        }
        if (route != NULL && !served_here(PyTuple_GET_ITEM(entry, 4), args, route)) {
            ret = i; /* process_command redirects it */
            break;
        }

        /* The command's clock reading (the previous one's end). */
        long long ms = t0 / 1000000;
        if (ms != last_ms) {
            PyObject *m = PyLong_FromLongLong(ms);
            if (m == NULL)
                goto error;
            int r = PyObject_SetAttr(ks, s_now_ms, m);
            if (r == 0)
                r = PyObject_SetAttr(ks, s_expire_now, m);
            Py_DECREF(m);
            if (r < 0)
                goto error;
            last_ms = ms;
            /* The keys' access stamp: this second's (Keyspace.lru_now). */
            if (ms / 1000 != last_sec) {
                PyObject *sec = PyLong_FromLongLong(ms / 1000);
                if (sec == NULL)
                    goto error;
                kc_forget(&kc);
                r = PyObject_SetAttr(ks, s_lru_now, sec);
                Py_DECREF(sec);
                if (r < 0)
                    goto error;
                last_sec = ms / 1000;
            }
        }
        if (spec != k.spec) {
            if (flush_counters(&k, stats) < 0)
                goto error;
            Py_INCREF(spec);
            k.spec = spec;
            if (PyObject_SetAttr(c, s_last_cmd, PyTuple_GET_ITEM(entry, 3)) < 0)
                goto error;
        }

        long long dirty = 0;
        PyObject *result = NULL;
        int shorted = 0, sdirty = 0;
        if (op_map != NULL && PyDict_GET_SIZE(op_map)) {
            PyObject *opv = PyDict_GetItemWithError(op_map, handler);
            if (opv != NULL) {
                long op = PyLong_AsLong(opv);
                if (op == -1 && PyErr_Occurred())
                    goto error;
                if ((shorted = short_handler((int)op, c, args, ks, &kc, &result, &sdirty)) < 0)
                    goto error;
            } else if (PyErr_Occurred()) {
                goto error;
            }
        }
        if (!shorted) {
            if (prop != NULL && get_ll(server, s_dirty, &dirty) < 0)
                goto error;
            PyObject *hargs[2] = {c, args};
            result = PyObject_Vectorcall(handler, hargs, 2, NULL);
        }
        if (result == NULL) {
            if (!PyErr_ExceptionMatches(CommandError))
                goto error;
            PyObject *et, *ev, *tb;
            PyErr_Fetch(&et, &ev, &tb);
            PyErr_NormalizeException(&et, &ev, &tb);
            Py_XDECREF(et);
            Py_XDECREF(tb);
            pc_forget(&pc);
            kc_forget(&kc);
            result = PyObject_CallFunctionObjArgs(failed_cb, c, spec, ev, NULL);
            Py_XDECREF(ev);
            if (result == NULL)
                goto error;
        }
        k.calls++;
        k.ran++;
        /* A short handler queues nothing and asks for no rewrite: only its
         * own write, when it made one, goes to the funnel. */
        if (prop != NULL && (shorted ? sdirty && propagate_short(c, args, server, prop, &pc) < 0
                                     : propagate(c, args, server, prop, dirty, &pc) < 0)) {
            Py_DECREF(result);
            goto error;
        }

        int ok;
        PyTypeObject *t = Py_TYPE(result);
        if (t == &PyBytes_Type) {
            Py_ssize_t len = PyBytes_GET_SIZE(result);
            if (len < 4096) {
                ok = put_bulk(&ob, PyBytes_AS_STRING(result), len) == 0;
            } else { /* large value: no copy, the writer joins once */
                ok = put_header(&ob, '$', len) == 0 && ob_flush(&ob, out) == 0
                     && PyList_Append(out, result) == 0 && ob_put(&ob, "\r\n", 2) == 0;
                ob.handed += len;
            }
        } else if (result == OK) {
            ok = ob_put(&ob, "+OK\r\n", 5) == 0;
        } else if (t == &PyLong_Type) {
            int r = put_int(&ob, result);
            if (r == 0)
                goto slow_reply;
            ok = r > 0;
        } else if (result == Py_None) {
            ok = put_null(&ob, resp3) == 0;
        } else if (t == SimpleString) {
            Py_ssize_t len = PyBytes_GET_SIZE(result);
            ok = ob_reserve(&ob, len + 3) == 0;
            if (ok) {
                ob.p[ob.len] = '+';
                memcpy(ob.p + ob.len + 1, PyBytes_AS_STRING(result), len);
                memcpy(ob.p + ob.len + 1 + len, "\r\n", 2);
                ob.len += len + 3;
            }
        } else if ((t == &PyList_Type || t == &PyTuple_Type) && (ok = put_flat_array(&ob, result, resp3)) != 0) {
            ok = ok > 0;
        } else {
        slow_reply:
            /* Arrays, errors, Block …: Python finishes the command. */
            Py_INCREF(spec);
            if (ob_flush(&ob, out) < 0 || flush_counters(&k, stats) < 0) {
                Py_DECREF(spec);
                Py_DECREF(result);
                goto error;
            }
            k.spec = spec; /* keep this command's time counted here */
            PyObject *fargs[4] = {c, spec, args, result};
            pc_forget(&pc);
            kc_forget(&kc);
            PyObject *reply = PyObject_Vectorcall(finish_cb, fargs, 4, NULL);
            Py_DECREF(result);
            if (reply == NULL)
                goto error;
            if (reply == Py_None) { /* parked: the batch ends here */
                Py_DECREF(reply);
                long long t1 = now_ns();
                if (t1 > t0)
                    k.usec += t1 / 1000 - t0 / 1000;
                ret = ~(i + 1);
                break;
            }
            if (!PyBytes_Check(reply)) {
                PyErr_SetString(PyExc_TypeError, "finish must return bytes or None");
                ok = 0;
            } else if (PyBytes_GET_SIZE(reply) < 4096) {
                ok = ob_put(&ob, PyBytes_AS_STRING(reply), PyBytes_GET_SIZE(reply)) == 0;
            } else { /* a large reply goes out as it is */
                ok = ob_flush(&ob, out) == 0 && PyList_Append(out, reply) == 0;
                ob.handed += PyBytes_GET_SIZE(reply);
            }
            Py_DECREF(reply);
            result = NULL;
        }
        Py_XDECREF(result);
        if (!ok)
            goto error;

        if (PyList_GET_SIZE(ready)) {
            /* The command made keys ready: serve the clients blocked on
             * them (their replies go to their own connections). */
            if (add_attr(stats, s_numcommands, k.ran) < 0)
                goto error;
            k.ran = 0;
            pc_forget(&pc);
            kc_forget(&kc);
            PyObject *r = PyObject_CallMethodNoArgs(blocking, s_serve_ready);
            if (r == NULL)
                goto error;
            Py_DECREF(r);
        }
        long long t1 = now_ns();
        long long d = t1 > t0 ? t1 / 1000 - t0 / 1000 : 0;
        k.usec += d;
        if (tracking && record_latency(spec, d, &hist) < 0)
            goto error;
        if (d >= slow_us) {
            PyObject *us = PyLong_FromLongLong(d);
            if (us == NULL)
                goto error;
            PyObject *sargs[4] = {c, spec, args, us};
            pc_forget(&pc);
            kc_forget(&kc);
            PyObject *r = PyObject_Vectorcall(slow_cb, sargs, 4, NULL);
            Py_DECREF(us);
            if (r == NULL)
                goto error;
            Py_DECREF(r);
        }
        t0 = t1;
        if (budget >= 0 && ob.handed + ob.len >= budget) {
            ret = i + 1; /* the caller checks the output limits */
            break;
        }
    }
    if (ret == -1)
        ret = i;
    if ((prop == NULL && drop_rewrite(c) < 0) || ob_flush(&ob, out) < 0 || flush_counters(&k, stats) < 0
        || drain_stream(prop) < 0)
        goto error;
    ob_free(&ob);
    Py_XDECREF(args);
    Py_XDECREF(entry);
    Py_DECREF(ready);
    Py_DECREF(resp3_obj);
    Py_XDECREF(prop);
    pc_forget(&pc);
    kc_forget(&kc);
    hist_release(&hist);
    return PyLong_FromSsize_t(ret);

error:
    {
        /* Keep what ran counted and answered, then raise. */
        PyObject *et, *ev, *tb;
        PyErr_Fetch(&et, &ev, &tb);
        ob_flush(&ob, out);
        flush_counters(&k, stats);
        if (prop == NULL)
            drop_rewrite(c);
        drain_stream(prop); /* what was counted in the offset goes out */
        PyErr_Clear();
        PyErr_Restore(et, ev, tb);
    }
    ob_free(&ob);
    Py_XDECREF(args);
    Py_XDECREF(entry);
    Py_XDECREF(ready);
    Py_XDECREF(resp3_obj);
    Py_XDECREF(prop);
    pc_forget(&pc);
    kc_forget(&kc);
    hist_release(&hist);
    return NULL;
}

static PyObject *
configure(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *ce, *ok, *ss, *failed, *finish, *miss, *propagated, *slow, *new_hist;
    if (!PyArg_ParseTuple(args, "OOOOOOOOO", &ce, &ok, &ss, &failed, &finish, &miss, &propagated, &slow, &new_hist))
        return NULL;
    if (!PyType_Check(ss) || !PyType_IsSubtype((PyTypeObject *)ss, &PyBytes_Type)) {
        PyErr_SetString(PyExc_TypeError, "simple_string must be a bytes subclass");
        return NULL;
    }
    Py_INCREF(ce);
    Py_XSETREF(CommandError, ce);
    Py_INCREF(ok);
    Py_XSETREF(OK, ok);
    Py_INCREF(ss);
    Py_XSETREF(SimpleString, (PyTypeObject *)ss);
    Py_INCREF(failed);
    Py_XSETREF(failed_cb, failed);
    Py_INCREF(finish);
    Py_XSETREF(finish_cb, finish);
    Py_INCREF(miss);
    Py_XSETREF(miss_cb, miss);
    Py_INCREF(propagated);
    Py_XSETREF(propagated_cb, propagated);
    Py_INCREF(slow);
    Py_XSETREF(slow_cb, slow);
    Py_INCREF(new_hist);
    Py_XSETREF(new_hist_cb, new_hist);
    Py_RETURN_NONE;
}

static PyObject *
set_used_memory(PyObject *Py_UNUSED(module), PyObject *cap)
{
    if (cap == Py_None) {
        used_memory_fn = NULL;
        Py_RETURN_NONE;
    }
    void *fn = PyCapsule_GetPointer(cap, "radish._alloc.used_memory");
    if (fn == NULL)
        return NULL;
    used_memory_fn = (long long (*)(void))fn;
    Py_RETURN_NONE;
}

static PyObject *
configure_ops(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *map, *lt, *slt, *hlt, *hvt, *ht, *pg;
    if (!PyArg_ParseTuple(args, "O!O!O!O!O!OO", &PyDict_Type, &map, &PyType_Type, &lt, &PyType_Type, &slt, &PyType_Type,
                          &hlt, &PyType_Type, &hvt, &ht, &pg))
        return NULL;
    Py_INCREF(pg);
    Py_XSETREF(pong, pg);
    Py_INCREF(slt);
    Py_XSETREF(set_lp_type, (PyTypeObject *)slt);
    Py_INCREF(hlt);
    Py_XSETREF(hash_lp_type, (PyTypeObject *)hlt);
    Py_INCREF(hvt);
    Py_XSETREF(hash_type, (PyTypeObject *)hvt);
    Py_INCREF(ht);
    Py_XSETREF(has_ttl, ht);
    if (one == NULL && ((one = PyLong_FromLong(1)) == NULL || (minus_one = PyLong_FromLong(-1)) == NULL))
        return NULL;
    Py_INCREF(map);
    Py_XSETREF(op_map, map);
    Py_INCREF(lt);
    Py_XSETREF(list_type, (PyTypeObject *)lt);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"run_fast", (PyCFunction)(void (*)(void))run_fast, METH_FASTCALL,
     "run_fast(c, cmds, start, out, fast, ks, stats, blocking, server or None, budget, slow_us, tracking, maxmemory, route or None) -> next index, or ~consumed to stop."},
    {"set_used_memory", set_used_memory, METH_O,
     "set_used_memory(capsule or None): radish._alloc's used-memory counter, read against maxmemory."},
    {"configure_ops", configure_ops, METH_VARARGS,
     "configure_ops(ops, ListValue, SetLP, HashLP, HashValue, HAS_TTL, PONG): the handlers run_fast may do itself (handler -> OP_ code)."},
    {"configure", configure, METH_VARARGS,
     "configure(CommandError, OK, SimpleString, failed, finish, miss, propagated, slow, new_hist): the Python side's pieces."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef fastpath_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "radish._fastpath",
    .m_doc = "The dispatcher's batch loop for data commands (see dispatch.run_batch).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC
PyInit__fastpath(void)
{
#define INTERN(var, text) \
    if ((var = PyUnicode_InternFromString(text)) == NULL) \
        return NULL;
    INTERN(s_now_ms, "now_ms");
    INTERN(s_lru_now, "lru_now");
    INTERN(s_expire_now, "expire_now");
    INTERN(s_last_cmd, "last_cmd");
    INTERN(s_calls, "calls");
    INTERN(s_usec, "usec");
    INTERN(s_latency_hist, "latency_hist");
    INTERN(s_numcommands, "numcommands");
    INTERN(s_ready, "ready");
    INTERN(s_serve_ready, "serve_ready");
    INTERN(s_resp3, "resp3");
    INTERN(s_propagate_as, "propagate_as");
    INTERN(s_dirty, "dirty");
    INTERN(s_propagation, "propagation");
    INTERN(s_pending, "pending");
    INTERN(s_keyspace, "keyspace");
    INTERN(s_is_replica, "is_replica");
    INTERN(s_replica, "replica");
    INTERN(s_enabled, "enabled");
    INTERN(s_subscribers, "subscribers");
    INTERN(s_backlog, "backlog");
    INTERN(s_active, "active");
    INTERN(s_db, "db");
    INTERN(s_id, "id");
    INTERN(s_stream_db, "stream_db");
    INTERN(s_master_repl_offset, "master_repl_offset");
    INTERN(s_stream, "stream");
    INTERN(s_drain, "drain");
    INTERN(s_server, "server");
    INTERN(s_keyspace_misses, "keyspace_misses");
    INTERN(s_config, "config");
    INTERN(s_set_touch, "set_touch");
    INTERN(s_lazy_server_del, "lazy_server_del");
    INTERN(s_hash_max_listpack_value, "hash_max_listpack_value");
    INTERN(s_lfu_mode, "lfu_mode");
    INTERN(s_notify_flags, "notify_flags");
    INTERN(s_on_key_changed, "on_key_changed");
    INTERN(s_data, "data");
    INTERN(s_get_touch, "get_touch");
    INTERN(s_incr_touch, "incr_touch");
    INTERN(s_keyspace_hits, "keyspace_hits");
    INTERN(s_append, "append");
    INTERN(s_appendleft, "appendleft");
    INTERN(s_pop, "pop");
    INTERN(s_popleft, "popleft");
    INTERN(s_woff, "woff");
#undef INTERN
    crc16_init();
    return PyModule_Create(&fastpath_module);
}
