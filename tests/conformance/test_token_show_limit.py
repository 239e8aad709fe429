"""``kyso token show`` gives the token's own PIN-try limit, whatever its access file says.

An access file written by an older kyso names no limit in its environment, or the
installation's default (5), while the token enforces the limit it was created with
(``--max-pin-tries``, kept in its lockout state): what ``token show`` prints, the exports a
program copies included, is the token's.
"""

from __future__ import annotations

import json

import pytest

from bilingual import ENVIRONMENT_VARIABLE
from conformance.cli import main
from testbed import VietnameseName
from testbed.session import Testbed

LIMIT_VARIABLE = "KYSO_MAX_PIN_TRIES"


@pytest.mark.parametrize("older", [None, "5"], ids=["no-limit", "default-limit"])
def test_token_show_gives_the_tokens_own_limit(
        older: str | None, testbed: Testbed, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, "vi-en")
    subscriber = f"old-access-{older or 'none'}"
    token, _ = testbed.tokens.create(
        subscriber, key_type="p256", max_pin_tries=3,
        name=VietnameseName(common_name=f"Lê Văn Cũ {older or 'none'}"))
    path = testbed.directory / testbed.state.token(token.label).access_file
    access = json.loads(path.read_text(encoding="utf-8"))
    assert access["env"][LIMIT_VARIABLE] == "3"  # what kyso writes today
    if older is None:
        del access["env"][LIMIT_VARIABLE]
    else:
        access["env"][LIMIT_VARIABLE] = older
    path.write_text(json.dumps(access), encoding="utf-8")  # as an older kyso wrote it

    assert main(["token", "show", token.label, "--dir", str(testbed.directory)]) == 0
    shown = capsys.readouterr().out
    assert "PIN tries      : 3 left of 3" in shown
    assert f"export {LIMIT_VARIABLE}=3\n" in shown, shown
    assert f"{LIMIT_VARIABLE}=5" not in shown
