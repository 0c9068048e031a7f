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
