"""Witness moves: changes to a table that nothing published can see.

A *move* adds +1 or -1 to some entries of the extended table so that every line still sums
to its total. If every entry it changes is suppressed, and each stays within what its marker
reveals (a primary value 1 to k - 1, or 0 to k - 1 with suppressed zeros; a complement at
least k), then the true table plus the move is another integer table an attacker cannot
tell from the true one. A move that changes a suppressed value is a *witness* that the value
is disclosed neither by the equations nor by the bounds, for attackers who also use
integrality, and it needs no linear programming to check.

Moves are found as cycles in networks (Cox 1980; Hundepool et al. 2012). A 2-D table
with its margins is a circulation: a source ``S`` feeds row node ``r_i`` through the row
total, cell ``(i, j)`` is an arc ``r_i -> c_j``, column node ``c_j`` drains into ``T`` through
the column total, and the grand total is the arc ``T -> S``; each line is flow conservation
at one node. A 1-D table is the cells as parallel arcs ``S -> T`` and the total ``T -> S``.
Any cycle in such a network, arcs used forwards (+1) or backwards (-1), is a move, and
every move is a sum of cycles, so for 1-D and 2-D tables "no feasible cycle through the
entry" is exactly "the value is pinned". For a 3-D table, fix one axis and pair a coordinate
``v`` on it with a partner ``w`` (another label, or TOTAL): every arc of the 2-D network of
the two other axes then stands for two entries, at ``v`` and at ``w``, which move in opposite
directions when ``v`` and ``w`` are both labels and together when one is TOTAL. Cycles there
are 3-D moves; the smallest are the hypercubes of Repsilber's method (Giessing & Repsilber
2002). Not every 3-D move has this form, so for 3-D tables "no witness" does not prove that
a value is pinned.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

from .table import TOTAL, Table

Node = Hashable
Part = tuple[int, int]  # (entry index, +1 or -1 relative to the arc's direction)
Move = tuple[Part, ...]
Cost = tuple[int, int]  # (sum of the values newly suppressed, how many), compared in order


@dataclass(frozen=True)
class Arc:
    parts: tuple[Part, ...]
    tail: Node
    head: Node


@dataclass(frozen=True)
class Layer:
    """A network whose cycles are moves; ``arc_of`` maps an entry to the arc it moves with."""

    arcs: tuple[Arc, ...]
    arc_of: dict[int, int]  # only entries that sit first in their arc (sign +1)


def _ends(coords: Sequence[int | None]) -> tuple[Node, Node]:
    """The network arc of a 1-D or 2-D entry, by label index (None for TOTAL)."""
    if len(coords) == 1:
        return ("T", "S") if coords[0] is None else ("S", "T")
    i, j = coords
    if i is None and j is None:
        return ("T", "S")
    if j is None:
        return ("S", ("r", i))
    if i is None:
        return (("c", j), "T")
    return (("r", i), ("c", j))


LayerKey = tuple[int, int, int] | None  # (axis, own, partner) coordinate indices; None: 1-D, 2-D


def build_layer(table: Table, key: LayerKey) -> Layer:
    """The network for ``key``: the whole table for 1-D and 2-D, else one pairing."""
    sizes = [len(d.labels) for d in table.dimensions]
    arcs: list[Arc] = []
    if key is None:
        for coords in itertools.product(*(range(n + 1) for n in sizes)):
            labels = [c if c < n else None for c, n in zip(coords, sizes, strict=True)]
            arcs.append(Arc(((len(arcs), 1),), *_ends(labels)))
        return Layer(tuple(arcs), {i: i for i in range(len(arcs))})
    axis, own, partner = key
    strides = [1] * len(sizes)
    for a in range(len(sizes) - 2, -1, -1):
        strides[a] = strides[a + 1] * (sizes[a + 1] + 1)
    both_labels = own < sizes[axis] and partner < sizes[axis]
    sign = -1 if both_labels else 1
    others = [a for a in range(len(sizes)) if a != axis]
    arc_of = {}
    for coords in itertools.product(*(range(sizes[a] + 1) for a in others)):
        base = sum(c * strides[a] for c, a in zip(coords, others, strict=True))
        entry = base + own * strides[axis]
        mate = base + partner * strides[axis]
        labels = [c if c < sizes[a] else None for c, a in zip(coords, others, strict=True)]
        arc_of[entry] = len(arcs)
        arcs.append(Arc(((entry, 1), (mate, sign)), *_ends(labels)))
    return Layer(tuple(arcs), arc_of)


def layer_keys(table: Table, entry: int) -> list[tuple[LayerKey, int | None]]:
    """The layers in which ``entry`` has an arc, in a fixed order, each with the entry that
    moves with it there (None for 1-D and 2-D tables)."""
    if table.ndim <= 2:
        return [(None, None)]
    key = table.entry_keys[entry]
    sizes = [len(d.labels) for d in table.dimensions]
    result: list[tuple[LayerKey, int | None]] = []
    for axis, (dim, c) in enumerate(zip(table.dimensions, key, strict=True)):
        stride = 1
        for n in sizes[axis + 1 :]:
            stride *= n + 1
        own = sizes[axis] if c is TOTAL else dim.labels.index(c)
        result += [
            ((axis, own, partner), entry + (partner - own) * stride)
            for partner in range(sizes[axis] + 1)
            if partner != own
        ]
    return result


class Finder:
    """The cheapest witness move through an entry, over all its layers (built on demand)."""

    def __init__(self, table: Table, can_change: Callable[[int, int], bool]) -> None:
        self.table = table
        self.can_change = can_change
        self._searches: dict[LayerKey, Search] = {}

    def cheapest_move(self, entry: int, cost: Callable[[int], Cost]) -> tuple[Cost, Move] | None:
        best: tuple[Cost, Move] | None = None
        for key, mate in layer_keys(self.table, entry):
            if mate is not None:
                # The entry and its mate are in every move of this layer: skip layers that
                # cannot beat the best move so far, or where the mate cannot move at all.
                if best is not None and _add(cost(entry), cost(mate)) >= best[0]:
                    continue
                if not (self.can_change(mate, 1) or self.can_change(mate, -1)):
                    continue
            search = self._searches.get(key)
            if search is None:
                search = Search(build_layer(self.table, key), self.can_change)
                self._searches[key] = search
            found = search.cheapest_move(entry, cost, below=best[0] if best else None)
            if found is not None:
                best = found
                if best[0] == (0, 0):
                    break
        return best


class Search:
    """Cheapest witness moves in one layer, for fixed bounds and changing costs.

    ``can_change(e, delta)`` says whether entry ``e`` may change by ``delta`` (+1 or -1);
    it must not change during the search's life, so the usable arcs are worked out once.
    """

    def __init__(self, layer: Layer, can_change: Callable[[int, int], bool]) -> None:
        self.layer = layer
        self.usable: list[tuple[bool, bool]] = []
        self.adjacency: dict[Node, list[tuple[Node, int, int]]] = {}
        for index, arc in enumerate(layer.arcs):
            forward = all(can_change(e, s) for e, s in arc.parts)
            backward = all(can_change(e, -s) for e, s in arc.parts)
            self.usable.append((forward, backward))
            if forward:
                self.adjacency.setdefault(arc.tail, []).append((arc.head, index, 1))
            if backward:
                self.adjacency.setdefault(arc.head, []).append((arc.tail, index, -1))

    def cheapest_move(
        self, entry: int, cost: Callable[[int], Cost], *, below: Cost | None = None
    ) -> tuple[Cost, Move] | None:
        """The cheapest cycle through ``entry``'s arc, in either direction, as a move.

        ``cost(e)`` is the price of making ``e`` part of the move (zero if already
        suppressed). Only moves cheaper than ``below`` are looked for.
        """
        through = self.layer.arc_of[entry]
        arc = self.layer.arcs[through]
        own = _sum_cost(arc, cost)
        best: tuple[Cost, Move] | None = None
        for direction, usable in zip((1, -1), self.usable[through], strict=True):
            if not usable:
                continue
            limit = best[0] if best is not None else below
            start, goal = (arc.head, arc.tail) if direction == 1 else (arc.tail, arc.head)
            path = self._cheapest_path(start, goal, through, cost, own, limit)
            if path is None:
                continue
            total, steps = path
            move = tuple((e, direction * s) for e, s in arc.parts) + tuple(
                (e, d * s) for index, d in steps for e, s in self.layer.arcs[index].parts
            )
            best = (_add(total, own), move)
        return best

    def _cheapest_path(
        self,
        start: Node,
        goal: Node,
        skip: int,
        cost: Callable[[int], Cost],
        offset: Cost,
        limit: Cost | None,
    ) -> tuple[Cost, list[tuple[int, int]]] | None:
        """Dijkstra over usable arcs other than ``skip``; None unless under ``limit - offset``."""
        counter = itertools.count()
        queue: list[tuple[Cost, int, Node]] = [((0, 0), next(counter), start)]
        settled: set[Node] = set()
        previous: dict[Node, tuple[Node, int, int]] = {}
        best: dict[Node, Cost] = {start: (0, 0)}
        while queue:
            so_far, _, node = heapq.heappop(queue)
            if node in settled:
                continue
            if limit is not None and _add(so_far, offset) >= limit:
                return None
            settled.add(node)
            if node == goal:
                steps = []
                while node != start:
                    before, index, d = previous[node]
                    steps.append((index, d))
                    node = before
                return so_far, steps[::-1]
            for nxt, index, d in self.adjacency.get(node, ()):
                if index == skip or nxt in settled:
                    continue
                candidate = _add(so_far, _sum_cost(self.layer.arcs[index], cost))
                if nxt not in best or candidate < best[nxt]:
                    best[nxt] = candidate
                    previous[nxt] = (node, index, d)
                    heapq.heappush(queue, (candidate, next(counter), nxt))
        return None


def _sum_cost(arc: Arc, cost: Callable[[int], Cost]) -> Cost:
    total = (0, 0)
    for e, _ in arc.parts:
        total = _add(total, cost(e))
    return total


def _add(a: Cost, b: Cost) -> Cost:
    return (a[0] + b[0], a[1] + b[1])
