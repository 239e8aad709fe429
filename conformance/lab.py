"""The test lab's own identity: the certificate that signs its reports (biên bản kết quả).

A lab is a small testbed of its own, following the wall clock, with one organisation
certificate on a SoftHSM token: "TEST Phòng thử nghiệm kyso". Reports are signed with the
reference signer as PAdES B-LTA, so anyone can check a report's integrity with ``kyso verify
--testbed <lab>``, with the lab's services stopped: the report carries the OCSP responses and
CRLs of its signing time, which the verifier uses first, and a document timestamp (an archive
timestamp) that ``kyso extend --renew`` can renew before the lab TSA's certificate expires, as
an archive keeping the report must (issue 20).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from asn1crypto import x509

from scenarios import SignerAnswer, SignerOutcome
from testbed import Branch, InvalidInputError, ProfileKind, Testbed, VietnameseName, wall_clock

from .reference.signer import sign

LAB_SUBSCRIBER = "phong-thu-nghiem"
LAB_NAME = VietnameseName(common_name="Phòng thử nghiệm kyso",
                          organization="kyso - Kiểm thử chữ ký số", locality="Hà Nội",
                          identifier="MST:0000000000")


@contextmanager
def lab_testbed(directory: Path) -> Iterator[Testbed]:
    """The lab's testbed (created on first use), services running while inside."""
    if (directory / "registry.json").exists():
        testbed = Testbed.open(directory)
        testbed.set_clock(wall_clock(), follow_wall_clock=True)
    else:
        testbed = Testbed.create(directory, at=wall_clock(), follow_wall_clock=True)
    with testbed:
        if testbed.tokens.holding(LAB_SUBSCRIBER) is None:
            testbed.tokens.create(LAB_SUBSCRIBER, key_type="p256", name=LAB_NAME,
                                  profile=ProfileKind.ORGANISATION, branch=Branch.CONG_VU)
        yield testbed


def sign_report(testbed: Testbed, unsigned: Path, signed: Path) -> SignerAnswer:
    """Sign a report PDF as the lab (PAdES B-LTA, invisible)."""
    token = testbed.tokens.holding(LAB_SUBSCRIBER)
    if token is None:
        raise InvalidInputError(f"{testbed.directory}: the lab holds no token")
    root = x509.Certificate.load(testbed.certificate_der("root-cv"))
    answer = sign(unsigned, signed, access=testbed.directory / token.access_file,
                  pin=testbed.tokens.user_pin(token.label), trust_roots=[root],
                  moment=testbed.now(), level="B-LTA", tsa_url=testbed.urls("ca-cv")["tsa"],
                  reason="Biên bản kết quả kiểm tra / Test report", location="kyso")
    if answer.outcome is not SignerOutcome.SIGNED:
        raise InvalidInputError(f"the lab could not sign {unsigned}: {answer.reason}")
    return answer
