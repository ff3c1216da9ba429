"""Settings from `EVENTAPP_` environment variables, and where the app's own files are."""

import ipaddress
import os
import secrets
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, PrivateAttr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """`templates`, `static` or `alembic`: inside the wheel, or at the top of a source checkout."""
    installed = PACKAGE_DIR / "_resources" / name
    return installed if installed.exists() else PACKAGE_DIR.parent / name


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "eventapp"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EVENTAPP_", extra="ignore")
    _secret: str | None = PrivateAttr(default=None)  # resolved_secret_key, once per settings

    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str = ""
    secret_key: str = ""
    base_url: str = "http://127.0.0.1:8000"
    smtp_url: str = ""
    mail_from: str = "eventapp <noreply@localhost>"
    trusted_proxies: str = ""
    # Public registration and "lost your link?": attempts per client address in 10 minutes,
    # and per email address in an hour (a load benchmark raises them).
    registration_limit_per_ip: int = 20
    registration_limit_per_email: int = 5

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def is_https(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def base_host(self) -> str:
        return urlsplit(self.base_url).netloc

    @property
    def proxy_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        return [
            ipaddress.ip_network(part.strip(), strict=False)
            for part in self.trusted_proxies.split(",")
            if part.strip()
        ]

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'eventapp.sqlite3'}"

    def resolved_secret_key(self) -> str:
        """The configured key, or the one kept in the data directory (made once, mode 600)."""
        if self._secret is None:
            self._secret = self.secret_key or self._kept_secret_key()
        return self._secret

    def _kept_secret_key(self) -> str:
        path = self.data_dir / "secret_key"
        if path in _kept_keys:
            return _kept_keys[path]
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            # Written whole under a private name, then linked into place: several workers
            # starting at once all end up reading the one key that won.
            draft = path.with_name(f".secret_key.{secrets.token_hex(8)}")
            fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
            try:
                os.link(draft, path)
            except FileExistsError:
                pass
            finally:
                draft.unlink()
        _kept_keys[path] = path.read_text().strip()
        return _kept_keys[path]


_kept_keys: dict[Path, str] = {}  # read once per process: every CSRF token needs the key


@cache
def get_settings() -> Settings:
    return Settings()
