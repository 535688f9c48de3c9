"""EVAL / EVALSHA / SCRIPT through the dispatcher in-process: replies,
the script cache, the script client's database, blocking commands, and
what a script propagates (its effects, never EVAL itself)."""

from __future__ import annotations

import hashlib
import time

import pytest
from tests.support.inprocess import InProcess
from tests.support.resp import Raw
from tests.support.servers import start_radish


@pytest.fixture
def srv():
    s = InProcess()
    s.capture()
    return s


def sha(body: str) -> str:
    return hashlib.sha1(body.encode()).hexdigest()


def test_eval_returns_converted_values(srv):
    assert srv.run("EVAL", "return {1, 'two', {3}, 4.9, true, false, nil, 9}", "0") == (
        b"*6\r\n:1\r\n$3\r\ntwo\r\n*1\r\n:3\r\n:4\r\n:1\r\n$-1\r\n"
    )
    assert srv.run("EVAL", "return {KEYS[1], ARGV[1], #KEYS, #ARGV}", "1", "k", "a") == (
        b"*4\r\n$1\r\nk\r\n$1\r\na\r\n:1\r\n:1\r\n"
    )


def test_redis_call_reaches_the_keyspace(srv):
    assert srv.run("EVAL", "return redis.call('SET', KEYS[1], ARGV[1])", "1", "k", "v") == b"+OK\r\n"
    assert srv.run("GET", "k") == b"$1\r\nv\r\n"
    assert srv.run("EVAL", "return redis.call('get', 'k')", "0") == b"$1\r\nv\r\n"


def test_call_error_aborts_with_script_location(srv):
    srv.run("SET", "s", "x")
    body = "redis.call('set', 'before', '1')\nreturn redis.call('incr', 's')"
    assert srv.run("EVAL", body, "0") == (
        b"-ERR value is not an integer or out of range script: %s, on @user_script:2.\r\n" % sha(body).encode()
    )
    # Writes done before the error stay (no rollback, as Redis).
    assert srv.run("GET", "before") == b"$1\r\n1\r\n"
    assert srv.run("EVAL", "return redis.pcall('incr', 's')", "0") == b"-ERR value is not an integer or out of range\r\n"


def test_script_cache(srv):
    body = "return 'cached'"
    assert srv.run("SCRIPT", "LOAD", body) == b"$40\r\n%s\r\n" % sha(body).encode()
    assert srv.run("EVALSHA", sha(body), "0") == b"$6\r\ncached\r\n"
    assert srv.run("EVALSHA", sha(body).upper(), "0") == b"$6\r\ncached\r\n"
    assert srv.run("SCRIPT", "EXISTS", sha(body), "0" * 40) == b"*2\r\n:1\r\n:0\r\n"
    srv.run("EVAL", "return 2", "0")
    assert srv.run("SCRIPT", "EXISTS", sha("return 2")) == b"*1\r\n:1\r\n"
    assert b"number_of_cached_scripts:2" in srv.run("INFO", "memory")
    assert srv.run("SCRIPT", "FLUSH") == b"+OK\r\n"
    assert srv.run("EVALSHA", sha(body), "0") == b"-NOSCRIPT No matching script. Please use EVAL.\r\n"
    assert b"number_of_cached_scripts:0" in srv.run("INFO", "memory")


def test_select_inside_script_stays_in_script(srv):
    body = "redis.call('select', 2); redis.call('set', 'k', 'two'); return redis.call('get', 'k')"
    assert srv.run("EVAL", body, "0") == b"$3\r\ntwo\r\n"
    assert srv.run("GET", "k") == b"$-1\r\n"  # the caller is still in db 0
    srv.run("SELECT", "2")
    assert srv.run("GET", "k") == b"$3\r\ntwo\r\n"
    # A script starts in its caller's database.
    assert srv.run("EVAL", "return redis.call('get', 'k')", "0") == b"$3\r\ntwo\r\n"


def test_blocking_commands_are_refused(srv):
    # Redis 7.0 flags every blocking command noscript.
    assert srv.run("EVAL", "return redis.pcall('blpop', 'nolist', 0)", "0") == (
        b"-ERR This Redis command is not allowed from script\r\n"
    )


def test_read_only_scripts_refuse_writes(srv):
    assert srv.run("EVAL_RO", "return redis.call('get', 'k')", "0") == b"$-1\r\n"
    body = "return redis.call('set', 'k', 'v')"
    assert srv.run("EVAL_RO", body, "0") == (
        b"-ERR Write commands are not allowed from read-only scripts. script: %s, on @user_script:1.\r\n"
        % sha(body).encode()
    )
    shebang = "#!lua flags=no-writes\nreturn redis.call('set', 'k', 'v')"
    assert srv.run("EVAL", shebang, "0").startswith(b"-ERR Write commands are not allowed from read-only scripts.")
    assert srv.run("GET", "k") == b"$-1\r\n"


def test_effects_are_propagated_not_eval(srv):
    srv.run("EVAL", "redis.call('set', 'a', '1')", "0")
    assert srv.propagated() == [[b"set", b"a", b"1"]]
    srv.run("EVAL", "return redis.call('get', 'a')", "0")
    assert srv.propagated() == []
    srv.run("EVAL", "redis.call('set', 'x', '1'); redis.call('select', '3'); redis.call('incr', 'y')", "0")
    raw = b"".join(srv.captured)
    srv.captured.clear()
    # As redis-server 7.0 sends it: one MULTI/EXEC, SELECT inside it.
    assert raw == (
        b"*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nset\r\n$1\r\nx\r\n$1\r\n1\r\n"
        b"*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*2\r\n$4\r\nincr\r\n$1\r\ny\r\n*1\r\n$4\r\nEXEC\r\n"
    )


def test_relative_and_random_writes_propagate_deterministically(srv):
    srv.run("SADD", "s", "a")
    srv.propagated()
    srv.run("EVAL", "redis.call('set', 'k', 'v', 'EX', '100'); redis.call('spop', 's')", "0")
    out = srv.propagated()
    assert out[0] == [b"MULTI"] and out[-1] == [b"EXEC"]
    assert out[1][0].upper() == b"SET" and b"PXAT" in [a.upper() for a in out[1]]
    assert out[2][0].upper() == b"SREM" and out[2][1:] == [b"s", b"a"]


def test_set_repl_none_keeps_writes_local(srv):
    srv.run("EVAL", "redis.set_repl(redis.REPL_NONE); redis.call('set', 'local', '1');"
            " redis.set_repl(redis.REPL_ALL); redis.call('set', 'shared', '1')", "0")
    assert srv.propagated() == [[b"set", b"shared", b"1"]]
    assert srv.run("GET", "local") == b"$1\r\n1\r\n"


def test_script_and_load_are_not_propagated(srv):
    srv.run("SCRIPT", "LOAD", "return 1")
    srv.run("SCRIPT", "FLUSH")
    srv.run("EVAL", "return 1", "0")
    assert srv.propagated() == []


def test_eval_inside_multi(srv):
    srv.run("MULTI")
    assert srv.run("EVAL", "return redis.call('incr', 'c')", "0") == b"+QUEUED\r\n"
    assert srv.run("EXEC") == b"*1\r\n:1\r\n"
    assert srv.propagated() == [[b"incr", b"c"]]


def test_globals_are_protected_between_runs(srv):
    assert srv.run("EVAL", "redis.call = nil", "0").startswith(b"-ERR user_script:1: Attempt to modify a readonly table")
    assert srv.run("EVAL", "return redis.call('ping')", "0") == b"+PONG\r\n"
    assert srv.run("EVAL", "x = 1", "0").startswith(b"-ERR user_script:1: Attempt to modify a readonly table")
    assert srv.run("EVAL", "return KEYS[1]", "1", "a") == b"$1\r\na\r\n"
    assert srv.run("EVAL", "return KEYS[1]", "0") == b"$-1\r\n"


def _calls(srv, name: str) -> int:
    stats = srv.run("INFO", "commandstats").decode()
    for line in stats.split("\r\n"):
        if line.startswith("cmdstat_%s:" % name):
            return int(line.split("calls=")[1].split(",")[0])
    return 0


def test_commandstats_count_calls_from_scripts(srv):
    sets, evals = _calls(srv, "set"), _calls(srv, "eval")
    srv.run("EVAL", "redis.call('set', 'k', 'v'); redis.call('set', 'k', 'w')", "0")
    assert _calls(srv, "set") == sets + 2
    assert _calls(srv, "eval") == evals + 1


def test_script_kill_without_script(srv):
    assert srv.run("SCRIPT", "KILL") == b"-NOTBUSY No scripts in execution right now.\r\n"


def test_redis_log_writes_the_server_log(srv, tmp_path):
    log = tmp_path / "radish.log"
    srv.server.config.logfile = str(log)
    srv.run("EVAL", "redis.log(redis.LOG_WARNING, 'from', 'lua', 7)", "0")
    assert "from lua 7" in log.read_text()


def test_math_random_sequence_of_a_fresh_server():
    # A fresh redis-server 7.0 answers 40 85 36 45 (redisLrand48's static
    # state; scripts do not reseed it), and randomseed(0) restarts at 18 75.
    s = InProcess()
    assert s.run("EVAL", "return {math.random(100), math.random(100)}", "0") == b"*2\r\n:40\r\n:85\r\n"
    assert s.run("EVAL", "return {math.random(100), math.random(100)}", "0") == b"*2\r\n:36\r\n:45\r\n"
    assert s.run("EVAL", "math.randomseed(0); return {math.random(100), math.random(100)}", "0") == (
        b"*2\r\n:18\r\n:75\r\n"
    )


def test_script_write_wakes_a_blocked_client(radish_server):
    import threading

    waiter = radish_server.client()
    writer = radish_server.client()
    writer.delete("queue")
    got = []
    t = threading.Thread(target=lambda: got.append(waiter.blpop("queue", 5)))
    t.start()
    deadline = time.time() + 5
    while time.time() < deadline and writer.info("clients")["blocked_clients"] < 1:
        time.sleep(0.02)
    assert writer.eval("return redis.call('rpush', KEYS[1], ARGV[1])", 1, "queue", "job") == 1
    t.join(5)
    assert got == [(b"queue", b"job")]


def test_busy_script_answers_busy_and_script_kill_stops_it():
    """Past busy-reply-threshold, connected clients get BUSY, SHUTDOWN
    without NOSAVE is refused, SCRIPT KILL stops a script that has not
    written (UNKILLABLE once it has), as redis-server 7.0 answers."""
    s = start_radish("--busy-reply-threshold", "200")
    try:
        other, runner = Raw(s.port), Raw(s.port)
        assert other([b"PING"]) == b"+PONG\r\n"
        runner.send([b"EVAL", b"local i = 0 while true do i = i + 1 end", b"0"])
        time.sleep(0.6)
        busy = b"-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n"
        assert other([b"GET", b"x"]) == busy
        assert other([b"SHUTDOWN"]) == busy
        assert other([b"SCRIPT", b"KILL"]) == b"+OK\r\n"
        assert runner.read() == (
            b"-ERR Script killed by user with SCRIPT KILL... script: "
            b"3fcf51a9b854b8f66cb8685600b0d7df968f4398, on @user_script:1.\r\n"
        )
        assert other([b"PING"]) == b"+PONG\r\n"
        runner.send([b"EVAL", b"redis.call('set', 'w', '1') while true do end", b"0"])
        time.sleep(0.6)
        assert other([b"SCRIPT", b"KILL"]).startswith(b"-UNKILLABLE Sorry the script already executed write commands")
        other.send([b"SHUTDOWN", b"NOSAVE"])
        assert s.proc.wait(10) == 0
    finally:
        s.stop()
