"""The academy plus one bare signed-in route, to show what being signed in costs before any page work.

`GET /__bench/signed-in` goes through everything a page does before its view runs (session cookie,
server-side login session and roles from the database, access rules, security headers) and returns a
fixed text.  bench/run.py serves this module instead of app.py so both run in the same workers.
"""
from app import create_app
from academy.access import ANY_USER, requires

app = create_app()


@requires(ANY_USER)
def signed_in():
    return "signed in"


app.add_url_rule("/__bench/signed-in", "bench_signed_in", signed_in)
