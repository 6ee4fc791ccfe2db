"""Local web app and JSON API over the store (`storyline serve`)."""
from .app import create_app, serve

__all__ = ["create_app", "serve"]
