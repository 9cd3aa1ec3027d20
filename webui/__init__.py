"""Morgue's web front end: ``create_app`` builds the Flask application over one index."""

from webui.app import create_app

__all__ = ["create_app"]
