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
from io import BytesIO
from pathlib import Path

from asn1crypto import x509
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader

from bilingual import say
from reports import SIGNATURE_BOX
from scenarios import SignerAnswer, SignerOutcome
from testbed import (
    Branch,
    InvalidInputError,
    ProfileKind,
    Testbed,
    VietnameseName,
    registry_exists,
    wall_clock,
)

from .reference.signer import sign
from .reference.signing_request import VisibleSignature

LAB_SUBSCRIBER = "phong-thu-nghiem"
LAB_NAME = VietnameseName(common_name="Phòng thử nghiệm kyso",
                          organization="kyso - Kiểm thử chữ ký số", locality="Hà Nội",
                          identifier="MST:0000000000")


LAB_MARKER = "kyso-lab"
"""The file that says a testbed folder was made by kyso for the lab (its contents: why)."""


def check_lab_directory(directory: Path) -> bool:
    """Whether ``directory`` holds the lab's testbed already (False: a new or empty folder).

    Refuses, changing nothing, a ``--lab`` folder kyso did not make for the lab: a testbed
    of the user's (its pinned clock, its certificates are theirs: switching it to the wall clock
    and issuing a lab certificate into it would silently change their tests), or a folder
    holding other files."""
    if not directory.exists():
        return False
    if not directory.is_dir():
        raise InvalidInputError(f"--lab: {directory} không phải thư mục / is not a directory")
    if (directory / LAB_MARKER).is_file() or _lab_before_markers(directory):
        return True
    if registry_exists(directory):
        raise InvalidInputError(
            f"--lab: {directory} là testbed của người dùng, không phải testbed của phòng thử "
            f"nghiệm; kyso không thay đổi nó, hãy chọn một thư mục mới / is a testbed not made "
            f"for the lab; kyso leaves it unchanged: give a new folder")
    if any(directory.iterdir()):
        raise InvalidInputError(f"--lab: {directory} không trống; hãy chọn một thư mục mới / "
                                f"is not empty: give a new folder")
    return False


def _lab_before_markers(directory: Path) -> bool:
    """A lab made before :data:`LAB_MARKER` existed (``out/demo/lab``): a testbed whose only
    subscriber is the lab, following the wall clock (no user's testbed looks like that)."""
    if not registry_exists(directory):
        return False
    state = Testbed.open(directory).state
    return set(state.subscribers) == {LAB_SUBSCRIBER} and state.clock.pinned_at is None


@contextmanager
def lab_testbed(directory: Path) -> Iterator[Testbed]:
    """The lab's testbed (created on first use, in a new or empty folder), services running
    while inside. A folder kyso did not make for the lab is refused (:func:`check_lab_directory`);
    only a lab's own testbed is set to follow the wall clock."""
    if check_lab_directory(directory):
        testbed = Testbed.open(directory)
        testbed.set_clock(wall_clock(), follow_wall_clock=True)
    else:
        testbed = Testbed.create(directory, at=wall_clock(), follow_wall_clock=True)
    if not (directory / LAB_MARKER).is_file():
        (directory / LAB_MARKER).write_text("kyso made this testbed for the lab: the certificate "
                                            "that signs its reports (kyso report render --lab)\n")
    with testbed:
        if testbed.tokens.holding(LAB_SUBSCRIBER) is None:
            testbed.tokens.create(LAB_SUBSCRIBER, key_type="p256", name=LAB_NAME,
                                  profile=ProfileKind.ORGANISATION, branch=Branch.CONG_VU)
        yield testbed


def sign_report(testbed: Testbed, unsigned: Path, signed: Path) -> SignerAnswer:
    """Sign a report PDF as the lab (PAdES B-LTA), visibly: the appearance (the lab's name,
    organisation and signing time) fills the box the record keeps free for it on its last page
    (:data:`reports.SIGNATURE_BOX`), so a printed record shows who signed it, and when."""
    token = testbed.tokens.holding(LAB_SUBSCRIBER)
    if token is None:
        raise InvalidInputError(f"{testbed.directory}: " + say(
            "phòng thử nghiệm không có token nào", "the lab holds no token"))
    root = x509.Certificate.load(testbed.certificate_der("root-cv"))
    answer = sign(unsigned, signed, access=testbed.directory / token.access_file,
                  pin=testbed.tokens.user_pin(token.label), trust_roots=[root],
                  moment=testbed.now(), level="B-LTA", tsa_url=testbed.urls("ca-cv")["tsa"],
                  visible=VisibleSignature(page=_last_page(unsigned), box=SIGNATURE_BOX.box),
                  reason="Biên bản kết quả kiểm tra / Test report", location="kyso")
    if answer.outcome is not SignerOutcome.SIGNED:
        raise InvalidInputError(say(
            f"phòng thử nghiệm không ký số được {unsigned}: {answer.reason}",
            f"the lab could not sign {unsigned}: {answer.reason}"))
    return answer


def _last_page(pdf: Path) -> int:
    """The number (from 1) of the record's last page, where its signature box is."""
    try:
        reader = PdfFileReader(BytesIO(pdf.read_bytes()), strict=False)
        return int(reader.root["/Pages"]["/Count"])
    except (OSError, PdfError, ValueError, KeyError, TypeError) as error:
        raise InvalidInputError(f"{pdf}: " + say(
            f"không phải tệp PDF biên bản đọc được ({error})",
            f"not a readable report PDF ({error})")) from None
