"""Every endpoint, tried as every member of the cast.

Each later feature adds its rows here; `test_matrix_covers_every_api_operation` fails when an API
operation exists that the matrix does not try.
"""

from dataclasses import dataclass, field

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "staff_a", "staff_b", "reviewer", "admin", "system")


def everyone(status, **overrides):
    return {role: overrides.get(role, status) for role in ROLES}


@dataclass
class Row:
    method: str
    path: str
    expected: dict
    params: dict = field(default_factory=dict)  # path parameter -> function of the cast
    body: object = None

    def url(self, cast):
        url = self.path
        for name, value in self.params.items():
            url = url.replace("{" + name + "}", str(value(cast)))
        return url


API_ROWS = [
    Row("GET", "/api/v1/units/", everyone(200, anonymous=401)),
    # Unit A is outside staff_b's scope: it answers as if it did not exist.
    Row("GET", "/api/v1/units/{code}/", everyone(200, anonymous=401, staff_b=404),
        params={"code": lambda cast: cast.unit_a.code}),
    Row("GET", "/api/v1/units/{code}/", everyone(200, anonymous=401, staff_a=404, system=404),
        params={"code": lambda cast: cast.unit_b.code}),
    Row("GET", "/api/v1/me/", everyone(200, anonymous=401)),
]

OTHER_ROWS = [
    Row("GET", "/healthz", everyone(200)),
    Row("GET", "/api/schema/", everyone(200)),
    Row("GET", "/api/docs/", everyone(200)),
    Row("GET", "/admin/", everyone(200, anonymous=302, system=302)),
    Row("GET", "/admin/departments/unit/", everyone(200, anonymous=302, system=302)),
    Row("GET", "/admin/departments/unit/add/", everyone(403, anonymous=302, system=302, admin=200)),
    Row("GET", "/admin/departments/apikey/", everyone(403, anonymous=302, system=302, admin=200)),
    Row("GET", "/admin/auth/user/", everyone(403, anonymous=302, system=302, admin=200)),
    Row("GET", "/admin/django_celery_beat/periodictask/", everyone(403, anonymous=302, system=302, admin=200)),
]



@pytest.mark.parametrize("row", API_ROWS + OTHER_ROWS, ids=lambda row: f"{row.method} {row.path}")
def test_every_role_gets_the_expected_status(row, cast, client_as):
    seen = {}
    for role in ROLES:
        client = client_as(role)
        response = client.generic(row.method, row.url(cast), data=row.body, content_type="application/json")
        seen[role] = response.status_code
    assert seen == row.expected


def test_matrix_covers_every_api_operation():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = {(method.upper(), path) for path, item in schema["paths"].items() for method in item}
    covered = {(row.method, row.path) for row in API_ROWS}
    assert operations - covered == set(), "add these operations to the permission matrix"
