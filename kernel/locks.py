"""Transaction-level advisory locks: serialise writers of one logical thing without a row to lock."""

import hashlib

from django.db import connection


def advisory_xact_lock(namespace, name):
    """Wait for, then hold until the transaction ends, the lock named (namespace, name).

    PostgreSQL only; elsewhere a no-op (SQLite lets one writer at a time into the whole database anyway).
    The name is hashed to the 64-bit key PostgreSQL locks on: a collision only makes two writers wait.
    """
    if connection.vendor != "postgresql":
        return
    digest = hashlib.blake2b(f"{namespace}\x1f{name}".encode(), digest_size=8).digest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)])
