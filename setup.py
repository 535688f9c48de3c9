"""Build of radish's one C extension, the request parser
(src/radish/protocol/_reqparser.c). It is optional: without a C compiler
radish installs and runs on the pure-Python parser (slower, same
behaviour). Everything else about the package is in pyproject.toml."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "radish.protocol._reqparser",
            ["src/radish/protocol/_reqparser.c"],
            extra_compile_args=["-O2"],
            optional=True,
        )
    ]
)
