"""API rate limits with real requests against the Redis cache: per key, per person, per address.

Small rates through settings (DRF reloads them); each test starts from empty windows.
"""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from ..conftest import PASSWORD_BACKEND
from ..factories import UserFactory, make_api_key

pytestmark = pytest.mark.django_db
ME = "/api/v1/me/"


@pytest.fixture
def rates(settings):
    """Return a function that sets the three rates for this test, with the cache's windows emptied."""
    cache.clear()

    def set_rates(*, api_key="1000/min", user="1000/min", anon="1000/min"):
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
            "api_key": api_key, "user": user, "anon": anon}}

    yield set_rates
    cache.clear()


def key_client(secret, address="127.0.0.1"):
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    return client


def statuses(client, count, path=ME, **extra):
    return [client.get(path, **extra).status_code for _ in range(count)]


def test_bad_keys_from_one_address_are_throttled(cast, rates):
    rates(anon="3/min")
    guesses = [key_client(f"guess{n}.secret{n}").get(ME).status_code for n in range(5)]
    assert guesses == [401, 401, 401, 429, 429]
    assert key_client("guess.again", address="10.0.0.9").get(ME).status_code == 401  # another address


def test_a_throttled_bad_key_answer_has_the_usual_shape_and_retry_after(cast, rates):
    rates(anon="1/min")
    key_client("guess.one").get(ME)
    response = key_client("guess.two").get(ME)
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    body = response.json()
    assert body["status"] == 429 and body["code"] == "throttled" and body["message"] and body["message_en"]


def test_anonymous_requests_are_throttled_per_address(cast, rates):
    rates(anon="3/min")
    assert statuses(APIClient(REMOTE_ADDR="10.0.0.1"), 5) == [401, 401, 401, 429, 429]
    assert APIClient(REMOTE_ADDR="10.0.0.2").get(ME).status_code == 401


def test_a_forged_forwarded_for_does_not_reset_the_address_window(cast, rates):
    rates(anon="2/min")
    client = APIClient(REMOTE_ADDR="10.0.0.3")
    seen = [client.get(ME, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code for n in range(4)]
    assert seen == [401, 401, 429, 429]


def test_a_valid_key_is_limited_by_the_key_rate_not_the_person_rate(cast, rates):
    rates(api_key="6/min", user="2/min")
    assert statuses(key_client(cast.system_secret), 7) == [200] * 6 + [429]


def test_keys_of_one_service_account_are_limited_each_on_its_own(cast, rates):
    rates(api_key="2/min", user="1/min")
    _other, other_secret = make_api_key(units=[cast.unit_a], name="other")
    assert statuses(key_client(cast.system_secret), 3) == [200, 200, 429]
    assert statuses(key_client(other_secret), 2) == [200, 200]


def test_a_valid_key_still_works_from_an_address_throttled_for_bad_keys(cast, rates):
    rates(anon="2/min")
    assert statuses(key_client("guess.one"), 3) == [401, 401, 429]
    assert key_client(cast.system_secret).get(ME).status_code == 200


def test_people_are_limited_per_person(cast, rates):
    rates(user="2/min", anon="1/min")
    alice, bob = APIClient(), APIClient()
    alice.force_login(cast.staff_a, backend=PASSWORD_BACKEND)
    bob.force_login(UserFactory(username="bob"), backend=PASSWORD_BACKEND)
    assert statuses(alice, 3) == [200, 200, 429]
    assert statuses(bob, 2) == [200, 200]  # same address, another person


def test_a_throttled_key_answer_says_when_the_window_frees_a_request(cast, rates):
    rates(api_key="2/min")
    client = key_client(cast.system_secret)
    assert statuses(client, 2) == [200, 200]
    response = client.get(ME)
    # DRF's wait: the window's length less the age of its oldest request, rounded up to whole seconds.
    assert response.status_code == 429 and response["Retry-After"] == "60"
    assert response.json()["code"] == "throttled"


def test_concurrent_requests_never_pass_more_than_the_limit(rates):
    """The window is checked and written in one atomic step: racing requests cannot both take the last place."""
    import sys
    import threading

    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache
    from rest_framework.test import APIRequestFactory

    from departments.api.throttling import AddressRateThrottle

    if not isinstance(caches["default"], RedisCache):
        pytest.skip("the atomic window is Redis's; local memory keeps DRF's list")
    rates(anon="20/min")
    allowed, lock = [], threading.Lock()

    def hammer():
        mine = [AddressRateThrottle().allow_request(APIRequestFactory().get(ME, REMOTE_ADDR="10.9.9.9"), None)
                for _ in range(10)]
        with lock:
            allowed.extend(mine)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, as requests in separate processes would interleave
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert allowed.count(True) == 20 and len(allowed) == 80


def test_the_window_lives_under_the_cache_key_so_deleting_it_frees_the_address(cast, rates):
    from departments.api.throttling import AddressRateThrottle

    rates(anon="1/min")
    client = APIClient(REMOTE_ADDR="10.0.0.7")
    assert statuses(client, 2) == [401, 429]
    cache.delete(AddressRateThrottle.cache_format % {"scope": "anon", "ident": "10.0.0.7"})
    assert client.get(ME).status_code == 401
