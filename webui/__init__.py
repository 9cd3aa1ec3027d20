"""Morgue's web front end: ``create_app`` builds the Flask application over one index.

Flask is imported when the app is made, not when the ``morgue`` command starts.
"""

__all__ = ["create_app"]


def __getattr__(name: str):
    if name == "create_app":
        from webui.app import create_app

        return create_app
    raise AttributeError(name)
