"""Logging in and out, the account page, and password reset by email.

Each form works as a plain HTML form and is enhanced with htmx: success answers 303 (or
HX-Redirect to htmx), invalid input re-renders the form's block with 422 and each message beside
its field. Notices after a redirect are named by a fixed key in the address (`?done=`), so no
text a visitor typed is ever shown back from it.
"""

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, StringConstraints, field_validator

from eventapp import auth, forms, i18n, security
from eventapp.config import get_settings
from eventapp.i18n import gettext as _
from eventapp.models import PasswordReset, User
from eventapp.routes.access import (
    LANGUAGE_COOKIE,
    SESSION_COOKIE,
    CurrentUser,
    Db,
    OptionalUser,
)
from eventapp.templating import is_htmx_fragment_request, render

router = APIRouter()

PRIVATE = {"Cache-Control": "no-store"}
AFTER_LOGIN = "/manage/"

Password = Annotated[str, StringConstraints(min_length=1, max_length=security.PASSWORD_MAX_LENGTH)]
Email = Annotated[str, StringConstraints(min_length=1, max_length=254)]


def _notice(key: str | None) -> str | None:
    """The message for a `?done=` key; anything else shows nothing."""
    notices = {
        "logged-out": _("You have logged out."),
        "password-reset": _("Your password has been changed. Log in with your new password."),
        "profile": _("Your account has been saved."),
        "password": _("Your password has been changed. You have been logged out everywhere else."),
        "reset-sent": _(
            "If an account uses this address, we have sent it a link to choose a new password. "
            "The link works once, for one hour. Check your spam folder if nothing arrives."
        ),
    }
    return notices.get(key or "")


def _shown(text: str) -> str:
    """Typed text to put back into a form: NUL bytes (refused anyway) are left out."""
    return text.replace("\x00", "")


def _set_cookie(response: Response, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=get_settings().is_https,
        path="/",
    )


def set_session_cookie(response: Response, token: str) -> None:
    _set_cookie(response, SESSION_COOKIE, token, int(auth.SESSION_LIFETIME.total_seconds()))


def set_language_cookie(response: Response, language: str) -> None:
    """The interface language chosen, for a year (app.RequestContext reads it)."""
    _set_cookie(response, LANGUAGE_COOKIE, language, 365 * 86400)


def _start_browser_session(request: Request, db: Db, user: User, response: Response) -> None:
    """A fresh session id for this browser (never the one it came with: no session fixation),
    and a fresh CSRF cookie, so no token handed out before the login works after it."""
    auth.end_session(db, request.cookies.get(SESSION_COOKIE))
    token = auth.start_session(
        db, user, ip=request.state.client_ip, user_agent=request.headers.get("user-agent", "")
    )
    set_session_cookie(response, token)
    _set_cookie(response, security.CSRF_COOKIE, security.new_token(), None)


# Logging in and out ----------------------------------------------------------------------------


class LoginForm(BaseModel):
    email: Email
    password: Password


def _login_page(request: Request, *, next: str, email: str = "", errors=None, done=None, **kw):
    context = {"next": next, "email": email, "errors": errors or {}, "notice": _notice(done)}
    return render(request, "account/login.html", context, block="login_form", headers=PRIVATE, **kw)


@router.get("/login", name="show_login")
def show_login(request: Request, user: OptionalUser, next: str = AFTER_LOGIN, done: str = ""):
    target = security.safe_next(next, AFTER_LOGIN)
    if user is not None:
        return RedirectResponse(target, status_code=303)
    return _login_page(request, next=target, done=done)


@router.post("/login", name="login")
def login(
    request: Request,
    db: Db,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = AFTER_LOGIN,
):
    target = security.safe_next(next, AFTER_LOGIN)
    parsed, errors = forms.parse(LoginForm, {"email": email, "password": password})
    if parsed is None:
        return _login_page(
            request, next=target, email=_shown(email), errors=errors, status_code=422
        )
    attempt = auth.LoginAttempt(email=email, password=password, ip=request.state.client_ip)
    try:
        user = auth.authenticate(db, attempt)
    except auth.LoginThrottled as exc:
        return _login_page(
            request, next=target, email=email, errors={"__all__": str(exc)}, status_code=429
        )
    if user is None:
        db.commit()  # the failed attempt counts towards the limits
        errors = {"__all__": _("The email or password is not right.")}
        return _login_page(request, next=target, email=email, errors=errors, status_code=422)
    response = forms.see_other(request, target)
    _start_browser_session(request, db, user, response)
    db.commit()
    if user.language in i18n.LANGUAGES:
        # The account's language follows it to every browser it logs in from.
        set_language_cookie(response, user.language)
    return response


@router.post("/logout", name="logout")
def logout(request: Request, db: Db):
    auth.end_session(db, request.cookies.get(SESSION_COOKIE))
    db.commit()
    response = RedirectResponse("/login?done=logged-out", status_code=303)
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=get_settings().is_https, httponly=True, samesite="lax"
    )
    return response


# The account page ------------------------------------------------------------------------------


class ProfileForm(BaseModel):
    name: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=auth.NAME_MAX_LENGTH),
    ]
    language: Literal[tuple(i18n.LANGUAGES)]  # type: ignore[valid-type]
    version: int


class PasswordForm(BaseModel):
    current_password: Password
    new_password: Password
    new_password_again: Password


def _account_page(
    request: Request,
    user: User,
    *,
    block: str | None = None,
    profile: dict | None = None,
    profile_errors: dict | None = None,
    password_errors: dict | None = None,
    done: str = "",
    status_code: int = 200,
) -> Response:
    context = {
        "profile": profile
        or {
            "name": user.name,
            "language": user.language or i18n.current_language(),
            "version": user.version,
        },
        "profile_errors": profile_errors or {},
        "password_errors": password_errors or {},
        "languages": list(i18n.LANGUAGES.items()),
        "notice": _notice(done) if done in {"profile", "password"} else None,
    }
    return render(
        request,
        "account/account.html",
        context,
        block=block,
        status_code=status_code,
        headers=PRIVATE,
    )


@router.get("/account", name="show_account")
def show_account(request: Request, user: CurrentUser, done: str = ""):
    return _account_page(request, user, done=done)


@router.post("/account/profile", name="update_account")
def update_account(
    request: Request,
    db: Db,
    user: CurrentUser,
    name: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "",
    version: Annotated[str, Form()] = "",
):
    values = {"name": name, "language": language, "version": version}
    shown = {
        "name": _shown(name),
        "language": language,
        "version": int(version) if version.isdigit() else user.version,
    }
    parsed, errors = forms.parse(ProfileForm, values)
    if parsed is None:
        return _account_page(
            request,
            user,
            block="profile_form",
            profile=shown,
            profile_errors=errors,
            status_code=422,
        )
    try:
        auth.update_profile(
            db,
            user,
            name=parsed.name,
            language=parsed.language,
            expected_version=parsed.version,
        )
    except auth.StaleAccount as exc:
        # Show what is saved now; the person makes their change again on top of it.
        return _account_page(
            request,
            user,
            block="profile_form",
            profile_errors={"__all__": str(exc)},
            status_code=409,
        )
    db.commit()
    response = forms.see_other(request, "/account?done=profile")
    set_language_cookie(response, parsed.language)
    return response


@router.post("/account/password", name="change_password")
def change_password(
    request: Request,
    db: Db,
    user: CurrentUser,
    current_password: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
    new_password_again: Annotated[str, Form()] = "",
):
    values = {
        "current_password": current_password,
        "new_password": new_password,
        "new_password_again": new_password_again,
    }
    parsed, errors = forms.parse(PasswordForm, values)
    if parsed is not None:
        errors = _new_password_errors(parsed.new_password, parsed.new_password_again)
    status_code = 422
    if not errors:
        try:
            auth.change_password(
                db,
                user,
                current=parsed.current_password,
                new=parsed.new_password,
                ip=request.state.client_ip,
            )
        except auth.WrongPassword as exc:
            db.commit()  # the wrong guess counts towards the account's limit
            errors = {"current_password": str(exc)}
        except auth.LoginThrottled as exc:
            errors, status_code = {"__all__": str(exc)}, 429
    if errors:
        return _account_page(
            request,
            user,
            block="password_form",
            password_errors=errors,
            status_code=status_code,
        )
    # Every session of the account has ended; this browser carries on in a new one.
    response = forms.see_other(request, "/account?done=password")
    _start_browser_session(request, db, user, response)
    db.commit()
    return response


def _new_password_errors(password: str, again: str) -> dict[str, str]:
    errors = {}
    problem = security.password_problem(password)
    if problem:
        errors["new_password"] = problem
    if password != again:
        errors["new_password_again"] = _("The two new passwords are not the same.")
    return errors


# Password reset --------------------------------------------------------------------------------


class ResetRequestForm(BaseModel):
    email: Email

    @field_validator("email")
    @classmethod
    def _looks_like_email(cls, value: str) -> str:
        local, _at, domain = value.strip().rpartition("@")
        if not local or not domain or any(ch.isspace() for ch in value.strip()):
            raise ValueError(_("Enter an email address, like name@example.org."))
        return value


class NewPasswordForm(BaseModel):
    new_password: Password
    new_password_again: Password


@router.get("/password-reset", name="show_password_reset_request")
def show_password_reset_request(request: Request, done: str = ""):
    context = {"email": "", "errors": {}, "notice": _notice(done) if done == "reset-sent" else None}
    return render(request, "account/password_reset_request.html", context, headers=PRIVATE)


@router.post("/password-reset", name="request_password_reset")
def request_password_reset(request: Request, db: Db, email: Annotated[str, Form()] = ""):
    parsed, errors = forms.parse(ResetRequestForm, {"email": email})
    status_code = 422
    if parsed is not None:
        try:
            auth.request_password_reset(db, parsed.email, ip=request.state.client_ip)
        except auth.ResetThrottled as exc:
            errors, status_code = {"__all__": str(exc)}, 429
    if errors:
        context = {"email": _shown(email), "errors": errors, "notice": None}
        return render(
            request,
            "account/password_reset_request.html",
            context,
            block="reset_request_form",
            status_code=status_code,
            headers=PRIVATE,
        )
    db.commit()
    # The same answer whether or not an account uses the address.
    return forms.see_other(request, "/password-reset?done=reset-sent")


def _link_not_valid(request: Request, reset: PasswordReset | None, token: str) -> Response:
    """404 for a link that never was; 410 for one used, expired, or of a disabled account.
    htmx is sent to the link itself, to show this as a whole page."""
    if is_htmx_fragment_request(request):
        return forms.see_other(request, f"/password-reset/{token}")
    return render(
        request,
        "account/password_reset_invalid.html",
        {},
        status_code=404 if reset is None else 410,
        headers=PRIVATE,
    )


def _new_password_page(request: Request, token: str, *, errors=None, status_code: int = 200):
    return render(
        request,
        "account/password_reset.html",
        {"token": token, "errors": errors or {}},
        block="new_password_form",
        status_code=status_code,
        headers=PRIVATE,
    )


@router.get("/password-reset/{token}", name="show_password_reset")
def show_password_reset(request: Request, db: Db, token: str):
    reset = auth.find_password_reset(db, token)
    if reset is None or not auth.is_usable(db, reset):
        return _link_not_valid(request, reset, token)
    return _new_password_page(request, token)


@router.post("/password-reset/{token}", name="reset_password")
def reset_password(
    request: Request,
    db: Db,
    token: str,
    new_password: Annotated[str, Form()] = "",
    new_password_again: Annotated[str, Form()] = "",
):
    values = {"new_password": new_password, "new_password_again": new_password_again}
    parsed, errors = forms.parse(NewPasswordForm, values)
    if parsed is not None:
        errors = _new_password_errors(parsed.new_password, parsed.new_password_again)
    reset = auth.find_password_reset(db, token)
    if reset is None or not auth.is_usable(db, reset):
        return _link_not_valid(request, reset, token)
    if errors:
        return _new_password_page(request, token, errors=errors, status_code=422)
    try:
        auth.complete_password_reset(db, token, parsed.new_password)
    except auth.ResetLinkNotValid:  # used by a submission a moment ago
        db.rollback()
        return _link_not_valid(request, reset, token)
    db.commit()
    return forms.see_other(request, "/login?done=password-reset")
