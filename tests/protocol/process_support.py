"""Real processes for the worker tests: a redis-server of the test's own (never the shared
6379), Celery workers and beats against the test database, each in its own process group,
each killable on its own, all stopped at the end (tests/protocol/test_faults.py,
tests/protocol/test_one_beat_two_workers.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))


class Processes:
    def __init__(self, tmp: Path, *, port: int, name: str, timeout: float = 60, **env: str):
        self.tmp = tmp
        self.port = port
        self.redis_url = f"redis://127.0.0.1:{port}/0"
        self.timeout = timeout
        self.mail = tmp / "mail"
        self.processes: dict[str, subprocess.Popen] = {}
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "missing.settings",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}",
            "REDIS_URL": self.redis_url,
            "CELERY_BROKER_URL": self.redis_url,
            "CELERY_RESULT_BACKEND": self.redis_url,
            "CACHE_KEY_PREFIX": f"test_hw_{name}",
            "PROTOCOL_SWEEP_INTERVAL_SECONDS": "1",
            "NOTIFICATIONS_DELIVER_INTERVAL_SECONDS": "1",
            "EMAIL_BACKEND": "tests.notifications.backends.FailFirstSendsBackend",
            "EMAIL_FILE_PATH": str(self.mail),
            "FLAKY_EMAIL_STATE": str(tmp / "failures_left"),
            "PYTHONPATH": str(ROOT),
            **env,
        }

    def start(self, name: str, command: list[str]) -> None:
        log = (self.tmp / f"{name}.log").open("a")
        self.processes[name] = subprocess.Popen(  # noqa: S603 - our own programs
            command,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start_redis(self) -> None:
        self.start(
            "redis",
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.tmp)],
        )  # fmt: skip
        self.wait_until(self._redis_answers, "our redis-server answers", timeout=20)

    def _redis_answers(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.redis_url, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def start_worker(self, name: str, *, concurrency: int, queues: str) -> None:
        self.start(
            name,
            [CELERY, "-A", "missing", "worker", "--concurrency", str(concurrency), "--queues",
             queues, "--hostname", f"{name}-{os.getpid()}-{time.monotonic_ns()}@%h",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO"],
        )  # fmt: skip

    def start_beat(self, name: str) -> None:
        self.start(
            name,
            [CELERY, "-A", "missing", "beat", "--schedule", str(self.tmp / f"{name}-schedule"),
             "--loglevel", "INFO"],
        )  # fmt: skip

    def signal(self, name: str, signum: int) -> None:
        """Send `signum` to the process group; SIGKILL is a crash or an OOM kill: no clean
        shutdown, nothing handed back."""
        process = self.processes.pop(name)
        if process.poll() is None:
            os.killpg(process.pid, signum)
        process.wait(timeout=20)

    def stop(self) -> None:
        for name in list(self.processes):
            process = self.processes[name]
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        self.processes = {}

    def log(self, name: str) -> str:
        path = self.tmp / f"{name}.log"
        return path.read_text() if path.exists() else ""

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n" + path.read_text()[-3000:]
            for path in sorted(self.tmp.glob("*.log"))
        )

    def wait_until(self, condition, what: str, timeout: float | None = None) -> None:
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.2)
        pytest.fail(f"Timed out after {timeout} s waiting until {what}\n{self.logs()}")
