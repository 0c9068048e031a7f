"""Every test of test_ingest_trust.py again, every batch written through the staging tables (procedures.staging)."""

import pytest

from procedures import staging

from .test_ingest_trust import *  # noqa: F403 (its tests and fixtures, collected again here)

pytestmark = pytest.mark.skipif(not staging.available(), reason="the staging path is PostgreSQL's")

# It pins the order of the ORM path's VALUES upsert by its literals; test_ingest_staging pins the staging path's.
del test_statistics_cells_are_upserted_in_one_fixed_order  # noqa: F821


@pytest.fixture(autouse=True)
def through_staging(settings):
    settings.DOSSIER_STAGING_MIN_ROWS = 0
