/* radish._alloc: used_memory kept as Redis's zmalloc keeps it, by counting
 * at the allocator.
 *
 * Redis's used_memory is the sum of the sizes its allocator handed out
 * (zmalloc's used_memory counter, with jemalloc's usable sizes).  A Python
 * process allocates through two allocators, and this module counts both by
 * wrapping them with CPython's public hooks (PyMem_SetAllocator,
 * PyObject_SetArenaAllocator):
 *
 *  - the raw domain (malloc; also every request pymalloc passes on because
 *    it is bigger than 512 bytes): each block counts its
 *    malloc_usable_size, added on malloc/calloc/realloc and taken away on
 *    realloc/free, as zmalloc does with HAVE_MALLOC_SIZE.  The raw domain
 *    may run without the GIL, so that counter is atomic.
 *  - pymalloc (the object and mem domains, blocks of up to 512 bytes in
 *    16-byte size classes inside 16 KiB pools inside 1 MiB arenas): the
 *    arena allocator installed here hands out arenas aligned to their own
 *    size and marks them in a bitmap of the address space (one bit per
 *    MiB, in a lazily touched mapping), so a block's pool header -- and the
 *    block's size class in it -- is found by masking the address.  Blocks
 *    in arenas made before the hooks were installed are not counted either
 *    way (a bounded error: the interpreter's start-up arenas).
 *
 * Nothing here is read per request except used(): a sum of three numbers.
 * The pure-Python twin (radish/memory.py) reads the same quantities from
 * mallinfo2 and pymalloc's own statistics, slower and at a point in time;
 * tests compare the two.
 *
 * The pool header layout (szidx at offset 36 of the 16 KiB-aligned pool)
 * is CPython 3.11's obmalloc.c; install() checks it on blocks of every size
 * class before installing anything and refuses (returns False) when it does
 * not hold, when PYTHONMALLOC selects another allocator, or when the arena
 * or pool sizes differ.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <malloc.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#define POOL_BITS 14
#define POOL_SIZE ((uintptr_t)1 << POOL_BITS)
#define ARENA_BITS 20
#define ARENA_SIZE ((size_t)1 << ARENA_BITS)
#define SZIDX_OFFSET 36
#define ADDR_BITS 48
#define BITMAP_BYTES (((uintptr_t)1 << (ADDR_BITS - ARENA_BITS)) / 8)

static int installed = 0;
static PyMemAllocatorEx raw_under, mem_under, obj_under;
static PyObjectArenaAllocator arena_under;

static int64_t raw_bytes = 0;   /* atomic: usable bytes of raw blocks */
static int64_t raw_blocks = 0;  /* atomic */
static int64_t small_bytes = 0; /* under the GIL: pymalloc blocks in our arenas */
static int64_t arena_bytes = 0; /* under the GIL: our arenas */
static int64_t arenas_now = 0;
static int64_t baseline = 0;    /* what was allocated before install() */
static unsigned char *arena_map = NULL;

static inline int
in_our_arena(const void *p)
{
    uintptr_t a = (uintptr_t)p >> ARENA_BITS;
    if (a >= ((uintptr_t)1 << (ADDR_BITS - ARENA_BITS)))
        return 0;
    return (arena_map[a >> 3] >> (a & 7)) & 1;
}

static inline int64_t
block_size(const void *p)
{
    uintptr_t pool = (uintptr_t)p & ~(POOL_SIZE - 1);
    unsigned int szidx = *(const unsigned int *)(pool + SZIDX_OFFSET);
    return ((int64_t)szidx + 1) << 4;
}

/* -- raw domain ------------------------------------------------------------ */

static void *
raw_malloc(void *ctx, size_t n)
{
    void *p = raw_under.malloc(raw_under.ctx, n);
    if (p) {
        __atomic_add_fetch(&raw_bytes, (int64_t)malloc_usable_size(p), __ATOMIC_RELAXED);
        __atomic_add_fetch(&raw_blocks, 1, __ATOMIC_RELAXED);
    }
    return p;
}

static void *
raw_calloc(void *ctx, size_t nelem, size_t elsize)
{
    void *p = raw_under.calloc(raw_under.ctx, nelem, elsize);
    if (p) {
        __atomic_add_fetch(&raw_bytes, (int64_t)malloc_usable_size(p), __ATOMIC_RELAXED);
        __atomic_add_fetch(&raw_blocks, 1, __ATOMIC_RELAXED);
    }
    return p;
}

static void *
raw_realloc(void *ctx, void *ptr, size_t n)
{
    int64_t old = ptr ? (int64_t)malloc_usable_size(ptr) : 0;
    void *p = raw_under.realloc(raw_under.ctx, ptr, n);
    if (p) {
        __atomic_add_fetch(&raw_bytes, (int64_t)malloc_usable_size(p) - old, __ATOMIC_RELAXED);
        if (!ptr)
            __atomic_add_fetch(&raw_blocks, 1, __ATOMIC_RELAXED);
    }
    return p;
}

static void
raw_free(void *ctx, void *ptr)
{
    if (ptr) {
        __atomic_sub_fetch(&raw_bytes, (int64_t)malloc_usable_size(ptr), __ATOMIC_RELAXED);
        __atomic_sub_fetch(&raw_blocks, 1, __ATOMIC_RELAXED);
    }
    raw_under.free(raw_under.ctx, ptr);
}

/* -- object and mem domains (pymalloc) ------------------------------------- */

#define SMALL_WRAPPERS(NAME, UNDER)                                            \
    static void *NAME##_malloc(void *ctx, size_t n)                            \
    {                                                                          \
        void *p = UNDER.malloc(UNDER.ctx, n);                                  \
        if (p && in_our_arena(p))                                              \
            small_bytes += block_size(p);                                      \
        return p;                                                              \
    }                                                                          \
    static void *NAME##_calloc(void *ctx, size_t nelem, size_t elsize)         \
    {                                                                          \
        void *p = UNDER.calloc(UNDER.ctx, nelem, elsize);                      \
        if (p && in_our_arena(p))                                              \
            small_bytes += block_size(p);                                      \
        return p;                                                              \
    }                                                                          \
    static void *NAME##_realloc(void *ctx, void *ptr, size_t n)                \
    {                                                                          \
        int64_t old = (ptr && in_our_arena(ptr)) ? block_size(ptr) : 0;        \
        void *p = UNDER.realloc(UNDER.ctx, ptr, n);                            \
        if (p)                                                                 \
            small_bytes += (in_our_arena(p) ? block_size(p) : 0) - old;        \
        return p;                                                              \
    }                                                                          \
    static void NAME##_free(void *ctx, void *ptr)                              \
    {                                                                          \
        if (ptr && in_our_arena(ptr))                                          \
            small_bytes -= block_size(ptr);                                    \
        UNDER.free(UNDER.ctx, ptr);                                            \
    }

SMALL_WRAPPERS(mem, mem_under)
SMALL_WRAPPERS(obj, obj_under)

/* -- arenas ---------------------------------------------------------------- */

static void *
arena_alloc(void *ctx, size_t size)
{
    if (size != ARENA_SIZE)
        return arena_under.alloc(arena_under.ctx, size);
    /* Map twice the size and keep the aligned half. */
    char *m = mmap(NULL, 2 * ARENA_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    uintptr_t start = ((uintptr_t)m + ARENA_SIZE - 1) & ~(uintptr_t)(ARENA_SIZE - 1);
    size_t head = start - (uintptr_t)m;
    size_t tail = 2 * ARENA_SIZE - head - ARENA_SIZE;
    if (head)
        munmap(m, head);
    if (tail)
        munmap((char *)start + ARENA_SIZE, tail);
    uintptr_t a = start >> ARENA_BITS;
    if (a >= ((uintptr_t)1 << (ADDR_BITS - ARENA_BITS))) {
        munmap((void *)start, ARENA_SIZE);
        return NULL;
    }
    arena_map[a >> 3] |= (unsigned char)(1u << (a & 7));
    arena_bytes += ARENA_SIZE;
    arenas_now++;
    return (void *)start;
}

static void
arena_free(void *ctx, void *ptr, size_t size)
{
    if (ptr && size == ARENA_SIZE && in_our_arena(ptr) && ((uintptr_t)ptr & (ARENA_SIZE - 1)) == 0) {
        uintptr_t a = (uintptr_t)ptr >> ARENA_BITS;
        arena_map[a >> 3] &= (unsigned char)~(1u << (a & 7));
        arena_bytes -= ARENA_SIZE;
        arenas_now--;
        munmap(ptr, size);
        return;
    }
    arena_under.free(arena_under.ctx, ptr, size);
}

/* -- module ------------------------------------------------------------------ */

/* Does the pool header hold the size class where we read it?  Checked on
 * fresh blocks of every size class from the current object allocator. */
static int
layout_holds(void)
{
    void *blocks[32];
    int ok = 1;
    PyMemAllocatorEx cur;
    PyMem_GetAllocator(PYMEM_DOMAIN_OBJ, &cur);
    for (int i = 0; i < 32; i++) {
        size_t n = (size_t)(i + 1) * 16;
        blocks[i] = cur.malloc(cur.ctx, n);
        if (!blocks[i]) {
            ok = 0;
            continue;
        }
        uintptr_t pool = (uintptr_t)blocks[i] & ~(POOL_SIZE - 1);
        unsigned int szidx = *(const unsigned int *)(pool + SZIDX_OFFSET);
        if (szidx != (unsigned int)i)
            ok = 0;
    }
    for (int i = 0; i < 32; i++)
        if (blocks[i])
            cur.free(cur.ctx, blocks[i]);
    return ok;
}

static PyObject *
alloc_install(PyObject *self, PyObject *arg)
{
    if (installed)
        Py_RETURN_TRUE;
    int64_t base = PyLong_AsLongLong(arg);
    if (base == -1 && PyErr_Occurred())
        return NULL;
    const char *env = getenv("PYTHONMALLOC");
    if (env && *env && strcmp(env, "pymalloc") != 0)
        Py_RETURN_FALSE;
    if (!layout_holds())
        Py_RETURN_FALSE;
    void *map = mmap(NULL, BITMAP_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (map == MAP_FAILED)
        Py_RETURN_FALSE;
    arena_map = map;
    baseline = base;
    PyMem_GetAllocator(PYMEM_DOMAIN_RAW, &raw_under);
    PyMem_GetAllocator(PYMEM_DOMAIN_MEM, &mem_under);
    PyMem_GetAllocator(PYMEM_DOMAIN_OBJ, &obj_under);
    PyObject_GetArenaAllocator(&arena_under);
    PyObjectArenaAllocator arenas = {NULL, arena_alloc, arena_free};
    PyObject_SetArenaAllocator(&arenas);
    PyMemAllocatorEx raw = {NULL, raw_malloc, raw_calloc, raw_realloc, raw_free};
    PyMemAllocatorEx mem = {NULL, mem_malloc, mem_calloc, mem_realloc, mem_free};
    PyMemAllocatorEx obj = {NULL, obj_malloc, obj_calloc, obj_realloc, obj_free};
    PyMem_SetAllocator(PYMEM_DOMAIN_RAW, &raw);
    PyMem_SetAllocator(PYMEM_DOMAIN_MEM, &mem);
    PyMem_SetAllocator(PYMEM_DOMAIN_OBJ, &obj);
    installed = 1;
    Py_RETURN_TRUE;
}

static inline int64_t
used_now(void)
{
    int64_t u = baseline + __atomic_load_n(&raw_bytes, __ATOMIC_RELAXED) + small_bytes;
    return u > 0 ? u : 0;
}

static PyObject *
alloc_used(PyObject *self, PyObject *unused)
{
    return PyLong_FromLongLong(used_now());
}

static PyObject *
alloc_stats(PyObject *self, PyObject *unused)
{
    return Py_BuildValue("{s:O,s:L,s:L,s:L,s:L,s:L,s:L}",
                         "installed", installed ? Py_True : Py_False,
                         "baseline", (long long)baseline,
                         "raw_bytes", (long long)__atomic_load_n(&raw_bytes, __ATOMIC_RELAXED),
                         "raw_blocks", (long long)__atomic_load_n(&raw_blocks, __ATOMIC_RELAXED),
                         "small_bytes", (long long)small_bytes,
                         "arena_bytes", (long long)arena_bytes,
                         "arenas", (long long)arenas_now);
}

/* For radish._fastpath: the counter read between the commands of a batch. */
static long long
c_used_memory(void)
{
    return installed ? (long long)used_now() : -1;
}

static PyMethodDef methods[] = {
    {"install", alloc_install, METH_O,
     "install(baseline) -> bool: start counting (once per process)."},
    {"used", alloc_used, METH_NOARGS, "Bytes allocated now (used_memory)."},
    {"stats", alloc_stats, METH_NOARGS, "The counters behind used()."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "radish._alloc", NULL, -1, methods};

PyMODINIT_FUNC
PyInit__alloc(void)
{
    PyObject *m = PyModule_Create(&module);
    if (!m)
        return NULL;
    PyObject *cap = PyCapsule_New((void *)c_used_memory, "radish._alloc.used_memory", NULL);
    if (!cap || PyModule_AddObject(m, "used_memory_capsule", cap) < 0) {
        Py_XDECREF(cap);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
