"""Conditional GET for public pages and exports: ETag and Last-Modified, answered with 304.

Clients revalidate every time (`Cache-Control: no-cache`), so a new release shows at once, and
an unchanged page costs them a 304 with no body.
"""

import hashlib
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import Request, Response

# Headers a 304 repeats from the full answer (RFC 9110, 15.4.5).
_KEPT_ON_304 = ("etag", "last-modified", "cache-control", "vary", "access-control-allow-origin")


def etag_for(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


def is_not_modified(request: Request, etag: str, last_modified: datetime | None) -> bool:
    """If-None-Match wins over If-Modified-Since when both are sent (RFC 9110, 13.2.2)."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in candidates or etag in candidates
    if_modified_since = request.headers.get("if-modified-since")
    if if_modified_since and last_modified is not None:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            return False
        return last_modified.replace(microsecond=0) <= since
    return False


def conditional(
    request: Request,
    response: Response,
    *,
    last_modified: datetime | None,
    shared: bool = False,
) -> Response:
    """Add ETag (of the body) and Last-Modified to a 200 answer, or answer 304 when the client
    already has it. `shared`: an export that any site may fetch (CORS `*`)."""
    if response.status_code != 200:
        return response
    etag = etag_for(bytes(response.body))
    response.headers["etag"] = etag
    if last_modified is not None:
        response.headers["last-modified"] = http_date(last_modified)
    response.headers.setdefault("cache-control", "no-cache")
    if shared:
        response.headers["access-control-allow-origin"] = "*"
    if request.method in ("GET", "HEAD") and is_not_modified(request, etag, last_modified):
        kept = {k: v for k, v in response.headers.items() if k in _KEPT_ON_304}
        return Response(status_code=304, headers=kept)
    return response
