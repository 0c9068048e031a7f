"""The key scope check closes an endpoint that forgets to say what it serves."""

import pytest
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from departments.api.permissions import CALLER_ITSELF

pytestmark = pytest.mark.django_db


class Undeclared(APIView):
    def get(self, request):
        return Response({"secret": "anything"})


class AboutTheCaller(Undeclared):
    api_resource = CALLER_ITSELF


def call(view, secret):
    request = APIRequestFactory().get("/x/", HTTP_AUTHORIZATION=f"Api-Key {secret}")
    return view.as_view()(request)


def test_key_is_refused_by_a_view_that_declares_no_resource(cast):
    assert call(Undeclared, cast.system_secret).status_code == 403


def test_key_may_read_a_view_about_the_caller_itself(cast):
    assert call(AboutTheCaller, cast.system_secret).status_code == 200


def test_key_still_reads_me(cast, client_as):
    assert client_as("system").get("/api/v1/me/").status_code == 200
