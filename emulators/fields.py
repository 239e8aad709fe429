"""The testbed extension fields every request to an emulated service carries, and their defaults.

A real local signing service reads its own clock, its own token and its own trust store. One
emulated service, though, serves many simulated testbeds (every test and every conformance run
has its own directory, its own SoftHSM configuration, its own simulated instant), so each
request says which world it lives in:

* ``TokenAccess``: path of the token access JSON (PKCS#11 module, environment, labels; never
  the PIN), see :class:`testbed.tokens.TokenAccess`;
* ``Moment``: the testbed instant to use as "now" (ISO 8601; without a zone: Vietnam time);
* ``TrustFiles``: PEM files of the trusted roots;
* ``TsaUrl``: the timestamp authority; ``Level``: B-B, B-T, B-LT or B-LTA; ``FieldName``;
  ``Visible`` (true: a visible signature, bottom right of page 1, as the reference signer
  places it).

``kyso emulate <family> --token LABEL [--dir TESTBED]`` fills whatever a request leaves out from
a running testbed (:class:`TestbedDefaults`): that token's access file, the testbed's clock, its
trusted roots and its TSA, so that a web application can send exactly what it would send to the
real plugin (the file and the PIN). A request that names a token (remote-hash ``user_id``) uses
that label instead of ``--token``'s.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from testbed import TestbedError, TokenAccess, parse_instant, wall_clock

LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")
DEFAULT_LEVEL = "B-LT"


class BadRequest(Exception):  # noqa: N818 (an answer the service gives, named as HTTP does)
    """A request the service cannot use: the reply names the field (code 9, HTTP 400)."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}")
        self.field = field
        self.detail = detail

    @property
    def vietnamese(self) -> str:
        return f"Yêu cầu không hợp lệ: {self.field}: {self.detail}"


@dataclass(frozen=True)
class TestbedFields:
    """The extension fields of one request, checked, with defaults applied."""

    __test__ = False  # not a pytest test class

    token_access: Path | None
    moment: datetime
    trust_files: tuple[Path, ...]
    tsa_url: str | None
    level: str
    field_name: str | None
    visible: bool = False

    def access(self) -> TokenAccess:
        """The token access description (BadRequest when missing or unreadable)."""
        if self.token_access is None:
            raise BadRequest("TokenAccess", "missing (path of the token access JSON file)")
        try:
            return TokenAccess.load(self.token_access)
        except TestbedError as error:
            raise BadRequest("TokenAccess", str(error)) from None


@dataclass(frozen=True)
class TestbedDefaults:
    """``--token LABEL`` (and ``--dir``): defaults for the fields a request leaves out."""

    __test__ = False  # not a pytest test class

    directory: Path
    token_label: str | None = None

    def _testbed(self) -> Any:
        from testbed import Testbed

        try:
            return Testbed.open(self.directory)
        except TestbedError as error:
            raise BadRequest("--dir", str(error)) from None

    def now(self) -> datetime:
        return self._testbed().now()  # type: ignore[no-any-return]

    def token_access(self, label: str) -> Path:
        testbed = self._testbed()
        try:
            return testbed.directory / testbed.state.token(label).access_file  # type: ignore
        except TestbedError as error:
            raise BadRequest("token", str(error)) from None

    def trust_files(self) -> tuple[Path, ...]:
        """The roots of the công vụ and public branches (never the unrelated root)."""
        from testbed import Branch

        testbed = self._testbed()
        return tuple(path for label, path in testbed.trust_anchor_paths().items()
                     if testbed.state.authorities[label].parent is None
                     and testbed.state.authorities[label].branch is not Branch.OTHER)

    def tsa_url(self, label: str) -> str | None:
        from conformance import signing_context_from_testbed

        try:
            return signing_context_from_testbed(self._testbed(), label)[2]
        except TestbedError:
            return None


def _text(body: Mapping[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadRequest(name, f"must be a string, got {type(value).__name__}")
    return value


def json_object(text: str | bytes) -> dict[str, Any]:
    """A message's JSON object (BadRequest otherwise)."""
    try:
        body = json.loads(text)
    except ValueError:
        raise BadRequest("message", "not JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("message", "not a JSON object")
    return body


def text_field(body: Mapping[str, Any], name: str) -> str:
    """A required non-empty string field of the request."""
    value = _text(body, name)
    if value is None:
        raise BadRequest(name, "missing")
    return value


def base64_field(body: Mapping[str, Any], name: str) -> bytes:
    """A required base64 field of the request, decoded."""
    try:
        return base64.b64decode(text_field(body, name), validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest(name, "not base64") from None


def testbed_fields(body: Mapping[str, Any], defaults: TestbedDefaults | None, *,
                   token_label: str | None = None) -> TestbedFields:
    """The extension fields of ``body`` (a request's JSON object), defaults applied.

    ``token_label``: the label the request names in its own protocol (remote-hash ``user_id``).
    """
    access_text = _text(body, "TokenAccess")
    access: Path | None = Path(access_text) if access_text else None
    label = token_label or (defaults.token_label if defaults else None)
    if access is None and defaults is not None and label:
        access = defaults.token_access(label)
    if access is not None and not access.is_file():
        raise BadRequest("TokenAccess", f"no such file {access}")
    moment_text = _text(body, "Moment")
    if moment_text:
        try:
            moment = parse_instant(moment_text, field="Moment")
        except TestbedError as error:
            raise BadRequest("Moment", str(error).split(": ", 1)[-1]) from None
    else:
        moment = defaults.now() if defaults is not None else wall_clock()
    trust = body.get("TrustFiles")
    if trust is None or trust == []:
        trust_files = defaults.trust_files() if defaults is not None else ()
    elif isinstance(trust, list) and all(isinstance(item, str) for item in trust):
        trust_files = tuple(Path(item) for item in trust)
    else:
        raise BadRequest("TrustFiles", "must be a list of PEM file paths")
    for path in trust_files:
        if not path.is_file():
            raise BadRequest("TrustFiles", f"no such file {path}")
    tsa_url = _text(body, "TsaUrl")
    if tsa_url is None and defaults is not None and label:
        tsa_url = defaults.tsa_url(label)
    level = (_text(body, "Level") or DEFAULT_LEVEL).upper()
    return TestbedFields(token_access=access, moment=moment, trust_files=trust_files,
                         tsa_url=tsa_url, level=level, field_name=_text(body, "FieldName"),
                         visible=_flag(body, "Visible"))


def _flag(body: Mapping[str, Any], name: str) -> bool:
    value = body.get(name)
    if value in (None, "", False, 0, "false", "0"):
        return False
    if value in (True, 1, "true", "1"):
        return True
    raise BadRequest(name, "must be true or false")


__all__ = ["LEVELS", "BadRequest", "TestbedDefaults", "TestbedFields", "base64_field",
           "json_object", "testbed_fields", "text_field"]
