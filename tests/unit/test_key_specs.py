"""Key specs (radish.commands.registry.KeySpec): every command's legacy
first/last/step and movablekeys agree with its key specs as Redis derives
them, and CommandSpec.key_refs evaluates specs as Redis's
getKeysFromCommandWithSpecs (the compat test checks real commands against
redis-server; these check the evaluator's corners on synthetic specs)."""

from __future__ import annotations

import pytest

from radish.commands import load_all
from radish.commands.registry import (
    KEY_ACCESS,
    KEY_DELETE,
    KEY_OW,
    KEY_RO,
    KEY_RW,
    KEY_UPDATE,
    ORIGINAL_COMMANDS,
    CommandSpec,
    KeySpec,
    command,
    key_flag_names,
)

load_all()

ALL_SPECS = [sp for s in ORIGINAL_COMMANDS.values() for sp in (s, *s.subcommands.values())]
RO_ACCESS = KEY_RO | KEY_ACCESS


def _spec(*key_specs: KeySpec, proc=None, arity: int = -2) -> CommandSpec:
    return CommandSpec(name="t", arity=arity, flags=frozenset(), acl=(), key_specs=key_specs, getkeys_proc=proc)


def _refs(spec: CommandSpec, line: str) -> list[tuple[int, int]]:
    return spec.key_refs([a.encode() for a in line.split()])


@pytest.mark.parametrize("spec", ALL_SPECS, ids=lambda s: s.name)
def test_legacy_range_and_movablekeys_follow_the_key_specs(spec: CommandSpec) -> None:
    first, last, step, movable = spec.legacy_key_range()
    assert (spec.first_key, spec.last_key, spec.key_step) == (first, last, step)
    # A command Redis calls movablekeys has a getkeys for COMMAND GETKEYS.
    assert (spec.getkeys is not None) == movable


def test_commands_with_keys_declare_key_specs() -> None:
    missing = [s.name for s in ALL_SPECS if s.key_specs is None and (s.first_key or s.getkeys)]
    assert not missing


def test_a_keys_range_that_disagrees_with_the_key_specs_is_refused() -> None:
    with pytest.raises(ValueError, match="key specs give"):
        command("x-bad-keys", 2, keys=(1, 1, 1), key_specs=(KeySpec("RO", index=2),))


def test_flag_names_print_in_redis_order() -> None:
    spec = KeySpec("RW UPDATE ACCESS VARIABLE_FLAGS", index=1)
    assert key_flag_names(spec.flags) == ["RW", "access", "update", "variable_flags"]
    with pytest.raises(ValueError):
        KeySpec("READ", index=1)


def test_index_and_range() -> None:
    rename = _spec(KeySpec("RW ACCESS DELETE", index=1), KeySpec("OW UPDATE", index=2))
    assert _refs(rename, "RENAME a b") == [(1, KEY_RW | KEY_ACCESS | KEY_DELETE), (2, KEY_OW | KEY_UPDATE)]
    assert _refs(rename, "RENAME a a") == [(1, KEY_RW | KEY_ACCESS | KEY_DELETE), (2, KEY_OW | KEY_UPDATE)]
    mset = _spec(KeySpec("OW UPDATE", index=1, lastkey=-1, keystep=2))
    assert [i for i, _ in _refs(mset, "MSET a 1 b 2 c 3")] == [1, 3, 5]
    blpop = _spec(KeySpec("RW ACCESS DELETE", index=1, lastkey=-2))
    assert [i for i, _ in _refs(blpop, "BLPOP a b c 0")] == [1, 2, 3]


def test_keyword_with_a_limit_as_xread() -> None:
    xread = _spec(KeySpec("RO ACCESS", keyword="STREAMS", startfrom=1, lastkey=-1, limit=2))
    assert _refs(xread, "XREAD COUNT 2 STREAMS a b 0 0") == [(4, RO_ACCESS), (5, RO_ACCESS)]
    assert _refs(xread, "XREAD streams a 0") == [(2, RO_ACCESS)]
    # No keyword: the spec is skipped, not invalid.
    assert _refs(xread, "XREAD COUNT 2") == []


def test_keyword_searched_backwards_as_migrate() -> None:
    # MIGRATE's spec for KEYS is INCOMPLETE: valid keys, then Redis gives
    # up on the specs and asks the getkeys proc.
    specs = (
        KeySpec("RW ACCESS DELETE", index=3),
        KeySpec("RW ACCESS DELETE INCOMPLETE", keyword="KEYS", startfrom=-2, lastkey=-1),
    )
    assert _refs(_spec(*specs), 'MIGRATE h p "" 0 5 KEYS a b') == []
    proc = _spec(*specs, proc=lambda args: [(7, 1), (8, 1)])
    assert _refs(proc, "MIGRATE h p x 0 5 KEYS a b") == [(7, 1), (8, 1)]
    plain = _spec(KeySpec("RW", keyword="KEYS", startfrom=-2, lastkey=-1))
    assert [i for i, _ in _refs(plain, "M h p x 0 5 KEYS a b")] == [7, 8]
    # The search stops before argv[1] and starts at argc-2.
    assert _refs(plain, "M KEYS a") == []
    assert _refs(plain, "M x KEYS") == []


def test_keynum() -> None:
    zstore = _spec(KeySpec("OW UPDATE", index=1), KeySpec("RO ACCESS", index=2, keynum=(0, 1, 1)))
    assert _refs(zstore, "ZUNIONSTORE d 2 a b") == [(1, KEY_OW | KEY_UPDATE), (3, RO_ACCESS), (4, RO_ACCESS)]
    # numkeys 0, too large, not an integer (string2ll): the specs are
    # invalid, and without a getkeys proc there are no keys at all.
    for line in ("ZUNIONSTORE d 0 a", "ZUNIONSTORE d 3 a b", "ZUNIONSTORE d 01 a", "ZUNIONSTORE d -1 a"):
        assert _refs(zstore, line) == [], line
    fallback = _spec(*zstore.key_specs or (), proc=lambda args: [(9, 0)])
    assert _refs(fallback, "ZUNIONSTORE d 2x a b") == [(9, 0)]


def test_not_key_and_unknown_specs() -> None:
    channels = _spec(KeySpec("NOT_KEY", index=1, lastkey=-1))
    assert not channels.has_keys and _refs(channels, "SSUBSCRIBE a b") == []
    sort = _spec(KeySpec("RO ACCESS", index=1), KeySpec("OW UPDATE"), proc=lambda args: [(1, RO_ACCESS)])
    assert _refs(sort, "SORT k STORE d") == [(1, RO_ACCESS)]
    incomplete = _spec(KeySpec("RO INCOMPLETE", index=1))
    assert _refs(incomplete, "X k") == []


def test_variable_flags_ask_the_getkeys_proc() -> None:
    set_ = ORIGINAL_COMMANDS[b"set"]
    assert _refs(set_, "SET k v") == [(1, KEY_OW | KEY_UPDATE)]
    assert _refs(set_, "SET k v gEt") == [(1, KEY_RW | KEY_ACCESS | KEY_UPDATE)]
    bitfield = ORIGINAL_COMMANDS[b"bitfield"]
    assert _refs(bitfield, "BITFIELD k GET u8 0 OVERFLOW SAT") == [(1, RO_ACCESS)]
    assert _refs(bitfield, "BITFIELD k GET u8 0 INCRBY u8 0 1") == [(1, KEY_RW | KEY_ACCESS | KEY_UPDATE)]


def test_commands_without_key_specs_keep_the_flag_derived_refs() -> None:
    write = CommandSpec(name="w", arity=-2, flags=frozenset({"write"}), acl=(), first_key=1, last_key=-1, key_step=1)
    assert write.has_keys
    assert _refs(write, "W a b") == [(1, KEY_RW | KEY_ACCESS | KEY_UPDATE), (2, KEY_RW | KEY_ACCESS | KEY_UPDATE)]
    read = CommandSpec(name="r", arity=2, flags=frozenset({"readonly"}), acl=(), first_key=1, last_key=1, key_step=1)
    assert _refs(read, "R a") == [(1, RO_ACCESS)]
