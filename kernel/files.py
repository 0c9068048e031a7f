"""Files stored while a database transaction is open are removed again if that transaction does not commit.

A file is written to storage at once (the row that names it needs its name), but the row may still be rolled
back: a later row of the same form refused, a second upload rejected, the request's transaction undone. Each
stored file is noted on the database connection; once no transaction is open any more, a noted file that no
row names never committed and `remove_uncommitted_files` deletes it. Asking the table, rather than trusting
on-commit callbacks, means a committed file is never deleted, even if another callback failed. The
middleware does that after every request; code outside a request calls it (or uses the context manager).
"""

from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, transaction

PENDING = "dx_uncommitted_files"


def remove_unless_committed(field_file, *, using=DEFAULT_DB_ALIAS):
    """Note a FieldFile just stored, to be deleted unless the row naming it commits."""
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        return  # autocommit: nothing left to roll back
    model, field = type(field_file.instance), field_file.field
    connection.__dict__.setdefault(PENDING, []).append((model, field.name, field_file.storage, field_file.name))


def remove_uncommitted_files(*, using=DEFAULT_DB_ALIAS):
    """Delete the noted files that no committed row names; return their names."""
    connection = transaction.get_connection(using)
    if connection.in_atomic_block:
        return []  # still open: it may yet commit
    removed = []
    for model, field_name, storage, name in connection.__dict__.pop(PENDING, []):
        # The storage first: a file already gone needs no query (nor does one noted under another MEDIA_ROOT).
        if storage.exists(name) and not model._base_manager.using(using).filter(**{field_name: name}).exists():
            storage.delete(name)
            removed.append(name)
    return removed


@contextmanager
def uncommitted_files_removed(*, using=DEFAULT_DB_ALIAS):
    """Run a block, then delete the files its rolled-back transactions stored."""
    try:
        yield
    finally:
        remove_uncommitted_files(using=using)


class UncommittedFilesMiddleware:
    """After each request, delete the files stored by a transaction of it that rolled back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with uncommitted_files_removed():
            return self.get_response(request)
