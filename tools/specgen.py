"""Developer aid: print ``@command(...)`` declarations for Redis commands,
read from a running reference redis-server (COMMAND INFO + COMMAND DOCS).

    python tools/specgen.py --port 7777 get set config

Paste the output above the handlers and adjust. Not used at run time.
"""

import argparse

import redis

from radish.commands.registry import implied_categories


def raw(conn, *args):
    conn.send_command(*args)
    return conn.read_response()


def decl(conn, name: str) -> str:
    info = raw(conn, "COMMAND", "INFO", name)[0]
    docs_raw = raw(conn, "COMMAND", "DOCS", name)
    docs = {}
    if docs_raw:
        d = docs_raw[1]
        docs = {d[i]: d[i + 1] for i in range(0, len(d), 2)}
    cname, arity, flags, first, last, step, cats = info[:7]
    flags = [f.decode() if isinstance(f, bytes) else f for f in flags]
    flags = [f for f in flags if f != "movablekeys"]
    cats = [c.decode()[1:] if isinstance(c, bytes) else c[1:] for c in cats]
    implied = implied_categories(flags, cats)
    explicit = [c for c in cats if c not in implied]
    tips = [t.decode() if isinstance(t, bytes) else t for t in info[7]]

    def s(k):
        v = docs.get(k.encode(), docs.get(k, b""))
        return v.decode() if isinstance(v, bytes) else str(v)

    parts = [repr(cname.decode() if isinstance(cname, bytes) else cname), str(arity), repr(" ".join(flags))]
    if explicit:
        parts.append("acl=%r" % " ".join(explicit))
    if first or last or step:
        parts.append("keys=(%d, %d, %d)" % (first, last, step))
    parts += ["group=%r" % s("group"), "since=%r" % s("since"), "summary=%r" % s("summary")]
    if s("complexity"):
        parts.append("complexity=%r" % s("complexity"))
    if tips:
        parts.append("tips=%r" % " ".join(tips))
    dflags = docs.get(b"doc_flags") or docs.get("doc_flags")
    if dflags:
        parts.append("doc_flags=%r" % " ".join(x.decode() if isinstance(x, bytes) else x for x in dflags))
    if s("deprecated_since"):
        parts.append("deprecated_since=%r" % s("deprecated_since"))
    if s("replaced_by"):
        parts.append("replaced_by=%r" % s("replaced_by"))
    return "@command(%s)" % ", ".join(parts)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=7777)
    ap.add_argument("names", nargs="+")
    a = ap.parse_args()
    conn = redis.Connection(port=a.port, protocol=2)
    for n in a.names:
        print(decl(conn, n))


if __name__ == "__main__":
    main()
