"""The application object for ASGI servers: `uvicorn eventapp.asgi:app`."""

from eventapp.app import create_app

app = create_app()
