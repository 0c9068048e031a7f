"""Every test of test_dvcqg.py again, with every batch written through the staging tables (procedures.staging)."""

import pytest

from procedures import staging

from .test_dvcqg import *  # noqa: F403 (its tests and fixtures, collected again here)

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(not staging.available(), reason="the staging path is PostgreSQL's")]


@pytest.fixture(autouse=True)
def through_staging(settings):
    settings.DOSSIER_STAGING_MIN_ROWS = 0
