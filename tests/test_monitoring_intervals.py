"""The ranges audit's solver wrapper (portal/monitoring/intervals.py): what it answers, and the faults a review of
it found (a reused model ending "unknown", a count whose true value is not known, no standard output)."""
import random
import subprocess
import sys

import highspy

from portal.monitoring import intervals, joint
from portal.monitoring.suppression import TOTAL, Table, _linear


def test_a_count_squeezed_between_two_equations():
    """x0 + x1 = 6 and x0 - x2 = 2: x0 is 2 to 6, five values; y0 + y1 = 20 leaves y0 0 to 20."""
    system = intervals.System(5, [({0: 1, 1: 1}, 6), ({0: 1, 2: -1}, 2), ({3: 1, 4: 1}, 20)])
    assert system.narrow(0, 3, 5) and not system.narrow(3, 3, 5)
    assert system.narrow(0, None, 5)  # its true count unknown, both ends are sought
    assert not system.narrow(0, 3, 4)  # 4 values wanted: 2 to 6 is wide enough
    assert intervals.narrow(system, {0: 3, 3: 3, 4: 17}, 5) == {0}
    # one solution takes y0 to 8, five above its count; x0 stops at 6
    assert system.reaching({0: 3, 3: 3}, 5) == {3}
    assert system.reaching({0: 3}, 5) == set()


def test_a_count_nothing_caps_is_wide():
    system = intervals.System(3, [({0: 1, 1: -1, 2: -1}, 0)])  # a hidden total of two hidden cells
    assert intervals.narrow(system, {0: 1, 1: 0, 2: 1}, 5) == set()
    assert intervals.narrow(intervals.System(2, []), {0: 0, 1: None}, 5) == set()


def test_a_reused_model_answers_every_count_in_any_order():
    """A review found HiGHS ending "unknown" on a reused model, for some orders of the counts, where a fresh
    start answers: read as "no range", it hid one more cell for nothing. The wrapper starts afresh once."""
    cells = {("r0", "c0"): 1, ("r0", "c1"): 15, ("r0", "c2"): 6, ("r0", "c3"): 15, ("r1", "c0"): 6,
             ("r1", "c1"): 9, ("r1", "c2"): 1, ("r1", "c3"): 0, ("r2", "c0"): 6, ("r2", "c1"): 2,
             ("r2", "c2"): 4, ("r2", "c3"): 3}
    table = Table("t", ["r0", "r1", "r2"], ["c0", "c1", "c2", "c3"], cells)
    hidden = {("r0", "c1"), ("r1", "c1"), ("r0", TOTAL), ("r2", TOTAL), (TOTAL, "c1"), ("r0", "c2"), ("r1", TOTAL),
              (TOTAL, "c0"), (TOTAL, TOTAL), ("r2", "c1"), ("r2", "c2"), ("r2", "c0"), ("r2", "c3")}
    for attempt in range(120):
        index, equations = _linear(table, hidden)
        system = intervals.System(len(index), equations)
        order = sorted(index.values())
        random.Random(attempt).shuffle(order)
        for variable in order:
            for sense in (highspy.ObjSense.kMaximize, highspy.ObjSense.kMinimize):
                assert system._extreme(variable, sense) is not None, (attempt, variable, sense)


def test_joint_audit_reads_counts_from_the_publications_made_now(monkeypatch):
    """A node's released file, read back, holds 0 for every cell it hid: the count it shares with the region's
    table (made now) is read from the region's, never the 0; hidden in released files only, it is unknown."""
    released = Table("od", ["a", "b"], ["f", "m"], {("a", "f"): 0, ("a", "m"): 9, ("b", "f"): 0, ("b", "m"): 8})
    released.hidden = {("a", "f"), ("b", "f"), (TOTAL, "f"), ("a", TOTAL), ("b", TOTAL), (TOTAL, TOTAL)}
    region = Table("rg", ["f", "m"], ["n1"], {("f", "n1"): 3, ("m", "n1"): 17})
    region.hidden = {("f", "n1"), ("f", TOTAL)}
    tables = {"od": released, "rg": region}
    links = [(("od", (TOTAL, "f")), ("rg", ("f", "n1")))]
    seen = {}
    monkeypatch.setattr(intervals, "narrow", lambda system, watched, threshold: seen.update(watched) or set())
    joint.narrow(tables, links, fixed={"od"})
    _cells, index, _equations = joint._system(tables, links)
    by_cell = {root: seen.get(i, "not watched") for root, i in index.items()}
    shared = next(root for root in index if joint._Cells(tables, links)._root(("od", (TOTAL, "f"))) == root)
    assert by_cell[shared] == 3
    assert by_cell[("od", ("a", "f"))] is None


def test_no_standard_output_is_no_crash():
    """The banner HiGHS prints once is pointed away at import; a process without standard output (a job
    started with it closed) still imports the module."""
    done = subprocess.run([sys.executable, "-c", "import portal.monitoring.intervals"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, close_fds=True,
                          preexec_fn=lambda: __import__("os").close(1), check=False)
    assert done.returncode == 0, done.stderr


def test_counts_left_pinned_by_released_files_are_logged(monkeypatch, caplog):
    """What nothing hidden now can free (files released before pin it) is told to the operator, as a number."""
    from portal.core.quarters import Quarter
    from portal.region import joint_release

    monkeypatch.setattr(joint_release, "node_publications", lambda nodes, quarter: ({}, set()))
    monkeypatch.setattr(joint_release, "suppress_jointly", lambda *args: {(("region", "t"), ("a", "b"))})
    with caplog.at_level("WARNING", logger="portal.region.joint_release"):
        joint_release.suppress_with_nodes([], [], Quarter(2026, 1))
    assert "1 hidden counts stay pinned" in caplog.text


def test_a_count_released_files_pin_costs_no_more_cells():
    """A node's file released long ago hid too little: its own row gives away a cell (12 - 9 = 3). Nothing hidden
    now can change that; the region's table hides what its own counts need and the count is reported, rather
    than hidden cell after cell in the region's table to no end."""
    od = Table("od", ["a", "b"], ["f", "m"], {("a", "f"): 3, ("a", "m"): 9, ("b", "f"): 7, ("b", "m"): 8})
    od.hidden = {("a", "f"), ("b", "f"), (TOTAL, "f")}
    rg = Table("rg", ["f", "m"], ["n1", "n2"], {("f", "n1"): 10, ("m", "n1"): 17, ("f", "n2"): 12, ("m", "n2"): 30})
    tables = {"od": od, "rg": rg}
    links = [(("od", (TOTAL, "f")), ("rg", ("f", "n1"))), (("od", (TOTAL, "m")), ("rg", ("m", "n1")))]
    stuck = joint.suppress_jointly(tables, links, fixed={"od"})
    # its row pins a-f, row b pins b-f (15 - 8), and the two the column of women (10, the region's n1 cell too)
    assert stuck == {("od", ("a", "f")), ("od", ("b", "f")), ("rg", ("f", "n1"))}
    assert rg.hidden == {("f", "n1")}, rg.hidden
