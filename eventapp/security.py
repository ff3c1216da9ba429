"""Secrets, tokens, password hashing, CSRF, client addresses and rate limits.

Secret links carry 256 bits from `secrets`; the database keeps only their SHA-256, so a copy of
the database opens no session, reset or invitation. Comparisons of secrets are constant-time.
"""

import hashlib
import hmac
import ipaddress
import logging
import re
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlmodel import Session
from zxcvbn import zxcvbn

from eventapp.i18n import gettext as _
from eventapp.models import RateLimitHit, utcnow

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 1024

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def same_secret(a: str, b: str) -> bool:
    return hmac.compare_digest(
        a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass")
    )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; with no hash (unknown account) spend the same time and say no."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None. Passwords are used exactly as typed."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return _("Use at least %(min)s characters.", min=PASSWORD_MIN_LENGTH)
    if len(password) > PASSWORD_MAX_LENGTH:
        return _("Use at most %(max)s characters.", max=PASSWORD_MAX_LENGTH)
    # zxcvbn's cost grows with length; a common password is never this long anyway.
    sequence = zxcvbn(password[:64])["sequence"] if len(password) <= 64 else []
    for match in sequence:
        whole = match["i"] == 0 and match["j"] == len(password) - 1
        if whole and match.get("dictionary_name") == "passwords":
            return _("This password is on a list of common passwords; choose another.")
    return None


# CSRF -----------------------------------------------------------------------------------------
# Signed double submit: a random value in an HttpOnly cookie, and in every form (or the
# X-CSRF-Token header for htmx) an HMAC of it under the secret key. A cross-site page can neither
# read the cookie nor compute the HMAC. Sec-Fetch-Site and Origin are checked as well.

CSRF_COOKIE = "eventapp_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
# Rendered instead of the token into pages the public page cache keeps; it puts each visitor's
# own token in its place on the way out.
CSRF_PLACEHOLDER = "csrf-placeholder-0f9c2d7e4b1a"


def csrf_token_for(secret_key: str, cookie_value: str) -> str:
    return hmac.new(secret_key.encode(), b"csrf:" + cookie_value.encode(), "sha256").hexdigest()


def csrf_is_valid(secret_key: str, cookie_value: str | None, submitted: str | None) -> bool:
    if not cookie_value or not submitted:
        return False
    return same_secret(csrf_token_for(secret_key, cookie_value), submitted)


# Client address --------------------------------------------------------------------------------


def client_ip(peer: str | None, forwarded_for: str | None, trusted: list) -> str:
    """The peer address, or the nearest untrusted address in X-Forwarded-For when the peer is a
    trusted proxy. Anyone can write that header, so it counts only from configured proxies."""
    address = peer or ""
    if not forwarded_for or not _in(address, trusted):
        return address
    for hop in reversed([part.strip() for part in forwarded_for.split(",") if part.strip()]):
        if not _in(hop, trusted):
            return hop
        address = hop
    return address


def _in(address: str, networks: list) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


# Rate limits -----------------------------------------------------------------------------------
# Counted in the database, so the limit holds across every worker on every host. Keys are cut to
# the column's length the same way when counting and when recording, so a longer key cannot
# slip past its own count.

KEY_LENGTH = 300


def count_hits(db: Session, bucket: str, key: str, *, window: timedelta) -> int:
    since = utcnow() - window
    query = select(func.count()).where(
        RateLimitHit.bucket == bucket,
        RateLimitHit.key == key[:KEY_LENGTH],
        RateLimitHit.created_at >= since,
    )
    return db.scalar(query) or 0


def is_limited(db: Session, bucket: str, key: str, *, limit: int, window: timedelta) -> bool:
    return count_hits(db, bucket, key, window=window) >= limit


def record_hit(db: Session, bucket: str, key: str) -> None:
    db.add(RateLimitHit(bucket=bucket, key=key[:KEY_LENGTH]))
    db.flush()


def clear_hits(db: Session, bucket: str, key: str) -> None:
    db.execute(
        delete(RateLimitHit).where(
            RateLimitHit.bucket == bucket, RateLimitHit.key == key[:KEY_LENGTH]
        )
    )


def purge_hits(db: Session, *, older_than: datetime) -> int:
    result = db.execute(delete(RateLimitHit).where(RateLimitHit.created_at < older_than))
    return result.rowcount or 0


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go back to after a form; anything else (other hosts, `//x`, `/\\x`)
    becomes the default, so no link can bounce a person to another site."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(ch in target for ch in "\\\r\n\t\x00"):
        return default
    return target


# Secret links in logs ----------------------------------------------------------------------------

_SECRET_IN_PATH = re.compile(
    r"(/(?:registrations|speaker|invitations|password-reset)/)[^/?#\s]+"
    r"|([?&](?:invite|token)=)[^&#\s]+"
)


def without_secrets(path: str) -> str:
    """`path` with the tokens of secret links replaced by "…" (for logs: whoever reads them
    must not be able to open someone's registration or speaker page)."""
    return _SECRET_IN_PATH.sub(lambda found: (found.group(1) or found.group(2)) + "…", path)


class SecretLinkFilter(logging.Filter):
    """For uvicorn's access log, whose records carry the path as their third argument."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], without_secrets(args[2]), *args[3:])
        return True
