"""Order the tickets of a script into units: dependencies first, cycles together.

A ticket depends on the tickets its link lines target. Tickets on a cycle of
dependencies form one unit (strongly connected component); units are ordered
so that every unit runs after the units it depends on, ties by first line.
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping


def _finish_order(graph: Mapping[str, set[str]]) -> list[str]:
    """Nodes in depth-first finishing order (iterative)."""
    order: list[str] = []
    seen: set[str] = set()
    for root in graph:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(sorted(graph[root])))]
        while stack:
            node, children = stack[-1]
            for child in children:
                if child in graph and child not in seen:
                    seen.add(child)
                    stack.append((child, iter(sorted(graph[child]))))
                    break
            else:
                stack.pop()
                order.append(node)
    return order


def strongly_connected(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Components of ``graph`` (iterative Kosaraju; edges to unknown nodes ignored)."""
    order = _finish_order(graph)
    reverse: dict[str, set[str]] = {node: set() for node in graph}
    for node, targets in graph.items():
        for target in targets:
            if target in reverse:
                reverse[target].add(node)
    components: list[list[str]] = []
    assigned: set[str] = set()
    for root in reversed(order):
        if root in assigned:
            continue
        component, todo = [], [root]
        assigned.add(root)
        while todo:
            node = todo.pop()
            component.append(node)
            for other in reverse[node]:
                if other not in assigned:
                    assigned.add(other)
                    todo.append(other)
        components.append(component)
    return components


def order_units(
    graph: Mapping[str, set[str]], first_line: Mapping[str, int]
) -> tuple[tuple[str, ...], ...]:
    """Units (sorted by first line inside) in an order that respects dependencies."""
    components = [
        tuple(sorted(c, key=lambda n: (first_line[n], n)))
        for c in strongly_connected(graph)
    ]
    unit_of = {node: i for i, comp in enumerate(components) for node in comp}
    needs: dict[int, set[int]] = {i: set() for i in range(len(components))}
    for node, targets in graph.items():
        for target in targets:
            if target in unit_of and unit_of[target] != unit_of[node]:
                needs[unit_of[node]].add(unit_of[target])
    waiting = {i: len(deps) for i, deps in needs.items()}
    dependents: dict[int, list[int]] = {i: [] for i in needs}
    for i, deps in needs.items():
        for dep in deps:
            dependents[dep].append(i)
    ready = [(first_line[components[i][0]], i) for i, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    out: list[tuple[str, ...]] = []
    while ready:
        _, i = heapq.heappop(ready)
        out.append(components[i])
        for j in dependents[i]:
            waiting[j] -= 1
            if waiting[j] == 0:
                heapq.heappush(ready, (first_line[components[j][0]], j))
    return tuple(out)
