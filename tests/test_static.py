"""Vendored front-end files are exactly the versions recorded, and are served locally."""

import hashlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_vendored_files_match_their_recorded_checksums():
    table = (ROOT / "static/vendor/VENDORED.md").read_text()
    recorded = dict(re.findall(r"\| `([^`]+)` \|[^\n]*\| `([0-9a-f]{64})` \|", table))

    actual = {
        name: hashlib.sha256((ROOT / "static/vendor" / name).read_bytes()).hexdigest()
        for name in recorded
    }

    assert recorded == actual
    assert sorted(recorded) == ["htmx-2.0.11.min.js", "sortable-1.15.7.min.js"]


def test_htmx_is_served_from_this_site(client):
    response = client.get("/static/vendor/htmx-2.0.11.min.js")

    assert (response.status_code, response.headers["content-type"]) == (
        200,
        "text/javascript; charset=utf-8",
    )
