"""The placeholders of a process-driven SUT's command templates (``{input}``, ``{trust_p12}``...).

What each operation may name: a signer gets the output path, the token and the level; a verifier
does not; a batch command only what is the same for every case. Kept apart from the profile
model so that an adapter can render templates without the profile's validation rules.
"""

from __future__ import annotations

import string
from enum import StrEnum


class Placeholder(StrEnum):
    """What a command template may contain (``{input}``); each is one argument's worth of text."""

    INPUT = "input"
    """Absolute path of the document to sign or verify: a PDF (``pades``), an XML document
    (``xades``, ``xmldsig``), or for ``cades`` / ``cms`` the file to sign / the detached
    signature (``.p7s``) to verify."""
    OUTPUT = "output"
    """Absolute path where the signed document (or, for ``cades`` / ``cms``, the detached
    ``.p7s``) must be written (signer only; never on refusal)."""
    FORMAT = "format"
    """The signature format asked for: ``pades`` (the default), ``xades``, ``xmldsig``,
    ``cades`` or ``cms`` (TT15/2025 Annex I rows 1.4-1.7)."""
    CONTENT = "content"
    """Verifier of a detached signature (``cades`` / ``cms``): absolute path of the signed
    content; empty for the other formats."""
    TOKEN_ACCESS = "token_access"
    """Absolute path of the token access JSON (module, environment, labels; never the PIN)."""
    PIN_FILE = "pin_file"
    """Absolute path of a file (mode 0600) holding the token's user PIN."""
    TOKEN_LABEL = "token_label"
    """CKA_LABEL of the token to sign with."""
    KEY_LABEL = "key_label"
    """CKA_LABEL of the private key on the token."""
    CERTIFICATE_LABEL = "certificate_label"
    """CKA_LABEL of the signer's certificate on the token."""
    MODULE = "module"
    """Absolute path of the PKCS#11 module to load (its environment is exported for the SUT)."""
    TRUST_DIR = "trust_dir"
    """A directory holding only the trust anchors, one PEM file each."""
    TRUST_FILES = "trust_files"
    """The trust anchors as PEM files: the argument is repeated once per file."""
    TRUST_PEM_BUNDLE = "trust_pem_bundle"
    """One PEM file holding every trust anchor (OpenSSL ``-CAfile``, curl ``--cacert``)."""
    TRUST_CAPATH = "trust_capath"
    """A directory of PEM anchors with OpenSSL subject-hash links (OpenSSL ``-CApath``)."""
    TRUST_DER_DIR = "trust_der_dir"
    """A directory holding one DER file (``NAME.der``) per trust anchor."""
    TRUST_NSS_DB = "trust_nss_db"
    """An NSS database directory (empty password, anchors trusted ``C,C,C``): ``sql:{...}``."""
    TRUST_P12 = "trust_p12"
    """A PKCS#12 trust store, certificates only, each a Java ``trustedCertEntry``."""
    TRUST_P12_PASSWORD_FILE = "trust_p12_password_file"
    """A file (mode 0600) holding the PKCS#12 trust store's password on one line."""
    TRUST_P12_PASSWORD = "trust_p12_password"
    """That password itself (it guards public certificates only), for ``-D...Password=``."""
    TRUST_P7B = "trust_p7b"
    """Every trust anchor in one PKCS#7 bundle (``.p7b``, DER), as Windows programs import."""
    TRUST_CER_DIR = "trust_cer_dir"
    """``NAME.cer`` (DER) anchors, the ``.p7b`` and ``IMPORT-WINDOWS.txt`` (import, remove)."""
    TSA_URL = "tsa_url"
    """The timestamp authority's URL (empty when there is none)."""
    MOMENT = "moment"
    """The testbed instant to use as "now", ISO 8601 with offset (2026-11-22T09:00:00+07:00)."""
    LEVEL = "level"
    """The PAdES baseline level asked for: B-B, B-T, B-LT or B-LTA."""
    WORKDIR = "workdir"
    """The SUT's private working directory for this case (also its cwd, HOME and TMPDIR)."""
    FIELD_NAME = "field_name"
    """The signature field name to use (empty: the SUT chooses)."""
    VISIBLE = "visible"
    """Whether a visible signature is asked for: ``true`` or ``false`` (state documents show the
    agency and the ISO 8601 signing time in it, Decree 30/2020 Annex I)."""
    PYTHON = "python"
    """The Python interpreter running kyso (for SUTs written in Python, and the examples)."""
    PROFILE_DIR = "profile_dir"
    """The directory holding this sut.toml (to reach scripts shipped beside it)."""


_SIGN_ONLY = {Placeholder.OUTPUT, Placeholder.TOKEN_ACCESS, Placeholder.PIN_FILE,
              Placeholder.TOKEN_LABEL, Placeholder.KEY_LABEL, Placeholder.CERTIFICATE_LABEL,
              Placeholder.MODULE, Placeholder.TSA_URL, Placeholder.LEVEL, Placeholder.FIELD_NAME,
              Placeholder.VISIBLE}
_VERIFY_ONLY = {Placeholder.CONTENT}
SIGN_PLACEHOLDERS = frozenset(set(Placeholder) - _VERIFY_ONLY)
VERIFY_PLACEHOLDERS = frozenset(set(Placeholder) - _SIGN_ONLY)
TRUST_FORM_PLACEHOLDERS = frozenset(p for p in Placeholder if p.value.startswith("trust_")
                                    and p not in (Placeholder.TRUST_DIR, Placeholder.TRUST_FILES))
"""The trust anchors in the forms products read (built only when a template names one)."""
BATCH_PLACEHOLDERS = frozenset({Placeholder.PYTHON, Placeholder.PROFILE_DIR, Placeholder.WORKDIR,
                                *TRUST_FORM_PLACEHOLDERS})


def template_fields(text: str) -> list[str]:
    """The placeholder names in one template argument (``{{`` and ``}}`` are literal braces)."""
    return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]


__all__ = ["BATCH_PLACEHOLDERS", "SIGN_PLACEHOLDERS", "TRUST_FORM_PLACEHOLDERS",
           "VERIFY_PLACEHOLDERS", "Placeholder", "template_fields"]
