"""`eventapp worker`: sends queued mail and runs timed jobs, on any number of hosts at once."""

import logging
import time

from eventapp import auth, security
from eventapp.db import transaction
from eventapp.models import utcnow

log = logging.getLogger("eventapp.worker")
IDLE_SECONDS = 5


def run_timed_jobs() -> None:
    from datetime import timedelta

    with transaction() as db:
        auth.purge_expired_sessions(db)
        security.purge_hits(db, older_than=utcnow() - timedelta(days=1))


def run(*, once: bool = False) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    while True:
        run_timed_jobs()
        if once:
            return
        time.sleep(IDLE_SECONDS)
