"""Joint suppression: publications that count the same people, audited as one linear system.

A region's tables have a column per node; that column's participants by age band (or labour status...) are the
row totals of the node's open data for the same quarter, and its participants by gender the open data's gender
totals. Each publication suppressed on its own (suppression.py) is safe alone, but together their equations
can determine a cell both hide. So the region's quarter and its nodes' open data are released together
(region/releases.py), and this module audits them as one system: every table's row and column sums, plus
*links* saying two cells of different tables are the same count. A hidden count is disclosed when the published
ones determine it (its unit vector lies in the row space of the constraints on the hidden counts, exactly, over
fractions, as in suppression.py); while one is, one more published cell near it is hidden. Then, as for one
table, a small hidden count that all the equations together squeeze into fewer than 5 values (intervals.py, over
the same system) has one more published cell near it hidden, until none is. Cells of a publication already
released (``fixed``) never change: only the others hide more.

Hand-written rather than a library: the rest of the suppression is (suppression.py says why), and this reuses
its equations and its elimination.
"""
from fractions import Fraction

from . import intervals
from .suppression import THRESHOLD, TOTAL, _equations, _reduce, add_row


class _Cells:
    """The cells of every table as variables, linked cells being one variable (a union-find)."""

    def __init__(self, tables: dict, links: list):
        self.tables = tables  # publication key -> Table; a key is e.g. ("region", "esf_gender")
        self.parent = {(p, k): (p, k) for p, t in tables.items() for k in t.keys}
        for a, b in links:
            if a in self.parent and b in self.parent:
                self.parent[self._root(a)] = self._root(b)

    def _root(self, cell):
        while self.parent[cell] != cell:
            self.parent[cell] = self.parent[self.parent[cell]]
            cell = self.parent[cell]
        return cell

    def members(self) -> dict:
        groups: dict = {}
        for cell in self.parent:
            groups.setdefault(self._root(cell), []).append(cell)
        return groups

    def hidden(self, cell) -> bool:
        publication, key = cell
        return key in self.tables[publication].hidden


def _known(groups: dict, cells: _Cells) -> set:
    """Variables whose value is published somewhere (any member published)."""
    return {root for root, members in groups.items() if not all(cells.hidden(m) for m in members)}


def _system(tables: dict, links: list) -> tuple[_Cells, dict, list]:
    """The hidden variables (root cell -> index) and every table's equations over them, as
    ``({index: coefficient}, constant)`` with the published counts moved to the constant."""
    cells = _Cells(tables, links)
    groups = cells.members()
    known = _known(groups, cells)
    unknown = sorted((root for root in groups if root not in known), key=str)
    index = {root: i for i, root in enumerate(unknown)}
    value = {root: next(tables[p].cells[k] for p, k in members if not cells.hidden((p, k)))
             for root, members in groups.items() if root in known}
    equations = []
    for publication, table in tables.items():
        for keys in _equations(table):
            *parts, total = keys
            row: dict = {}
            constant = 0
            for key, sign in [*((k, 1) for k in parts), (total, -1)]:
                root = cells._root((publication, key))
                if root in index:
                    row[index[root]] = row.get(index[root], 0) + sign
                else:
                    constant -= sign * value[root]
            equations.append(({i: c for i, c in row.items() if c}, constant))
    return cells, index, equations


def disclosed(tables: dict, links: list) -> set:
    """The hidden variables (their root cell) that the published cells of all the tables determine."""
    _cells, index, equations = _system(tables, links)
    basis: list = []
    pivots: list = []
    for row, _constant in equations:
        add_row({i: Fraction(c) for i, c in row.items()}, basis, pivots)
    return {root for root, i in index.items() if not _reduce({i: Fraction(1)}, basis, pivots)}


def narrow(tables: dict, links: list, only=None, fixed: set = frozenset()) -> set:
    """The hidden variables below ``THRESHOLD`` (their root cell) that all the equations together, with the
    counts' being whole and non-negative, squeeze into fewer than ``THRESHOLD`` values (``only``: ask just these).
    A count is read from a publication made now: one already released (``fixed``) was read back from its file,
    where a hidden cell is no count at all; hidden in released files only, a count is watched as unknown."""
    cells, index, equations = _system(tables, links)
    groups = cells.members()
    watched = {}
    for root, i in index.items():
        value = next((tables[p].cells[k] for p, k in groups[root] if p not in fixed), None)
        if (value is None or value < THRESHOLD) and (only is None or root in only):
            watched[i] = value
    roots = {i: root for root, i in index.items()}
    return {roots[i] for i in intervals.narrow(intervals.System(len(index), equations), watched, THRESHOLD)}


def _neighbours(tables: dict, cells: _Cells, root, fixed: set) -> list:
    """Published cells sharing a row or column with any cell of ``root``'s variable, in publications that may
    still change, inner cells first, then the smallest count. Where every such cell is hidden already, those
    sharing a row or column with the hidden ones, and so on outwards: a count squeezed by several equations
    can sit among hidden cells only."""
    groups = cells.members()
    frozen = {r for r, members in groups.items()  # published by a fixed publication: hiding elsewhere is no use
              if any(p in fixed and not cells.hidden((p, k)) for p, k in members)}
    seen, ring = {root}, [root]
    while ring:
        out, further = set(), []
        for variable in ring:
            for publication, (r, c) in groups[variable]:
                table = tables[publication]
                for key in {(r, o) for o in [*table.columns, TOTAL]} | {(o, c) for o in [*table.rows, TOTAL]}:
                    cell = (publication, key)
                    other = cells._root(cell)
                    if key in table.hidden:
                        if other not in seen:
                            seen.add(other)
                            further.append(other)
                    elif publication not in fixed and other not in frozen:
                        out.add(cell)
        if out:
            return sorted(out, key=lambda cell: (TOTAL in cell[1], tables[cell[0]].cells[cell[1]], str(cell)))
        ring = sorted(further, key=str)
    return []


def _hide(tables: dict, cells: _Cells, cell, fixed: set) -> None:
    """Hide a cell and every cell linked to it (they are one count), in the publications that may change."""
    root = cells._root(cell)
    for publication, key in cells.members()[root]:
        if publication not in fixed:
            tables[publication].hidden.add(key)


def _hide_all(tables: dict, fixed: set) -> None:
    """Hide every cell of the publications that may change (the most hiding can do)."""
    for publication, table in tables.items():
        if publication not in fixed:
            table.hidden.update(table.keys)


def _trying(tables: dict, hide, audit) -> bool:
    """``audit()`` with what ``hide()`` hides, the tables' hidden cells restored after."""
    saved = {p: set(t.hidden) for p, t in tables.items()}
    hide()
    try:
        return audit()
    finally:
        for p, t in tables.items():
            t.hidden = saved[p]


def suppress_jointly(tables: dict, links: list, fixed: set = frozenset()) -> set:
    """Hide more cells of the publications not in ``fixed`` until no hidden count is determined, nor a small
    one narrowed, by all the published ones together. Returns the variables still disclosed or narrow (only
    when fixed publications alone pin them: nothing left to hide can help), normally none."""
    cells = _Cells(tables, links)
    for members in cells.members().values():  # one count: hidden in one table, hidden in all that may change
        if any(cells.hidden(m) for m in members):
            for publication, key in members:
                if publication not in fixed:
                    tables[publication].hidden.add(key)
    stuck: set = set()
    while True:
        exact = bool(exposed := disclosed(tables, links) - stuck)
        if not exact:  # the ranges only once nothing is determined: the solver is the slower audit
            exposed = narrow(tables, links, fixed=fixed) - stuck
        if not exposed:
            return stuck
        root = min(exposed, key=str)
        options = _neighbours(tables, cells, root, fixed)
        if not options:
            stuck.add(root)
            continue

        def audit(root=root, exact=exact) -> bool:
            return root in (disclosed(tables, links) if exact else narrow(tables, links, {root}, fixed))

        # the first few that break it, rather than an audit per neighbour
        choice = next((o for o in options[:4] if not _trying(tables, lambda o=o: _hide(tables, cells, o, fixed), audit)),
                      None)
        if choice is None and _trying(tables, lambda: _hide_all(tables, fixed), audit):
            stuck.add(root)  # released files pin it whatever is hidden now: hiding more would cost cells for nothing
            continue
        _hide(tables, cells, choice or options[0], fixed)
