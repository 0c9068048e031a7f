"""Reads about the organisation that several places share."""

from .models import Unit


def units_rolling_up_to(unit):
    """Return the ids of `unit`'s subtree plus every unit merged into it, and their subtrees.

    Data reported by a closed unit stays attached to it; this is how it still counts for the
    successor. One query per generation of merges (a handful at most), never one per unit.
    """
    ids = set(Unit.objects.subtrees_of(Unit.objects.filter(pk=unit.pk)).values_list("pk", flat=True))
    frontier = set(ids)
    while frontier:
        merged = Unit.objects.filter(successor_id__in=frontier).exclude(pk__in=ids)
        frontier = set(Unit.objects.subtrees_of(merged).values_list("pk", flat=True)) - ids
        ids |= frontier
    return ids


def lived_during(unit, start, end):
    """Did the unit exist on some day from `start` to `end`?"""
    return unit.valid_from <= end and (unit.valid_to is None or unit.valid_to >= start)


def merge_parts(unit, start, end, *, ids=None):
    """Return [(part, ids)]: the units that make up `unit` from `start` to `end`, each with the unit ids counting
    for it; together the ids are `units_rolling_up_to(unit)`.

    A unit merged into `unit` (or into one merged into it ...) that still existed during the period is a part of
    its own, with its subtree: Ninh Bình in 2023 is old Hà Nam, Nam Định and Ninh Bình. One that had ended
    before the period counts in the part its successor lies in: Ninh Bình in 2026 is one part. A part is
    listed first when it existed during the period; `unit` itself comes last if it did not (holding whatever
    reaches no other part). Pass `ids` when the caller has `units_rolling_up_to(unit)` already: one query then.
    """
    ids = units_rolling_up_to(unit) if ids is None else ids
    rows = {row.pk: row for row in Unit.objects.filter(pk__in=ids).only(
        "code", "name", "kind", "path", "successor_id", "valid_from", "valid_to")}
    parts = _part_units(rows, rows[unit.pk], start, end)
    if rows[unit.pk] not in parts:
        parts.append(rows[unit.pk])
    members = {part.pk: set() for part in parts}
    by_path = sorted(parts, key=lambda part: -len(part.path))  # the innermost part holding a unit wins
    for row in rows.values():
        members[_part_of(row, rows, by_path, fallback=unit.pk).pk].add(row.pk)
    return [(part, members[part.pk]) for part in parts]


def _part_units(rows, unit, start, end):
    """Return the top units among `unit` and its predecessors (through merges) that existed during the period."""
    predecessors = {}
    for row in rows.values():
        predecessors.setdefault(row.successor_id, []).append(row)
    found, frontier, seen = [], [unit], set()
    while frontier:
        current = frontier.pop()
        if current.pk in seen:  # a successor loop typed by hand must not hang the statistics
            continue
        seen.add(current.pk)
        if lived_during(current, start, end):
            found.append(current)
        if current.valid_to is None or current.valid_to >= start:  # what ended before it ended earlier still
            frontier.extend(predecessors.get(current.pk, []))
    tops = [part for part in found if not any(other is not part and part.path.startswith(other.path)
                                              for other in found)]
    return sorted(tops, key=lambda part: part.code)


def _part_of(row, rows, parts_by_path, *, fallback):
    """Return the part a unit counts for: the part its path lies in, else the part its successor's lies in."""
    seen = set()
    while row is not None and row.pk not in seen:
        seen.add(row.pk)
        for part in parts_by_path:
            if row.path.startswith(part.path):
                return part
        row = rows.get(row.successor_id)
    return next(part for part in parts_by_path if part.pk == fallback)
