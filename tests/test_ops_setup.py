"""`make test` on a fresh machine: Chromium installed when it can be, otherwise the skips named at the end."""
import os
import socket
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "test_prereqs.sh"


@pytest.fixture
def ports():
    """Two ports with a listener (PostgreSQL, Redis stand-ins) and one with none."""
    listeners = [socket.create_server(("127.0.0.1", 0)) for _ in range(2)]
    closed = socket.create_server(("127.0.0.1", 0))
    free = closed.getsockname()[1]
    closed.close()
    yield [s.getsockname()[1] for s in listeners], free
    for s in listeners:
        s.close()


def run(mode, **env):
    result = subprocess.run(["bash", str(SCRIPT), mode], capture_output=True, text=True, timeout=60,
                            env={**os.environ, **{k: str(v) for k, v in env.items()}})
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_nothing_missing_prints_nothing(tmp_path, ports):
    (pg, redis), _ = ports
    chromium = tmp_path / "chromium"
    chromium.write_text("#!/bin/sh\n")
    chromium.chmod(0o755)
    assert run("report", RETE_CHROMIUM=chromium, RETE_TEST_PG_PORT=pg, RETE_TEST_REDIS_PORT=redis) == ""


def test_missing_pieces_are_one_line_with_the_install_command(ports):
    (pg, _), free = ports
    out = run("report", RETE_CHROMIUM="/nonexistent/chromium", RETE_TEST_PG_PORT=pg, RETE_TEST_REDIS_PORT=free)
    assert out.count("\n") == 1
    assert out.startswith("SKIPPED: browser tests (no Chromium at /nonexistent/chromium), RQ job test")
    assert "PostgreSQL" not in out
    assert out.rstrip().endswith("apt-get install chromium chromium-driver redis-server")


@pytest.mark.skipif(os.geteuid() != 0, reason="installing needs root, as on CI")
def test_install_calls_apt_get_for_chromium_as_root(tmp_path):
    log = tmp_path / "apt.log"
    fake_apt = tmp_path / "apt-get"
    fake_apt.write_text(f'#!/bin/sh\necho "$@" >> {log}\n')
    fake_apt.chmod(0o755)
    run("install", RETE_CHROMIUM="/nonexistent/chromium", RETE_APT_GET=fake_apt)
    assert log.read_text().splitlines() == ["update -qq", "install -y -qq chromium chromium-driver"]
    log.unlink()
    run("install", RETE_CHROMIUM=fake_apt, RETE_APT_GET=fake_apt)  # present: nothing to do
    assert not log.exists()
