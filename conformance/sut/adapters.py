"""From a SUT profile to the scenario player's two roles: :func:`build_roles`.

The adapters themselves live one per kind (:mod:`.cli_adapter`, :mod:`.batch_adapter`,
:mod:`.python_adapter`, and :mod:`.service_adapter` for the four service kinds ``http``,
``ws-oneshot``, ``ws-session``, ``remote-hash``); ``manual`` has no roles to play
automatically: a person plays them from a test kit (:mod:`.manual_kit`). Every adapter answers
with contract-v1 answers or raises :class:`~conformance.sut.contract.SutNoAnswer` (ERROR) /
``SutUnsupported`` (SKIPPED).
"""

from __future__ import annotations

from conformance.sut.batch_adapter import BatchSut, run_batch
from conformance.sut.cli_adapter import CliSut
from conformance.sut.profile import ProfileError, SutProfile
from conformance.sut.python_adapter import PythonSut
from conformance.sut.service_adapter import ServiceSut
from conformance.sut.service_profile import SERVICE_KINDS
from scenarios.roles import Signer, Verifier


def build_roles(profile: SutProfile) -> tuple[Signer | None, Verifier | None]:
    """(signer, verifier) for the profile's declared roles; None for a role it does not play.

    Raises :class:`ProfileError` for a ``manual`` profile (use ``kyso kit export``) or a python
    entry point that cannot be loaded.
    """
    sut: CliSut | BatchSut | PythonSut | ServiceSut
    kind = profile.adapter.kind
    if kind in SERVICE_KINDS:
        sut = ServiceSut(profile)
    elif kind == "cli":
        sut = CliSut(profile)
    elif kind == "batch":
        sut = BatchSut(profile)
    elif kind == "python":
        sut = PythonSut(profile)
    else:
        raise ProfileError(f"{profile.path or 'sut.toml'}: adapter.kind: 'manual' profiles are "
                           "played by a person: export a test kit (kyso kit export) and import "
                           "its results (kyso kit import)")
    return (sut if "signer" in profile.roles else None,
            sut if "verifier" in profile.roles else None)


__all__ = ["BatchSut", "CliSut", "PythonSut", "ServiceSut", "build_roles", "run_batch"]
