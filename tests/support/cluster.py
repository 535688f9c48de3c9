"""Cluster-mode server processes: a port whose bus port (+10000) is free
too, and radish or redis-server started on it with cluster-enabled yes."""

from __future__ import annotations

import random
import shutil
import socket
import tempfile

from tests.support.servers import ServerProcess, radish_argv, subprocess_env

CLUSTER_ARGS = ("--cluster-enabled", "yes", "--appendonly", "no")


_ports = random.Random()  # not the tests' (some seed the module's generator)


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def cluster_port() -> int:
    """A free port whose bus port (+10000) is free too; both below the
    kernel's ephemeral range (see servers.PORT_RANGE)."""
    while True:
        p = _ports.randint(20000, 22767)
        if _free(p) and _free(p + 10000):
            return p


def start_cluster_node(kind: str, *extra: str, node_timeout: int = 5000) -> ServerProcess:
    """``kind``: "radish" or "redis"; ``extra``: more arguments."""
    port = cluster_port()
    workdir = tempfile.mkdtemp(prefix="cluster-%s-" % kind)
    args = [*CLUSTER_ARGS, "--cluster-node-timeout", str(node_timeout), *extra]
    if kind == "radish":
        return ServerProcess(radish_argv(port, workdir, *args), port, workdir, env=subprocess_env())
    exe = shutil.which("redis-server")
    assert exe is not None
    argv = [exe, "--port", str(port), "--dir", workdir, "--save", "", *args]
    return ServerProcess(argv, port, workdir)
