"""Small-cell suppression for the open-data tables, with a proof that nothing hidden can be recovered.

A table is a grid of counts with its row totals, column totals and grand total (the *margins*), all
published unless suppressed. The rule:

1. **Primary suppression**: every cell — margins included — below ``THRESHOLD`` (5) people is hidden.
   Zero is hidden too: "nobody of this group" can be as telling as "one person".
2. **Secondary suppression**: a hidden value must not be derivable from the published ones. Each row
   says ``sum(cells) = row total``, each column likewise, and the grand total equals both the sum of
   the row totals and of the column totals. With the published values substituted, those equations
   form a linear system over the hidden values; a hidden value is *disclosed* when it is the same in
   every solution, i.e. when its unit vector lies in the row space of the system. :func:`disclosed`
   decides that exactly (Gaussian elimination over fractions, no floating point).
3. While some hidden value is disclosed, one more cell is hidden: among the published cells of the
   disclosed value's row and column (margins last; where all are hidden, those of the hidden cells' rows
   and columns, outwards), the smallest one that makes it undetermined, or failing that the smallest one
   at all, and the audit runs again. Hiding only ever grows, so this
   ends (at worst with everything hidden), and it ends only when the audit finds nothing disclosed.
4. **Counts are never negative**: a row (or column) whose total is published and whose hidden cells
   therefore add up to a known number fixes them all when that number is 0 ("nobody under 25" in every
   node) and leaves them a handful of people when it is below ``THRESHOLD``. While some equation's hidden
   cells add up to fewer than ``THRESHOLD``, its smallest published cell (its total, when none is left) is
   hidden too, and the audits run again.
5. **Nor can equations combined narrow a small count**: several equations together, with the counts' being
   whole and non-negative, may still squeeze a hidden count below ``THRESHOLD`` into fewer than
   ``THRESHOLD`` values without any one line being thin. Its least and greatest value are a linear program
   each (intervals.py); while some small hidden count is that narrow, one more published cell near it is
   hidden, as for a disclosed one, and the audits run again.

Tables that share margins (every participants table shares the totals by gender and the grand total)
are suppressed together by :func:`suppress_linked`: a margin hidden in one is hidden in all.

Exact disclosure is decided over fractions (no rounding can hide a determined count); the ranges, which only
the solver can give, are asked only of what the exact audit leaves undetermined.
"""
import threading
from dataclasses import dataclass, field
from fractions import Fraction

from cachetools import LRUCache

from . import intervals

THRESHOLD = 5
TOTAL = "__total__"


@dataclass
class Table:
    """Counts ``cells[(row, column)]``; margins are keyed with ``TOTAL`` and computed from the cells
    unless given (a table of mentions, where one person may count in several rows, gives its own)."""

    name: str
    rows: list
    columns: list
    cells: dict
    hidden: set = field(default_factory=set)

    def __post_init__(self):
        for r in self.rows:
            self.cells.setdefault((r, TOTAL), sum(self.cells.get((r, c), 0) for c in self.columns))
        for c in self.columns:
            self.cells.setdefault((TOTAL, c), sum(self.cells.get((r, c), 0) for r in self.rows))
        self.cells.setdefault((TOTAL, TOTAL), sum(self.cells[(r, TOTAL)] for r in self.rows))
        for r in self.rows:
            for c in self.columns:
                self.cells.setdefault((r, c), 0)

    @property
    def keys(self) -> list:
        return [(r, c) for r in [*self.rows, TOTAL] for c in [*self.columns, TOTAL]]

    def published(self, key) -> int | None:
        return None if key in self.hidden else self.cells[key]


def _equations(table: Table) -> list[list]:
    """Each constraint as the list of keys it sums: ``sum(first part) - last key = 0``."""
    eqs = []
    for r in [*table.rows, TOTAL]:
        eqs.append([(r, c) for c in table.columns] + [(r, TOTAL)])
    for c in [*table.columns, TOTAL]:
        eqs.append([(r, c) for r in table.rows] + [(TOTAL, c)])
    return eqs


def _linear(table: Table, hidden: set) -> tuple[dict, list]:
    """The hidden keys' indexes and the table's equations over them, as ``({index: coefficient}, constant)``
    with the published values moved to the constant (the exact audit reads the coefficients, the ranges both)."""
    index = {key: i for i, key in enumerate(sorted(hidden, key=str))}
    equations = []
    for *parts, total in _equations(table):
        coefficients: dict = {}
        constant = 0
        for key, sign in [*((k, 1) for k in parts), (total, -1)]:
            if key in index:
                coefficients[index[key]] = coefficients.get(index[key], 0) + sign
            else:
                constant -= sign * table.cells[key]
        equations.append(({i: c for i, c in coefficients.items() if c}, constant))
    return index, equations


def _row_space(table: Table, hidden: set) -> tuple[list, dict]:
    """Reduced row-echelon basis of the constraints restricted to the hidden keys."""
    index, equations = _linear(table, hidden)
    basis: list[dict] = []  # each a sparse row {column: Fraction}, with its pivot first in ``pivots``
    pivots: list[int] = []
    for coefficients, _constant in equations:
        add_row({i: Fraction(c) for i, c in coefficients.items()}, basis, pivots)
    return list(zip(pivots, basis, strict=True)), index


def add_row(row: dict, basis: list, pivots: list) -> None:
    """Add a constraint (a sparse row {column: Fraction}) to a reduced row-echelon basis, kept fully reduced:
    the new pivot is cleared from the earlier rows. A row the basis already spans adds nothing."""
    row = _reduce({k: v for k, v in row.items() if v}, basis, pivots)
    if not row:
        return
    pivot = min(row)
    scale = row[pivot]
    row = {k: v / scale for k, v in row.items()}
    for i, other in enumerate(basis):
        if pivot in other:
            factor = other[pivot]
            merged = dict(other)
            for k, v in row.items():
                merged[k] = merged.get(k, 0) - factor * v
            basis[i] = {k: v for k, v in merged.items() if v}
    basis.append(row)
    pivots.append(pivot)


def _reduce(vector: dict, basis: list, pivots: list) -> dict:
    vector = dict(vector)
    for pivot, row in zip(pivots, basis, strict=True):
        if vector.get(pivot):
            factor = vector[pivot]
            for k, v in row.items():
                vector[k] = vector.get(k, 0) - factor * v
            vector = {k: v for k, v in vector.items() if v}
    return vector


def disclosed(table: Table, hidden: set | None = None) -> set:
    """The hidden keys whose value the published ones determine exactly."""
    hidden = table.hidden if hidden is None else hidden
    if not hidden:
        return set()
    pairs, index = _row_space(table, hidden)
    pivots = [p for p, _ in pairs]
    basis = [row for _, row in pairs]
    return {key for key, i in index.items() if not _reduce({i: Fraction(1)}, basis, pivots)}


def _candidates(table: Table, key) -> list:
    """Published keys in the same row or column, inner cells first, then the smallest value. Where every one is
    hidden already, those in the rows and columns of the hidden ones, and so on outwards (a count squeezed by
    several equations can sit among hidden cells only): hiding the whole table is the last resort."""
    seen, ring = {key}, [key]
    while ring:
        found, further = set(), []
        for r, c in ring:
            for k in {(r, other) for other in [*table.columns, TOTAL]} | {(other, c) for other in [*table.rows, TOTAL]}:
                if k not in table.hidden:
                    found.add(k)
                elif k not in seen:
                    seen.add(k)
                    further.append(k)
        if found:
            return sorted(found, key=lambda k: (TOTAL in k, table.cells[k], str(k)))
        ring = sorted(further, key=str)
    return []


def thin_sums(table: Table, hidden: set | None = None) -> list[list]:
    """The equations (as :func:`_equations` gives them) whose total is published and whose hidden cells,
    two or more, add up to fewer than ``THRESHOLD`` people (one hidden cell is :func:`disclosed`'s case)."""
    hidden = table.hidden if hidden is None else hidden
    thin = []
    for *parts, total in _equations(table):
        unknown = [key for key in parts if key in hidden]
        if total not in hidden and len(unknown) > 1 and sum(table.cells[key] for key in unknown) < THRESHOLD:
            thin.append([*parts, total])
    return thin


def narrow(table: Table, hidden: set | None = None, only=None) -> set:
    """The hidden keys below ``THRESHOLD`` whose least and greatest possible value span fewer than
    ``THRESHOLD`` whole values (``only``: ask just these)."""
    hidden = table.hidden if hidden is None else hidden
    if not any(table.cells[key] < THRESHOLD for key in hidden):
        return set()
    index, equations = _linear(table, hidden)
    watched = {i: table.cells[key] for key, i in index.items()
               if table.cells[key] < THRESHOLD and (only is None or key in only)}
    keys = {i: key for key, i in index.items()}
    return {keys[i] for i in intervals.narrow(intervals.System(len(index), equations), watched, THRESHOLD)}


# Suppression is a function of the counts alone, and the audits (the ranges' programs above all) cost milliseconds:
# the dashboards suppress the same small tables at every view, so their answers are kept.
_answers: LRUCache = LRUCache(maxsize=512)
_answers_lock = threading.Lock()


def suppress(table: Table, forced: set = frozenset()) -> Table:
    """Hide the small cells and enough others that none can be recovered (``forced``: hide these too)."""
    key = (tuple(table.rows), tuple(table.columns), frozenset(table.cells.items()), frozenset(forced))
    with _answers_lock:
        hidden = _answers.get(key)
    if hidden is None:
        hidden = frozenset(_suppress(table, forced).hidden)
        with _answers_lock:
            _answers[key] = hidden
    table.hidden = set(hidden)
    return table


def _first_freeing(options: list, frees) -> object | None:
    """The first option whose hiding ``frees`` the count; else the first, which may be one step of several."""
    return next((k for k in options if frees(k)), options[0] if options else None)


def _suppress(table: Table, forced: set) -> Table:
    table.hidden = {k for k in table.keys if table.cells[k] < THRESHOLD} | set(forced)
    while True:
        if exposed := disclosed(table):
            key = min(exposed, key=str)
            choice = _first_freeing(_candidates(table, key),
                                    lambda k, key=key: key not in disclosed(table, table.hidden | {k}))
        elif thin := thin_sums(table):
            *parts, total = thin[0]
            published = sorted((k for k in parts if k not in table.hidden), key=lambda k: (table.cells[k], str(k)))
            choice = published[0] if published else total
        elif squeezed := narrow(table):
            key = min(squeezed, key=str)
            # the first few that widen it, rather than an audit per neighbour
            choice = _first_freeing(_candidates(table, key)[:4],
                                    lambda k, key=key: not narrow(table, table.hidden | {k}, {key}))
        else:
            break
        if choice is None:  # nothing published is connected to it: only the whole table is left to hide
            table.hidden |= set(table.keys)
            break
        table.hidden.add(choice)
    return table


def suppress_linked(tables: list[Table], shared) -> list[Table]:
    """Suppress tables that publish the same margins: ``shared(table, key)`` names a margin that
    other tables publish too (or None); a name hidden in any table is hidden in every table."""
    hidden_names: set = set()
    while True:
        for table in tables:
            forced = {k for k in table.keys if shared(table, k) in hidden_names}
            suppress(table, forced)
        names = {shared(t, k) for t in tables for k in t.hidden} - {None}
        if names <= hidden_names:
            return tables
        hidden_names |= names
