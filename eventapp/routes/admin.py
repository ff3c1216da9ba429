"""Site administration: accounts and the mail outbox (site administrators only; 403 for
anyone else who is logged in)."""

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import func, or_, select

from eventapp import activity, auth, mail, security
from eventapp.config import get_settings
from eventapp.i18n import gettext as _
from eventapp.models import MailMessage, MailStatus, User
from eventapp.routes.access import AdminUser, Db
from eventapp.templating import render

router = APIRouter(prefix="/admin")

PER_PAGE = 50
OUTBOX_VIEWS = {
    "waiting": mail.OUTBOX_STATUSES,
    "queued": (MailStatus.QUEUED,),
    "failed": (MailStatus.FAILED,),
    "sent": (MailStatus.SENT,),
}
Page = Annotated[int, Query(ge=1, le=100_000)]


def _pages(total: int, page: int) -> dict[str, int | None]:
    last = max(1, -(-total // PER_PAGE))
    return {
        "page": page,
        "last": last,
        "previous": page - 1 if page > 1 else None,
        "next": page + 1 if page < last else None,
        "total": total,
    }


@router.get("/", name="admin_home")
def admin_home(request: Request, db: Db, user: AdminUser):
    context = {
        "mail_counts": mail.outbox_counts(db),
        "user_count": db.scalar(select(func.count()).select_from(User)) or 0,
        "smtp_configured": bool(get_settings().smtp_url),
    }
    return render(request, "admin/home.html", context)


# The outbox -------------------------------------------------------------------------------------


@router.get("/outbox", name="show_outbox")
def show_outbox(request: Request, db: Db, user: AdminUser, view: str = "waiting", page: Page = 1):
    view = view if view in OUTBOX_VIEWS else "waiting"
    messages, total = mail.outbox_page(
        db, statuses=OUTBOX_VIEWS[view], page=page, per_page=PER_PAGE
    )
    context = {
        "messages": messages,
        "view": view,
        "views": [
            ("waiting", _("Waiting or failed")),
            ("queued", _("Queued")),
            ("failed", _("Failed")),
            ("sent", _("Sent")),
        ],
        "pages": _pages(total, page),
        "smtp_configured": bool(get_settings().smtp_url),
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }
    return render(request, "admin/outbox.html", context, block="outbox")


@router.post("/outbox/{message_id}/retry", name="retry_mail")
def retry_mail(
    request: Request,
    message_id: int,
    db: Db,
    user: AdminUser,
    next: Annotated[str, Form()] = "/admin/outbox",
):
    message = db.get(MailMessage, message_id)
    if message is None:
        raise HTTPException(status_code=404)
    try:
        mail.retry_now(db, message)
    except mail.NotRetryable as exc:
        raise HTTPException(status_code=409) from exc
    activity.record(
        db,
        actor=user,
        action="mail.retry",
        event_id=message.event_id,
        obj=message,
        summary=f"Retry mail to {message.to_address} now",
    )
    db.commit()
    return RedirectResponse(security.safe_next(next, "/admin/outbox"), status_code=303)


# Accounts ---------------------------------------------------------------------------------------


def _users_page(
    request: Request,
    db: Db,
    *,
    q: str,
    page: int,
    problem: str = "",
    status_code: int = 200,
):
    where = []
    if q.strip():
        pattern = "%" + q.strip().lower().replace("\\", "").replace("%", "").replace("_", "") + "%"
        where.append(or_(func.lower(User.email).like(pattern), func.lower(User.name).like(pattern)))
    total = db.scalar(select(func.count()).select_from(User).where(*where)) or 0
    users = db.scalars(
        select(User)
        .where(*where)
        .order_by(User.email)
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
    ).all()
    context = {
        "users": users,
        "q": q,
        "pages": _pages(total, page),
        "problem": problem,
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }
    return render(request, "admin/users.html", context, block="users", status_code=status_code)


@router.get("/users", name="show_users")
def show_users(request: Request, db: Db, user: AdminUser, q: str = "", page: Page = 1):
    return _users_page(request, db, q=q[:254], page=page)


def _user_or_404(db: Db, user_id: int) -> User:
    target = db.get(User, user_id)
    if target is None:
        raise HTTPException(status_code=404)
    return target


@router.post("/users/{user_id}/active", name="set_user_active")
def set_user_active(
    request: Request,
    user_id: int,
    db: Db,
    user: AdminUser,
    is_active: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/admin/users",
):
    target = _user_or_404(db, user_id)
    if target.id == user.id:
        problem = _("You cannot disable your own account.")
        return _users_page(request, db, q="", page=1, problem=problem, status_code=422)
    active = is_active == "1"
    if target.is_active != active:
        auth.set_active(db, target, is_active=active)  # disabling ends their sessions at once
        activity.record(
            db,
            actor=user,
            action="user.enable" if active else "user.disable",
            obj=target,
            summary=f"{'Enabled' if active else 'Disabled'} {target.email}",
            changes={"is_active": [not active, active]},
        )
    db.commit()
    return RedirectResponse(security.safe_next(next, "/admin/users"), status_code=303)


@router.post("/users/{user_id}/admin", name="set_user_admin")
def set_user_admin(
    request: Request,
    user_id: int,
    db: Db,
    user: AdminUser,
    is_admin: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/admin/users",
):
    target = _user_or_404(db, user_id)
    if target.id == user.id:
        problem = _("You cannot change your own administrator rights.")
        return _users_page(request, db, q="", page=1, problem=problem, status_code=422)
    make_admin = is_admin == "1"
    if target.is_admin != make_admin:
        target.is_admin = make_admin
        target.version += 1
        db.add(target)
        activity.record(
            db,
            actor=user,
            action="user.make_admin" if make_admin else "user.revoke_admin",
            obj=target,
            summary=f"{'Made' if make_admin else 'Revoked'} site administrator: {target.email}",
            changes={"is_admin": [not make_admin, make_admin]},
        )
    db.commit()
    return RedirectResponse(security.safe_next(next, "/admin/users"), status_code=303)
