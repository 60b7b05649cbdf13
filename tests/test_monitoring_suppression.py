"""Small-cell suppression (portal/monitoring/suppression.py): every value under 5 is hidden, and no hidden
value can be recovered from the published ones — checked by an attacker who subtracts (explicit cases),
by an independent rank computation over a prime field (property-based, hypothesis), and by an attacker who
knows counts are whole and non-negative and solves an integer program per hidden count (tests/range_attack.py):
no small hidden count is left fewer than 5 possible values."""
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.monitoring import suppression
from portal.monitoring.suppression import THRESHOLD, TOTAL, Table, disclosed, suppress, suppress_linked, thin_sums
from tests import range_attack

P = 2_147_483_647  # a prime: ranks of these small 0/±1 systems are the same over GF(P) as over the rationals


def make(cells: list[list[int]]) -> Table:
    rows, columns = [f"r{i}" for i in range(len(cells))], [f"c{j}" for j in range(len(cells[0]))]
    return Table("t", rows, columns, {(r, c): cells[i][j] for i, r in enumerate(rows) for j, c in enumerate(columns)})


def subtraction_attack(table: Table) -> dict:
    """What someone with the published table recovers by repeated subtraction along rows and columns."""
    known = {k: table.published(k) for k in table.keys if table.published(k) is not None}
    lines = [[(r, c) for c in table.columns] + [(r, TOTAL)] for r in [*table.rows, TOTAL]]
    lines += [[(r, c) for r in table.rows] + [(TOTAL, c)] for c in [*table.columns, TOTAL]]
    found = {}
    changed = True
    while changed:
        changed = False
        for *parts, total in lines:
            unknown = [k for k in [*parts, total] if k not in known]
            if len(unknown) != 1:
                continue
            k = unknown[0]
            value = sum(known[p] for p in parts) if k == total else known[total] - sum(known[p] for p in parts if p != k)
            known[k] = found[k] = value
            changed = True
    return found


def _rank_mod_p(rows: list[list[int]]) -> int:
    rows = [[v % P for v in row] for row in rows]
    rank, width = 0, len(rows[0]) if rows else 0
    for col in range(width):
        pivot = next((i for i in range(rank, len(rows)) if rows[i][col]), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        inv = pow(rows[rank][col], P - 2, P)
        rows[rank] = [v * inv % P for v in rows[rank]]
        for i in range(len(rows)):
            if i != rank and rows[i][col]:
                factor = rows[i][col]
                rows[i] = [(a - factor * b) % P for a, b in zip(rows[i], rows[rank], strict=True)]
        rank += 1
    return rank


def determined_by_rank(table: Table) -> set:
    """Independent check: hidden key j is determined iff adding e_j to the system does not raise its rank."""
    hidden = sorted(table.hidden, key=str)
    if not hidden:
        return set()
    index = {k: i for i, k in enumerate(hidden)}
    system = []
    lines = [[(r, c) for c in table.columns] + [(r, TOTAL)] for r in [*table.rows, TOTAL]]
    lines += [[(r, c) for r in table.rows] + [(TOTAL, c)] for c in [*table.columns, TOTAL]]
    for *parts, total in lines:
        row = [0] * len(hidden)
        for k in parts:
            if k in index:
                row[index[k]] += 1
        if total in index:
            row[index[total]] -= 1
        system.append(row)
    base = _rank_mod_p(system)
    return {k for k, i in index.items() if _rank_mod_p(system + [[int(j == i) for j in range(len(hidden))]]) == base}


def small_sum_attack(table: Table) -> dict:
    """Counts are never negative: a line whose total is published leaves its hidden cells a known sum; when that
    sum is below the threshold, each of them is known to be at most that (0 when it is 0)."""
    lines = [[(r, c) for c in table.columns] + [(r, TOTAL)] for r in [*table.rows, TOTAL]]
    lines += [[(r, c) for r in table.rows] + [(TOTAL, c)] for c in [*table.columns, TOTAL]]
    found = {}
    for *parts, total in lines:
        if table.published(total) is None:
            continue
        left = table.published(total) - sum(table.published(k) or 0 for k in parts)
        if left < THRESHOLD:
            found.update({k: left for k in parts if table.published(k) is None})
    return found


def squeezed(table: Table) -> dict:
    """Hidden keys below the threshold that the integer attacker pins to fewer than 5 values, with their range."""
    keys = table.keys
    variable = {k: i for i, k in enumerate(keys)}
    lines = [[(r, c) for c in table.columns] + [(r, TOTAL)] for r in [*table.rows, TOTAL]]
    lines += [[(r, c) for r in table.rows] + [(TOTAL, c)] for c in [*table.columns, TOTAL]]
    equations = [({variable[k]: 1 for k in parts} | {variable[total]: -1}, 0) for *parts, total in lines]
    equations += [({variable[k]: 1}, table.cells[k]) for k in keys if k not in table.hidden]
    small = {variable[k]: table.cells[k] for k in table.hidden if table.cells[k] < THRESHOLD}
    found = range_attack.narrow(len(keys), equations, small, THRESHOLD, integer=True)
    return {keys[i]: span for i, span in found.items()}


def check(table: Table) -> None:
    assert all(k in table.hidden for k in table.keys if table.cells[k] < THRESHOLD)
    assert disclosed(table) == set()
    assert determined_by_rank(table) == set()
    assert subtraction_attack(table) == {}
    assert small_sum_attack(table) == {} and thin_sums(table) == []
    assert squeezed(table) == {} and suppression.narrow(table) == set()


def test_hidden_cells_adding_up_to_nothing_are_hidden_with_more():
    """The regional table an attacker read: a node's 9 referrals all in September, July and August hidden as
    zeros; with the 9 beside its total of 9, both were 0 for certain. Now the 9 goes too."""
    table = make([[0, 0, 9], [3, 4, 8]])
    table.hidden = {k for k in table.keys if table.cells[k] < THRESHOLD}
    assert disclosed(table) == set() and small_sum_attack(table) == {("r0", "c0"): 0, ("r0", "c1"): 0}
    check(suppress(table))


def test_equations_together_squeeze_no_small_cell():
    """7 people, 5 of them in one cell. Hiding the other three cells, both row totals and both column totals
    left no line thin and no cell determined, yet with the grand total of 7 the three hidden cells share the 2
    people left: each is 0, 1 or 2 (published so before the ranges were audited)."""
    table = make([[1, 0], [1, 5]])
    table.hidden = set(table.keys) - {("r1", "c1"), (TOTAL, TOTAL)}
    assert disclosed(table) == set() and thin_sums(table) == []
    assert squeezed(table)[("r0", "c0")] == (0, 2)
    assert suppression.narrow(table) == {k for k in table.hidden if table.cells[k] < THRESHOLD}
    check(suppress(table))


def test_a_squeezed_cell_among_hidden_ones_does_not_take_the_whole_table():
    """A squeezed cell whose row and column are hidden already: a published cell further out is hidden (the
    nearest of the hidden cells' rows and columns), where the whole table used to go (16 of 16)."""
    table = suppress(make([[12, 3, 1], [30, 5, 15], [12, 0, 0]]))
    check(table)
    assert len(table.hidden) < len(table.keys) and (TOTAL, TOTAL) not in table.hidden


def test_the_checks_catch_primary_suppression_alone():
    table = make([[3, 10, 12], [8, 9, 20]])
    table.hidden = {("r0", "c0")}
    assert disclosed(table) == determined_by_rank(table) == {("r0", "c0")}
    assert subtraction_attack(table) == {("r0", "c0"): 3}


def test_one_small_cell_in_a_row_takes_a_second_one_with_it():
    table = suppress(make([[3, 10, 12], [8, 9, 20]]))
    assert ("r0", "c0") in table.hidden
    # the row r0 and the column c0 would give it away: two more cells must go (a rectangle)
    assert len([k for k in table.hidden if TOTAL not in k]) >= 4
    check(table)


def test_no_small_cells_publishes_everything():
    table = suppress(make([[10, 20], [30, 40]]))
    assert table.hidden == set()
    assert subtraction_attack(table) == {}


def test_small_total_is_hidden_with_its_row():
    table = suppress(make([[1, 2, 1], [10, 12, 30]]))
    assert ("r0", TOTAL) in table.hidden
    check(table)


def test_single_row_table():
    table = suppress(make([[7, 2, 9]]))
    check(table)
    assert table.published(("r0", "c0")) is None or table.published(("r0", "c2")) is None


def test_zero_is_hidden_too():
    table = suppress(make([[0, 8], [9, 10]]))
    assert ("r0", "c0") in table.hidden
    check(table)


def test_linked_tables_hide_shared_margins_everywhere():
    # Same columns (genders) and column totals: 22 women and 3 non-binary people in both tables.
    t1 = Table("a", ["x", "y"], ["f", "nb"], {("x", "f"): 10, ("y", "f"): 12, ("x", "nb"): 1, ("y", "nb"): 2})
    t2 = Table("b", ["u", "v"], ["f", "nb"], {("u", "f"): 20, ("v", "f"): 2, ("u", "nb"): 3, ("v", "nb"): 0})
    suppress_linked([t1, t2], lambda table, key: key[1] if key[0] == TOTAL else None)
    for key in [(TOTAL, "f"), (TOTAL, "nb"), (TOTAL, TOTAL)]:
        assert (key in t1.hidden) == (key in t2.hidden)
    check(t1)
    check(t2)


counts = st.integers(min_value=0, max_value=40) | st.integers(min_value=0, max_value=6)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 4).flatmap(lambda r: st.integers(1, 4).flatmap(
    lambda c: st.lists(st.lists(counts, min_size=c, max_size=c), min_size=r, max_size=r))))
def test_nothing_hidden_can_be_recovered(cells):
    check(suppress(make(cells)))


@settings(max_examples=150, deadline=None)
@given(st.integers(2, 3).flatmap(lambda r: st.integers(2, 3).flatmap(
    lambda c: st.lists(st.lists(st.integers(0, 7), min_size=c, max_size=c), min_size=r, max_size=r))))
def test_small_tables_leave_no_small_count_squeezed(cells):
    """Where a few people fill a small table, equations together squeeze hidden cells most often."""
    check(suppress(make(cells)))


def test_a_tables_answer_is_kept_and_never_shared(monkeypatch):
    """The dashboard suppresses the same counts at every view: the answer is kept per process, keyed by the
    counts, and each caller gets its own copy of the hidden cells."""
    first = suppress(make([[3, 10, 12], [8, 9, 21]]))
    calls = []
    real = suppression._suppress
    monkeypatch.setattr(suppression, "_suppress", lambda table, forced: calls.append(1) or real(table, forced))
    again = suppress(make([[3, 10, 12], [8, 9, 21]]))
    assert calls == [] and again.hidden == first.hidden
    again.hidden.add(("r1", "c1"))
    assert ("r1", "c1") not in suppress(make([[3, 10, 12], [8, 9, 21]])).hidden
    suppress(make([[3, 10, 12], [8, 9, 22]]))  # one count differs: audited afresh
    assert calls == [1]
