"""The ASGI application: middleware, error pages, routers and static files."""

import logging
import secrets
from contextlib import asynccontextmanager
from functools import cache
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from eventapp import i18n, security
from eventapp.config import get_settings, resource_dir
from eventapp.public_cache import PageCache, PublicCache
from eventapp.routes import (
    access,
    account,
    admin,
    agenda_exports,
    manage_agenda,
    manage_checkin,
    manage_events,
    manage_hosts,
    manage_lineup,
    manage_notes,
    manage_people,
    manage_registration_form,
    manage_registrations,
    manage_report,
    manage_team,
    public,
    public_agenda,
    public_participants,
    public_speakers,
    public_summaries,
    register,
    speaker_portal,
)
from eventapp.templating import render

log = logging.getLogger("eventapp")

# Forms: enough for a 200,000-character note in Thai (3 bytes a character, percent-encoded),
# so that a too-long text is refused by its field's rule, with a message beside it.
MAX_FORM_BYTES = 4 * 1024 * 1024
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_MULTIPART_BYTES = MAX_UPLOAD_BYTES + 256 * 1024

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class RequestContext:
    """Per request: the client address, the interface language, and the CSRF cookie (set only
    when a page actually rendered a token, so anonymous public pages stay cacheable)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings = get_settings()
        request = Request(scope)
        state = scope.setdefault("state", {})
        peer = scope.get("client")[0] if scope.get("client") else ""
        state["client_ip"] = security.client_ip(
            peer, request.headers.get("x-forwarded-for"), settings.proxy_networks
        )
        chosen = request.cookies.get(access.LANGUAGE_COOKIE)
        if chosen not in i18n.LANGUAGES:
            chosen = i18n.negotiate(request.headers.get("accept-language"))
        token = i18n.set_language(chosen)
        csrf_cookie = request.cookies.get(security.CSRF_COOKIE) or ""
        state["csrf_cookie"] = csrf_cookie or secrets.token_urlsafe(32)
        state["csrf_cookie_is_new"] = not csrf_cookie
        state["csrf_used"] = False

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if state["csrf_cookie_is_new"] and state["csrf_used"]:
                    cookie = (
                        f"{security.CSRF_COOKIE}={state['csrf_cookie']}; Path=/; HttpOnly; "
                        "SameSite=Lax"
                    )
                    if settings.is_https:
                        cookie += "; Secure"
                    headers.append("Set-Cookie", cookie)
                headers.append("Content-Language", i18n.current_language())
            await send(message)

        try:
            await self.app(scope, receive, send_with_cookie)
        finally:
            i18n._current.reset(token)


def security_headers(*, is_https: bool) -> dict[str, str]:
    headers = {
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    }
    if is_https:
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    return headers


_SECURITY_NAMES = frozenset(name.lower().encode() for name in security_headers(is_https=True))


@cache
def _raw_security_headers(is_https: bool) -> list[tuple[bytes, bytes]]:
    headers = security_headers(is_https=is_https)
    return [(name.lower().encode(), value.encode()) for name, value in headers.items()]


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = _raw_security_headers(get_settings().is_https)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = list(message.get("headers", []))
                headers = added  # the app's: they replace a response's own, but for one case
                if any(name.lower() in _SECURITY_NAMES for name, _value in raw):
                    own = [pair for pair in raw if pair in _STRICTER_REFERRER_POLICIES]
                    if own:  # stricter than ours (pages carrying a secret link): kept
                        headers = [pair for pair in added if pair[0] != b"referrer-policy"]
                        headers.append(own[0])
                    raw = [pair for pair in raw if pair[0].lower() not in _SECURITY_NAMES]
                message["headers"] = raw + headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


# Kept when a response sets them: nothing leaves the site (pages whose address is a secret
# link). same-origin still lets the browser send a real Origin with the page's own forms.
_STRICTER_REFERRER_POLICIES = {
    (b"referrer-policy", b"no-referrer"),
    (b"referrer-policy", b"same-origin"),
}


class BodyLimit:
    """Refuse a request body past its limit before reading it (by Content-Length) or as soon as
    it passes the limit (chunked): 4 MB for forms, 5 MB plus form fields for file uploads."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in access.SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        is_multipart = headers.get(b"content-type", b"").startswith(b"multipart/form-data")
        limit = MAX_MULTIPART_BYTES if is_multipart else MAX_FORM_BYTES
        try:
            declared = int(headers.get(b"content-length", b"0"))
        except ValueError:
            declared = 0
        if declared > limit:
            await _too_large(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(status_code=413)
            return message

        await self.app(scope, counting_receive, send)


async def _too_large(scope: Scope, receive: Receive, send: Send) -> None:
    request = Request(scope, receive)
    response = _error_page(request, 413)
    response.headers["Connection"] = "close"
    await response(scope, receive, send)


ERROR_TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Page not found",
    405: "Not allowed",
    409: "Changed meanwhile",
    413: "Too large",
    422: "Please check your input",
    429: "Too many attempts",
    500: "Something went wrong",
}
ERROR_TEXTS = {
    400: "The request could not be understood.",
    403: "You do not have permission to do this. If you followed a form from another site, "
    "go back to eventapp and try again from there.",
    404: "There is nothing here. The address may be mistyped, or the page may have been removed.",
    405: "This address does not accept that kind of request.",
    409: "Someone else changed this at the same time. Reload the page and try again.",
    413: "What you sent is too large. Files may be at most 5 MB.",
    422: "Some of what was sent could not be used.",
    429: "Too many attempts in a short time. Wait a few minutes and try again.",
    500: "We could not complete this request. It has been logged; please try again later.",
}


def _error_page(request: Request, status_code: int) -> Any:
    status_code = status_code if status_code in ERROR_TITLES else 400
    context = {
        "status_code": status_code,
        "title": i18n.gettext(ERROR_TITLES[status_code]),
        "text": i18n.gettext(ERROR_TEXTS[status_code]),
    }
    return render(request, "error.html", context, status_code=status_code)


async def check_csrf(request: Request) -> None:
    """Every unsafe request, the login form included, carries the CSRF token (form field or
    X-CSRF-Token header) and does not come from another site."""
    if request.method in access.SAFE_METHODS:
        return
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise HTTPException(status_code=403)
    origin = request.headers.get("origin")
    if origin and origin != "null":
        allowed = {get_settings().base_host, request.headers.get("host", "")}
        if urlsplit(origin).netloc not in allowed:
            raise HTTPException(status_code=403)
    elif origin == "null" and request.headers.get("sec-fetch-site") != "same-origin":
        # A page with Referrer-Policy: no-referrer (the password-reset page) posts its forms
        # with Origin: null; the browser's Sec-Fetch-Site still vouches for the site.
        raise HTTPException(status_code=403)
    submitted = request.headers.get(security.CSRF_HEADER)
    if not submitted:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form(max_part_size=MAX_FORM_BYTES)
            value = form.get(security.CSRF_FIELD)
            submitted = value if isinstance(value, str) else None
    cookie = request.cookies.get(security.CSRF_COOKIE)
    if not security.csrf_is_valid(get_settings().resolved_secret_key(), cookie, submitted):
        raise HTTPException(status_code=403)


@asynccontextmanager
async def lifespan(app: FastAPI):
    get_settings().resolved_secret_key()  # made once here rather than by the first request
    yield


def create_app() -> FastAPI:
    access_log = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, security.SecretLinkFilter) for f in access_log.filters):
        access_log.addFilter(security.SecretLinkFilter())
    app = FastAPI(
        title="eventapp",
        lifespan=lifespan,
        dependencies=[Depends(check_csrf)],
        docs_url=None,
        redoc_url=None,
    )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        response = _error_page(request, exc.status_code)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        # A malformed id in the address is a page that does not exist, never a 500 or a 422.
        in_path = any(error.get("loc", ("",))[0] == "path" for error in exc.errors())
        return _error_page(request, 404 if in_path else 422)

    @app.exception_handler(access.LoginRequired)
    async def login_required(request: Request, exc: access.LoginRequired):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception):
        log.exception(
            "unhandled error on %s %s", request.method, security.without_secrets(request.url.path)
        )
        # This answer leaves from the outermost middleware, past SecurityHeaders.
        response = _error_page(request, 500)
        response.headers.update(security_headers(is_https=get_settings().is_https))
        return response

    app.mount("/static", StaticFiles(directory=resource_dir("static")), name="static")
    for module in (
        public,
        public_agenda,
        public_summaries,
        public_speakers,
        public_participants,
        register,
        agenda_exports,
        account,
        manage_events,
        manage_hosts,
        manage_team,
        manage_agenda,
        manage_lineup,
        manage_people,
        manage_registration_form,
        manage_registrations,
        manage_checkin,
        manage_notes,
        manage_report,
        admin,
        speaker_portal,
    ):
        app.include_router(module.router)

    app.state.page_cache = PageCache()
    app.add_middleware(PublicCache, cache=app.state.page_cache)
    app.add_middleware(BodyLimit)
    app.add_middleware(RequestContext)
    app.add_middleware(SecurityHeaders)
    return app
