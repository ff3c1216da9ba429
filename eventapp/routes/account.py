"""Logging in and out, the account page, password reset, and accepting a team invitation."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from eventapp import auth, security
from eventapp.config import get_settings
from eventapp.i18n import gettext as _
from eventapp.routes.access import SESSION_COOKIE, CurrentUser, Db, OptionalUser
from eventapp.templating import render

router = APIRouter()


def set_session_cookie(response: Response, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(auth.SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=get_settings().is_https,
        path="/",
    )


@router.get("/login", name="show_login")
def show_login(request: Request, user: OptionalUser, next: str = "/manage/"):
    if user is not None:
        return RedirectResponse(security.safe_next(next, "/manage/"), status_code=303)
    return render(
        request,
        "account/login.html",
        {"next": security.safe_next(next, "/manage/"), "email": "", "errors": {}},
    )


@router.post("/login", name="login")
def login(
    request: Request,
    db: Db,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/manage/",
):
    target = security.safe_next(next, "/manage/")
    ip = request.state.client_ip
    try:
        user = auth.authenticate(db, auth.LoginAttempt(email=email, password=password, ip=ip))
    except auth.LoginThrottled as exc:
        db.commit()
        context = {"next": target, "email": email, "errors": {"__all__": _(str(exc))}}
        return render(request, "account/login.html", context, block="login_form", status_code=429)
    if user is None:
        db.commit()  # the failed attempt counts towards the limit
        context = {
            "next": target,
            "email": email,
            "errors": {"__all__": _("The email or password is not right.")},
        }
        return render(request, "account/login.html", context, block="login_form", status_code=422)
    # A fresh session id at every login; any session this browser had is ended.
    auth.end_session(db, request.cookies.get(SESSION_COOKIE))
    token = auth.start_session(db, user, ip=ip, user_agent=request.headers.get("user-agent", ""))
    db.commit()
    response = RedirectResponse(target, status_code=303)
    if request.headers.get("hx-request") == "true":
        response = Response(status_code=204, headers={"HX-Redirect": target})
    set_session_cookie(response, token)
    return response


@router.post("/logout", name="logout")
def logout(request: Request, db: Db):
    auth.end_session(db, request.cookies.get(SESSION_COOKIE))
    db.commit()
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/account", name="show_account")
def show_account(request: Request, user: CurrentUser):
    return render(request, "account/account.html", {"errors": {}})


@router.get("/password-reset", name="request_password_reset")
def request_password_reset(request: Request):
    return render(request, "account/account.html", {"errors": {}})
