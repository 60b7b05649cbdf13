"""How closely the published counts pin a hidden one, once counts are known to be whole and non-negative.

Exact disclosure (suppression.py) asks whether the equations fix a hidden count. An attacker also knows that no
count is negative, and several equations together can then squeeze a hidden count into a few values without fixing
it ("somewhere between 0 and 4" says as much as "under 5"). The least and greatest value a hidden count can take is a
linear program each: minimise, then maximise, that count subject to the equations and to every count ≥ 0. A count is
*narrow* when fewer than ``threshold`` whole values separate its least and greatest value.

The HiGHS solver (highspy) rather than a hand-written simplex; one model per audit, only its objective changed from
count to count, so each program starts from the last one's solution (a fraction of a millisecond on a table, which
the monitoring dashboard suppresses at every view). The linear relaxation can only widen a range, never narrow it,
so rounding its ends inwards (the attacker knows counts are whole) is what is compared; on a table's rows and
columns (a transportation problem) the relaxation's ends are whole already.
"""
import contextlib
import logging
import os
from math import ceil, floor, inf

import highspy
import numpy as np

log = logging.getLogger(__name__)
_SLACK = 1e-6  # the solver's tolerance: 3.9999999 is 4


@contextlib.contextmanager
def _stdout_away():
    """HiGHS writes its banner to the process's standard output the first time a solver is made, before any
    option can silence it: that first one is made here, at import (one thread), with the output pointed away."""
    saved = os.dup(1)
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
        self.solver = highspy.Highs()
        self.solver.silent()
        if size:
            self.solver.addVars(size, np.zeros(size), np.full(size, highspy.kHighsInf))
        for coefficients, constant in equations:
            if coefficients:
                self.solver.addRow(float(constant), float(constant), len(coefficients),
                                   np.array(list(coefficients), dtype=np.int32),
                                   np.array([float(c) for c in coefficients.values()]))

    def _extreme(self, variable: int, sense) -> float | None:
        """The least (``kMinimize``) or greatest (``kMaximize``) value of one count; None when the equations
        cannot hold."""
        self.solver.changeColCost(variable, 1.0)
        self.solver.changeObjectiveSense(sense)
        self.solver.run()
        status, value = self.solver.getModelStatus(), self.solver.getInfo().objective_function_value
        self.solver.changeColCost(variable, 0.0)  # (which clears what the run found: read first)
        if status == highspy.HighsModelStatus.kOptimal:
            return value
        if status in (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible) \
                and sense == highspy.ObjSense.kMaximize:
            return inf  # nothing published caps this count (the true counts are a solution: not infeasible)
        return None

    def narrow(self, variable: int, value: int, threshold: int) -> bool:
        """Whether the whole values this count can take, its true ``value`` among them, span fewer than
        ``threshold``. The greatest first: it is usually far, and then the least (never above the true value)
        need not be sought."""
        greatest = self._extreme(variable, highspy.ObjSense.kMaximize)
        if greatest is not None and greatest - value >= threshold:
            return False
        least = self._extreme(variable, highspy.ObjSense.kMinimize)
        if greatest is None or least is None:  # the true counts satisfy the equations: only a fault gets here
            log.warning("suppression: the audit's equations had no solution; hiding more")
            return True
        return floor(greatest + _SLACK) - ceil(least - _SLACK) < threshold


def narrow(system: System, watched: dict, threshold: int) -> set:
    """The counts of ``watched`` (index -> true count) whose range is narrow."""
    return {variable for variable, value in watched.items() if system.narrow(variable, value, threshold)}
