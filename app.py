"""政企销售学院 — `python app.py` serves the site; `create_app` is the Flask factory (it only wires)."""
import argparse
import os

from flask import Flask

BLUEPRINTS = (  # module paths, imported inside the factory
    "academy.org.auth.views", "academy.org.admin.views", "academy.learning.courses.views",
    "academy.learning.quizzes.views", "academy.learning.quizzes.mistake_views", "academy.learning.roleplay.views",
    "academy.learning.content.views", "academy.org.inbox.views", "academy.org.coaching.views",
    "academy.authoring.bank_views",
    "academy.learning.assignments.views", "academy.learning.certificates.views",
    "academy.authoring.import_views",
    "academy.authoring.analysis_views", "academy.authoring.regrade_views", "academy.reports.views",
    "academy.authoring.views",
    "academy.authoring.item_views",
)


def create_app(overrides: dict | None = None) -> Flask:
    from importlib import import_module

    from academy import cli
    from academy.authoring import store
    from academy.learning.content import catalog
    from academy.learning.quizzes import item_html
    from academy.platform import cache, chrome, db, i18n, security, web
    from academy.platform.config import load_config

    app = Flask(__name__, instance_path=os.environ.get("INSTANCE_PATH") or None)
    load_config(app, overrides)
    db.init_app(app)
    security.init_app(app)
    i18n.init_app(app)
    chrome.init_app(app)
    item_html.init_app(app)
    catalog.init_app(app, store.PublishedOverlay)  # the files, overlaid with the published database versions
    web.init_app(app)
    for module in BLUEPRINTS:
        app.register_blueprint(import_module(module).bp)
    cache.init_app(app)  # after Flask-Login's context processor, which its own overrides while a page is shared
    web.register_errors(app)
    cli.init_app(app)
    if app.config["AUTO_MIGRATE"]:
        cli.prepare_database(app)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="政企销售学院")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--demo", action="store_true", help="创建演示组织与学习数据（幂等）")
    parser.add_argument("--password", help="演示账号的密码（不填则随机生成并打印）")
    args = parser.parse_args()
    app = create_app()
    if args.demo:
        from academy.demo import seed_demo

        with app.app_context():
            print(seed_demo(args.password))
    app.run(host=args.host, port=args.port)


if __name__ == "__main__":
    main()
