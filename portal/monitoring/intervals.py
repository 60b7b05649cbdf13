"""How closely the published counts pin a hidden one, once counts are known to be whole and non-negative.

Exact disclosure (suppression.py) asks whether the equations fix a hidden count. An attacker also knows that no
count is negative, and several equations together can then squeeze a hidden count into a few values without fixing
it ("somewhere between 0 and 4" says as much as "under 5"). The least and greatest value a hidden count can take is a
linear program each: minimise, then maximise, that count subject to the equations and to every count ≥ 0. A count is
*narrow* when fewer than ``threshold`` whole values separate its least and greatest value.

The HiGHS solver (highspy) rather than a hand-written simplex; one model per audit, only its objective changed from
count to count, so each program starts from the last one's solution. Most counts are far from narrow, and one
program shows it for many at once (:meth:`System.reaching`), so only the few left get programs of their own. The
linear relaxation can only widen a range, never narrow it, so rounding its ends inwards (the attacker knows counts
are whole) is what is compared; on a table's rows and columns (a transportation problem) the relaxation's ends are
whole already.
"""
import contextlib
import logging
import os
from math import ceil, floor, inf

import highspy
import numpy as np

log = logging.getLogger(__name__)
_SLACK = 1e-6  # the solver's tolerance: 3.9999999 is 4
# Below this many counts, each gets its own programs straight away: the shared program's extra model costs more
# than it saves (the dashboard's legal-paths table, 4 × 5: median 7.1 ms with it, 4.9 ms without).
_SCREEN_FROM = 24


@contextlib.contextmanager
def _stdout_away():
    """HiGHS writes its banner to the process's standard output the first time a solver is made, before any
    option can silence it: that first one is made here, at import (one thread), with the output pointed away."""
    try:
        saved = os.dup(1)
    except OSError:  # no standard output at all: nothing to point away
        yield
        return
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


with _stdout_away():
    highspy.Highs()


class System:
    """``sum(coefficient × count) = constant`` over the hidden counts ``0 … size-1``; the published counts are
    already moved into the constants."""

    def __init__(self, size: int, equations: list[tuple[dict, int]]):
        self.size = size
        self.equations = [(coefficients, float(constant)) for coefficients, constant in equations if coefficients]
        self.solver = self._model(size)

    def _model(self, columns: int):
        solver = highspy.Highs()
        solver.silent()
        if columns:
            solver.addVars(columns, np.zeros(columns), np.full(columns, highspy.kHighsInf))
        for coefficients, constant in self.equations:
            solver.addRow(constant, constant, len(coefficients), np.array(list(coefficients), dtype=np.int32),
                          np.array([float(c) for c in coefficients.values()]))
        return solver

    def _run(self, solver, sense):
        solver.changeObjectiveSense(sense)
        solver.run()
        status = solver.getModelStatus()
        if status not in _CLEAR:  # a reused model can end "unknown" where a fresh start answers: start afresh once
            solver.clearSolver()
            solver.run()
            status = solver.getModelStatus()
        return status, solver.getInfo().objective_function_value

    def _extreme(self, variable: int, sense) -> float | None:
        """The least (``kMinimize``) or greatest (``kMaximize``) value of one count; None when the solver
        finds none (the true counts are a solution: only a fault gets there)."""
        self.solver.changeColCost(variable, 1.0)
        status, value = self._run(self.solver, sense)
        self.solver.changeColCost(variable, 0.0)  # (which clears what the run found: read first)
        if status == highspy.HighsModelStatus.kOptimal:
            return value
        if status in _UNBOUNDED and sense == highspy.ObjSense.kMaximize:
            return inf  # nothing published caps this count
        return None

    def reaching(self, watched: dict, threshold: int) -> set:
        """The counts of ``watched`` (index -> true count) that one solution takes ``threshold`` above their
        true count: maximise the sum of ``y``, one per count, ``y ≤ count`` and ``0 ≤ y ≤ true count +
        threshold``. A count whose ``y`` reaches its cap can reach that far, and its least value is at most its
        true count: its range is wide enough."""
        order = list(watched)
        solver = self._model(self.size)
        solver.addVars(len(order), np.zeros(len(order)), np.array([watched[v] + threshold for v in order], float))
        for j, variable in enumerate(order):
            solver.addRow(-highspy.kHighsInf, 0.0, 2, np.array([self.size + j, variable], dtype=np.int32),
                          np.array([1.0, -1.0]))
            solver.changeColCost(self.size + j, 1.0)
        status, _value = self._run(solver, highspy.ObjSense.kMaximize)
        if status != highspy.HighsModelStatus.kOptimal:
            return set()
        values = solver.getSolution().col_value
        return {v for j, v in enumerate(order) if values[self.size + j] >= watched[v] + threshold - _SLACK}

    def narrow(self, variable: int, value: int | None, threshold: int) -> bool:
        """Whether the whole values this count can take, its true ``value`` among them (None: not known, as
        for a cell a released file hid), span fewer than ``threshold``. The greatest first: it is usually far,
        and then the least (never above the true value) need not be sought."""
        greatest = self._extreme(variable, highspy.ObjSense.kMaximize)
        if greatest == inf or (greatest is not None and value is not None and greatest - value >= threshold):
            return False
        least = self._extreme(variable, highspy.ObjSense.kMinimize)
        if greatest is None or least is None:
            log.warning("suppression: the solver found no range for a hidden count; hiding more")
            return True
        return floor(greatest + _SLACK) - ceil(least - _SLACK) < threshold


_UNBOUNDED = (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible)
_CLEAR = (highspy.HighsModelStatus.kOptimal, *_UNBOUNDED)


def narrow(system: System, watched: dict, threshold: int) -> set:
    """The counts of ``watched`` (index -> true count, or None when not known) whose range is narrow. Those one
    solution clears together are left out first, while a solution clears some."""
    left = dict(watched)
    while len(known := {v: value for v, value in left.items() if value is not None}) >= _SCREEN_FROM:
        cleared = system.reaching(known, threshold)
        if not cleared:
            break
        left = {v: value for v, value in left.items() if v not in cleared}
    return {variable for variable, value in left.items() if system.narrow(variable, value, threshold)}
