"""The regime endpoints in the permission matrix: a catalogue every signed-in caller may read."""

from tests.matrix import Row, everyone

REGIME_API_ROWS = [
    Row("GET", "/api/v1/regimes/", everyone(200, anonymous=401)),
    Row("GET", "/api/v1/regimes/{code}/", everyone(200, anonymous=401), params={"code": lambda cast: "thong-ke"}),
    Row("GET", "/api/v1/regimes/{code}/periods/?year=2023", everyone(200, anonymous=401),
        params={"code": lambda cast: "nd09-mac-dinh"}),
]
