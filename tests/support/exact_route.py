"""An exact solver for the shortest closed tour, independent of the router's own code.

The router's exact methods are dynamic programs (Ratliff & Rosenthal's over the aisles,
Held-Karp over subsets); this one is an integer programme solved by HiGHS: one 0/1 variable per
pair of places, two chosen at every place, and subtour-elimination cuts (Dantzig, Fulkerson &
Johnson) added whenever the solution falls apart into loops, until it is one tour. It needs
nothing from the router but a symmetric distance matrix, so it checks the router's answers
rather than repeating its reasoning. Good for a few dozen places.
"""

from __future__ import annotations

from itertools import combinations, permutations

import highspy

_TOLERANCE = 1e-6


def shortest_tour_length(dist: list[list[float]]) -> float:
    """The length of the shortest closed tour through every node of `dist`."""
    size = len(dist)
    if size <= 3:  # at most one way round (a degenerate 2-cycle for two nodes)
        return min(
            (_closed_length((0, *rest), dist) for rest in permutations(range(1, size))),
            default=0.0,
        )
    edges = list(combinations(range(size), 2))
    highs = highspy.Highs()  # type: ignore[no-untyped-call]
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("mip_rel_gap", 0.0)
    highs.setOptionValue("mip_abs_gap", 0.0)
    for column, (i, j) in enumerate(edges):
        highs.addCol(dist[i][j], 0.0, 1.0, 0, [], [])
        highs.changeColIntegrality(column, highspy.HighsVarType.kInteger)
    for node in range(size):
        touching = [k for k, edge in enumerate(edges) if node in edge]
        highs.addRow(2.0, 2.0, len(touching), touching, [1.0] * len(touching))
    while True:
        highs.run()
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"HiGHS: {highs.modelStatusToString(highs.getModelStatus())}")
        values = highs.getSolution().col_value
        chosen = [edge for edge, value in zip(edges, values, strict=True) if value > 0.5]
        loops = _loops(size, chosen)
        if len(loops) == 1:
            return float(highs.getInfo().objective_function_value)
        for loop in loops:  # at least two edges leave every loop
            inside = set(loop)
            leaving = [k for k, (i, j) in enumerate(edges) if (i in inside) != (j in inside)]
            highs.addRow(2.0, highs.getInfinity(), len(leaving), leaving, [1.0] * len(leaving))


def _loops(size: int, chosen: list[tuple[int, int]]) -> list[list[int]]:
    """The connected pieces the chosen edges make."""
    neighbours: dict[int, list[int]] = {node: [] for node in range(size)}
    for i, j in chosen:
        neighbours[i].append(j)
        neighbours[j].append(i)
    seen: set[int] = set()
    loops = []
    for start in range(size):
        if start in seen:
            continue
        piece, todo = [], [start]
        seen.add(start)
        while todo:
            node = todo.pop()
            piece.append(node)
            for other in neighbours[node]:
                if other not in seen:
                    seen.add(other)
                    todo.append(other)
        loops.append(piece)
    return loops


def _closed_length(tour: tuple[int, ...], dist: list[list[float]]) -> float:
    return sum(dist[a][b] for a, b in zip(tour, (*tour[1:], tour[0]), strict=True))
