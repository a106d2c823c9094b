"""The embedded default: a SQLite file called academy.db in the instance folder (what README and the backup
instructions name)."""
from academy.platform.config import load_config


def test_the_default_database_is_instance_academy_db(tmp_path, monkeypatch):
    from flask import Flask

    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = Flask(__name__, instance_path=str(tmp_path / "instance"))
    load_config(app)
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'instance' / 'academy.db'}"
