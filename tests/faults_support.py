"""Real processes for the fault tests and the load benchmark: gunicorn, redis-server, a TCP proxy that can
cut PostgreSQL away from the app, and a seeded throw-away database.

Everything binds to 127.0.0.1 on a free port and is stopped by the fixture that started it.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached in {timeout:.0f} s")
        time.sleep(interval)


def seed_demo(database) -> None:
    """Migrate and seed the demo network into ``database`` (a tests.conftest.Database), as the owner."""
    from portal import create_app
    from portal.extensions import db
    from portal.seed import seed_all
    from portal.tenancy import context

    database.migrate()
    owner_app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database.owner_url, "DATABASE_OWNER_URL": database.owner_url,
         "TESTING": True, "FAST_PASSWORD_HASH": True},  # cheap argon2 for the demo passwords
        owner=True,
    )
    with owner_app.app_context():
        with context.system("test seed"):
            seed_all()
            db.session.commit()
        db.session.remove()
        db.engine.dispose()


# --- gunicorn ---------------------------------------------------------------------------------------


class Gunicorn:
    """``gunicorn portal:create_app(overrides)`` on a free port, as the app role (row-level security)."""

    def __init__(self, overrides: dict, workers: int = 2, log_dir: Path | None = None, env: dict | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.overrides = overrides
        self.workers = workers
        self.log_path = (log_dir or Path("/tmp")) / f"gunicorn-{self.port}.log"
        self.env = env or {}
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> Gunicorn:
        env = {**os.environ, **self.env}
        # Only the overrides configure the app: no DATABASE_URL or RATELIMIT_* leaking in from the shell.
        for name in ("DATABASE_URL", "DATABASE_OWNER_URL", "REDIS_URL", "RATELIMIT_STORAGE_URI"):
            env.pop(name, None)
        app = f"portal:create_app({self.overrides!r})"
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}",
             "--timeout", "30", "--graceful-timeout", "5", "--log-level", "warning", app],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
        )

        def ready():
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log()}")
            try:
                return requests.get(self.url + "/accesso", timeout=2).status_code == 200
            except requests.RequestException:
                return False

        wait_until(ready, timeout, interval=0.2, what="gunicorn ready")
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "_log", None):
            self._log.close()


# --- redis-server -----------------------------------------------------------------------------------

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


class RedisServer:
    """A private redis-server on a free port, no persistence: a restart comes back empty."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = directory
        self.process: subprocess.Popen | None = None

    def client(self, db: int = 0):
        from redis import Redis

        return Redis(host="127.0.0.1", port=self.port, db=db, socket_connect_timeout=1, socket_timeout=2)

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
             "--save", "", "--appendonly", "no", "--protected-mode", "yes", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )

        def up():
            try:
                return self.client().ping()
            except Exception:  # noqa: BLE001 - not up yet
                return False

        wait_until(up, 10, what="redis-server ready")
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


# --- a TCP proxy that can fail ---------------------------------------------------------------------


class TcpProxy:
    """Forwards 127.0.0.1:<port> to ``target``. ``drop_all()`` cuts every open connection (both sides, so
    PostgreSQL rolls back what they had open); within ``refusing()`` new connections are closed at once,
    within ``silent()`` they are accepted and never answered."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._refusing = threading.Event()
        self._silent = threading.Event()
        self._held: list[socket.socket] = []
        self._closed = False
        self.accepted = self.refused = self.cut = 0

    def start(self) -> TcpProxy:
        threading.Thread(target=self._accept_loop, name="pg-proxy", daemon=True).start()
        return self

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self._refusing.is_set():
                self.refused += 1
                _close(client)
                continue
            if self._silent.is_set():  # accepted, then never a byte back: a network partition
                with self._lock:
                    self._held.append(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._sockets.update((client, upstream))
                self.accepted += 1
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._sockets.discard(src)
                self._sockets.discard(dst)
            _close(src)
            _close(dst)

    def drop_all(self) -> int:
        with self._lock:
            sockets = list(self._sockets)
            self._sockets.clear()
        for s in sockets:
            _close(s)
        self.cut += len(sockets) // 2
        return len(sockets) // 2

    @contextlib.contextmanager
    def refusing(self):
        self._refusing.set()
        try:
            yield
        finally:
            self._refusing.clear()

    @contextlib.contextmanager
    def silent(self):
        self._silent.set()
        try:
            yield
        finally:
            self._silent.clear()
            with self._lock:
                held, self._held = self._held, []
            for s in held:
                _close(s)

    def close(self) -> None:
        self._closed = True
        _close(self._listener)
        self.drop_all()


def _close(s: socket.socket) -> None:
    with contextlib.suppress(OSError):
        s.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        s.close()


# --- a user over HTTP -------------------------------------------------------------------------------


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def http_login(base_url: str, email: str, password: str, timeout: float = 15) -> requests.Session:
    """A requests session logged in through the real form (CSRF included); raises if the login fails."""
    http = requests.Session()
    token = csrf_of(http.get(base_url + "/accesso", timeout=timeout).text)
    response = http.post(base_url + "/accesso", data={"email": email, "password": password, "csrf_token": token},
                         allow_redirects=False, timeout=timeout)
    if response.status_code != 302 or "/accesso" in response.headers.get("Location", "/accesso"):
        raise AssertionError(f"login of {email} failed: {response.status_code}")
    return http
