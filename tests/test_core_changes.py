"""core.changes.apply_changes: the one way services copy checked form data onto a row."""
from types import SimpleNamespace

from portal.core.changes import apply_changes


def test_sets_only_what_differs_and_names_it_in_order():
    row = SimpleNamespace(name="Uno", kind="a", note=None)
    assert apply_changes(row, {"note": "x", "name": "Uno", "kind": "b"}) == ["note", "kind"]
    assert (row.name, row.kind, row.note) == ("Uno", "b", "x")
    assert apply_changes(row, {"note": "x"}) == []


def test_names_limit_the_fields_and_missing_ones_are_left_alone():
    row = SimpleNamespace(name="Uno", kind="a", secret="s")
    assert apply_changes(row, {"name": "Due", "secret": "t"}, ("name", "kind")) == ["name"]
    assert (row.name, row.kind, row.secret) == ("Due", "a", "s")
