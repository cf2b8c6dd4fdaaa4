"""The address a request came from, behind reverse proxies we trust (decision 0015).

`X-Forwarded-For` is a list each proxy appends to: "client, proxy1, proxy2", and the
last hop is REMOTE_ADDR. Anyone can send the header, so it is read only when
REMOTE_ADDR is one of settings.TRUSTED_PROXIES, and then from the right: each address
that is itself a trusted proxy is skipped, and the first that is not is the client.
Reading the leftmost entry instead would let a client choose its own address (and so
walk past a per-address lockout).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _networks(entries: Iterable[str]) -> list[Network]:
    return [ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry]


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, trusted: list[Network]):
    return any(address.version == network.version and address in network for network in trusted)


def client_address(request: HttpRequest) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    trusted = _networks(settings.TRUSTED_PROXIES)
    peer = _address(remote) if remote else None
    if peer is None or not _trusted(peer, trusted):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hop = peer
    for entry in reversed([part for part in forwarded.split(",") if part.strip()]):
        address = _address(entry)
        if address is None:
            # A hop we cannot read: the last proxy we trust is as far as we can see.
            return str(hop)
        if not _trusted(address, trusted):
            return str(address)
        hop = address
    return str(hop)
