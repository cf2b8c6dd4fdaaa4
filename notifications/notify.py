"""E-mail through GOV.UK Notify, as councils send it: a Django e-mail backend.

Set EMAIL_BACKEND=notifications.notify.NotifyEmailBackend, NOTIFY_API_KEY (the service's
key), and NOTIFY_TEMPLATES_JSON: template ids by notification kind (`due_soon`,
`breached`, `escalation`, `reclassified`, `information`) with a `default` for the rest.
Each template's subject is `((subject))` and its body `((body))`: Homeward writes the
text (notifications.messages.compose_email, which never names the child).

Every send passes the delivery reference (notifications.delivery.delivery_reference) as
Notify's `reference`. A redelivery (attempt 2 or later: a worker lost its lease after
sending and before marking the row sent, or a send timed out after Notify took it)
first asks Notify for notifications with that reference, and sends nothing if one was
accepted: the e-mail goes once. Notify answers that lookup from its own records, so
this holds across workers and restarts (decision 0017).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail.backends.base import BaseEmailBackend
from notifications_python_client.notifications import NotificationsAPIClient

from notifications.delivery import ATTEMPT_HEADER, KIND_HEADER, REFERENCE_HEADER

logger = logging.getLogger(__name__)

# Notify's statuses for an e-mail that will never arrive: a redelivery sends again.
NOT_DELIVERED = {"permanent-failure", "temporary-failure", "technical-failure", "validation-failed"}


class NotifyEmailBackend(BaseEmailBackend):
    def __init__(self, fail_silently: bool = False, **kwargs) -> None:
        super().__init__(fail_silently=fail_silently, **kwargs)
        if not settings.NOTIFY_API_KEY:
            raise ImproperlyConfigured("NOTIFY_API_KEY is needed for the GOV.UK Notify backend.")
        if not settings.NOTIFY_TEMPLATES.get("default"):
            raise ImproperlyConfigured(
                'NOTIFY_TEMPLATES_JSON needs a "default" template id for the Notify backend.'
            )
        self.client = NotificationsAPIClient(
            settings.NOTIFY_API_KEY,
            base_url=settings.NOTIFY_BASE_URL,
            timeout=settings.EMAIL_TIMEOUT,
        )

    def send_messages(self, email_messages) -> int:
        sent = 0
        for message in email_messages:
            try:
                sent += self._send(message)
            except Exception:
                if not self.fail_silently:
                    raise
        return sent

    def _send(self, message) -> int:
        headers = message.extra_headers
        reference = headers.get(REFERENCE_HEADER)
        template_id = (
            settings.NOTIFY_TEMPLATES.get(headers.get(KIND_HEADER, ""))
            or settings.NOTIFY_TEMPLATES["default"]
        )
        if reference and int(headers.get(ATTEMPT_HEADER, "1")) > 1 and self._accepted(reference):
            logger.info("Notify already has %s: not sent again", reference)
            return 1
        for address in message.recipients():
            self.client.send_email_notification(
                email_address=address,
                template_id=template_id,
                personalisation={"subject": message.subject, "body": message.body},
                reference=reference,
            )
        return 1

    def _accepted(self, reference: str) -> bool:
        """Whether Notify holds an e-mail with this reference that is not a failure."""
        found = self.client.get_all_notifications(template_type="email", reference=reference)
        return any(
            notification.get("status") not in NOT_DELIVERED
            for notification in found.get("notifications", [])
        )
