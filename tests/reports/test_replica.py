"""Reports read from a real streaming replica when REPORTING_DATABASE_URL names one.

A throwaway primary (initdb) and its replica (pg_basebackup -R) from Debian's PostgreSQL 15
binaries run on spare loopback ports in a temporary directory, as the `postgres` OS user
when the tests run as root (initdb refuses root). The test database is copied to the
primary with pg_dump; the replica replays it; the reports page, pointed at the replica,
counts what the replica holds (not a row added to the primary test database afterwards)
and shows "data as at" from pg_last_xact_replay_timestamp(). Both servers are stopped at
the end, whatever happens.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from core.clock import LONDON
from reports.routers import reporting_alias
from tests.reports.support import add_episode, london

# Debian's server binaries (initdb, pg_ctl, pg_basebackup): the newest installed, 15 here.
BIN = max(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "reporting"])


def spare_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def as_postgres(*command: str) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return list(command)


def run(*command: str) -> str:
    done = subprocess.run(as_postgres(*command), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@contextlib.contextmanager
def streaming_replica() -> Iterator[tuple[int, int]]:
    """(primary port, replica port) of a running primary and its streaming replica."""
    root = Path(tempfile.mkdtemp(prefix="homeward-replica-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    primary, replica = root / "primary", root / "replica"
    primary_port, replica_port = spare_port(), spare_port()
    started: list[Path] = []
    try:
        run(str(BIN / "initdb"), "-D", str(primary), "-U", "postgres", "-A", "trust", "--no-sync")
        options = f"-p {{port}} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
        run(
            str(BIN / "pg_ctl"),
            "-D",
            str(primary),
            "-w",
            "-l",
            str(root / "primary.log"),
            "-o",
            options.format(port=primary_port),
            "start",
        )
        started.append(primary)
        run(
            str(BIN / "pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            str(primary_port),
            "-U",
            "postgres",
            "-D",
            str(replica),
            "-R",
            "-X",
            "stream",
            "--no-sync",
        )
        run(
            str(BIN / "pg_ctl"),
            "-D",
            str(replica),
            "-w",
            "-l",
            str(root / "replica.log"),
            "-o",
            options.format(port=replica_port),
            "start",
        )
        started.append(replica)
        yield primary_port, replica_port
    finally:
        for data in reversed(started):
            subprocess.run(
                as_postgres(str(BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"),
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def reporting_from(port: int, settings) -> Iterator[None]:
    """Point the `reporting` alias at the replica, as REPORTING_DATABASE_URL would."""
    alias = connections["reporting"]
    saved = dict(alias.settings_dict)
    alias.close()
    alias.settings_dict.update({"HOST": "127.0.0.1", "PORT": port, "NAME": "homeward"})
    settings.REPORTING_DATABASE_URL = f"postgres://postgres@127.0.0.1:{port}/homeward"
    try:
        yield
    finally:
        alias.close()
        alias.settings_dict.clear()
        alias.settings_dict.update(saved)


def test_reports_read_from_a_streaming_replica_with_data_as_at_from_its_replay(
    client, world, settings
):
    add_episode(
        world.child, london(2026, 5, 2, 12), london(2026, 5, 2, 20), reported_by=world.social_worker
    )
    test_db = connection.settings_dict
    with streaming_replica() as (primary_port, replica_port):
        psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-v", "ON_ERROR_STOP=1"]
        subprocess.run(
            [*psql, "-p", str(primary_port), "-c", "CREATE DATABASE homeward"],
            check=True,
            capture_output=True,
        )
        dump = subprocess.run(
            [
                "pg_dump",
                "-h",
                str(test_db["HOST"]),
                "-p",
                str(test_db["PORT"]),
                "-U",
                "postgres",
                "--no-owner",
                # Other tests grant the application's role (core/dbroles.py) on this
                # database; the throwaway primary has no such role.
                "--no-privileges",
                test_db["NAME"],
            ],
            check=True,
            capture_output=True,
        )
        restore = subprocess.run(
            [*psql, "-p", str(primary_port), "-d", "homeward"],
            input=dump.stdout,
            capture_output=True,
        )
        assert restore.returncode == 0, restore.stderr.decode()
        # After the copy, a second episode exists only in the primary test database.
        add_episode(
            world.child,
            london(2026, 5, 9, 12),
            london(2026, 5, 9, 20),
            reported_by=world.social_worker,
        )

        with reporting_from(replica_port, settings):
            assert reporting_alias() == "reporting"
            with connections["reporting"].cursor() as cursor:
                deadline = time.monotonic() + 30
                while True:
                    cursor.execute(
                        "SELECT pg_is_in_recovery(), pg_last_xact_replay_timestamp(), (SELECT count(*) FROM episodes_episode)"
                    )
                    in_recovery, replayed, episodes = cursor.fetchone()
                    if episodes == 1 or time.monotonic() > deadline:
                        break
                    time.sleep(0.2)
            assert in_recovery, "the reporting alias is a replica"
            assert episodes == 1, "the replica has replayed the copy"
            client.force_login(world.missing_coordinator)
            page = client.get(
                reverse("reports:index"), {"from_date": "2026-05-01", "to_date": "2026-05-31"}
            )
            assert page.status_code == 200
            total = page.context["sections"][0]["tables"][0]["rows"][-1]
            assert total[5] == "1", "the replica's one episode, not the primary's two"
            assert page.context["data_as_at"] == replayed
            assert (
                timezone.localtime(replayed, LONDON).strftime("%-d %B %Y, %H:%M")
                in page.content.decode()
            )
            # Case work reads the primary whatever the reporting alias is.
            assert world.child.episodes.count() == 2
