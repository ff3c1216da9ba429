"""`eventapp backup PATH`: a consistent copy of the database while the app keeps running.

SQLite: the online backup API copies a snapshot page by page (WAL included).
PostgreSQL: pg_dump in its custom format, restorable with pg_restore.
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url


class BackupFailed(RuntimeError):
    pass


def write(engine: Engine, url: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if engine.dialect.name == "sqlite":
        source = sqlite3.connect(make_url(url).database)
        target = sqlite3.connect(path)
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
        return
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupFailed("pg_dump is not installed (Debian: apt-get install postgresql-client).")
    parsed = make_url(url).set(drivername="postgresql")
    env = dict(os.environ)
    if parsed.password:  # through the environment, not the process list
        env["PGPASSWORD"] = str(parsed.password)
    target = parsed.set(password=None).render_as_string(hide_password=False)
    result = subprocess.run(  # noqa: S603  (fixed argument list, no shell)
        [pg_dump, "--format=custom", f"--file={path}", target],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    if result.returncode != 0:
        raise BackupFailed(result.stderr.strip() or "pg_dump failed")
