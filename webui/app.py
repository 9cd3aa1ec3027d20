"""The application factory: settings, instance folder, secret key, the engine, blueprints."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Flask

from search.config import load_settings


def _secret_key(instance: Path) -> str:
    """A random key generated once and kept (mode 0600) in the instance folder, never in code."""
    key_file = instance / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    key = secrets.token_hex(32)
    key_file.touch(mode=0o600)
    key_file.write_text(key, encoding="utf-8")
    return key


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    settings = load_settings(**(test_config or {}).get("MORGUE_OVERRIDES", {}))
    app.config.from_mapping(MORGUE_SETTINGS=settings)
    if test_config:
        app.config.update(test_config)
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.setdefault("SECRET_KEY", None)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _secret_key(instance)
    return app
