"""From a SUT profile to the scenario player's two roles: :func:`build_roles`.

The adapters themselves live one per kind, found through :mod:`.kinds` and imported only when
a profile of that kind is played: :mod:`.process.cli`, :mod:`.process.batch`,
:mod:`.process.python`, and :mod:`.service.adapter` for the four service kinds ``http``,
``ws-oneshot``, ``ws-session``, ``remote-hash``; ``manual`` has no roles to play
automatically: a person plays them from a test kit (:mod:`.process.manual_kit`). Every adapter
answers with contract-v1 answers or raises :class:`~conformance.sut.contract.SutNoAnswer`
(ERROR) / ``SutUnsupported`` (SKIPPED).
"""

from __future__ import annotations

from bilingual import say
from conformance.sut.kinds import adapter_class
from conformance.sut.profile import ProfileError, SutProfile
from scenarios import Signer, Verifier


def build_roles(profile: SutProfile) -> tuple[Signer | None, Verifier | None]:
    """(signer, verifier) for the profile's declared roles; None for a role it does not play.

    Raises :class:`ProfileError` for a ``manual`` profile (use ``kyso kit export``) or a python
    entry point that cannot be loaded.
    """
    adapter = adapter_class(profile.adapter.kind)
    if adapter is None:
        raise ProfileError(f"{profile.path or 'sut.toml'}: adapter.kind: " + say(
            "hồ sơ 'manual' do một người thực hiện: hãy xuất bộ kiểm thử (kyso kit export) rồi "
            "nhập kết quả (kyso kit import)",
            "'manual' profiles are played by a person: export a test kit (kyso kit export) and "
            "import its results (kyso kit import)"))
    sut = adapter(profile)
    return (sut if "signer" in profile.roles else None,
            sut if "verifier" in profile.roles else None)


__all__ = ["build_roles"]
