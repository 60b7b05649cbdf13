"""An attacker who knows counts are whole and non-negative: for each hidden count, its least and greatest value
under everything published, by SciPy's solvers. Independent of portal/monitoring/intervals.py (which drives HiGHS
through highspy over equations of its own making): here the equations are the caller's, and for small systems
the programs are integer (``milp``), the attacker's exact knowledge."""
from math import ceil, floor, inf

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import coo_array


def _system(size: int, equations: list) -> tuple:
    rows, columns, values = [], [], []
    for row, (coefficients, _constant) in enumerate(equations):
        for variable, coefficient in coefficients.items():
            rows.append(row)
            columns.append(variable)
            values.append(float(coefficient))
    matrix = coo_array((values, (rows, columns)), shape=(len(equations), size)).tocsr()  # duplicates summed
    return matrix, np.array([constant for _coefficients, constant in equations], dtype=float)


def _end(matrix, constants, variable: int, sign: float, integer: bool) -> float:
    """The least (sign 1) or greatest (sign -1) value of one variable, each variable ≥ 0."""
    objective = np.zeros(matrix.shape[1])
    objective[variable] = sign
    if integer:
        found = milp(objective, constraints=LinearConstraint(matrix, constants, constants),
                     integrality=np.ones(matrix.shape[1]), bounds=Bounds(0, np.inf))
    else:
        found = linprog(objective, A_eq=matrix, b_eq=constants, bounds=(0, None), method="highs")
    # the true counts are a solution: "infeasible or unbounded" (HiGHS on an integer program) is unbounded
    unbounded = found.status == 3 or (found.status == 4 and "unbounded" in found.message)
    assert found.status == 0 or unbounded, found.message
    return -inf * sign if unbounded else sign * found.fun


def _far(matrix, constants, small: dict, threshold: int) -> dict:
    """Leave out the variables one solution takes ``threshold`` above their true count: maximise the sum of
    ``y_j ≤ x_j``, each ``y_j`` capped there, while that clears some (a solution is a solution: sound)."""
    while small:
        order = list(small)
        k, n = len(order), matrix.shape[1]
        caps = coo_array(([1.0] * k + [-1.0] * k, ([*range(k)] * 2, [n + j for j in range(k)] + order)),
                         shape=(k, n + k))
        found = linprog(np.r_[np.zeros(n), -np.ones(k)], A_ub=caps, b_ub=np.zeros(k),
                        A_eq=_widen(matrix, k),
                        b_eq=constants, bounds=[(0, None)] * n + [(0, small[v] + threshold) for v in order],
                        method="highs")
        assert found.status == 0, found.message
        cleared = {v for j, v in enumerate(order) if found.x[n + j] >= small[v] + threshold - 1e-6}
        if not cleared:
            return small
        small = {v: value for v, value in small.items() if v not in cleared}
    return small


def _widen(matrix, extra: int):
    """The same equations over ``extra`` more variables, which they do not involve."""
    m = matrix.tocoo()
    return coo_array((m.data, (m.row, m.col)), shape=(matrix.shape[0], matrix.shape[1] + extra))


def narrow(size: int, equations: list[tuple[dict, float]], small: dict, threshold: int, integer: bool) -> dict:
    """``equations``: ``({variable: coefficient}, constant)`` meaning ``sum = constant``, over variables ``0 …
    size-1``, each ≥ 0. Returns ``{variable: (least, greatest)}`` for the ``small`` ones (variable -> true count)
    whose whole values span fewer than ``threshold``; the greatest is sought first (when it is ``threshold`` above
    the true count, so is the range)."""
    matrix, constants = _system(size, equations)
    small = _far(matrix, constants, dict(small), threshold) if not integer else small
    out = {}
    for variable, value in small.items():
        greatest = _end(matrix, constants, variable, -1.0, integer)
        if greatest - value >= threshold:
            continue
        least = ceil(_end(matrix, constants, variable, 1.0, integer) - 1e-6)
        if floor(greatest + 1e-6) - least < threshold:
            out[variable] = (least, floor(greatest + 1e-6))
    return out
