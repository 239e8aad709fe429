"""The catalogue of defects: one broken rule each, its role (signer or verifier), its name.

Each :class:`Defect` names one rule a real product is known to break; the value is the name used
on the command line (``kyso sign --defect``, ``kyso verify --defect``) and in the mutation table.
The variants that break them live beside it (:mod:`.verifiers`, :mod:`.signers`).
"""

from __future__ import annotations

from enum import StrEnum

from bilingual import say
from testbed import InvalidInputError


class Defect(StrEnum):
    """One broken rule; the value is the name used on the command line."""

    # verifier
    IGNORE_REVOCATION = "ignore-revocation"
    IGNORE_EXPIRY = "ignore-expiry"
    CLAIMED_TIME = "claimed-time"
    ANY_ROOT = "any-root"
    SKIP_INTEGRITY = "skip-integrity"
    ACCEPT_INCREMENTAL_UPDATES = "accept-incremental-updates"
    UNKNOWN_AS_GOOD = "unknown-as-good"
    OCSP_ONLY = "ocsp-only"
    ENGLISH_ONLY = "english-only"
    WRONG_DISPLAY = "wrong-display"
    IGNORE_KEY_USAGE = "ignore-key-usage"
    ACCEPT_WEAK_CRYPTO = "accept-weak-crypto"
    IGNORE_TIMESTAMP = "ignore-timestamp"
    NO_AIA_FETCH = "no-aia-fetch"
    NO_RSA_PSS = "no-rsa-pss"
    P256_ONLY = "p256-only"
    ACCEPT_UNPARSABLE = "accept-unparsable"
    NO_EVIDENCE = "no-evidence"
    IGNORE_BYTE_RANGE_COVERAGE = "ignore-byte-range-coverage"
    IGNORE_DOCMDP = "ignore-docmdp"
    CERTIFICATION_FORBIDS_ALL = "certification-forbids-all"
    CERTIFICATION_FORBIDS_COMMENTS = "certification-forbids-comments"
    SUBJECT_AS_ISSUER = "subject-as-issuer"
    OU_ONLY_MANAGING_UNIT = "ou-only-managing-unit"
    SIGNED_BYTES_INTEGRITY = "signed-bytes-integrity"
    VALIDITY_END_ONLY = "validity-end-only"
    IGNORE_EMBEDDED_DATA = "ignore-embedded-data"
    IGNORE_ARCHIVE_TIMESTAMPS = "ignore-archive-timestamps"
    # signer
    NO_VALIDITY_CHECK = "no-validity-check"
    NO_TIMESTAMP = "no-timestamp"
    SHA1_DIGEST = "sha1-digest"
    PARTIAL_COVERAGE = "partial-coverage"
    DROPS_EARLIER_SIGNATURES = "drops-earlier-signatures"
    SOFTWARE_KEY = "software-key"
    NO_STATUS_WARNING = "no-status-warning"
    ENGLISH_ONLY_SIGNER = "english-only-signer"
    NO_EVIDENCE_SIGNER = "no-evidence-signer"
    IGNORES_PIN_ERROR = "ignores-pin-error"
    FOREIGN_TSA = "foreign-tsa"
    LOCAL_APPEARANCE = "local-appearance"
    PKCS7_SUBFILTER = "pkcs7-subfilter"
    INCOMPLETE_VALIDATION_DATA = "incomplete-validation-data"
    NO_ARCHIVE_TIMESTAMP = "no-archive-timestamp"

    @property
    def role(self) -> str:
        return "signer" if self in _SIGNER_DEFECTS else "verifier"

    @property
    def rule(self) -> str:
        return _RULES[self]


_SIGNER_DEFECTS = {Defect.NO_VALIDITY_CHECK, Defect.NO_TIMESTAMP, Defect.SHA1_DIGEST,
                   Defect.PARTIAL_COVERAGE, Defect.DROPS_EARLIER_SIGNATURES,
                   Defect.SOFTWARE_KEY, Defect.NO_STATUS_WARNING, Defect.ENGLISH_ONLY_SIGNER,
                   Defect.NO_EVIDENCE_SIGNER, Defect.IGNORES_PIN_ERROR, Defect.FOREIGN_TSA,
                   Defect.LOCAL_APPEARANCE, Defect.PKCS7_SUBFILTER,
                   Defect.INCOMPLETE_VALIDATION_DATA, Defect.NO_ARCHIVE_TIMESTAMP}

_RULES = {
    Defect.IGNORE_REVOCATION: "never looks at revocation (TT15 Annex II 1.1–1.2)",
    Defect.IGNORE_EXPIRY: "ignores the validity period (Annex II 1.1)",
    Defect.CLAIMED_TIME: "judges at the signer's claimed time instead of a proven one",
    Defect.ANY_ROOT: "trusts whatever root the document carries (TT15-6.1.b)",
    Defect.SKIP_INTEGRITY: "does not compare digests (TT15-6.1.d)",
    Defect.ACCEPT_INCREMENTAL_UPDATES: "accepts any change made after signing (TT15-6.1.h)",
    Defect.UNKNOWN_AS_GOOD: "takes an unobtainable status (also an OCSP 'unknown') as good "
                            "(Annex II 1.2)",
    Defect.OCSP_ONLY: "never falls back to the CRL when OCSP gives no status (Annex II 1.2)",
    Defect.ENGLISH_ONLY: "tells the person in English only (TT15-6.4.a–b)",
    Defect.WRONG_DISPLAY: "shows the issuing CA as the signer and the validation time as the "
                          "signing time (TT15-6.4.b)",
    Defect.IGNORE_KEY_USAGE: "does not check key usage (Annex II 1.5, optional)",
    Defect.ACCEPT_WEAK_CRYPTO: "accepts RSA-1024 and SHA-1 (Annex I 1.2–1.3)",
    Defect.IGNORE_TIMESTAMP: "never checks the signature timestamp: validates as if it were "
                             "absent (TT15-6.1.g)",
    Defect.NO_AIA_FETCH: "does not fetch a missing issuer certificate from the AIA caIssuers "
                         "URL (TT15-6.1.b)",
    Defect.NO_RSA_PSS: "cannot verify RSASSA-PSS, the scheme Annex I 1.2 names for signing",
    Defect.P256_ONLY: "verifies ECDSA on P-256 only, although Annex I 1.2 allows ≥ 256 bits",
    Defect.ACCEPT_UNPARSABLE: "shows a signature field it cannot parse as valid (universal "
                              "signature forgery, TT15-6.1.d)",
    Defect.IGNORE_BYTE_RANGE_COVERAGE: "hashes the /ByteRange but never checks that it covers "
                                       "the whole revision but /Contents (signature wrapping, "
                                       "TT15-6.1.h)",
    Defect.IGNORE_DOCMDP: "never reads a certification's DocMDP permissions: judges later "
                          "changes as after an approval signature (TT15-6.1.h)",
    Defect.CERTIFICATION_FORBIDS_ALL: "reads every certification as P=1: a permitted form fill "
                                      "or co-signature is reported as tampering (TT15-6.1.h)",
    Defect.CERTIFICATION_FORBIDS_COMMENTS: "reads every certification as forbidding comments "
                                           "(pyHanko's own difference analysis, which lacks "
                                           "P=3): a comment a P=3 certification permits is "
                                           "reported as a disallowed change (TT15-6.1.h)",
    Defect.SUBJECT_AS_ISSUER: "shows the certificate's subject where the issuing CA goes "
                              "(reads the wrong name of the certificate, TT15-6.4.b)",
    Defect.OU_ONLY_MANAGING_UNIT: "reads the certificate-managing unit from the subject OU "
                                  "alone: 'not stated' when the unit is the subject O "
                                  "(TT15-6.4.b)",
    Defect.SIGNED_BYTES_INTEGRITY: "shows 'toàn vẹn' whenever the signed bytes' digest "
                                   "matches, although the document was changed after signing "
                                   "(the verdict itself is right; TT15-6.4.b integrity)",
    Defect.VALIDITY_END_ONLY: "shows only the certificate's expiry date, not its validity "
                              "period from notBefore to notAfter (TT15-6.4.b)",
    Defect.NO_EVIDENCE: "keeps no certificate, CRL or status-check result for the signature "
                        "it verified (TT15-6.2)",
    Defect.NO_VALIDITY_CHECK: "signs without checking the certificate (TT15-5.1.a)",
    Defect.NO_TIMESTAMP: "leaves out the timestamp it was asked for (TT15-5.1.e)",
    Defect.SHA1_DIGEST: "signs with SHA-1 (Annex I 1.3)",
    Defect.PARTIAL_COVERAGE: "leaves bytes outside the signature (TT15-5.1.g)",
    Defect.DROPS_EARLIER_SIGNATURES: "rewrites the document, breaking earlier signatures",
    Defect.SOFTWARE_KEY: "signs with a key that is not the token's (TT15-5.1.b)",
    Defect.NO_STATUS_WARNING: "signs silently when the status is unobtainable (Annex II 1.2)",
    Defect.ENGLISH_ONLY_SIGNER: "tells the signer in English only (TT15-5.6.b)",
    Defect.NO_EVIDENCE_SIGNER: "keeps no certificate, CRL or status-check result for the "
                               "signature it made (TT15-5.4)",
    Defect.IGNORES_PIN_ERROR: "does not check the token login: a wrong PIN is reported as "
                              "'signed', with no document (TT15-5.1.b, 5.6.a)",
    Defect.LOCAL_APPEARANCE: "draws its visible signature without the agency's name and with "
                              "a local-format time (22/11/2026 09:00), not ISO 8601 with +07:00 "
                              "(ND30 Annex I)",
    Defect.PKCS7_SUBFILTER: "writes a plain CMS signature (/SubFilter adbe.pkcs7.detached) when "
                            "asked for a PAdES baseline level (Annex I 1.5)",
    Defect.IGNORE_EMBEDDED_DATA: "ignores the validation data the document carries (DSS/VRI, "
                                 "the CMS): with the CA's services gone, a B-LT or B-LTA "
                                 "signature can no longer be judged (TT15-6.1.c, 5.4)",
    Defect.IGNORE_ARCHIVE_TIMESTAMPS: "ignores archive (document) timestamps: once the "
                                      "signature timestamp's TSA certificate has expired, a "
                                      "B-LTA signature is judged as a B-LT one (TT15-6.1.g)",
    Defect.INCOMPLETE_VALIDATION_DATA: "asked for B-LT or B-LTA, embeds the certificates but "
                                       "no OCSP response or CRL: the document cannot be "
                                       "verified once the CA's services are gone (TT15-5.4)",
    Defect.NO_ARCHIVE_TIMESTAMP: "asked for B-LTA, leaves out the document timestamp "
                                 "(writes B-LT; Annex I 1.5)",
    Defect.FOREIGN_TSA: "timestamps a công vụ signature at another provider's TSA, not the one "
                        "the công vụ CA publishes (ND68-29.4)",
}


def parse_defect(name: str, role: str) -> Defect:
    """A defect by its command-line name, for ``role``; a one-line error otherwise."""
    choices = [d.value for d in Defect if d.role == role]
    if name not in choices:
        raise InvalidInputError(say(
            f"--defect: '{name}' không phải lỗi cài sẵn của vai trò {role} "
            f"({', '.join(choices)})",
            f"--defect: '{name}' is not a {role} defect ({', '.join(choices)})"))
    return Defect(name)
