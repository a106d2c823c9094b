"""Question banks for trainers (read-only): every bank with its category tree, and one bank's items, filtered by
category, tag, concept or stage, each previewed with the take page's item macros and with the quizzes that
include it or draw from it.  Banks are edited as content (files, or the authoring store)."""
from flask import Blueprint, abort, render_template, request

from academy.authoring import banks
from academy.learning.content.catalog import get_catalog
from academy.learning.questions import Item
from academy.learning.questions.quizmd.banks import BANK_DIR
from academy.learning.quizzes.item_html import item_form
from academy.learning.quizzes.layout import right_order
from academy.platform.access import requires

bp = Blueprint("banks", __name__, url_prefix="/authoring/banks")
EDITORS = ("trainer", "admin")
FILTERS = ("category", "tag", "concept", "stage")


class PreviewView:
    """What the item macros ask of a take page, for an item shown unanswered in its source order."""

    seed = None

    def options(self, item: Item):
        return item.options

    def sequence(self, item: Item):
        return list(enumerate(item.sequence))

    def rights(self, item: Item):
        return right_order(item, None)

    def answer(self, item: Item, parent: Item | None = None):
        return None

    def position(self, item: Item, index: int, parent: Item | None = None):
        return None

    def body(self, item: Item, parent: Item | None = None):
        return item_form(self, item, parent)


@bp.route("/")
@requires(*EDITORS)
def index():
    catalog = get_catalog()
    rows = [(bank, banks.category_tree(bank.items), banks.using_quizzes(catalog.quizzes, bank.id)) for bank in catalog.banks]
    problems = [p for p in catalog.problems if p.path.startswith(BANK_DIR)]
    return render_template("authoring/banks.html", rows=rows, problems=problems)


@bp.route("/<name>")
@requires(*EDITORS)
def bank(name: str):
    catalog = get_catalog()
    found = catalog.bank(name) or abort(404)
    filters = banks.Filters(**{key: request.args.get(key, "").strip()[:200] for key in FILTERS})
    unknown = banks.unknown_filters(found, filters)
    items = [] if unknown else banks.filtered(found, filters)
    page = render_template("authoring/bank.html", bank=found, filters=filters, unknown=unknown, items=items,
                           tree=banks.category_tree(found.items), choices=banks.choices(found),
                           uses=banks.uses(catalog.quizzes, found.id), view=PreviewView())
    return page, 400 if unknown else 200
