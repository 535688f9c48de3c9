"""Resharding under a live writer: while redis-py's RedisCluster writes
keys without pause (following MOVED and ASK as slots move), ``redis-cli
--cluster reshard`` moves slots holding keys from a radish node to a
redis-server node and back to another radish node. Every write the cluster
acknowledged must be readable afterwards, with its value."""

from __future__ import annotations

import threading

from tests.integration.test_cluster import _check, _cluster_client, _reshard, make_cluster  # noqa: F401 - fixture


def test_no_acknowledged_write_is_lost_while_slots_move(make_cluster):  # noqa: F811 - the fixture
    radish_a, radish_b, redis_c = make_cluster("radish", "radish", "redis")
    acked: dict[str, str] = {}
    errors: list[BaseException] = []
    stop = threading.Event()

    def writer() -> None:
        rc = _cluster_client(radish_b)
        try:
            i = 0
            while not stop.is_set():
                key, value = "w%d" % (i % 3000), "v%d" % i
                try:
                    rc.set(key, value)
                except Exception as e:  # an unacknowledged write may be lost; note it
                    errors.append(e)
                    continue
                acked[key] = value
                i += 1
        finally:
            rc.close()

    t = threading.Thread(target=writer)
    t.start()
    try:
        _reshard(redis_c, radish_a, redis_c, 300)  # radish -> redis, while writes go on
        _reshard(radish_b, redis_c, radish_b, 400)  # redis -> radish
    finally:
        stop.set()
        t.join(60)
    print("writes acknowledged: %d distinct keys, %d errors" % (len(acked), len(errors)))
    assert len(acked) > 100
    _check(radish_a)
    rc = _cluster_client(radish_a)
    try:
        keys = sorted(acked)
        got = dict(zip(keys, rc.mget_nonatomic(keys), strict=True))
    finally:
        rc.close()
    lost = {k: (v, got[k]) for k, v in acked.items() if got[k] != v.encode()}
    assert not lost, list(lost.items())[:10]
    # RedisCluster retries MOVED/ASK itself: nothing should have reached the writer.
    assert not errors, errors[:3]
