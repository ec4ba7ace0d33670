"""The client's address, the one thing lockouts and throttles count by (issue 17).

Without a proxy (the embedded set-up) it is the connection's address. Behind the documented
reverse proxy (``AGORA_BEHIND_PROXY=1``) every connection comes from the proxy, so the client's
address is read from ``X-Forwarded-For`` — but only the entry the trusted proxies wrote: each
proxy appends the address it received the request from, so with ``AGORA_TRUSTED_PROXIES=N``
(1 by default) the client is the N-th entry from the right. Whatever a client puts in the
header itself is to the left of it and is never used: changing it each time changes nothing.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    remote = str(request.META.get("REMOTE_ADDR", "") or "")
    proxies = int(getattr(settings, "AGORA_TRUSTED_PROXIES", 0) or 0)
    if proxies <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
        if part.strip()
    ]
    if len(forwarded) < proxies:
        # The proxies did not write the header: the connection is all we know.
        return remote
    candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
