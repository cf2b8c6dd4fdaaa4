"""Exactly one beat: Celery's scheduler behind a lock in Redis (decision 0022).

Two beats would send every periodic task twice (the sweep, the nightly reconcile, the
daily digest). Their effects are safe (claims with SKIP LOCKED, the outbox's dedupe key),
but the work is not, so every beat process runs `LockedScheduler`
(`app.conf.beat_scheduler` in missing/celery.py) and only the one holding the lock sends
anything. Any other beat stands by, tries the lock every `refresh` seconds, and takes
over once the holder stops renewing it (a stopped or dead beat, or its host cut off):
within `BEAT_LOCK_TIMEOUT_SECONDS` (default 20) of the holder's last renewal.

The lock is one Redis key on the broker (`SET NX PX` with a token of this process;
renewed and released only by its holder, through compare-and-set scripts). Redis down
means no broker either: the holder stops sending until it can renew, and the ledger and
the outbox catch up on the next sweep (decision 0017).
"""

from __future__ import annotations

import logging
import os
import socket
import uuid

import redis
from celery.beat import PersistentScheduler

logger = logging.getLogger(__name__)

LOCK_KEY = "homeward:beat:lock"
LOCK_TIMEOUT_SECONDS = float(os.environ.get("BEAT_LOCK_TIMEOUT_SECONDS", "20"))

# Renew (PEXPIRE) or release (DEL) the lock only if it is still ours.
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


class LockedScheduler(PersistentScheduler):
    """PersistentScheduler that sends tasks only while it holds the beat lock."""

    def __init__(self, *args, **kwargs):
        self.lock_timeout = LOCK_TIMEOUT_SECONDS
        # Renewed three times per timeout: one slow renewal does not lose the lock.
        self.refresh = self.lock_timeout / 3
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"
        self.holding = False
        self._standing_by_logged = False
        super().__init__(*args, **kwargs)
        self.lock_redis = redis.Redis.from_url(
            self.app.conf.broker_url, socket_connect_timeout=2, socket_timeout=2
        )

    def tick(self, *args, **kwargs) -> float:
        if not self.hold_lock():
            return self.refresh
        return min(super().tick(*args, **kwargs), self.refresh)

    def hold_lock(self) -> bool:
        """Renew the lock if it is ours, or take it if it is free. False: another beat
        has it (or Redis cannot be reached); send nothing."""
        milliseconds = int(self.lock_timeout * 1000)
        try:
            if self.holding:
                if self.lock_redis.eval(_RENEW, 1, LOCK_KEY, self.token, milliseconds):
                    return True
                self.holding = False
                logger.warning("beat: lost the beat lock; standing by")
            if self.lock_redis.set(LOCK_KEY, self.token, nx=True, px=milliseconds):
                self.holding = True
                self._standing_by_logged = False
                logger.warning("beat: holds the beat lock (%s); sending the schedule", self.token)
                return True
            if not self._standing_by_logged:
                holder = self.lock_redis.get(LOCK_KEY)
                logger.warning("beat: another beat holds the beat lock (%r); standing by", holder)
                self._standing_by_logged = True
        except redis.RedisError:
            self.holding = False
            logger.warning("beat: cannot reach Redis for the beat lock", exc_info=True)
        return False

    def close(self) -> None:
        try:
            if self.holding:
                self.lock_redis.eval(_RELEASE, 1, LOCK_KEY, self.token)
                self.holding = False
                logger.warning("beat: released the beat lock")
        except redis.RedisError:
            logger.warning("beat: could not release the beat lock", exc_info=True)
        finally:
            super().close()
