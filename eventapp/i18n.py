"""Interface language: gettext catalogs (Babel) chosen per request.

The catalogs are `translations/<lang>/LC_MESSAGES/messages.po`, compiled in memory when first
used, so no generated `.mo` file is kept in the repository. The chosen language lives in a
context variable set for each request (and by the mail writer for each recipient).
"""

import contextvars
import io
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LANGUAGES = {"en": "English", "th": "ไทย"}
DEFAULT_LANGUAGE = "en"
CATALOG_DIR = Path(__file__).resolve().parent / "translations"

_current = contextvars.ContextVar("language", default=DEFAULT_LANGUAGE)


@cache
def translations_for(language: str) -> NullTranslations:
    path = CATALOG_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == DEFAULT_LANGUAGE or not path.exists():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def current_language() -> str:
    return _current.get()


def set_language(language: str) -> contextvars.Token:
    return _current.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)


@contextmanager
def language(code: str) -> Iterator[None]:
    token = set_language(code)
    try:
        yield
    finally:
        _current.reset(token)


def gettext(message: str, **variables: object) -> str:
    text = translations_for(current_language()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    text = translations_for(current_language()).ngettext(singular, plural, n)
    variables.setdefault("num", n)
    return text % variables


_ = gettext


def negotiate(accept_language: str | None) -> str:
    """The best interface language for an Accept-Language header."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    preferred = []
    for part in accept_language.split(","):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            preferred.append((quality, tag.strip()))
    ordered = [tag.replace("-", "_") for _q, tag in sorted(preferred, key=lambda p: -p[0])]
    found = Locale.negotiate(ordered, list(LANGUAGES), sep="_")
    return str(found) if found else DEFAULT_LANGUAGE


def language_name(code: str) -> str:
    """A language's own name ('ไทย' for th), for event language lists."""
    try:
        return Locale.parse(code).get_display_name(code) or code
    except (ValueError, TypeError, UnknownLocaleError):
        return code
