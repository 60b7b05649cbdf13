"""wtforms' own messages (a number box's "Not a valid integer value.") in the user's language, their
catalogue parsed once per process and locale rather than once per request as flask_wtf does."""
from pathlib import Path

from babel import support
from flask_babel import force_locale
from werkzeug.datastructures import MultiDict
from wtforms import FieldList, FormField, IntegerField
from wtforms.validators import InputRequired

from portal import i18n
from portal.core.forms import PortalForm, PortalSubForm


class _Form(PortalForm):
    class Meta:
        csrf = False

    number = IntegerField(validators=[InputRequired()])


def test_wtforms_messages_are_translated_from_a_catalogue_read_once_a_locale(app, monkeypatch):
    loads, real = [], support.Translations.load
    monkeypatch.setattr(support.Translations, "load",
                        lambda *args, domain=None, **kw: loads.append(domain) or real(*args, domain=domain, **kw))
    monkeypatch.setattr(i18n, "_wtforms_catalogues", {})
    for _request in range(3):
        for language, message in (("it", "Non è una valore intero valido"), ("en", "Not a valid integer value.")):
            with app.test_request_context("/"), force_locale(language):
                form = _Form(formdata=MultiDict({"number": "dodici"}))
                assert not form.validate()
                assert form.number.errors == [message], language
    assert loads.count("wtforms") == 2  # once per locale, not once per request


def test_every_form_of_the_portal_is_a_portal_form():
    root = Path(__file__).resolve().parent.parent / "portal"
    offenders = [str(path.relative_to(root)) for path in root.rglob("*.py")
                 if "import FlaskForm" in path.read_text(encoding="utf-8") and path != root / "core" / "forms.py"]
    assert offenders == []  # their wtforms messages would be read from disk again at every request


class _Row(PortalSubForm):
    number = IntegerField(validators=[InputRequired()])


class _WithRows(PortalForm):
    class Meta:
        csrf = False

    rows = FieldList(FormField(_Row), min_entries=1)


def test_a_forms_rows_answer_in_the_pages_language(app):
    with app.test_request_context("/"), force_locale("it"):
        form = _WithRows(formdata=MultiDict({"rows-0-number": "dodici"}))
        assert not form.validate()
        assert form.rows[0].form.number.errors == ["Non è una valore intero valido"]


def test_every_subform_of_the_portal_is_a_portal_subform():
    root = Path(__file__).resolve().parent.parent / "portal"
    offenders = [str(path.relative_to(root)) for path in root.rglob("*.py")
                 if "(Form):" in path.read_text(encoding="utf-8") and path != root / "core" / "forms.py"]
    assert offenders == []  # a plain wtforms Form answers in English whatever the page's language
