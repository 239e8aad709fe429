"""The SQLite registry: round trip, import of a JSON-only testbed, bulk issuance, pyca CRLs.

One testbed of this module's own (a population would change the session testbed for others),
with 200 certificates issued in bulk, 5 % of them revoked.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko_certvalidator.errors import RevokedError

from testbed import Population, WorldStore, populate, registry_exists
from testbed.ca.branches import Branch
from testbed.ca.names import VietnameseName
from testbed.ca.population_signing import person, pyca_name
from testbed.ca.profiles import ProfileKind
from testbed.ca.revocation_reasons import RevocationReason
from testbed.clock import wall_clock
from testbed.registry_db import DATABASE_FILE, CertificateRow
from testbed.session import Testbed, running_testbed
from testbed.world import REGISTRY_FILE, KeySource
from tests.helpers import fetch, ocsp_status, validate_certificate

POPULATION = 200
REVOKED_PERCENT = 5.0


@pytest.fixture(scope="module")
def populated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Testbed, Population]]:
    directory = tmp_path_factory.mktemp("registry")
    with running_testbed(directory, at=wall_clock()) as running:
        done = populate(running.lifecycle, POPULATION, REVOKED_PERCENT, seed=7)
        yield running, done


def _revoked_serials(testbed: Testbed) -> set[int]:
    return {row.serial for row in testbed.lifecycle.store.database.revoked("ca-cv", "ca-cv")}


def test_populate_issues_and_revokes_the_asked_share(populated: tuple[Testbed, Population]
                                                     ) -> None:
    testbed, done = populated
    assert (done.subscribers, done.revoked) == (POPULATION, 10)
    assert (done.first, done.last) == ("dan-000001", "dan-000200")
    record = testbed.certificate("dan-000042")
    assert record.key_source is KeySource.DISCARDED and record.issuer == "ca-cv"
    assert len(_revoked_serials(testbed)) == 10
    assert (testbed.directory / DATABASE_FILE).exists()


def test_names_are_deterministic_for_a_seed() -> None:
    import random

    first = [person(random.Random("7:1"), n) for n in range(5)]  # noqa: S311
    again = [person(random.Random("7:1"), n) for n in range(5)]  # noqa: S311
    assert first == again and all("TEST" in name.common_name for name in first)
    assert all(name == name.marked().normalised() for name in first)


def test_a_bulk_certificate_carries_the_normal_profile(populated: tuple[Testbed, Population]
                                                       ) -> None:
    testbed, _ = populated
    bulk_record = testbed.certificate("dan-000003")
    normal_record = testbed.issue("normal-person", name=bulk_record.subject_name)
    bulk = x509.load_der_x509_certificate(testbed.certificate_der(bulk_record.label))
    normal = x509.load_der_x509_certificate(testbed.certificate_der(normal_record.label))
    assert bulk.subject.public_bytes() == normal.subject.public_bytes()
    assert bulk.issuer.public_bytes() == normal.issuer.public_bytes()
    assert [(e.oid, e.critical) for e in bulk.extensions] == \
        [(e.oid, e.critical) for e in normal.extensions]
    for bulk_extension, normal_extension in zip(bulk.extensions, normal.extensions, strict=True):
        if isinstance(bulk_extension.value, x509.SubjectKeyIdentifier):
            assert bulk_extension.value == \
                x509.SubjectKeyIdentifier.from_public_key(bulk.public_key())
        else:
            assert bulk_extension.value == normal_extension.value
    assert bulk.signature_hash_algorithm is not None
    assert bulk.signature_hash_algorithm.name == normal.signature_hash_algorithm.name  # type: ignore[union-attr]


def test_the_subject_is_encoded_as_certomancer_encodes_it() -> None:
    from asn1crypto import x509 as asn1_x509

    name = VietnameseName(common_name="Đỗ Thị Hạnh", title="Chuyên viên", organization="Sở Y tế",
                          locality="Huế", identifier="CCCD:001").marked().normalised()
    assert pyca_name(name).public_bytes() == \
        asn1_x509.Name.build(name.certomancer_entity()).dump()


def test_the_crl_lists_exactly_the_revoked_serials_and_openssl_verifies_it(
        populated: tuple[Testbed, Population], tmp_path: Path) -> None:
    testbed, _ = populated
    testbed.publish_crl("ca-cv")
    crl_file = tmp_path / "ca-cv.crl"
    crl_file.write_bytes(fetch(testbed.urls("ca-cv")["crl"]))
    chain = tmp_path / "chain.pem"
    chain.write_bytes(b"".join(
        x509.load_der_x509_certificate(testbed.certificate_der(label))
        .public_bytes(serialization.Encoding.PEM) for label in ("ca-cv", "root-cv")))
    result = subprocess.run(
        ["openssl", "crl", "-inform", "DER", "-in", str(crl_file), "-CAfile", str(chain),
         "-noout", "-text"], capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr
    assert "verify OK" in result.stderr + result.stdout
    listed = {int(serial, 16) for serial in
              re.findall(r"Serial Number: ([0-9A-F]+)", result.stdout)}
    assert listed == _revoked_serials(testbed)


def test_a_revoked_bulk_certificate_is_revoked_over_ocsp_and_for_certvalidator(
        populated: tuple[Testbed, Population]) -> None:
    testbed, _ = populated
    database = testbed.lifecycle.store.database
    revoked_serial = min(_revoked_serials(testbed))
    label = database.label_of_serial(revoked_serial)
    assert label is not None
    response = ocsp_status(testbed, label)
    single = response.basic_ocsp_response["tbs_response_data"]["responses"][0]
    assert single["cert_status"].name == "revoked"
    testbed.publish_crl("ca-cv")
    with pytest.raises(RevokedError):
        validate_certificate(testbed, label)
    good = next(f"dan-{n:06d}-1" for n in range(1, POPULATION + 1)
                if testbed.certificate(f"dan-{n:06d}-1").revocation is None)
    assert ocsp_status(testbed, good).basic_ocsp_response["tbs_response_data"]["responses"][0][
        "cert_status"].name == "good"
    validate_certificate(testbed, good)


def test_one_revoke_writes_one_row_and_moves_the_crl(populated: tuple[Testbed, Population]
                                                     ) -> None:
    testbed, _ = populated
    database = testbed.lifecycle.store.database
    before = (database.revision(), database.crl_version())
    record = testbed.revoke("dan-000150", reason=RevocationReason.KEY_COMPROMISE)
    assert record.revocation is not None
    assert database.revision() == before[0] + 1 and database.crl_version() == before[1] + 1
    assert record.serial in _revoked_serials(testbed)
    assert testbed.certificate(f"{record.serial:#x}").label == record.label  # by serial


def test_round_trip_export_and_import_of_a_json_only_testbed(
        populated: tuple[Testbed, Population], tmp_path: Path) -> None:
    testbed, _ = populated
    exported = WorldStore(testbed.directory).export(tmp_path / "export.json")
    copy = tmp_path / "old-testbed"
    shutil.copytree(testbed.directory / "certs", copy / "certs")
    shutil.copy(exported, copy / REGISTRY_FILE)
    assert registry_exists(copy) and not (copy / DATABASE_FILE).exists()
    imported = WorldStore(copy).load_complete()
    original = WorldStore(testbed.directory).load_complete()
    assert imported.model_dump_json() == original.model_dump_json()
    assert (copy / DATABASE_FILE).exists()
    assert WorldStore(copy).load().certificate("dan-000010").holder == "dan-000010"


def test_a_small_registry_keeps_its_json_export_current(testbed: Testbed) -> None:
    testbed.issue("export-check", name=VietnameseName(common_name="Trần Văn Bảo"))
    exported = (testbed.directory / REGISTRY_FILE).read_text(encoding="utf-8")
    assert '"export-check"' in exported
    assert f'"revision": {testbed.state.revision}' in exported


def test_the_same_seed_gives_the_same_people_with_any_number_of_processes(
        populated: tuple[Testbed, Population], monkeypatch: pytest.MonkeyPatch) -> None:
    from testbed.ca import population_signing
    from testbed.ca.population_signing import BatchSpec, signed_chunks

    testbed, _ = populated
    monkeypatch.setattr(population_signing, "CHUNK", 50)
    key = (testbed.directory / "keys" / "ca-cv.key.pem").read_bytes()
    now = wall_clock().replace(microsecond=0)
    spec = BatchSpec(testbed.certificate_der("dan-000001-1"), key, "ca-cv", Branch.CONG_VU,
                     ProfileKind.PERSONAL, now, now, {}, "9")
    alone = [row for chunk in signed_chunks(spec, 1, 120, 1) for row, _ in chunk]
    forked = [row for chunk in signed_chunks(spec, 1, 120, 2) for row, _ in chunk]

    def people(rows: list[CertificateRow]) -> list[tuple[str, object]]:
        return [(row.label, json.loads(row.record)["subject_name"]) for row in rows]

    assert people(alone) == people(forked) and len(alone) == 120
    assert len({row.serial for row in alone + forked}) == 240
    issuer = x509.load_der_x509_certificate(testbed.certificate_der("ca-cv"))
    for row in forked[:3]:
        assert row.der is not None
        x509.load_der_x509_certificate(row.der).verify_directly_issued_by(issuer)


def test_populate_and_export_from_the_command_line(tmp_path: Path) -> None:
    import sys

    from testbed.ca.lifecycle import Lifecycle
    from testbed.clock import Clock

    directory = tmp_path / "cli"
    Lifecycle(directory).create("http://127.0.0.1:9", Clock(pinned_at=wall_clock()))
    kyso = [sys.executable, "-m", "conformance.cli", "ca"]
    result = subprocess.run([*kyso, "populate", "--dir", str(directory), "--subscribers", "30",
                             "--revoked", "10%", "--seed", "3"],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "issued 30 certificates (dan-000001 … dan-000030), revoked 3" in result.stdout
    refused = subprocess.run([*kyso, "populate", "--dir", str(directory), "--subscribers", "5",
                              "--revoked", "120%"],
                             capture_output=True, text=True, timeout=120, check=False)
    assert refused.returncode == 2 and "120%" in refused.stderr
    output = tmp_path / "export.json"
    exported = subprocess.run([*kyso, "export", "--dir", str(directory), "--output", str(output)],
                              capture_output=True, text=True, timeout=120, check=False)
    assert exported.returncode == 0, exported.stderr
    registry = json.loads(output.read_text(encoding="utf-8"))
    assert len(registry["subscribers"]) == 30
    assert sum(1 for record in registry["certificates"].values() if record["revocation"]) == 3


def test_a_large_registry_drops_its_stale_export_and_kyso_down_writes_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from testbed import registry_store
    from testbed.ca.lifecycle import Lifecycle
    from testbed.clock import Clock

    directory = tmp_path / "large"
    lifecycle = Lifecycle(directory)
    created = lifecycle.create("http://127.0.0.1:9", Clock(pinned_at=wall_clock()))
    assert (directory / REGISTRY_FILE).exists()
    monkeypatch.setattr(registry_store, "EXPORT_EVERY_CHANGE_LIMIT",
                        len(created.certificates) + 5)
    populate(lifecycle, 12, 0.0, workers=1)
    assert not (directory / REGISTRY_FILE).exists()  # a stale export is worse than none
    down = subprocess.run([sys.executable, "-m", "conformance.cli", "down", "--dir",
                           str(directory)], capture_output=True, text=True, timeout=120,
                          check=False)
    assert down.returncode == 1  # nothing was serving
    exported = json.loads((directory / REGISTRY_FILE).read_text(encoding="utf-8"))
    assert len(exported["subscribers"]) == 12


def test_certvalidator_reads_the_revocation_from_the_crl_alone(
        populated: tuple[Testbed, Population]) -> None:
    import asyncio

    from asn1crypto import crl as asn1_crl
    from asn1crypto import x509 as asn1_x509
    from pyhanko_certvalidator import CertificateValidator, ValidationContext

    testbed, _ = populated
    testbed.publish_crl("ca-cv")
    crls = [asn1_crl.CertificateList.load(fetch(testbed.urls(authority)["crl"]))
            for authority in ("ca-cv", "root-cv")]
    root, authority = (asn1_x509.Certificate.load(testbed.certificate_der(label))
                       for label in ("root-cv", "ca-cv"))
    revoked = testbed.lifecycle.store.database.label_of_serial(min(_revoked_serials(testbed)))
    good = next(f"dan-{n:06d}-1" for n in range(1, POPULATION + 1)
                if testbed.certificate(f"dan-{n:06d}-1").revocation is None)

    def validate(label: str | None) -> None:
        assert label is not None
        # one second on: pyHanko counts a revocation dated at the validation time as not yet
        # in force, and the population was revoked at the (pinned) testbed instant
        context = ValidationContext(trust_roots=[root], crls=crls, allow_fetching=False,
                                    revocation_mode="require",
                                    moment=testbed.now() + timedelta(seconds=1))
        validator = CertificateValidator(
            asn1_x509.Certificate.load(testbed.certificate_der(label)),
            intermediate_certs=[authority], validation_context=context)
        asyncio.run(validator.async_validate_usage({"digital_signature", "non_repudiation"}))

    validate(good)
    with pytest.raises(RevokedError):
        validate(revoked)
