"""radish as a user installs it: a wheel built from this checkout's files
(``pip wheel``, as ``pip install .`` builds it), installed into a fresh
virtual environment, with and without a C compiler; the ``radish-server``
script and the pytest plugin's entry point, from that environment.

The environments see the system's site-packages (radish's dependencies,
pytest, redis-py), so only radish itself is installed (``--no-deps``);
building uses pip's usual isolated build environment (setuptools and wheel
from the package index), and the first test a C compiler (.ci/run installs
gcc where it is missing). These tests sit in their own directory so that
test.sh's second pass (integration and compat tests without the C
extensions) does not build the wheels again."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import redis
from tests.support.servers import free_port, wait_port

ROOT = Path(__file__).resolve().parents[2]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTEST_ADDOPTS", "PYTEST_DISABLE_PLUGIN_AUTOLOAD")}
    env.update(extra)
    return env


def _run(argv: list, timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    out = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=timeout, **kw)
    assert out.returncode == 0, "%s\n%s\n%s" % (argv, out.stdout[-3000:], out.stderr[-3000:])
    return out


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    """The checkout's files (tracked, or new and not ignored), nothing built."""
    dest = tmp_path_factory.mktemp("source")
    files = _run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT).stdout.split("\0")
    for name in files:
        if not name or not (ROOT / name).is_file():
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    return dest


def _build_wheel(source: Path, out: Path, **env: str) -> Path:
    tree = out.parent / "build-tree"  # pip builds in the tree: a fresh copy each time
    shutil.copytree(source, tree)
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", out, tree], env=_env(**env), timeout=300)
    wheels = list(out.glob("radish-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def _venv_with(wheel: Path, where: Path) -> Path:
    """A fresh venv (system site-packages visible) with ``wheel`` installed;
    returns its bin directory."""
    _run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", where])
    bindir = where / "bin"
    _run([bindir / "python", "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel], env=_env())
    return bindir


def _serve_from(bindir: Path, workdir: Path) -> None:
    """radish-server from the venv answers, then shuts down cleanly."""
    port = free_port()
    proc = subprocess.Popen(
        [str(bindir / "radish-server"), "--port", str(port), "--save", "", "--dir", str(workdir)],
        cwd=workdir, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        wait_port(port, proc)
        r = redis.Redis(port=port)
        assert r.ping() is True
        assert r.set("k", "v") is True
        assert r.info("server")["redis_version"] == "7.0.15"
        r.shutdown(nosave=True)
        assert proc.wait(15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def _imported_from(bindir: Path, module: str) -> str:
    return _run([bindir / "python", "-c", "import %s as m; print(m.__file__)" % module], env=_env()).stdout.strip()


def test_wheel_with_the_c_extensions(source, tmp_path):
    wheel = _build_wheel(source, tmp_path / "dist")
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("radish/_fastpath.") and n.endswith(".so") for n in names)
    assert any(n.startswith("radish/protocol/_reqparser.") and n.endswith(".so") for n in names)
    bindir = _venv_with(wheel, tmp_path / "venv")
    assert _imported_from(bindir, "radish").startswith(str(tmp_path / "venv"))
    assert _imported_from(bindir, "radish._fastpath").endswith(".so")
    version = _run([bindir / "radish-server", "--version"], env=_env()).stdout
    assert version.startswith("Redis server v=7.0.15 ")
    _serve_from(bindir, tmp_path)

    # A project with only radish installed and a test using radish_client:
    # the plugin comes from the pytest11 entry point.
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_app.py").write_text(
        "def test_counter(radish_client):\n"
        "    assert radish_client.incr('hits') == 1\n"
        "    assert radish_client.incr('hits') == 2\n"
        "\n"
        "def test_fresh(radish_client):\n"
        "    assert radish_client.get('hits') is None\n"
    )
    out = _run([bindir / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=project, env=_env())
    assert "2 passed" in out.stdout


def test_wheel_without_a_compiler(source, tmp_path):
    wheel = _build_wheel(source, tmp_path / "dist", CC="/bin/false")
    names = zipfile.ZipFile(wheel).namelist()
    assert not [n for n in names if n.endswith(".so")]
    bindir = _venv_with(wheel, tmp_path / "venv")
    probe = _run([bindir / "python", "-c", "import radish.dispatch as d, radish.protocol.parser as p; "
                  "import importlib.util as u; print(u.find_spec('radish._fastpath'))"], env=_env())
    assert probe.stdout.strip() == "None"
    _serve_from(bindir, tmp_path)
