"""The floor for bench/run.py: a bare Flask hello route served by the same gunicorn settings as the app."""
from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "hello"
