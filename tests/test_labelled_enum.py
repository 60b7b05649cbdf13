"""Code lists carry their labels: ``OPEN = "open", _l("Aperta")`` (``portal.models_base.LabelledEnum``)."""
import ast
import json
import pathlib
import pickle

import pytest

from portal.core.choices import enum_choices
from portal.models_base import LabelledEnum

PORTAL = pathlib.Path(__file__).resolve().parent.parent / "portal"
# Module-level tables keyed by a labelled enum's members that are a second text per code, not its label: a rule's
# help; a public report's state in the node's words (the label is the reporter's: "Il nodo ti ha chiesto…").
# Deliberate second texts for some codes, for another reader: the rules' help, a public report's states in the
# node's words, the antenna's roles in a public office's words.
SECOND_TEXTS = {("alerts/labels.py", "RULE_HELP"), ("reports/labels.py", "NODE_STATE_LABELS"),
                ("accounts/models.py", "OFFICE_ROLE_LABELS")}


def _all_labelled(cls=LabelledEnum):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_labelled(sub)


class Colour(LabelledEnum):
    RED = "red", "Rosso"
    DARK_BLUE = "dark_blue", "Blu scuro"


def test_a_member_is_its_code_and_carries_its_label():
    assert Colour("dark_blue") is Colour.DARK_BLUE
    assert Colour.DARK_BLUE == "dark_blue" and Colour.DARK_BLUE.value == "dark_blue"
    assert f"{Colour.RED}" == "red"  # stored and formatted as the code, never the label
    assert pickle.loads(pickle.dumps(Colour.DARK_BLUE)) is Colour.DARK_BLUE  # a queued job's argument
    assert json.dumps({"c": Colour.RED}) == '{"c": "red"}' and {Colour.RED: 1}["red"] == 1
    assert Colour.DARK_BLUE.label == "Blu scuro"
    assert Colour.labels() == {Colour.RED: "Rosso", Colour.DARK_BLUE: "Blu scuro"}
    assert list(Colour.labels()) == [Colour.RED, Colour.DARK_BLUE]
    assert enum_choices(Colour, blank="Tutti") == [("", "Tutti"), ("red", "Rosso"), ("dark_blue", "Blu scuro")]
    assert enum_choices(Colour) == enum_choices(Colour.labels())


def test_a_code_without_a_label_does_not_load():
    with pytest.raises(TypeError):
        class Broken(LabelledEnum):
            FINE = "fine", "Bene"
            BARE = "bare"


def test_every_code_list_of_the_portal_has_a_label_for_every_code(app):
    found = [cls for cls in _all_labelled() if cls.__module__.startswith("portal.")]
    assert len(found) > 50
    for cls in found:
        for member in cls:
            assert str(member.label).strip(), f"{cls.__name__}.{member.name} has an empty label"


def _enum_keyed_label_tables():
    names = {cls.__name__ for cls in _all_labelled() if cls.__module__.startswith("portal.")}
    for path in sorted(PORTAL.rglob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict) and node.value.keys):
                continue
            keys = node.value.keys
            if all(isinstance(k, ast.Attribute) and isinstance(k.value, ast.Name) and k.value.id in names
                   for k in keys) and all(isinstance(v, ast.Call) and ast.unparse(v.func) == "_l"
                                          for v in node.value.values):
                yield str(path.relative_to(PORTAL)), node.targets[0].id


def test_labels_are_declared_on_the_code_list_not_in_a_second_table(app):
    """One place per code and its label: a dict of ``Enum.MEMBER: _l(...)`` beside the enum would drift from
    it (a code added without its label); put the label on the member instead."""
    assert set(_enum_keyed_label_tables()) == SECOND_TEXTS
