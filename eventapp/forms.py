"""HTML forms: submitted fields checked by a pydantic model, errors keyed by field, and where
a successful post goes.

A page re-renders its form with status 422 and each message beside its field; success answers
303 (`see_other`). Limits are checked here, so they hold the same on SQLite (which does not
enforce VARCHAR lengths) and PostgreSQL. NUL bytes are refused everywhere (PostgreSQL cannot
store them in text).
"""

from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from eventapp.i18n import gettext as _
from eventapp.templating import is_htmx_fragment_request

M = TypeVar("M", bound=BaseModel)


def _message(error: dict[str, Any]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return _("This field is required.")
    if kind == "string_too_long":
        return _("Use at most %(max)s characters.", max=ctx.get("max_length"))
    if kind == "string_too_short":
        return _("Use at least %(min)s characters.", min=ctx.get("min_length"))
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind in {"int_parsing", "int_type", "float_parsing"}:
        return _("Enter a number.")
    if kind in {"datetime_from_date_parsing", "datetime_parsing", "date_from_datetime_parsing"}:
        return _("Enter a date and time.")
    if kind in {"date_parsing", "date_from_datetime_inexact"}:
        return _("Enter a date.")
    if kind in {"literal_error", "enum"}:
        return _("Choose one of the options.")
    return _("This value is not valid.")


def form_values(form: Mapping[str, Any], *, lists: set[str] = frozenset()) -> dict[str, Any]:
    """Plain values of a submitted form (UploadFile values are left out); fields in `lists`
    keep every value given."""
    values: dict[str, Any] = {}
    for key in form:
        if lists and key in lists:
            values[key] = [v for v in form.getlist(key) if isinstance(v, str)]
        else:
            value = form.get(key)
            if isinstance(value, str):
                values[key] = value
    return values


def parse(model: type[M], values: Mapping[str, Any]) -> tuple[M | None, dict[str, str]]:
    """(the model, {}) or (None, {field: message})."""
    errors: dict[str, str] = {}
    for key, value in values.items():
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(t, str) and "\x00" in t for t in texts):
            errors[key] = _("This field contains a character that is not allowed.")
    try:
        parsed = model.model_validate(dict(values))
    except ValidationError as exc:
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "__all__"
            errors.setdefault(field, _message(error))
        return None, errors
    return (None, errors) if errors else (parsed, {})


def int_or_none(value: Any) -> int | None:
    """A submitted whole number (a form's `version`, say), or None when it is missing or not one."""
    try:
        return int(value) if isinstance(value, str) else None
    except ValueError:
        return None


async def submitted_form(request: Request) -> FormData:
    """The posted form (parsed once; the CSRF check may already have read it)."""
    return await request.form()


Submitted = Annotated[FormData, Depends(submitted_form)]


def see_other(request: Request, url: str) -> Response:
    """After a successful form: 303 to `url`, or HX-Redirect when htmx sent it (htmx would
    otherwise follow the redirect itself and swap the next page into the form)."""
    if is_htmx_fragment_request(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)
