"""``python -m radish.config --unenforced [README.md]``: print the list of
parameters radish does not enforce, or rewrite it inside README.md.

Imports ``radish.config.table`` only.
"""

from __future__ import annotations

import sys

from .table import readme_with_unenforced_list, unenforced_markdown


def _main(argv: list[str]) -> int:
    """``python -m radish.config --unenforced [README.md]``: print the list of
    parameters radish does not enforce, or rewrite it inside README.md."""
    if not argv or argv[0] != "--unenforced" or len(argv) > 2:
        print("usage: python -m radish.config --unenforced [README.md]", file=sys.stderr)
        return 2
    if len(argv) == 1:
        print(unenforced_markdown(), end="")
        return 0
    with open(argv[1], encoding="utf-8") as f:
        text = f.read()
    updated = readme_with_unenforced_list(text)
    if updated != text:
        with open(argv[1], "w", encoding="utf-8") as f:
            f.write(updated)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
