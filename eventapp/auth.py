"""Accounts and logins (rules: no FastAPI here).

A login is a row in `auth_session`; the browser holds its random id. Ending sessions is deleting
rows, so logout, a password change or disabling an account takes effect on every worker at once.

A password reset's life, drawn in its columns:

    requested (used_at empty, expires_at an hour ahead)
       |-- completed -------------------> used_at set; every session of the account ended
       |-- any new password, or another  -> used_at set (a link never outlives the password
       |   reset completed first             it was sent to replace)
       '-- an hour ------------------------> expired

Failed logins and reset requests are counted in `rate_limit_hit` per account (email) and per
client address, so the limits hold across every worker.
"""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlmodel import Session

from eventapp import activity, mail, security
from eventapp.config import get_settings
from eventapp.i18n import LANGUAGES, current_language
from eventapp.i18n import gettext as _
from eventapp.models import AuthSession, PasswordReset, User, utcnow

SESSION_LIFETIME = timedelta(days=14)
RESET_LIFETIME = timedelta(hours=1)
LOGIN_WINDOW = timedelta(minutes=15)
LOGIN_LIMIT_PER_ACCOUNT = 5
LOGIN_LIMIT_PER_ADDRESS = 20
RESET_WINDOW = timedelta(hours=1)
RESET_LIMIT_PER_EMAIL = 3
RESET_LIMIT_PER_ADDRESS = 10
NAME_MAX_LENGTH = 200

PROFILE_FIELDS = ["name", "language"]


class AuthError(Exception):
    """A domain error whose message may be shown to the person."""


class LoginThrottled(AuthError):
    pass


class ResetThrottled(AuthError):
    pass


class WeakPassword(AuthError):
    pass


class WrongPassword(AuthError):
    pass


class ResetLinkNotValid(AuthError):
    pass


class StaleAccount(AuthError):
    """The account changed since the form was shown (another window, or a password change)."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(db: Session, email: str) -> User | None:
    return db.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(
    db: Session, email: str, password: str, *, name: str = "", is_admin: bool = False
) -> User:
    problem = security.password_problem(password)
    if problem:
        raise WeakPassword(problem)
    user = User(
        email=normalise_email(email),
        name=name.strip(),
        password_hash=security.hash_password(password),
        is_admin=is_admin,
    )
    db.add(user)
    db.flush()
    return user


def set_password(db: Session, user: User, password: str) -> None:
    """Change the password, end every session of the account and void its open reset links."""
    problem = security.password_problem(password)
    if problem:
        raise WeakPassword(problem)
    user.password_hash = security.hash_password(password)
    user.version += 1
    db.add(user)
    end_all_sessions(db, user)
    db.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=utcnow())
    )
    db.flush()


def set_active(db: Session, user: User, *, is_active: bool) -> None:
    """Enable or disable an account; disabling ends its sessions at once. (The caller records
    the activity: it knows who did it.)"""
    user.is_active = is_active
    user.version += 1
    db.add(user)
    if not is_active:
        end_all_sessions(db, user)
    db.flush()


# Logging in ------------------------------------------------------------------------------------


@dataclass
class LoginAttempt:
    email: str
    password: str
    ip: str


def authenticate(db: Session, attempt: LoginAttempt) -> User | None:
    """The user, or None for any wrong email or password (the same answer, in about the same
    time: an unknown email still costs one argon2 verification). Raises LoginThrottled after
    too many recent failures for the account or the address."""
    account_key = normalise_email(attempt.email)
    if _login_throttled(db, account_key, attempt.ip):
        raise LoginThrottled(_("Too many failed attempts. Wait a few minutes and try again."))
    user = find_user(db, attempt.email)
    valid = security.verify_password(user.password_hash if user else None, attempt.password)
    if user is None or not valid or not user.is_active:
        _count_failure(db, account_key, attempt.ip)
        return None
    if security.needs_rehash(user.password_hash):
        user.password_hash = security.hash_password(attempt.password)
        db.add(user)
    # The address's count is kept: one good login must not reset a guesser's budget elsewhere.
    security.clear_hits(db, "login-account", account_key)
    return user


def _login_throttled(db: Session, account_key: str, ip: str) -> bool:
    return security.is_limited(
        db, "login-account", account_key, limit=LOGIN_LIMIT_PER_ACCOUNT, window=LOGIN_WINDOW
    ) or security.is_limited(
        db, "login-address", ip, limit=LOGIN_LIMIT_PER_ADDRESS, window=LOGIN_WINDOW
    )


def _count_failure(db: Session, account_key: str, ip: str) -> None:
    security.record_hit(db, "login-account", account_key)
    security.record_hit(db, "login-address", ip)


def start_session(db: Session, user: User, *, ip: str = "", user_agent: str = "") -> str:
    """A new login for `user`; returns the id for the cookie (never stored as such)."""
    token = security.new_token()
    db.add(
        AuthSession(
            token_hash=security.token_hash(token),
            user_id=user.id,
            expires_at=utcnow() + SESSION_LIFETIME,
            ip=ip[:45],
            user_agent=user_agent[:300],
        )
    )
    db.flush()
    return token


def user_for_session(db: Session, token: str | None) -> User | None:
    if not token:
        return None
    query = (
        select(User)
        .join(AuthSession, AuthSession.user_id == User.id)
        .where(
            AuthSession.token_hash == security.token_hash(token),
            AuthSession.expires_at > utcnow(),
            User.is_active.is_(True),
        )
    )
    return db.scalar(query)


def end_session(db: Session, token: str | None) -> None:
    if token:
        db.execute(delete(AuthSession).where(AuthSession.token_hash == security.token_hash(token)))


def end_all_sessions(db: Session, user: User) -> None:
    db.execute(delete(AuthSession).where(AuthSession.user_id == user.id))


def purge_expired_sessions(db: Session) -> int:
    return db.execute(delete(AuthSession).where(AuthSession.expires_at <= utcnow())).rowcount or 0


# The account page ------------------------------------------------------------------------------


def update_profile(
    db: Session, user: User, *, name: str, language: str, expected_version: int
) -> dict:
    """Change the name and interface language; returns {field: [old, new]} of what changed."""
    if expected_version != user.version:
        raise StaleAccount(_("Your account was changed meanwhile. Check it and save again."))
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    before = activity.snapshot(user, PROFILE_FIELDS)
    user.name = name.strip()
    user.language = language
    changes = activity.diff(before, activity.snapshot(user, PROFILE_FIELDS))
    if changes:
        user.version += 1
        db.add(user)
        activity.record(
            db,
            actor=user,
            action="account.update",
            obj=user,
            summary=f"Changed {', '.join(changes)}",
            changes=changes,
        )
        db.flush()
    return changes


def change_password(db: Session, user: User, *, current: str, new: str, ip: str) -> None:
    """Set a new password when the current one is right. A wrong current password counts as a
    failed login of the account, so a borrowed session cannot guess it at leisure."""
    account_key = normalise_email(user.email)
    if _login_throttled(db, account_key, ip):
        raise LoginThrottled(_("Too many failed attempts. Wait a few minutes and try again."))
    if not security.verify_password(user.password_hash, current):
        _count_failure(db, account_key, ip)
        raise WrongPassword(_("This is not your current password."))
    set_password(db, user, new)
    activity.record(
        db, actor=user, action="account.change_password", obj=user, summary="Changed password"
    )
    db.flush()


# Password reset --------------------------------------------------------------------------------


def request_password_reset(db: Session, email: str, *, ip: str) -> PasswordReset | None:
    """Count the request and, for an active account with this address, queue the mail with a
    reset link (built from EVENTAPP_BASE_URL, never from a request's Host header). The caller
    answers the same whatever this returns. Raises ResetThrottled past the limits."""
    email_key = normalise_email(email)
    if security.is_limited(
        db, "reset-email", email_key, limit=RESET_LIMIT_PER_EMAIL, window=RESET_WINDOW
    ) or security.is_limited(
        db, "reset-address", ip, limit=RESET_LIMIT_PER_ADDRESS, window=RESET_WINDOW
    ):
        raise ResetThrottled(_("Too many requests. Wait an hour and try again."))
    security.record_hit(db, "reset-email", email_key)
    security.record_hit(db, "reset-address", ip)
    user = find_user(db, email_key)
    if user is None or not user.is_active:
        return None
    reset, token = start_password_reset(db, user)
    mail.queue(
        db,
        to=user.email,
        template="password_reset",
        context={
            "user": user,
            "link": f"{get_settings().base_url}/password-reset/{token}",
            "minutes": int(RESET_LIFETIME.total_seconds() // 60),
        },
        language=user.language if user.language in LANGUAGES else current_language(),
    )
    return reset


def start_password_reset(db: Session, user: User) -> tuple[PasswordReset, str]:
    """A reset row and the token for its link (only the token's hash is stored)."""
    token = security.new_token()
    reset = PasswordReset(
        token_hash=security.token_hash(token),
        user_id=user.id,
        expires_at=utcnow() + RESET_LIFETIME,
    )
    db.add(reset)
    db.flush()
    return reset, token


def find_password_reset(db: Session, token: str) -> PasswordReset | None:
    """The reset a link's token names, usable or not; None when there is none."""
    return db.scalar(
        select(PasswordReset).where(PasswordReset.token_hash == security.token_hash(token))
    )


def is_usable(db: Session, reset: PasswordReset) -> bool:
    if reset.used_at is not None or reset.expires_at <= utcnow():
        return False
    user = db.get(User, reset.user_id)
    return user is not None and user.is_active


def complete_password_reset(db: Session, token: str, password: str) -> User:
    """Set the new password through a reset link, once. The link is claimed by a conditional
    UPDATE, so two submissions at the same moment cannot both use it (on either database)."""
    problem = security.password_problem(password)
    if problem:
        raise WeakPassword(problem)  # before claiming: a refused password keeps the link alive
    now = utcnow()
    claimed = db.execute(
        update(PasswordReset)
        .where(
            PasswordReset.token_hash == security.token_hash(token),
            PasswordReset.used_at.is_(None),
            PasswordReset.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise ResetLinkNotValid()
    reset = find_password_reset(db, token)
    db.refresh(reset)
    user = db.get(User, reset.user_id)
    if not user.is_active:
        raise ResetLinkNotValid()
    set_password(db, user, password)
    activity.record(
        db, actor=user, action="account.reset_password", obj=user, summary="Reset password"
    )
    db.flush()
    return user
