"""PIN lockout, SO restore and lost tokens, as this process and separate processes that load
the lockout module themselves (pkcs11-tool, a fresh python-pkcs11 interpreter) see them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pkcs11.constants import TokenFlag

from testbed.tokens import (
    PinIncorrectError,
    PinLockedError,
    SoftHsm,
    SubscriberToken,
    TokenLostError,
    TokenState,
)

from .conftest import MAX_TRIES, SO_PIN, USER_PIN, Pkcs11Tool

# A separate interpreter that loads the module itself and logs in: prints the outcome.
LOGIN = """
import sys, pkcs11
lib = pkcs11.lib(sys.argv[1])
token = lib.get_token(token_label=sys.argv[2])
try:
    with token.open(user_pin=sys.argv[3]):
        print("CKR_OK")
except pkcs11.PKCS11Error as err:
    print(type(err).__name__)
"""


def _login_elsewhere(softhsm: SoftHsm, label: str, pin: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOFTHSM2_", "KYSO_"))}
    result = subprocess.run(
        [sys.executable, "-c", LOGIN, str(softhsm.module_path), label, pin],
        env={**env, **softhsm.env()},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _flags(softhsm: SoftHsm, label: str) -> TokenFlag:
    return TokenFlag(softhsm.find_token(label).flags)


def _wrong_pins(token: SubscriberToken, count: int) -> None:
    for _ in range(count):
        with pytest.raises((PinIncorrectError, PinLockedError)):
            token.sign(b"x", user_pin="000000")


def test_wrong_pin_is_incorrect_and_counts_down(
    softhsm: SoftHsm, p256_token: SubscriberToken, pkcs11_tool: Pkcs11Tool
) -> None:
    with pytest.raises(PinIncorrectError, match=r"CKR_PIN_INCORRECT\), 2 tries left"):
        p256_token.sign(b"x", user_pin="000000")
    flags = _flags(softhsm, "nguyen-van-a")
    assert flags & TokenFlag.USER_PIN_COUNT_LOW and not flags & TokenFlag.USER_PIN_FINAL_TRY

    result = pkcs11_tool("--token-label", "nguyen-van-a", "--login", "--pin", "999999", "-O")
    assert "CKR_PIN_INCORRECT" in result.stderr
    assert _flags(softhsm, "nguyen-van-a") & TokenFlag.USER_PIN_FINAL_TRY
    assert p256_token.lockout_state().failures == 2

    assert len(p256_token.sign(b"right pin resets the counter")) == 64
    assert p256_token.lockout_state().failures == 0
    assert not _flags(softhsm, "nguyen-van-a") & TokenFlag.USER_PIN_COUNT_LOW


def test_after_max_wrong_pins_other_processes_see_the_lock(
    softhsm: SoftHsm, p256_token: SubscriberToken, pkcs11_tool: Pkcs11Tool
) -> None:
    _wrong_pins(p256_token, MAX_TRIES)
    assert p256_token.lock_state() is TokenState.LOCKED
    with pytest.raises(PinLockedError, match="CKR_PIN_LOCKED"):
        p256_token.sign(b"right pin, but locked")

    assert _login_elsewhere(softhsm, "nguyen-van-a", USER_PIN) == "PinLocked"
    result = pkcs11_tool("--token-label", "nguyen-van-a", "--login", "--pin", USER_PIN, "-O")
    assert result.returncode != 0 and "CKR_PIN_LOCKED" in result.stderr
    slots = pkcs11_tool("--list-token-slots")
    assert "user PIN locked" in slots.stdout


def test_wrong_pins_from_a_third_party_lock_us_too(
    p256_token: SubscriberToken, pkcs11_tool: Pkcs11Tool
) -> None:
    for _ in range(MAX_TRIES):
        pkcs11_tool("--token-label", "nguyen-van-a", "--login", "--pin", "999999", "-O")
    with pytest.raises(PinLockedError):
        p256_token.sign(b"x")
    with pytest.raises(PinLockedError):
        p256_token.change_pin(USER_PIN, "135792")


def test_so_restore_unlocks_with_a_new_pin(
    softhsm: SoftHsm, p256_token: SubscriberToken, pkcs11_tool: Pkcs11Tool
) -> None:
    _wrong_pins(p256_token, MAX_TRIES)
    with pytest.raises(PinIncorrectError, match="wrong SO PIN"):
        p256_token.restore("not-the-so-pin", "135792")
    assert p256_token.lock_state() is TokenState.LOCKED

    p256_token.restore(SO_PIN, "135792")
    assert p256_token.lock_state() is TokenState.NORMAL
    assert not _flags(softhsm, "nguyen-van-a") & TokenFlag.USER_PIN_LOCKED
    assert _login_elsewhere(softhsm, "nguyen-van-a", "135792") == "CKR_OK"
    result = pkcs11_tool("--token-label", "nguyen-van-a", "--login", "--pin", "135792", "-O")
    assert result.returncode == 0, result.stderr
    assert len(p256_token.sign(b"restored")) == 64


def test_lost_token_refuses_everyone(
    softhsm: SoftHsm, p256_token: SubscriberToken, pkcs11_tool: Pkcs11Tool
) -> None:
    p256_token.mark_lost()
    assert p256_token.lock_state() is TokenState.LOST
    with pytest.raises(TokenLostError, match="CKR_TOKEN_NOT_PRESENT"):
        p256_token.sign(b"x")
    with pytest.raises(TokenLostError):
        p256_token.restore(SO_PIN, "135792")
    assert _login_elsewhere(softhsm, "nguyen-van-a", USER_PIN) == "TokenNotPresent"
    result = pkcs11_tool("--token-label", "nguyen-van-a", "--login", "--pin", USER_PIN, "-O")
    assert result.returncode != 0 and "CKR_TOKEN_NOT_PRESENT" in result.stderr


def test_state_files_survive_a_new_testbed_object(tmp_path: Path) -> None:
    softhsm = SoftHsm(tmp_path / "tb", max_pin_tries=2)
    token = SubscriberToken.create(
        softhsm, label="persist", key_type="p256", user_pin=USER_PIN, so_pin=SO_PIN
    )
    _wrong_pins(token, 2)
    again = SubscriberToken.open(SoftHsm(tmp_path / "tb"), "persist", user_pin=USER_PIN)
    assert again.lock_state() is TokenState.LOCKED
    assert again.lockout_state().max_tries == 2
