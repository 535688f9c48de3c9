"""Build of radish's C extensions: the request parser
(src/radish/protocol/_reqparser.c), the dispatcher's batch loop
(src/radish/_fastpath.c), HyperLogLog's hot parts (src/radish/_hll.c),
the stream nodes' listpack codec (src/radish/db/_streamlp.c), small hashes
and sorted sets in listpacks (src/radish/db/_listpack.c), lists as
quicklists of listpacks (src/radish/db/_quicklist.c), big sorted sets'
ordered pairs as Redis's skip list (src/radish/db/_skiplist.c) and the
allocator counters behind used_memory (src/radish/_alloc.c). All are
optional: without a C compiler radish installs and runs on their Python
equivalents (slower, same behaviour).
Everything else about the package is in pyproject.toml."""

from setuptools import Extension, setup


def extension(name: str, source: str) -> Extension:
    return Extension(name, [source], extra_compile_args=["-O2"], optional=True)


setup(
    ext_modules=[
        extension("radish.protocol._reqparser", "src/radish/protocol/_reqparser.c"),
        extension("radish._fastpath", "src/radish/_fastpath.c"),
        extension("radish._hll", "src/radish/_hll.c"),
        extension("radish.db._streamlp", "src/radish/db/_streamlp.c"),
        extension("radish.db._listpack", "src/radish/db/_listpack.c"),
        extension("radish.db._quicklist", "src/radish/db/_quicklist.c"),
        extension("radish.db._skiplist", "src/radish/db/_skiplist.c"),
        extension("radish.db._slotdict", "src/radish/db/_slotdict.c"),
        extension("radish.db._keytable", "src/radish/db/_keytable.c"),
        extension("radish._alloc", "src/radish/_alloc.c"),
    ]
)
