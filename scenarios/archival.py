"""The archival steps of a story: a TSA rolling its key, the archive extending a document, and
every service going down at once.

State documents are kept for decades (Decree 30/2020, the archives law). What keeps one
verifiable is an archive system, not the signer: it raises a document to B-LT or B-LTA while
the CA's services still answer, and renews the archive timestamp before its TSA's certificate
expires (EN 319 142-1). Years later the CAs have gone: every OCSP responder, CRL distribution
point, certificate URL and TSA of the testbed fails (``outage`` of service ``all``), and only
what the document carries remains. The archive tool itself is a role the player is handed
(:class:`~scenarios.roles.Archiver`; the reference one is ``kyso extend``), as the signer and
the verifier are.
"""

from __future__ import annotations

from pathlib import Path

from bilingual import say
from testbed import Testbed, WorldState

from .model import Extend
from .roles import Archiver, ExtendRequest, NoAnswer

SERVICE_KINDS = ("ocsp", "crl", "tsa", "certs")
EVERY_SERVICE = "all"


class ArchiveStepError(Exception):
    """An archival step could not be played (no archive tool, or it refused)."""


def services_named(state: WorldState, service: str) -> list[str]:
    """The services a step names: one, or every service of every authority for ``all``."""
    if service != EVERY_SERVICE:
        return [service]
    return [f"{kind}:{label}" for label, authority in state.authorities.items()
            for kind in SERVICE_KINDS if kind != "tsa" or authority.tsa is not None]


def extend_artifact(archiver: Archiver | None, testbed: Testbed, step: Extend, source: Path,
                    output: Path, trust_roots: list[Path]) -> None:
    """Ask the archive tool to extend ``source`` into ``output`` at the testbed's instant,
    with the công vụ TSA (the one the reference tools use)."""
    if archiver is None:
        raise ArchiveStepError(say(
            "trình phát kịch bản không được giao công cụ lưu trữ nào: không gia hạn được",
            "no archive tool was given to the player: cannot extend"))
    request = ExtendRequest(input=source, output=output, level=step.level, renew=step.renew,
                            trust_roots=trust_roots, tsa_url=testbed.urls("ca-cv")["tsa"],
                            moment=testbed.now())
    try:
        archiver.extend(request)
    except NoAnswer as refusal:
        raise ArchiveStepError(say(
            f"công cụ lưu trữ không gia hạn {source.name}: {refusal.reason}",
            f"the archive tool did not extend {source.name}: {refusal.reason}")) from None
    if not output.is_file():
        raise ArchiveStepError(say(f"công cụ lưu trữ không ghi ra {output.name}",
                                   f"the archive tool wrote no {output.name}"))
