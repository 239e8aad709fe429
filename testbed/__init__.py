"""The simulated Vietnamese PKI on one machine, usable on its own: the public API.

What other packages may import from the testbed is listed here (``__all__``) and nowhere else;
the modules behind it are the testbed's own business. A name is loaded on first use
(:func:`__getattr__`), so ``from testbed import InvalidInputError`` does not load certomancer,
pyHanko or the PKCS#11 bindings: the command line starts fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .ca.branches import Branch as Branch
    from .ca.key_pool import KEY_POOL_DIR as KEY_POOL_DIR
    from .ca.key_pool import key_pool_directory as key_pool_directory
    from .ca.key_pool import key_pool_disabled as key_pool_disabled
    from .ca.key_types import SERVICE_KEY_TYPES as SERVICE_KEY_TYPES
    from .ca.key_types import KeyType as KeyType
    from .ca.names import TEST_MARKER as TEST_MARKER
    from .ca.names import VietnameseName as VietnameseName
    from .ca.population import Population as Population
    from .ca.population import populate as populate
    from .ca.profiles import ProfileKind as ProfileKind
    from .ca.profiles import RuleBreak as RuleBreak
    from .ca.profiles import policy_oid as policy_oid
    from .ca.revocation_history import RecordedHistory as RecordedHistory
    from .ca.revocation_history import record_revocation_history as record_revocation_history
    from .ca.revocation_reasons import RevocationReason as RevocationReason
    from .clock import VIETNAM as VIETNAM
    from .clock import display_time as display_time
    from .clock import parse_duration as parse_duration
    from .clock import parse_instant as parse_instant
    from .clock import wall_clock as wall_clock
    from .clock import whole_seconds as whole_seconds
    from .documents import AdministrativeDocument as AdministrativeDocument
    from .documents import add_comment as add_comment
    from .documents import administrative_document as administrative_document
    from .documents import append_content_change as append_content_change
    from .documents import break_byte_range as break_byte_range
    from .documents import empty_signature_contents as empty_signature_contents
    from .documents import fill_form_field as fill_form_field
    from .documents import flip_byte_in_signed_range as flip_byte_in_signed_range
    from .documents import signed_byte_ranges as signed_byte_ranges
    from .documents import truncate as truncate
    from .errors import InvalidInputError as InvalidInputError
    from .errors import InvalidStateError as InvalidStateError
    from .errors import TestbedError as TestbedError
    from .errors import TokenError as TokenError
    from .errors import UnknownSubscriberError as UnknownSubscriberError
    from .errors import parse_choice as parse_choice
    from .file_documents import word_document as word_document
    from .file_documents import zip_package as zip_package
    from .fixture_signing import PdfSignerAt as PdfSignerAt
    from .fixture_signing import sign_fixture as sign_fixture
    from .pdf_attacks import ShadowVariant as ShadowVariant
    from .pdf_attacks import evil_annotation as evil_annotation
    from .pdf_attacks import prepare_shadow as prepare_shadow
    from .pdf_attacks import shadow_hide as shadow_hide
    from .pdf_attacks import shadow_hide_and_replace as shadow_hide_and_replace
    from .pdf_attacks import shadow_replace as shadow_replace
    from .pdf_attacks import sneaky_signature as sneaky_signature
    from .pdf_attacks import wrap_signature as wrap_signature
    from .publication import is_secret as is_secret
    from .publication import publish_testbed as publish_testbed
    from .registry_store import WorldStore as WorldStore
    from .registry_store import registry_exists as registry_exists
    from .runtime_dir import RuntimeDirectoryError as RuntimeDirectoryError
    from .runtime_dir import process_start as process_start
    from .runtime_dir import runtime_directory as runtime_directory
    from .runtime_dir import runtime_root as runtime_root
    from .service_modes import ServiceMode as ServiceMode
    from .services import bind_loopback as bind_loopback
    from .session import Testbed as Testbed
    from .session import running_testbed as running_testbed
    from .tokens.access import TokenAccess as TokenAccess
    from .tokens.access import open_token_library as open_token_library
    from .tokens.access import write_pin_file as write_pin_file
    from .tokens.cryptoki import CKR_OK as CKR_OK
    from .tokens.cryptoki import CKR_USER_ALREADY_LOGGED_IN as CKR_USER_ALREADY_LOGGED_IN
    from .tokens.cryptoki import CKU_USER as CKU_USER
    from .tokens.cryptoki import Cryptoki as Cryptoki
    from .tokens.cryptoki import return_value_name as return_value_name
    from .tokens.trace import SpyTrace as SpyTrace
    from .trust_stores import FORMS_GUIDE as FORMS_GUIDE
    from .trust_stores import TrustForm as TrustForm
    from .trust_stores import TrustStoreError as TrustStoreError
    from .trust_stores import TrustStores as TrustStores
    from .trust_stores import trust_stores_for as trust_stores_for
    from .world import CertificateRecord as CertificateRecord
    from .world import TokenRecord as TokenRecord
    from .world import WorldState as WorldState
    from .xml_documents import administrative_package as administrative_package
    from .xml_documents import declaration_document as declaration_document
    from .xml_documents import invoice_document as invoice_document

_PUBLIC = {
    "Branch": ".ca.branches",
    "KEY_POOL_DIR": ".ca.key_pool",
    "key_pool_directory": ".ca.key_pool",
    "key_pool_disabled": ".ca.key_pool",
    "KeyType": ".ca.key_types",
    "SERVICE_KEY_TYPES": ".ca.key_types",
    "TEST_MARKER": ".ca.names",
    "VietnameseName": ".ca.names",
    "ProfileKind": ".ca.profiles",
    "RuleBreak": ".ca.profiles",
    "policy_oid": ".ca.profiles",
    "RevocationReason": ".ca.revocation_reasons",
    "VIETNAM": ".clock",
    "display_time": ".clock",
    "parse_duration": ".clock",
    "parse_instant": ".clock",
    "wall_clock": ".clock",
    "whole_seconds": ".clock",
    "AdministrativeDocument": ".documents",
    "add_comment": ".documents",
    "administrative_document": ".documents",
    "append_content_change": ".documents",
    "break_byte_range": ".documents",
    "empty_signature_contents": ".documents",
    "fill_form_field": ".documents",
    "flip_byte_in_signed_range": ".documents",
    "signed_byte_ranges": ".documents",
    "truncate": ".documents",
    "word_document": ".file_documents",
    "zip_package": ".file_documents",
    "administrative_package": ".xml_documents",
    "declaration_document": ".xml_documents",
    "invoice_document": ".xml_documents",
    "InvalidInputError": ".errors",
    "InvalidStateError": ".errors",
    "TestbedError": ".errors",
    "TokenError": ".errors",
    "UnknownSubscriberError": ".errors",
    "parse_choice": ".errors",
    "PdfSignerAt": ".fixture_signing",
    "sign_fixture": ".fixture_signing",
    "ShadowVariant": ".pdf_attacks",
    "evil_annotation": ".pdf_attacks",
    "prepare_shadow": ".pdf_attacks",
    "shadow_hide": ".pdf_attacks",
    "shadow_hide_and_replace": ".pdf_attacks",
    "shadow_replace": ".pdf_attacks",
    "sneaky_signature": ".pdf_attacks",
    "wrap_signature": ".pdf_attacks",
    "is_secret": ".publication",
    "publish_testbed": ".publication",
    "RuntimeDirectoryError": ".runtime_dir",
    "process_start": ".runtime_dir",
    "runtime_directory": ".runtime_dir",
    "runtime_root": ".runtime_dir",
    "ServiceMode": ".service_modes",
    "bind_loopback": ".services",
    "Testbed": ".session",
    "running_testbed": ".session",
    "TokenAccess": ".tokens.access",
    "open_token_library": ".tokens.access",
    "write_pin_file": ".tokens.access",
    "CKR_OK": ".tokens.cryptoki",
    "CKR_USER_ALREADY_LOGGED_IN": ".tokens.cryptoki",
    "CKU_USER": ".tokens.cryptoki",
    "Cryptoki": ".tokens.cryptoki",
    "return_value_name": ".tokens.cryptoki",
    "SpyTrace": ".tokens.trace",
    "FORMS_GUIDE": ".trust_stores",
    "TrustForm": ".trust_stores",
    "TrustStoreError": ".trust_stores",
    "TrustStores": ".trust_stores",
    "trust_stores_for": ".trust_stores",
    "CertificateRecord": ".world",
    "TokenRecord": ".world",
    "WorldState": ".world",
    "WorldStore": ".registry_store",
    "Population": ".ca.population",
    "populate": ".ca.population",
    "RecordedHistory": ".ca.revocation_history",
    "record_revocation_history": ".ca.revocation_history",
    "registry_exists": ".registry_store",
}
"""Each public name and the module that defines it."""

__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    """Load a public name's module on first use (PEP 562)."""
    if name not in _PUBLIC:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_PUBLIC[name], __name__), name)
