"""Bare Starlette reference app for the benchmarks (not part of eventapp).

Serves the bytes in the file named by BENCH_BODY_FILE at /events/{slug} and
/events/{slug}/agenda, and a constant JSON answer at /healthz, under uvicorn with the same
settings `eventapp serve` uses (one worker, uvicorn's automatic loop and HTTP implementation,
info logging, no Server header), so the two differ only in what the application does per
request.

    python bench/bare_app.py --port 8001
"""

import argparse
import os
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

_body_file = os.environ.get("BENCH_BODY_FILE")
BODY = Path(_body_file).read_bytes() if _body_file else b"<!doctype html><title>bare</title>\n"
HEALTH = b'{"status":"ok"}'


async def page(request: Request) -> Response:
    return Response(BODY, media_type="text/html; charset=utf-8")


async def health(request: Request) -> Response:
    return Response(HEALTH, media_type="application/json")


app = Starlette(
    routes=[
        Route("/events/{slug}", page),
        Route("/events/{slug}/agenda", page),
        Route("/healthz", health),
    ]
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()
    # Same keyword arguments as eventapp.cli.serve (workers=1 runs in this process).
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        workers=1,
        proxy_headers=False,
        server_header=False,
        log_level="info",
    )


if __name__ == "__main__":
    main()
