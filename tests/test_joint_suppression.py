"""A region's quarter and its nodes' open data, suppressed together: an attacker holding both files solves every
equation they give (each table's sums, and the same count in both files) and recovers no small cell.

The attacker here is independent of portal/monitoring/joint.py: its own variables, its own elimination."""
import random
from fractions import Fraction

import pytest

from portal.core.quarters import Quarter
from portal.monitoring.indicators import DIMENSIONS, VALUES
from portal.monitoring.joint import suppress_jointly
from portal.monitoring.opendata import GENDERS, INTERSECTIONAL, PARTICIPANT_TABLES
from portal.monitoring.suppression import THRESHOLD, TOTAL, Table, suppress_linked
from portal.referrals.models import Ground
from portal.region.joint_release import REGION, _node_links, _region_links
from portal.region.queries import build_tables
from tests import range_attack

NODES = [1, 2, 3]


def _people(rng: random.Random) -> dict:
    people = {}
    for n in NODES:
        people[n] = []
        for _ in range(rng.randint(15, 60)):
            person = {d: rng.choice(VALUES[d][: rng.randint(2, len(VALUES[d]))] if rng.random() < .3 else VALUES[d])
                      for d in DIMENSIONS}
            person["ground"] = rng.choice([g.value for g in Ground][:4] + [INTERSECTIONAL])
            people[n].append(person)
    return people


def _publications(people: dict, rng: random.Random) -> dict:
    """The region's tables and each node's open data, each suppressed alone as the code builds them."""
    q = Quarter(2026, 1)
    data: dict = {}
    for n in NODES:
        for person in people[n]:
            for d in DIMENSIONS:
                key = (f"esf_{d}", person[d], n, q.start)
                data[key] = data.get(key, 0) + 1
        data[("decision", "accepted", n, q.start)] = len(people[n])
        data[("decision", "declined", n, q.start)] = rng.randint(0, 8)
        data[("referrals", "total", n, q.start)] = len(people[n])
    publications = {(REGION, t.name): t for t in build_tables(data, q, NODES)}
    for n in NODES:
        tables = []
        for name, d in PARTICIPANT_TABLES.items():
            cells: dict = {}
            for person in people[n]:
                cells[(person[d], person["gender"])] = cells.get((person[d], person["gender"]), 0) + 1
            tables.append(Table(name, VALUES[d], GENDERS, cells))
        grounds: dict = {}
        for person in people[n]:
            grounds[(person["ground"], person["gender"])] = grounds.get((person["ground"], person["gender"]), 0) + 1
        tables.append(Table("motivi", [g.value for g in Ground] + [INTERSECTIONAL], GENDERS, grounds))
        suppress_linked(tables, lambda table, key: key[1] if key[0] == TOTAL else None)
        publications |= {(n, t.name): t for t in tables}
    return publications


def _known_equations(publications: dict, nodes: list) -> tuple[dict, list]:
    """What the attacker holds: a variable per cell of every file, each table's sums, each published count,
    and the same people counted in both files."""
    variables: dict = {}

    def var(publication, key):
        return variables.setdefault((publication, key), len(variables))

    equations = []
    for publication, table in publications.items():
        for r in [*table.rows, TOTAL]:
            equations.append(({var(publication, (r, c)): Fraction(1) for c in table.columns} | {var(publication, (r, TOTAL)): Fraction(-1)}, 0))
        for c in [*table.columns, TOTAL]:
            equations.append(({var(publication, (r, c)): Fraction(1) for r in table.rows} | {var(publication, (TOTAL, c)): Fraction(-1)}, 0))
        for key in table.keys:
            if key not in table.hidden:
                equations.append(({var(publication, key): Fraction(1)}, table.cells[key]))

    def same(a, b):
        if a != b:  # {x: 1, x: -1} would be the row {x: -1}: "x = 0", which nobody knows
            equations.append(({variables[a]: Fraction(1), variables[b]: Fraction(-1)}, 0))

    for n in nodes:  # what the attacker knows: the same people counted in both files
        for name, d in PARTICIPANT_TABLES.items():
            for value in [*VALUES[d], TOTAL]:
                same(((REGION, f"esf_{d}"), (value, n)), ((n, name), (value, TOTAL)))
        for g in GENDERS:
            same(((REGION, "esf_gender"), (g, n)), ((n, "partecipanti_eta"), (TOTAL, g)))
        for name in PARTICIPANT_TABLES:
            for g in [*GENDERS, TOTAL]:
                same(((n, "partecipanti_eta"), (TOTAL, g)), ((n, name), (TOTAL, g)))
            same(((REGION, "esf_gender"), (TOTAL, n)), ((REGION, f"esf_{PARTICIPANT_TABLES[name]}"), (TOTAL, n)))
        same(((REGION, "esf_gender"), (TOTAL, n)), ((REGION, "decisioni"), ("accepted", n)))
    return variables, equations


def _attack(publications: dict, nodes: list = NODES, small_only: bool = True) -> list:
    """Every hidden cell below 5 (or any, ``small_only`` False: released files keep no hidden count) that the
    published cells of both files determine, with its true count."""
    variables, equations = _known_equations(publications, nodes)
    basis: list = []  # (pivot, row), every row reduced against every other (reduced row-echelon form)
    for coefficients, _rhs in equations:
        row = _reduced(dict(coefficients), basis)
        if not row:
            continue
        pivot = min(row)
        row = {k: c / row[pivot] for k, c in row.items()}
        for index, (other_pivot, other) in enumerate(basis):
            if other.get(pivot):
                basis[index] = (other_pivot, _minus(other, other[pivot], row))
        basis.append((pivot, row))

    def determined(i):
        return not _reduced({i: Fraction(1)}, basis)

    return [(publication, key, table.cells[key]) for publication, table in publications.items()
            for key in table.hidden
            if (table.cells[key] < 5 or not small_only) and determined(variables[(publication, key)])]


def _squeezed(publications: dict) -> dict:
    """Every hidden cell below 5 that the attacker, knowing counts are non-negative, pins to fewer than 5 whole
    values (a linear program per cell over the attacker's own equations, tests/range_attack.py), with its range."""
    variables, equations = _known_equations(publications, NODES)
    small = {variables[(publication, key)]: table.cells[key] for publication, table in publications.items()
             for key in table.hidden if table.cells[key] < THRESHOLD}
    found = range_attack.narrow(len(variables), [(row, float(rhs)) for row, rhs in equations], small, THRESHOLD,
                                integer=False)
    cell = {i: v for v, i in variables.items()}
    return {cell[i]: span for i, span in found.items()}


def _minus(row: dict, factor, other: dict) -> dict:
    out = dict(row)
    for k, c in other.items():
        out[k] = out.get(k, 0) - factor * c
    return {k: c for k, c in out.items() if c}


def _reduced(row: dict, basis: list) -> dict:
    for pivot, b in basis:
        if row.get(pivot):
            row = _minus(row, row[pivot], b)
    return row


@pytest.mark.parametrize("seed", range(6))
def test_the_two_files_together_disclose_no_small_cell(seed):
    rng = random.Random(seed)
    people = _people(rng)
    publications = _publications(people, random.Random(seed))
    links = _region_links(NODES)
    for n in NODES:
        links += _node_links(n, [name for owner, name in publications if owner == n])
    assert suppress_jointly(publications, links) == set()
    assert _attack(publications) == []
    assert _squeezed(publications) == {}


def test_apart_they_did():
    """The same data suppressed apart (as before the joint release): the attacker recovers small cells."""
    found = [leak for seed in range(6) for leak in _attack(_publications(_people(random.Random(seed)), random.Random(seed)))]
    assert found


def test_without_the_ranges_they_squeezed_small_cells(monkeypatch):
    """Audited for exact disclosure only (as before the ranges were), the two files together pinned small cells
    of seeds 1 and 2 to fewer than 5 values (0 to 4) though no equation determined them."""
    from portal.monitoring import joint

    monkeypatch.setattr(joint, "narrow", lambda *args, **kwargs: set())
    found = {}
    for seed in (1, 2):
        publications = _publications(_people(random.Random(seed)), random.Random(seed))
        links = _region_links(NODES)
        for n in NODES:
            links += _node_links(n, [name for owner, name in publications if owner == n])
        suppress_jointly(publications, links)
        assert _attack(publications) == []
        found |= _squeezed(publications)
    assert found and all(high - low < THRESHOLD for low, high in found.values())


def test_a_node_release_from_before_a_correction_never_sits_beside_a_different_published_count():
    """Node 1 released its open data, then one person's age band was corrected: the region's counts of today
    differ from the node's file in two cells. Wherever the node's file published such a cell, the region's must
    not publish its new value (the pair would show the correction): it is hidden, and the audit holds."""
    from portal.region.joint_release import consistent

    rng = random.Random(3)
    people = _people(rng)
    old = _publications(people, random.Random(3))  # the node's file as released, before the correction
    moved = next(p for p in people[1] if p["age_band"] != VALUES["age_band"][0])
    moved["age_band"] = VALUES["age_band"][0]
    publications = {k: t for k, t in _publications(people, random.Random(3)).items() if k[0] == REGION}
    publications |= {k: t for k, t in old.items() if k[0] != REGION}
    fixed = {k for k in publications if k[0] == 1}
    links = _region_links(NODES)
    for n in NODES:
        links += _node_links(n, [name for owner, name in publications if owner == n])
    suppress_jointly(publications, consistent(links, publications, fixed), fixed)
    region, node = publications[(REGION, "esf_age_band")], publications[(1, "partecipanti_eta")]
    for value in VALUES["age_band"]:
        shown = (value, 1) not in region.hidden and (value, TOTAL) not in node.hidden
        assert not shown or region.cells[(value, 1)] == node.cells[(value, TOTAL)], value
