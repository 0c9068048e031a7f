"""A test that reads the portal in English leaves the next test in Vietnamese (the autouse fixture)."""

import pytest
from django.test import Client
from django.utils import translation


@pytest.mark.django_db
def test_an_english_request_activates_english_in_the_tests_thread(settings):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    client.get("/admin/login/")

    # What the next test must not inherit: Django's test client leaves the request's language active.
    assert translation.get_language() == "en"


def test_the_next_test_reads_vietnamese_again():
    assert translation.get_language() == "vi"
    assert translation.gettext("Please correct the error below.") != "Please correct the error below."
