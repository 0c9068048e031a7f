import os

import pytest
from django.conf import settings
from django.utils import translation
from rest_framework.test import APIClient

from .factories import build_cast

PASSWORD_BACKEND = "django.contrib.auth.backends.ModelBackend"
REQUIRE_SERVICES = os.environ.get("DX_REQUIRE_SERVICES") == "1"


def pytest_sessionstart(session):
    """With DX_REQUIRE_SERVICES=1 the suite must run on PostgreSQL and Redis, or not at all."""
    if not REQUIRE_SERVICES:
        return
    problems = []
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        problems.append(f"DATABASE_URL is not PostgreSQL: {settings.DATABASES['default']['ENGINE']}")
    else:
        problems += _postgres_problems()
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        problems.append(f"CELERY_BROKER_URL is not Redis: {settings.CELERY_BROKER_URL}")
    else:
        problems += _broker_problems()
    if problems:
        pytest.exit("DX_REQUIRE_SERVICES=1 but the servers are not usable:\n  " + "\n  ".join(problems), 3)


def _postgres_problems():
    import psycopg

    db = settings.DATABASES["default"]
    try:
        psycopg.connect(
            host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"],
            dbname="postgres", connect_timeout=3,
        ).close()
    except psycopg.Error as exc:
        return [f"PostgreSQL unreachable: {exc}"]
    return []


def _broker_problems():
    from kombu import Connection

    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1)
    except Exception as exc:  # the point is to report any failure
        return [f"Redis broker unreachable: {exc}"]
    return []


@pytest.fixture(autouse=True)
def vietnamese_after_each_test():
    """Leave no language active after a test: the test client keeps the language of its last request.

    LocaleMiddleware activates the request's language (an English cookie, say) in the test's own thread and
    nothing deactivates it, so every later test's gettext would read English.
    """
    yield
    translation.deactivate()


@pytest.fixture
def cast(db):
    return build_cast()


@pytest.fixture
def client_as(cast):
    """Return an API client acting as one of the cast, by role name."""

    def make(role):
        client = APIClient()
        if role == "system":
            client.credentials(HTTP_AUTHORIZATION=f"Api-Key {cast.system_secret}")
        elif role != "anonymous":
            client.force_login(getattr(cast, role), backend=PASSWORD_BACKEND)
        return client

    return make


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing():
    # Real hashing costs ~0.2 s a user; the cast alone has five. Hash strength is not under test here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def broker_unreachable(monkeypatch):
    """Point Celery at a port with no broker: a real refused connection, not a mock.

    Celery reads CELERY_BROKER_URL from the environment before its configuration, so both change;
    the connection pools are dropped so nothing reuses a connection to the real broker.
    """
    from dxportal.celery import app

    dead = "redis://127.0.0.1:9/0"
    # The configuration first: its saved value must be read while the environment is still the real one.
    monkeypatch.setattr(app.conf, "broker_url", dead)
    monkeypatch.setenv("CELERY_BROKER_URL", dead)
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    return dead


@pytest.fixture(autouse=True)
def fresh_address_window():
    """Start each test with the test client's address unthrottled: the window lives in Redis across tests.

    Anonymous and failed-authentication requests are counted per address (THROTTLE_ANON); the suite sends
    many from 127.0.0.1 within a minute.
    """
    from django.core.cache import cache

    from departments.api.throttling import AddressRateThrottle

    cache.delete(AddressRateThrottle.cache_format % {"scope": AddressRateThrottle.scope, "ident": "127.0.0.1"})
