"""The web application: pages and JSON API (FastAPI), built by :func:`app.create_app`."""
