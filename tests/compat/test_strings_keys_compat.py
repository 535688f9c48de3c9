"""String and generic keyspace commands against a real redis-server: the
same command sequences go to both servers and every raw reply (value or
exact error text) must be equal.

Script syntax: tests/support/scripts.py (``~`` for KEYS and SCAN with
cursor 0 returning everything, ``?`` for nondeterministic replies); each
script runs in RESP2 and in RESP3. Relative TTLs are only read back where rounding
cannot differ (TTL of EX 100 is 100 on both for 499 ms).
"""

from __future__ import annotations

import random
import time

import pytest
import redis
from tests.support.resp import Raw
from tests.support.scripts import run_script

SCRIPTS: dict[str, str] = {}

SCRIPTS["set_options"] = r"""
set foo bar
set foo bar nx
set foo bar xx get
set foo bar nx get
set foo bar get nx
set foo bar NX nx
set foo bar XX get xx get
set foo bar nx xx
set foo bar xx nx
set foo bar xx xx
set foo bar get get
set foo bar keepttl keepttl
set nokey x xx get
set nokey x xx
set foo bar ex 10 ex 20
set foo bar px 10 px 20
set foo bar exat 10 exat 20
set foo bar ex 10 px 10
set foo bar px 10 exat 10
set foo bar exat 10 pxat 10
set foo bar pxat 10 ex 10
set foo bar keepttl ex 10
set foo bar ex 10 keepttl
set foo bar keepttl pxat 10
set foo bar keepttl keepttl ex 10
set foo bar ex
set foo bar px 1 ex
set foo bar 10
set foo bar foo
set foo bar persist
set foo bar ex 0
set foo bar ex -1
set foo bar px 0
set foo bar exat 0
set foo bar pxat 0
set foo bar pxat -5
set foo bar ex abc
set foo bar ex 10.5
set foo bar ex 010
set foo bar ex +10
set foo bar ex " 10"
set foo bar ex abc nx
set foo bar px 9223372036854775807
set foo bar ex 9223372036854775807
set foo bar ex 9223372036854775808
set foo bar ex 9223372036854775
set foo bar ex 9223372036854774
set foo bar exat 9223372036854775
set foo bar exat 9223372036854776
set foo bar pxat 9223372036854775807
get foo
"""

SCRIPTS["set_semantics"] = r"""
set foo bar
set foo bar nx get
get foo
set foo baz xx get
get foo
set foo x keepttl get
ttl foo
set foo x ex 100
ttl foo
set foo y keepttl
ttl foo
set foo y2 keepttl get
ttl foo
set foo z
ttl foo
set foo x exat 99999999999
ttl foo
expiretime foo
set foo x pxat 99999999999123
pexpiretime foo
expiretime foo
set foo x ex 100 get
set foo x nx get ex 10
ttl foo
set new v nx get
set new2 v xx get
exists new2
set "" empty
get ""
set bin "a\x00b\r\nc"
get bin
strlen bin
"""

SCRIPTS["setnx_setex_getset_getdel"] = r"""
setnx a 1
setnx a 2
get a
setex a 10 v
ttl a
setex a 0 v
setex a -1 v
setex a x v
setex a 9223372036854775807 v
setex a 9223372036854775 v
setex a 922337203685477 v
setex a 92233720368547 v
psetex a 100000 v
pexpiretime nokey
psetex a 0 v
psetex a -10 v
psetex a 9223372036854775807 v
get a
getset a 1
getset a 2
getset fresh 1
getdel a
getdel a
getdel nokey
set a v ex 100
getset a w
ttl a
setnx e ""
get e
"""

SCRIPTS["getex"] = r"""
set a v
getex a
ttl a
getex a ex 100
ttl a
getex a px 100000
ttl a
getex a exat 99999999999
expiretime a
getex a pxat 99999999999999
pexpiretime a
getex a persist
ttl a
getex a persist
getex a persist persist
getex a ex 10 persist
getex a persist ex 10
getex a px 10 ex 10
getex a ex 10 ex 20
ttl a
getex a ex 0
getex a ex -1
getex a ex abc
getex a px 9223372036854775807
getex a ex 9223372036854775807
getex a exat 9223372036854775807
getex a pxat 9223372036854775807
pexpiretime a
getex nokey ex abc
getex nokey ex 0
getex nokey foo
getex a foo
getex a ex
getex a keepttl
getex a nx
getex a get
getex a pxat 1
exists a
getex nokey
set a v
getex a exat 1
exists a
"""

SCRIPTS["mset_mget_msetnx"] = r"""
mset a 1 b 2
mget a b c
mset a
mset a 1 b
msetnx a 1 b
msetnx x 1 y 2
msetnx x 1 z 2
mget x y z
msetnx x 1 x 2
msetnx q 1 q 2
get q
mset k 1 k 2
get k
set t v ex 100
mset t w
ttl t
mget nokey
"""

SCRIPTS["incr_decr"] = r"""
set n 10
incr n
incrby n 5
decr n
decrby n 3
incrby n -20
decrby n -20
incrby n abc
incrby n 1.5
incrby n " 1"
incrby n ""
incrby n 9223372036854775807
incrby n 9223372036854775808
set n 9223372036854775807
incr n
incrby n 0
set n -9223372036854775808
decr n
decrby n -9223372036854775808
decrby n 9223372036854775807
decrby n 1
set n 0
decrby n -9223372036854775808
decrby n -9223372036854775807
set n abc
incr n
set n " 10"
incr n
set n "10 "
incr n
set n 010
incr n
set n +1
incr n
set n 1.0
incr n
set n 99999999999999999999
incr n
incr newkey
decr newkey2
incrby newkey3 -5
decrby newkey4 5
set n -0
incr n
set n ""
incr n
set n 5 ex 100
incr n
ttl n
append m 12
incr m
object encoding m
"""

SCRIPTS["incrbyfloat"] = r"""
set f 10.5
incrbyfloat f 0.1
set f 1e10
incrbyfloat f 0.1
set f 5.0e3
incrbyfloat f 2.0e2
set f 3
incrbyfloat f 1.5
incrbyfloat f -4.5
incrbyfloat f inf
incrbyfloat f -inf
incrbyfloat f +inf
incrbyfloat f infinity
incrbyfloat f INF
incrbyfloat f nan
incrbyfloat f abc
incrbyfloat f " 1"
incrbyfloat f "1 "
incrbyfloat f ""
incrbyfloat f 1e
incrbyfloat f .
incrbyfloat f 0x
incrbyfloat f 1_000
incrbyfloat f 0x10
incrbyfloat f 0x1.8p3
incrbyfloat f 0X.8P1
incrbyfloat f .5
incrbyfloat f 5.
incrbyfloat f +5
incrbyfloat f 1e400
incrbyfloat f -1e400
incrbyfloat f 1e4932
incrbyfloat f 1e4933
incrbyfloat f 1e-400
incrbyfloat f 1e-5000
incrbyfloat f 1e999999999999
incrbyfloat f 0e999999999999
get f
incrbyfloat g 3
incrbyfloat g 0
incrbyfloat g -3
incrbyfloat h 0.1
incrbyfloat h 0.2
incrbyfloat h 1e-20
incrbyfloat h 1e-17
incrbyfloat h 1e-16
incrbyfloat h -0.30000000000000001
set f inf
incrbyfloat f 1
set f -inf
incrbyfloat f 1
set f abc
incrbyfloat f 1
set f 1.1.1
incrbyfloat f 1
set f 0x10
incrbyfloat f 1
set f 1e400
incrbyfloat f 1
set big 1e308
incrbyfloat big 1e308
incrbyfloat big 1.7976931348623157e308
set t 1 ex 100
incrbyfloat t 1
ttl t
incrbyfloat s 1.5
object encoding s
incrbyfloat n 123456789.123456789
incrbyfloat n 9007199254740993
incrbyfloat n 3.0000000000000000001
"""

SCRIPTS["number_texts"] = r"""
incrbyfloat f "1\x00"
set f "1\x00junk"
incrbyfloat f 1
set f 2
incrbyfloat f 0x1p-16445
incrbyfloat f 0x1p-16446
incrbyfloat f 0x1p16383
incrbyfloat f 0x1p16384
incrbyfloat f 00001.5
incrbyfloat f -0
incrbyfloat f 1.00000000000000000000000001
incrby f " 1"
incrby f +1
incrby f 01
incrby f -0
incrby f 9223372036854775808
rpush l 0x1p-1074 1 2.5e-1 " 3" "4\x00junk" 0x1.8p1 -inf
sort l
rpush l2 4.9406564584124654e-324
sort l2
rpush l3 1e-400
sort l3
rpush l4 1e309
sort l4
rpush l5 "1 "
sort l5
rpush l6 nan
sort l6
blpop nokey 1e5000
blpop nokey 1e400
blpop nokey 1e-400
blpop nokey 0x1p-20
blpop nokey "1\x00"
blpop nokey 0x
multi
blpop nokey -0.0001
blpop nokey 1e-5000
exec
"""

SCRIPTS["getrange_substr"] = r"""
set s "Hello World"
getrange s 0 4
getrange s -5 -1
getrange s -1 -5
getrange s 0 -1
getrange s 0 100
getrange s 100 200
getrange s -100 -50
getrange s -100 2
getrange s 5 3
getrange s 0 0
getrange s -1 -1
getrange s -11 -11
getrange s -12 -12
getrange s 10 -100
getrange s 3 -100
getrange s a 1
getrange s 1 a
getrange s 0 9223372036854775807
getrange s -9223372036854775808 9223372036854775807
getrange s 9223372036854775807 -9223372036854775808
getrange s 0 9223372036854775808
getrange nokey 0 -1
getrange nokey a b
substr s 0 4
substr s -3 -1
substr s a 1
set e ""
getrange e 0 -1
getrange e 0 0
getrange e -1 -1
set n 12345
getrange n 1 2
getrange n -2 -1
"""

SCRIPTS["setrange_append_strlen"] = r"""
set s "Hello World"
setrange s 6 Redis
get s
setrange s 20 X
get s
strlen s
setrange s -1 X
setrange s a X
setrange s 1.5 X
setrange new 5 X
get new
setrange new2 0 ""
exists new2
setrange new3 5 ""
exists new3
setrange new5 0 abc
get new5
setrange s 0 ""
setrange s 100 ""
strlen s
setrange s 536870911 X
setrange s 536870912 X
setrange s 536870911 XY
setrange new4 536870912 ""
setrange new4 536870912 x
setrange s 9223372036854775807 X
setrange s 9223372036854775808 X
set n 1
setrange n 1 2
get n
object encoding n
set t abc ex 100
setrange t 1 x
ttl t
append t yy
ttl t
get t
append a hello
append a " world"
get a
strlen a
strlen nokey
set e ""
append e ""
strlen e
append n 5
object encoding n
"""

SCRIPTS["object_encoding_refcount"] = r"""
set x 123
object encoding x
append x 4
object encoding x
get x
incr x
object encoding x
set x abc
object encoding x
set x 1234567890123456789012345678901234567890123
object encoding x
set x 12345678901234567890123456789012345678901234
object encoding x
set x 123456789012345678901234567890123456789012345
object encoding x
set x 9223372036854775807
object encoding x
set x 9223372036854775808
object encoding x
set x -9223372036854775808
object encoding x
set x 12345678901234567890
object encoding x
set x 01
object encoding x
set x -0
object encoding x
set x " 1"
object encoding x
set x ""
object encoding x
set x 1
setrange x 0 2
object encoding x
set x 100
append x ""
object encoding x
object encoding nokey
set x 0
object refcount x
set x 1
object refcount x
set x 9999
object refcount x
set x 10000
object refcount x
set x -1
object refcount x
set x 01
object refcount x
set x abc
object refcount x
object refcount nokey
incr counter
object refcount counter
getset x 5
object encoding x
mset y 5 z abc
object encoding y
object encoding z
setex w 100 5
object encoding w
psetex w 100000 abc
object encoding w
set cp 42
copy cp cp2
object encoding cp2
append cp 1
copy cp cp3
object encoding cp3
rename cp3 cp4
object encoding cp4
incr cp4
object encoding cp4
decrby cp4 100000
object encoding cp4
set u 1
getex u ex 100
object encoding u
object help
object
object foo
object encoding
object encoding a b
object freq nokey
object idletime nokey
set k v
object freq k
object idletime k
"""

SCRIPTS["del_exists_touch_type"] = r"""
set a 1
set b 2
del a b c a
exists a b
set a 1
exists a a a b
exists nokey
unlink a b
unlink a
touch a b
set a 1
touch a a nokey
type a
type nokey
rpush l x
hset h f v
sadd st m
type l
type h
type st
set "" empty
exists ""
type ""
del ""
exists ""
"""

SCRIPTS["wrongtype"] = r"""
rpush l a b
hset h f v
set l x get
set l x nx get
set l x xx get
get l
getex l
getex l ex 10
getex l ex abc
getdel l
getset l x
mget l nokey
append l x
setrange l 0 x
setrange l 0 ""
setrange l -1 ""
strlen l
getrange l 0 1
getrange l a 1
substr l 0 1
incr l
incrby l a
decr l
incrbyfloat l 1
incrbyfloat l a
decrby l -9223372036854775808
lcs l nokey
lcs nokey l idx
lcs l nokey foo
setnx l 1
msetnx l 1
object encoding l
object encoding h
copy h h2
type h2
rename h h3
type h3
expire l 100
ttl l
persist l
type l
set l x
type l
"""

SCRIPTS["rename"] = r"""
set a 1
rename a b
get b
rename a b
rename b b
rename nokey nokey
renamenx b c
set d 1
renamenx c d
renamenx c c
renamenx nokey x
set t 1 ex 100
rename t t2
ttl t2
set t3 1
rename t3 t2
ttl t2
set t4 1 ex 100
renamenx t4 t4
ttl t4
set t5 1 ex 100
set t6 1
renamenx t6 t5
renamenx t5 t7
ttl t7
exists t5
rpush l x
rename l s
type s
"""

SCRIPTS["move"] = r"""
set a 1
move a 1
move a 1
select 1
move a 0
move a 16
move a -1
move a x
move a 0
move a 99999999999
move a 2147483648
move a 4294967296
move a -2147483649
move a 1.5
move a ""
set k 1
move nokey 2
move k 1
select 0
set e 1 ex 100
move e 3
select 3
ttl e
get e
select 0
set m 1
select 4
set m 2
select 0
move m 4
get m
"""

SCRIPTS["copy"] = r"""
set a 1 ex 100
copy a b
ttl b
copy a b
copy a b replace
copy a a
copy a a db 0
copy a a db 1
copy a a db 16
copy a a db x
copy a a db
copy a b foo
copy nokey b
copy a c db 1 replace
copy a c db 1 replace replace db 1
copy a c db 1 db 2
select 2
get c
ttl c
select 0
copy a c db -1
copy a c db 2147483648
copy a c db 99 replace
copy nokey c db 99
copy a c replace db
rpush l x y
copy l l2
type l2
set s abc
copy l s
copy l s replace
type s
"""

SCRIPTS["expire_family"] = r"""
set a 1
expire a 100
ttl a
expire a 100 nx
expire a 200 xx
ttl a
expire a 100 gt
expire a 300 gt
ttl a
expire a 400 lt
expire a 200 lt
ttl a
expire a 100 nx xx
expire a 100 gt lt
expire a 100 lt gt
expire a 100 xx gt
expire a 100 xx lt
expire a 100 nx gt
expire a 100 nx lt
expire a 100 NX xx
expire a 100 foo
expire a 100 nx foo
expire a 100 "x y"
expire a abc
expire a abc foo
expire a abc nx xx
expire a 1.5
persist a
expire a 100 gt
expire a 100 lt
ttl a
persist a
expire a 100 xx
expire a 100 nx
persist a
persist a
persist nokey
expire nokey 100
expire nokey abc
expire nokey 100 foo
expire a 9223372036854775807
expire a 9223372036854775
expire a 9223372036854774
expire a 922337203685477
expire a -9223372036854775808
expire a -9223372036854775
exists a
set a 1
pexpire a 9223372036854775807
pexpire a 9223372036854775806
pexpire a -9223372036854775808
exists a
set a 1
expireat a 9223372036854775807
expireat a 9223372036854775
expireat a 9223372036854774
pexpireat a 9223372036854775807
expiretime a
set a 1
pexpireat a -1
exists a
set a 1
expire a 0
exists a
set a 1
expireat a 0
exists a
set a 1
pexpireat a 1234567890123
exists a
set a 1
expire a -5 nx
exists a
set a 1 ex 100
expire a -5 gt
expire a -5 lt
exists a
set a 1
expire a 100 gt gt
expire a 100 nx nx
ttl a
set a 1
expireat a 99999999999 lt
expiretime a
expireat a 99999999990 lt
expiretime a
expireat a 99999999999 gt
expiretime a
pexpireat a 99999999990500
expiretime a
pexpireat a 99999999990499
expiretime a
pexpiretime a
pexpire a 100000000 lt
ttl a
pttl nokey
ttl nokey
expiretime nokey
pexpiretime nokey
set a 1
ttl a
pttl a
expiretime a
pexpiretime a
"""

SCRIPTS["scan_args"] = r"""
scan 0
scan 0 count 0
scan 0 count -1
scan 0 count abc
scan 0 count
scan 0 match
scan 0 type
scan 0 foo bar
scan 0 match * count 10 type string
scan abc
scan 1.5
scan " 1"
scan "1 "
scan "5\x00x"
scan "\x00"
scan ""
scan +7
scan 007
scan "\t1"
scan -
scan +
scan 18446744073709551616
scan -18446744073709551616
scan 0 count 1 count 2
scan 0 type foo
scan 0 TYPE STRING
scan 0 MATCH * MATCH a*
set a 1
rpush l x
~scan 0 type hash
~scan 0 type string
~scan 0 type String
~scan 0 type LIST
~scan 0 type none
~scan 0 match a
~scan 0 match b
~scan 0 match a count 1000
~scan 00000
~scan ""
keys a*
~keys ?
keys [a]
~keys [^a]
keys ""
set "" x
~scan 0 match ""
keys ""
~keys *
~scan 0
~scan 0 match *
~scan 0 match **
~keys **
~keys ?*
"""

SCRIPTS["lcs"] = r"""
set a ohmytext
set b mynewtext
lcs a b
lcs a b len
lcs a b idx
lcs a b idx minmatchlen 4
lcs a b idx minmatchlen 4 withmatchlen
lcs a b idx withmatchlen
lcs a b len idx
lcs a b idx len
lcs a b minmatchlen
lcs a b minmatchlen abc
lcs a b minmatchlen -5 idx
lcs a b minmatchlen 9223372036854775808
lcs a b withmatchlen
lcs a b minmatchlen 3
lcs a b foo
lcs a nokey
lcs nokey nokey2
lcs nokey nokey2 idx
lcs a nokey idx
lcs a a idx withmatchlen
lcs a b len len
lcs a b idx idx
lcs a b LEN
lcs a b IDX MinMatchLen 2 WithMatchLen
set c ABCBDAB
set d BDCABA
lcs c d
lcs c d idx withmatchlen
lcs d c idx withmatchlen
set e ""
lcs e c idx
set f xxxxyyyy
set g yyyyxxxx
lcs f g idx withmatchlen
lcs g f idx withmatchlen
set h abcabcabc
set i cbacbacba
lcs h i idx withmatchlen
lcs h i idx minmatchlen 2 withmatchlen
lcs i h idx withmatchlen
"""

SCRIPTS["arity"] = r"""
get
get a b
set a
setnx a
setex a 1
getex
getdel
getdel a b
mget
mset
msetnx
incr
incrby a
decrby a
incrbyfloat a
append a
strlen
getrange a 0
substr a 0
setrange a 0
lcs a
del
unlink
exists
touch
type
type a b
keys
scan
randomkey x
rename a
renamenx a
move a
copy a
expire a
pexpire a
expireat a
pexpireat a
ttl
pttl
expiretime
pexpiretime
persist
object encoding a b c
object refcount
"""


def _clients(radish_server, redis_server):
    ours = radish_server.client()
    theirs = redis_server.client()
    for c in (ours, theirs):
        c.response_callbacks = {}
        c.flushall()
    return ours, theirs


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_script_matches_redis(name, raw_pair):
    ours, theirs = raw_pair
    diffs = run_script(ours, theirs, SCRIPTS[name])
    assert diffs == [], "\n".join("%s\n  radish: %r\n  redis:  %r" % d for d in diffs)


def _reply(client, args):
    try:
        return client.execute_command(*args)
    except redis.ResponseError as e:
        return ("error", str(e))


def _both(ours, theirs, *args):
    a = _reply(ours, args)
    b = _reply(theirs, args)
    assert a == b, (args, a, b)
    return a


def test_incrbyfloat_random_increments_match(radish_server, redis_server):
    """Long double arithmetic and %.17Lf output digit for digit."""
    ours, theirs = _clients(radish_server, redis_server)
    rnd = random.Random(1234)

    def number() -> str:
        kind = rnd.random()
        if kind < 0.3:
            return "%d" % rnd.randint(-(10**6), 10**6)
        if kind < 0.5:
            return repr(rnd.uniform(-1e6, 1e6))
        if kind < 0.7:
            return "%de%d" % (rnd.randint(-999, 999), rnd.randint(-30, 30))
        if kind < 0.8:
            return float.hex(rnd.uniform(-100, 100))
        return "%.*f" % (rnd.randint(0, 25), rnd.uniform(-100, 100))

    for i in range(1500):
        if i % 100 == 0:
            _both(ours, theirs, "DEL", "k")
        _both(ours, theirs, "INCRBYFLOAT", "k", number())
    for text in ("1" * 4400, "1" * 5119, "1" * 5120, "0." + "0" * 5000 + "1", "1" + "0" * 4000 + "e-4000", "0x" + "f" * 5000):
        _both(ours, theirs, "DEL", "k")
        _both(ours, theirs, "INCRBYFLOAT", "k", text)
        _both(ours, theirs, "SET", "k", text)
        _both(ours, theirs, "INCRBYFLOAT", "k", "1")


def test_lcs_random_strings_match(radish_server, redis_server):
    """LCS, LEN and IDX (match ranges, MINMATCHLEN, WITHMATCHLEN) equal
    Redis's for random strings over small alphabets."""
    ours, theirs = _clients(radish_server, redis_server)
    rnd = random.Random(99)
    for _ in range(150):
        alphabet = "ab" if rnd.random() < 0.5 else "abcdefg"
        a = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 40)))
        b = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 40)))
        _both(ours, theirs, "MSET", "a", a, "b", b)
        _both(ours, theirs, "LCS", "a", "b")
        _both(ours, theirs, "LCS", "a", "b", "LEN")
        _both(ours, theirs, "LCS", "a", "b", "IDX", "WITHMATCHLEN")
        _both(ours, theirs, "LCS", "a", "b", "IDX", "MINMATCHLEN", str(rnd.randint(0, 4)))


def test_lcs_limit_from_proto_max_bulk_len(radish_server, redis_server):
    ours, theirs = _clients(radish_server, redis_server)
    try:
        for c in (ours, theirs):
            c.execute_command("CONFIG", "SET", "proto-max-bulk-len", "1mb")
        _both(ours, theirs, "MSET", "a", "x" * 511, "b", "y" * 511)
        _both(ours, theirs, "LCS", "a", "b", "LEN")  # 512*512*4 = 1 MB: allowed
        _both(ours, theirs, "APPEND", "a", "x")
        _both(ours, theirs, "LCS", "a", "b", "LEN")
        _both(ours, theirs, "LCS", "a", "b", "IDX", "LEN")
        _both(ours, theirs, "SETRANGE", "a", str(1024 * 1024 - 1), "x")
        _both(ours, theirs, "SETRANGE", "a", str(1024 * 1024), "x")
        _both(ours, theirs, "APPEND", "a", "x")
    finally:
        for c in (ours, theirs):
            c.execute_command("CONFIG", "SET", "proto-max-bulk-len", "512mb")


def test_getrange_random_indexes_match(radish_server, redis_server):
    ours, theirs = _clients(radish_server, redis_server)
    rnd = random.Random(7)
    for value in ("", "x", "Hello World", "0123456789" * 3):
        _both(ours, theirs, "SET", "s", value)
        for _ in range(60):
            start, end = rnd.randint(-40, 40), rnd.randint(-40, 40)
            _both(ours, theirs, "GETRANGE", "s", start, end)


def _full_scan(client, *opts) -> list:
    out = []
    cursor = b"0"
    while True:
        cursor, keys = client.execute_command("SCAN", cursor, *opts)
        out.extend(keys)
        if cursor == b"0":
            return out


def test_full_scan_iterations_return_the_same_keys(radish_server, redis_server):
    ours, theirs = _clients(radish_server, redis_server)
    for c in (ours, theirs):
        c.execute_command("MSET", *[x for i in range(300) for x in ("key:%d" % i, "v")])
        c.execute_command("RPUSH", "alist", "x")
        c.execute_command("HSET", "ahash", "f", "v")
        c.execute_command("SET", "", "empty key")
    for opts in ((), ("COUNT", "7"), ("COUNT", "1000"), ("MATCH", "key:1*"), ("MATCH", "*"),
                 ("TYPE", "list"), ("TYPE", "STRING", "COUNT", "3"), ("MATCH", "a*", "TYPE", "hash")):
        mine = _full_scan(ours, *opts)
        ref = _full_scan(theirs, *opts)
        assert sorted(set(mine)) == sorted(ref), opts
    ours.flushall()


def test_lazy_expiry_visibility_and_stats_match(radish_server, redis_server):
    """With active expiry off, expired keys are invisible to every read yet
    still counted by DBSIZE until touched; hits, misses and expired_keys
    agree command by command."""
    ours = Raw(radish_server.port)
    theirs = Raw(redis_server.port)
    script = [
        "set a 1", "set e 1 px 50", "set e2 1 px 50", "set e3 1 px 50", "rpush l x",
        "sleep", "dbsize", "~keys *", "dbsize", "type e", "dbsize", "exists e2", "ttl e3",
        "get a", "get nokey", "mget a b l", "exists a b", "type a", "ttl a", "pttl b",
        "object encoding a", "object encoding zz", "touch a b", "strlen a", "strlen b",
        "getrange a 0 1", "getex a", "getex b", "getdel a", "getset a 2", "set a 3 get",
        "set zz 3 get", "incr a", "append a x", "setrange a 0 y", "incrbyfloat q 1",
        "lcs a b", "copy a c", "copy nokey d", "rename a a2", "move a2 1", "expire c 100",
        "persist c", "del zz", "unlink c", "~scan 0 type string", "dbsize",
        "set e4 1 px 10", "set e5 1 px 10", "sleep", "set e4 x", "del e5", "dbsize",
    ]
    try:
        for c in (ours, theirs):
            c([b"FLUSHALL"])
            c([b"DEBUG", b"SET-ACTIVE-EXPIRE", b"0"])
            c([b"CONFIG", b"RESETSTAT"])
        for line in script:
            if line == "sleep":
                time.sleep(0.1)
                continue
            diffs = run_script(ours, theirs, line)
            assert diffs == [], diffs
        fields = ("expired_keys", "keyspace_hits", "keyspace_misses")
        mine = radish_server.client().info("stats")
        ref = redis_server.client().info("stats")
        assert {f: mine[f] for f in fields} == {f: ref[f] for f in fields}
    finally:
        for c in (ours, theirs):
            c([b"DEBUG", b"SET-ACTIVE-EXPIRE", b"1"])
            c([b"FLUSHALL"])
            c.close()


def test_info_keyspace_line_matches(radish_server, redis_server):
    ours, theirs = _clients(radish_server, redis_server)
    for c in (ours, theirs):
        c.execute_command("MSET", "a", "1", "b", "2", "c", "3")
        c.execute_command("EXPIRE", "a", "1000")
        c.execute_command("SELECT", "5")
        c.execute_command("SET", "x", "1")
        c.execute_command("SELECT", "0")

    def lines(client):
        text = client.execute_command("INFO", "keyspace").decode()
        # avg_ttl is a running estimate (only the keys/expires counts are exact).
        return [line.rsplit(",avg_ttl=", 1)[0] for line in text.split("\r\n") if line.startswith("db")]

    assert lines(ours) == lines(theirs) == ["db0:keys=3,expires=1", "db5:keys=1,expires=0"]
    ours.flushall()


def test_randomkey_matches_on_single_key_and_empty(radish_server, redis_server):
    ours, theirs = _clients(radish_server, redis_server)
    _both(ours, theirs, "RANDOMKEY")
    _both(ours, theirs, "SET", "only", "1")
    for _ in range(5):
        _both(ours, theirs, "RANDOMKEY")
    _both(ours, theirs, "SET", "", "1")
    _both(ours, theirs, "DEL", "only")
    _both(ours, theirs, "RANDOMKEY")


def test_object_freq_under_lfu_policy_matches(radish_server, redis_server):
    """A new key's LFU counter is 5; OBJECT FREQ itself is no access;
    IDLETIME is refused under LFU, FREQ without it."""
    ours, theirs = _clients(radish_server, redis_server)
    try:
        for c in (ours, theirs):
            c.execute_command("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
        _both(ours, theirs, "SET", "k", "v")
        _both(ours, theirs, "OBJECT", "FREQ", "k")
        _both(ours, theirs, "OBJECT", "FREQ", "k")
        _both(ours, theirs, "OBJECT", "IDLETIME", "k")
        for c in (ours, theirs):
            c.execute_command("CONFIG", "SET", "lfu-log-factor", "0")
        for _ in range(20):
            _both(ours, theirs, "GET", "k")
        # With lfu-log-factor 0 every access increments the counter.
        assert _both(ours, theirs, "OBJECT", "FREQ", "k") == 25
    finally:
        for c in (ours, theirs):
            c.execute_command("CONFIG", "SET", "maxmemory-policy", "noeviction", "lfu-log-factor", "10")
    _both(ours, theirs, "OBJECT", "FREQ", "k")
    ours.flushall()
