"""Accounts and logins (rules: no FastAPI here).

A login is a row in `auth_session`; the browser holds its random id. Ending sessions is deleting
rows, so logout, a password change or disabling an account takes effect on every worker at once.
"""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlmodel import Session

from eventapp import security
from eventapp.models import AuthSession, PasswordReset, User, utcnow

SESSION_LIFETIME = timedelta(days=14)
RESET_LIFETIME = timedelta(hours=1)
LOGIN_WINDOW = timedelta(minutes=15)
LOGIN_LIMIT_PER_ACCOUNT = 5
LOGIN_LIMIT_PER_ADDRESS = 20


class AuthError(Exception):
    """A domain error whose message may be shown to the person."""


class LoginThrottled(AuthError):
    pass


class WeakPassword(AuthError):
    pass


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
    """Change the password and end every session of the account."""
    problem = security.password_problem(password)
    if problem:
        raise WeakPassword(problem)
    user.password_hash = security.hash_password(password)
    user.version += 1
    db.add(user)
    end_all_sessions(db, user)


def set_active(db: Session, user: User, *, is_active: bool) -> None:
    user.is_active = is_active
    user.version += 1
    db.add(user)
    if not is_active:
        end_all_sessions(db, user)


@dataclass
class LoginAttempt:
    email: str
    password: str
    ip: str


def authenticate(db: Session, attempt: LoginAttempt) -> User | None:
    """The user, or None for any wrong email or password (the same answer, in about the same
    time). Raises LoginThrottled after too many recent failures for the account or address."""
    account_key = normalise_email(attempt.email)
    too_many = (
        security.count_hits(db, "login-account", account_key, window=LOGIN_WINDOW)
        >= LOGIN_LIMIT_PER_ACCOUNT
        or security.count_hits(db, "login-address", attempt.ip, window=LOGIN_WINDOW)
        >= LOGIN_LIMIT_PER_ADDRESS
    )
    if too_many:
        raise LoginThrottled("Too many failed attempts. Wait a few minutes and try again.")
    user = find_user(db, attempt.email)
    valid = security.verify_password(user.password_hash if user else None, attempt.password)
    if user is None or not valid or not user.is_active:
        security.record_hit(db, "login-account", account_key)
        security.record_hit(db, "login-address", attempt.ip)
        return None
    if security.needs_rehash(user.password_hash):
        user.password_hash = security.hash_password(attempt.password)
        db.add(user)
    security.clear_hits(db, "login-account", account_key)
    return user


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


# Password reset ------------------------------------------------------------------------------


def start_password_reset(db: Session, user: User) -> str:
    token = security.new_token()
    db.add(
        PasswordReset(
            token_hash=security.token_hash(token),
            user_id=user.id,
            expires_at=utcnow() + RESET_LIFETIME,
        )
    )
    db.flush()
    return token


def find_password_reset(db: Session, token: str) -> PasswordReset | None:
    """The unused, unexpired reset for this token, or None."""
    reset = db.scalar(
        select(PasswordReset).where(PasswordReset.token_hash == security.token_hash(token))
    )
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow():
        return None
    return reset


def complete_password_reset(db: Session, reset: PasswordReset, password: str) -> User:
    user = db.get(User, reset.user_id)
    set_password(db, user, password)
    reset.used_at = utcnow()
    db.add(reset)
    return user
