"""core.views_helpers.expose_labels: a domain's label dicts given to templates in one line, to the
blueprint's own pages or (everywhere=True) to every page."""
from types import SimpleNamespace

import pytest
from flask import Blueprint, Flask, render_template_string

from portal.core.views_helpers import expose_labels

LABELS = SimpleNamespace(STATE_LABELS={"open": "Aperto"}, KIND_LABELS={"a": "Uno"}, HELP={"a": "Aiuto"})
SEEN = "{{ STATE_LABELS is defined }} {{ KIND_LABELS is defined }} {{ HELP is defined }} {{ THING_STATE_LABELS is defined }}"


def _app(**exposed):
    app = Flask(__name__)
    own, other = Blueprint("own", __name__), Blueprint("other", __name__)
    expose_labels(own, LABELS, "KIND_LABELS", **exposed)

    @own.route("/own")
    def own_page():
        return render_template_string(SEEN)

    @other.route("/other")
    def other_page():
        return render_template_string(SEEN)

    app.register_blueprint(own)
    app.register_blueprint(other)
    return app.test_client()


def test_the_blueprints_own_pages_see_the_named_and_renamed_dicts_others_do_not():
    client = _app(THING_STATE_LABELS="STATE_LABELS")
    assert client.get("/own").text == "False True False True"
    assert client.get("/other").text == "False False False False"


def test_everywhere_gives_them_to_every_page():
    app = Flask(__name__)
    own, other = Blueprint("own", __name__), Blueprint("other", __name__)
    expose_labels(own, LABELS, "HELP", everywhere=True)
    other.add_url_rule("/other", "page", lambda: render_template_string("{{ HELP['a'] }} {{ KIND_LABELS is defined }}"))
    app.register_blueprint(own)
    app.register_blueprint(other)
    assert app.test_client().get("/other").text == "Aiuto False"


def test_the_template_gets_the_module_dict_itself():
    app = Flask(__name__)
    bp = Blueprint("own", __name__)
    expose_labels(bp, LABELS, "KIND_LABELS", THING_STATE_LABELS="STATE_LABELS")
    app.register_blueprint(bp)
    with app.test_request_context("/"):
        context = {}
        for processor in app.template_context_processors["own"]:
            context.update(processor())
    assert context["KIND_LABELS"] is LABELS.KIND_LABELS and context["THING_STATE_LABELS"] is LABELS.STATE_LABELS


def test_a_misspelt_name_fails_at_import_not_on_a_page():
    with pytest.raises(AttributeError):
        expose_labels(Blueprint("own", __name__), LABELS, "KIND_LABEL")
    with pytest.raises(AttributeError):
        expose_labels(Blueprint("own", __name__), LABELS, THING_LABELS="STATE_LABEL")
