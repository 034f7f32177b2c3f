"""status.php's version fields."""

from __future__ import annotations

import msgspec
import pytest

from opencloud.api.http.product import status_for_version


@pytest.mark.parametrize(
    ("version", "legacy", "short"),
    [
        ("0.1.0", "0.1.0.0", "0.1.0"),
        ("2.3.4.dev5", "2.3.4.0", "2.3.4"),
        ("1.0.0rc1", "1.0.0.0", "1.0.0"),
    ],
)
def test_versions(version: str, legacy: str, short: str) -> None:
    status = status_for_version(version)
    assert (status.version, status.versionstring, status.productversion) == (
        legacy,
        short,
        version,
    )


def test_body_is_exactly_opencloud_s() -> None:
    assert msgspec.json.encode(status_for_version("0.1.0")) == (
        b'{"installed":true,"maintenance":false,"needsDbUpgrade":false,"version":"0.1.0.0",'
        b'"versionstring":"0.1.0","edition":"Community","productname":"OpenCloud",'
        b'"product":"OpenCloud","productversion":"0.1.0","channel":""}'
    )
