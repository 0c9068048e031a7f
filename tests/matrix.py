"""The permission matrix's vocabulary: the cast's roles and a row of expected statuses.

Kept apart from the test module so each app's rows (tests/<app>/permission_rows.py) can use it.
"""

from dataclasses import dataclass, field

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
