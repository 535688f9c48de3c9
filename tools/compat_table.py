"""docs/compatibility.md: every Redis 7.0 command and subcommand, and
whether radish has it, generated from radish's command registry.

    python tools/compat_table.py                   # rewrite docs/compatibility.md
    python tools/compat_table.py --check           # exit 1 if it is stale
    python tools/compat_table.py --fetch 7501      # refresh tools/redis-7.0-commands.json
                                                   #   from a live redis-server 7.0.15

Redis's side is data kept in the repository, tools/redis-7.0-commands.json
(name, group, since, summary, deprecation and subcommands of every command,
as redis-server 7.0.15 answers COMMAND DOCS): the table and its test must
not need a running redis-server, and Redis 7.0.15's list does not change.
``--fetch`` rewrites it from a server (and refuses one that is not 7.0.15).

radish's side is its registry (radish.commands.registry): a command or
subcommand registered there is "yes"; one Redis has and radish does not
is "no". NOTES adds a few words where radish registers a command whose
answer is deliberately not Redis's full behaviour. Commands radish has and
Redis 7.0 does not are listed at the end.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tools" / "redis-7.0-commands.json"
TABLE = ROOT / "docs" / "compatibility.md"
REDIS_VERSION = "7.0.15"

# Registered in radish, but not Redis's whole behaviour (why, in a few words).
# tests/unit/test_compat_table.py checks each names a registered command.
NOTES = {
    "module|load": "always fails, as a module that cannot load (radish has no module API)",
    "module|loadex": "always fails, as a module that cannot load (radish has no module API)",
    "module|list": "always empty (no module API)",
    "module|unload": "finds no module (no module API)",
}

GROUP_TITLES = {
    "bitmap": "Bitmaps",
    "cluster": "Cluster",
    "connection": "Connection",
    "generic": "Keys (generic)",
    "geo": "Geo",
    "hash": "Hashes",
    "hyperloglog": "HyperLogLog",
    "list": "Lists",
    "pubsub": "Pub/sub",
    "scripting": "Scripting and functions",
    "sentinel": "Sentinel",
    "server": "Server",
    "set": "Sets",
    "sorted-set": "Sorted sets",
    "stream": "Streams",
    "string": "Strings",
    "transactions": "Transactions",
}


def fetch(port: int) -> list[dict]:
    """Redis's commands from a live redis-server (COMMAND DOCS)."""
    import socket

    import hiredis

    def ask(*args: str):
        reader = hiredis.Reader()
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(b"".join(b"*%d\r\n" % len(args) for _ in [0]) + b"".join(
                b"$%d\r\n%s\r\n" % (len(a), a.encode()) for a in args))
            while True:
                reader.feed(sock.recv(1 << 20))
                reply = reader.gets()
                if reply is not False:
                    return reply

    info = ask("INFO", "server").decode()
    version = info.split("redis_version:", 1)[1].split("\r\n", 1)[0]
    if version != REDIS_VERSION:
        raise SystemExit("redis-server %s is not %s" % (version, REDIS_VERSION))
    raw = ask("COMMAND", "DOCS")

    def as_dict(flat: list) -> dict:
        return {flat[i].decode(): flat[i + 1] for i in range(0, len(flat), 2)}

    def entry(name: bytes, doc: list) -> dict:
        d = as_dict(doc)
        out = {
            "name": name.decode(),
            "group": d["group"].decode(),
            "since": d["since"].decode(),
            "summary": d["summary"].decode(),
        }
        flags = [f.decode() for f in d.get("doc_flags", [])]
        if "deprecated" in flags:
            out["deprecated"] = True
        if "syscmd" in flags:
            out["syscmd"] = True
        subs = d.get("subcommands")
        if subs:
            out["subcommands"] = sorted(
                (entry(subs[i], subs[i + 1]) for i in range(0, len(subs), 2)), key=lambda e: e["name"]
            )
        return out

    commands = [entry(raw[i], raw[i + 1]) for i in range(0, len(raw), 2)]
    return sorted(commands, key=lambda e: e["name"])


def redis_commands() -> list[dict]:
    return json.loads(DATA.read_text())


def debug_subcommands() -> list[str]:
    """The DEBUG subcommands radish has (DEBUG is one command in Redis's
    list; its subcommands are not)."""
    from radish.commands.server_cmds import DEBUG_SUBCOMMANDS

    return sorted(name.decode().upper() for name in DEBUG_SUBCOMMANDS)


def radish_commands() -> set[str]:
    """Every command and subcommand name radish registers ("config|get")."""
    sys.path.insert(0, str(ROOT / "src"))
    from radish.commands import load_all
    from radish.commands.registry import ORIGINAL_COMMANDS

    load_all()
    names = set()
    for spec in ORIGINAL_COMMANDS.values():
        names.add(spec.name)
        for sub in spec.subcommands.values():
            names.add(sub.name)
    return names


def _display(name: str) -> str:
    return " ".join(part.upper() for part in name.split("|"))


def render(redis: list[dict], ours: set[str]) -> str:
    rows: dict[str, list[tuple[str, str, str, str]]] = {}
    total = have = 0
    redis_names = set()
    for cmd in redis:
        entries = [cmd, *cmd.get("subcommands", [])]
        for e in entries:
            redis_names.add(e["name"])
            if e is cmd and cmd.get("subcommands"):
                # A container: it is there when any of its subcommands is.
                status = "yes" if e["name"] in ours else "no"
            else:
                status = "yes" if e["name"] in ours else "no"
                total += 1
                have += status == "yes"
            note = NOTES.get(e["name"], "") if status == "yes" else ""
            if e["name"] == "debug" and status == "yes":
                note = "radish's subcommands: " + ", ".join(debug_subcommands())
            if e.get("deprecated"):
                note = ("deprecated in Redis; " + note) if note else "deprecated in Redis"
            rows.setdefault(cmd["group"], []).append((_display(e["name"]), e["since"], status, note))
    out = [
        "# Redis 7.0 command compatibility",
        "",
        "<!-- generated by `python tools/compat_table.py` from radish's command registry and",
        "     tools/redis-7.0-commands.json (redis-server %s's COMMAND DOCS); do not edit by hand;" % REDIS_VERSION,
        "     tests/unit/test_compat_table.py fails when this file is stale -->",
        "",
        "Every command and subcommand of Redis %s, and whether radish has it." % REDIS_VERSION,
        "\"yes\" means radish registers it and answers as Redis 7.0 does (the",
        "compat tests compare the two servers); where radish registers a command",
        "but deliberately does less, the note says so. Containers (`CONFIG`,",
        "`CLIENT` …) are \"yes\" when radish has them; each subcommand has its own row.",
        "",
        "radish has **%d of the %d** commands and subcommands (containers not counted)." % (have, total),
        "",
        "| Group | yes | no |",
        "|---|---|---|",
    ]
    for group in sorted(rows, key=lambda g: GROUP_TITLES.get(g, g)):
        counted = [r for r in rows[group] if not _is_container(r[0], redis)]
        yes = sum(1 for r in counted if r[2] == "yes")
        out.append("| %s | %d | %d |" % (GROUP_TITLES.get(group, group), yes, len(counted) - yes))
    for group in sorted(rows, key=lambda g: GROUP_TITLES.get(g, g)):
        out += ["", "## %s" % GROUP_TITLES.get(group, group), "", "| Command | Since | radish | Notes |", "|---|---|---|---|"]
        for name, since, status, note in rows[group]:
            out.append("| `%s` | %s | %s | %s |" % (name, since, status, note))
    extra = sorted(ours - redis_names)
    out += ["", "## radish only", ""]
    if extra:
        out.append(
            "Registered in radish, not in Redis 7.0 (later Redis versions' commands that"
            " clients send): %s." % ", ".join("`%s`" % _display(n) for n in extra)
        )
    else:
        out.append("None: every command radish registers is a Redis 7.0 command.")
    return "\n".join(out) + "\n"


def _is_container(display: str, redis: list[dict]) -> bool:
    return any(_display(c["name"]) == display and c.get("subcommands") for c in redis)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 when docs/compatibility.md is stale")
    ap.add_argument("--fetch", type=int, metavar="PORT", help="refresh the Redis data from redis-server on PORT")
    args = ap.parse_args(argv)
    if args.fetch:
        DATA.write_text(json.dumps(fetch(args.fetch), indent=1) + "\n")
        print("wrote %s" % DATA.relative_to(ROOT))
    text = render(redis_commands(), radish_commands())
    if args.check:
        if not TABLE.exists() or TABLE.read_text() != text:
            print("%s is stale: run python tools/compat_table.py" % TABLE.relative_to(ROOT), file=sys.stderr)
            return 1
        return 0
    TABLE.write_text(text)
    print("wrote %s" % TABLE.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
