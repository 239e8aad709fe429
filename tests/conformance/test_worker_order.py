"""The python worker's order (issue 22): requests travel to the worker and back unchanged,
without pydantic, and the worker starts without importing pydantic or kyso's models."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from conformance.sut.process.worker_order import order_json, read_order, request_json
from scenarios.roles import SignRequest, VerifyRequest

HANOI = timezone(timedelta(hours=7))

SIGN = SignRequest(
    input=Path("/case/in.pdf"), output=Path("/case/out/signed.pdf"),
    token_access=Path("/case/token.json"), pin_file=Path("/case/pin"), token_label="Lê Thị Hoa",
    trust_roots=[Path("/case/root-cv.pem"), Path("/case/root-neac.pem")],
    tsa_url="http://127.0.0.1:8080/tsa", level="B-LT",
    moment=datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=HANOI), visible=True,
    appearance="nd30-annex-i", certificate=Path("/case/cert.der"), reason="Phê duyệt",
    location="Huế", field_name="Signature1", workdir=Path("/case/sut"))
VERIFY = VerifyRequest(input=Path("/case/signed.pdf"), trust_roots=[Path("/case/root.pem")],
                       moment=datetime(2026, 3, 4, tzinfo=UTC), workdir=None,
                       extra={"policy": "nd130"})


@pytest.mark.parametrize(("method", "request_"), [("sign", SIGN), ("verify", VERIFY)])
def test_every_field_of_a_request_comes_back_equal(method: str,
                                                   request_: SignRequest | VerifyRequest) -> None:
    defaults = type(request_)(**{field.name: getattr(request_, field.name)
                                 for field in dataclasses.fields(request_)
                                 if field.default is dataclasses.MISSING
                                 and field.default_factory is dataclasses.MISSING})
    for original in (request_, defaults):
        order, back = read_order(order_json("vendor:make", ["/vendor"], {"k": 1}, method,
                                            original))
        assert back == original and type(back) is type(original)
        assert back.moment.utcoffset() == original.moment.utcoffset()
        assert isinstance(back.input, Path)
        assert (order["entry_point"], order["path"], order["options"]) == \
            ("vendor:make", ["/vendor"], {"k": 1})


@pytest.mark.parametrize("spoil", [
    {"moment": "yesterday"}, {"trust_roots": "/one.pem"}, {"input": 3}, {"visible": "yes"},
    {"extra": {"a": 1}}, {"surprise": 1}])
def test_a_malformed_request_is_refused(spoil: dict[str, object]) -> None:
    data = json.loads(order_json("vendor:make", [], {}, "sign", SIGN))
    data["request"].update(spoil)
    if "extra" in spoil:
        data = json.loads(order_json("vendor:make", [], {}, "verify", VERIFY))
        data["request"].update(spoil)
    with pytest.raises(ValueError):
        read_order(json.dumps(data).encode())


def test_a_missing_field_or_method_is_refused() -> None:
    data = json.loads(order_json("vendor:make", [], {}, "verify", VERIFY))
    del data["request"]["moment"]
    with pytest.raises(TypeError):
        read_order(json.dumps(data).encode())
    with pytest.raises(KeyError):
        read_order(json.dumps({**data, "method": "extend"}).encode())


def test_a_request_field_without_a_codec_is_kysos_bug_at_once() -> None:
    @dataclasses.dataclass(frozen=True)
    class Odd:
        count: int

    with pytest.raises(TypeError, match="no codec for count"):
        request_json(Odd(3))  # type: ignore[arg-type]


def test_the_worker_starts_without_pydantic_or_kysos_models() -> None:
    """What the worker imports before the vendor's code: no pydantic, no contract models (a
    vendor that does not use them should not pay for them in every call)."""
    probe = ("import sys, conformance.sut.process.python_worker; "
             "print(sorted(m for m in sys.modules if m.split('.')[0] in "
             "('pydantic', 'pydantic_core', 'testbed', 'reports', 'bilingual') "
             "or m in ('scenarios.outcomes', 'conformance.sut.contract', 'traceback')))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert loaded == "[]"
