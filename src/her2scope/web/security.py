"""The request guard of the web app: host, origin, body size, response headers.

A pure ASGI middleware, outermost, so every response carries the same headers
and nothing reaches a route that

- names a host other than the ones the server was started for (a page on
  another site that rebinds its DNS name to 127.0.0.1 is refused);
- changes state (any method but GET/HEAD/OPTIONS) without an ``Origin`` (or,
  failing that, ``Referer``) of this very server: a cross-site form or fetch
  cannot make the server work for it;
- announces or sends a body larger than ``max_body`` bytes (413).

Responses get a Content-Security-Policy that allows only this server's own
scripts (no inline script, nothing from the internet), ``nosniff``,
``no-referrer``, same-origin framing, ``no-store`` caching (patient data) and
a ``Server-Timing`` header with the server's own time for the request.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DEFAULT_MAX_BODY = 256 * 1024

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; frame-src 'self' blob:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'self'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "SAMEORIGIN",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}

#: (status, message) -> an ASGI response app; the app module supplies its friendly pages
ErrorFactory = Callable[[Scope, int, str], Any]


class BodyTooLarge(Exception):
    """The request body grew beyond the limit while it was read."""


def host_name(host_header: str) -> str:
    """``127.0.0.1:8765`` -> ``127.0.0.1``; ``[::1]:80`` -> ``::1``; lower case."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _origin_of(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


class Guard:
    """ASGI middleware enforcing the rules in the module docstring."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        allowed_hosts: Iterable[str],
        error: ErrorFactory,
        max_body: int = DEFAULT_MAX_BODY,
    ) -> None:
        self.app = app
        self.allowed_hosts = {h.lower() for h in allowed_hosts}
        self.error = error
        self.max_body = max_body

    def _refusal(self, scope: Scope, headers: Headers) -> tuple[int, str] | None:
        host = headers.get("host", "")
        if "*" not in self.allowed_hosts and host_name(host) not in self.allowed_hosts:
            return 400, "This server only answers requests addressed to its own host name."
        if scope["method"] not in SAFE_METHODS:
            expected = f"{scope.get('scheme', 'http')}://{host}".lower()
            origin = headers.get("origin")
            if origin is None or origin == "null":
                referer = headers.get("referer")
                origin = _origin_of(referer) if referer else None
            if origin != expected:
                return 403, "Cross-origin requests are refused: send the form from this server."
        length = headers.get("content-length")
        if length is not None:
            try:
                size = int(length)
            except ValueError:
                return 400, "Invalid Content-Length header."
            if size > self.max_body:
                return 413, f"The request is larger than {self.max_body // 1024} kB."
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        response_started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                headers.setdefault("cache-control", "no-store")
                elapsed = (time.perf_counter() - started) * 1000.0
                headers["server-timing"] = f"app;dur={elapsed:.1f}"
            await send(message)

        refusal = self._refusal(scope, Headers(scope=scope))
        if refusal is not None:
            await self.error(scope, *refusal)(scope, receive, send_with_headers)
            return

        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, counted_receive, send_with_headers)
        except BodyTooLarge:
            if response_started:
                raise
            message = f"The request is larger than {self.max_body // 1024} kB."
            await self.error(scope, 413, message)(scope, receive, send_with_headers)
