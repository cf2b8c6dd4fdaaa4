"""A real e-mail backend for the delivery tests: refuses the first N messages, then
writes the rest as files (Django's file-based backend) so any process can count them.

Configured like any backend: EMAIL_BACKEND="tests.notifications.backends.FailFirstSendsBackend",
EMAIL_FILE_PATH for the sent mail, and FLAKY_EMAIL_STATE (a setting, or the environment
for a Celery worker) naming a file that holds how many sends are still to fail.
"""

from __future__ import annotations

import email
import os
from pathlib import Path
from smtplib import SMTPServerDisconnected

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.filebased import EmailBackend as FileBackend

SEPARATOR = "-" * 79


class FailFirstSendsBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        state = Path(
            getattr(settings, "FLAKY_EMAIL_STATE", None) or os.environ["FLAKY_EMAIL_STATE"]
        )
        left = int(state.read_text().strip() or 0) if state.exists() else 0
        if left > 0:
            state.write_text(str(left - 1))
            raise SMTPServerDisconnected("The test mail server refused the message")
        return FileBackend(fail_silently=self.fail_silently).send_messages(email_messages)


def sent_mail(directory) -> list[email.message.Message]:
    """Every message the file-based backend wrote into `directory`."""
    messages = []
    for path in sorted(Path(directory).glob("*.log")):
        for chunk in path.read_text().split(SEPARATOR):
            if chunk.strip():
                messages.append(email.message_from_string(chunk.lstrip("\n")))
    return messages


class WorkerDiesAfterSendBackend(BaseEmailBackend):
    """Sends through the backend named by the DIES_AFTER_SEND_BACKEND setting, then the
    worker "dies" (SystemExit, which delivery does not catch): the mail has gone, the row
    is still claimed and pending, as when a worker is killed between the send and the
    UPDATE that marks it sent. Only the first send dies; later ones just send."""

    died = False

    def send_messages(self, email_messages):
        backend = get_connection(settings.DIES_AFTER_SEND_BACKEND, fail_silently=False)
        sent = backend.send_messages(email_messages)
        if not WorkerDiesAfterSendBackend.died:
            WorkerDiesAfterSendBackend.died = True
            raise SystemExit("the worker was killed after the send")
        return sent
