"""Jinja2 pages: one template per page, its HTMX fragments are its blocks (jinja2-fragments)."""

from datetime import datetime
from functools import lru_cache, partial
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time, get_timezone_name
from jinja2 import Environment, FileSystemLoader, select_autoescape
from jinja2_fragments.fastapi import Jinja2Blocks
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from eventapp import i18n, people, questions, security
from eventapp.config import get_settings, resource_dir
from eventapp.markdown import render_markdown


def is_htmx_fragment_request(request: Request) -> bool:
    """A real htmx request for part of a page; boosted navigation and history restores need the
    whole page."""
    headers = request.headers
    return (
        headers.get("hx-request") == "true"
        and headers.get("hx-boosted") != "true"
        and headers.get("hx-history-restore-request") != "true"
    )


def path_for(request: Request, name: str, /, **params: Any) -> str:
    """The path of the route called `name` (never a Host-derived URL)."""
    return str(request.app.url_path_for(name, **params))


def _locale() -> str:
    return i18n.current_language()


def local_datetime(value: datetime, timezone: str, style: str = "medium") -> str:
    return format_datetime(value.astimezone(ZoneInfo(timezone)), style, locale=_locale())


def local_date(value: datetime, timezone: str, style: str = "long") -> str:
    return format_date(value.astimezone(ZoneInfo(timezone)), style, locale=_locale())


def local_time(value: datetime, timezone: str, style: str = "short") -> str:
    return _time_in(value, timezone, style, _locale())


@lru_cache(maxsize=8192)
def _time_in(value: datetime, timezone: str, style: str, locale: str) -> str:
    # A programme repeats a few dozen times hundreds of times; Babel takes ~50 µs for each.
    return format_time(value.astimezone(ZoneInfo(timezone)), style, locale=locale)


def timezone_label(value: datetime, timezone: str) -> str:
    """'Asia/Bangkok (UTC+07:00)': names the zone and its offset on that day."""
    offset = value.astimezone(ZoneInfo(timezone)).strftime("%z")
    return f"{timezone} (UTC{offset[:3]}:{offset[3:]})"


def timezone_long_name(timezone: str) -> str:
    return get_timezone_name(ZoneInfo(timezone), locale=_locale())


def _make_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(resource_dir("templates"))),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)
    env.filters.update(
        local_datetime=local_datetime,
        local_date=local_date,
        local_time=local_time,
        timezone_label=timezone_label,
        markdown=lambda text: Markup(render_markdown(text or "")),  # noqa: S704  (sanitised)
        language_name=i18n.language_name,
    )
    env.globals.update(
        LANGUAGES=i18n.LANGUAGES,
        current_language=i18n.current_language,
        appearance_role_label=people.role_label,
        country_options=questions.countries,
        country_name=questions.country_name,
        answer_text=questions.answer_text,
    )
    return env


def page_context(request: Request) -> dict[str, Any]:
    """What every page may use: the CSRF token (rendering it is what sets the CSRF cookie),
    the signed-in user, the language, and `url_for` giving paths (never a Host-derived URL)."""

    def csrf_token() -> str:
        request.scope["state"]["csrf_used"] = True
        if request.scope["state"].get("csrf_placeholder"):
            return security.CSRF_PLACEHOLDER  # filled in per visitor by the page cache
        return security.csrf_token_for(
            get_settings().resolved_secret_key(), request.scope["state"]["csrf_cookie"]
        )

    return {
        "csrf_token": csrf_token,
        "csrf_field": security.CSRF_FIELD,
        "user": getattr(request.state, "user", None),
        "lang": i18n.current_language(),
        "settings": get_settings(),
        "url_for": partial(path_for, request),
    }


templates = Jinja2Blocks(env=_make_environment(), context_processors=[page_context])
environment = templates.env


def render(
    request: Request,
    page: str,
    context: dict[str, Any] | None = None,
    *,
    block: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """The whole page, or just `block` when htmx asked for part of it."""
    context = dict(context or {})
    kwargs: dict[str, Any] = {}
    if block and is_htmx_fragment_request(request):
        kwargs["block_name"] = block
    response = templates.TemplateResponse(
        request, page, context, status_code=status_code, headers=headers, **kwargs
    )
    response.headers.append("Vary", "HX-Request")
    return response
