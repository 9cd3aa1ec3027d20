"""The application factory: settings, instance folder, secret key, the engine, blueprints,
security headers.

Settings are layered: code defaults < ``MORGUE_*`` environment < what the caller passes (the
``serve`` command's flags, or a test's ``test_config``). The index is opened lazily on first use
and shared by all requests; each thread reads through its own searcher, refreshed to the newest
commit, so the app never writes the index and never needs a restart after a reindex.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from search.analysis import stem_english
from search.config import Settings, load_settings
from webui import api, attention_views, errors, filters, saved_views, views
from webui.cursors import Cursors
from webui.state import CURSORS_KEY, ENGINE_KEY, EngineHolder, close_store

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def _secret_key(instance: Path) -> str:
    """A random key generated once and kept (mode 0600) in the instance folder, never in code."""
    key_file = instance / "secret_key"
    try:
        return key_file.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        pass
    key = secrets.token_hex(32)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key


LOOPBACK_NAMES = ["127.0.0.1", "localhost", "::1", "[::1]"]


def trusted_hosts(settings: Settings) -> list[str] | None:
    """The Host names to answer: the configured ones, else the loopback names on loopback."""
    if settings.trusted_hosts:
        return [h.strip() for h in settings.trusted_hosts.split(",") if h.strip()]
    if settings.host in ("127.0.0.1", "localhost", "::1"):
        return LOOPBACK_NAMES
    return None


def create_app(test_config: dict | None = None) -> Flask:
    test_config = dict(test_config or {})
    overrides = test_config.pop("MORGUE_OVERRIDES", {})
    settings = load_settings(**overrides)
    instance_path = test_config.pop("INSTANCE_PATH", None) or settings.instance_path
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=str(Path(instance_path).resolve()) if instance_path else None,
    )
    app.url_map.merge_slashes = False  # article ids may be URLs ("https://...")
    app.config.from_mapping(
        MORGUE_SETTINGS=settings,
        MAX_CONTENT_LENGTH=1024 * 1024,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
        WTF_CSRF_TIME_LIMIT=None,  # valid for the browser session, not an hour
    )
    settings = app.config["MORGUE_SETTINGS"]
    app.config["TRUSTED_HOSTS"] = trusted_hosts(settings)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(test_config)
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(instance)
    app.json.sort_keys = False

    app.extensions[ENGINE_KEY] = EngineHolder(app.config["MORGUE_SETTINGS"].index_dir)
    stem_english("news")  # loads the stemmer here, before any request thread can race to it
    app.extensions[CURSORS_KEY] = Cursors()

    CSRFProtect(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(attention_views.bp)
    app.register_blueprint(saved_views.bp)
    app.teardown_appcontext(close_store)
    errors.init_app(app)
    filters.init_app(app)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    if not app.debug and not app.testing:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    return app
