"""The checks of a service profile that need more than one table: kind, roles, interaction, steps.

A model validates its own table (:mod:`conformance.sut.service_profile`); whether ``{pin}`` may
appear depends on ``[interaction]``, whether ``{saved.NAME}`` exists on the steps before,
whether a step may have a ``method`` on the adapter kind, whether the operation as a whole says
where the signed file comes from. :func:`check_profile` is the service kinds' entry in
:mod:`conformance.sut.kinds`, called by the profile's own validator, so every problem is one
line ``FIELD: PROBLEM`` before any case runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bilingual import say
from conformance.sut.service.selectors import parse_selector
from conformance.sut.service.templates import check_text, check_value, placeholders_in
from conformance.sut.service_profile import (
    Interaction,
    Reply,
    ServiceAdapter,
    SignatureFields,
    Step,
)

if TYPE_CHECKING:
    from conformance.sut.profile import SutProfile

_LIST_SELECTORS = ("signatures", "chain", "warnings")

OPERATIONS = ("setup", "sign", "verify", "certificate", "sign_hash")


def check_profile(profile: SutProfile) -> None:
    """The service kinds' entry in :mod:`conformance.sut.kinds`: :func:`check_service_profile`
    on a whole profile (called by the profile's own validator)."""
    check_service_profile(profile.adapter.kind, profile.adapter.service, list(profile.roles),
                          profile.interaction)


def check_service_profile(kind: str, service: ServiceAdapter | None, roles: list[str],
                          interaction: Interaction | None) -> None:
    """Raise ValueError(``field.path: problem``) for what the models alone cannot see."""
    if service is None:
        return
    where = "adapter.service"
    if interaction is None:
        raise ValueError("interaction: " + say(
            f"thiếu bảng bắt buộc: adapter.kind = '{kind}' cần [interaction] với mode = none | "
            "pin | driver | human",
            f"required table, missing: adapter.kind = '{kind}' needs [interaction] with mode = "
            "none | pin | driver | human"))
    _check_interaction(interaction)
    scheme = urlsplit(service.base_url).scheme
    expected = ("ws", "wss") if kind.startswith("ws-") else ("http", "https")
    if scheme not in expected:
        schemes = [s + "://" for s in expected]
        raise ValueError(f"{where}.base_url: " + say(
            f"adapter.kind = '{kind}' cần URL {' hoặc '.join(schemes)}",
            f"adapter.kind = '{kind}' needs a {' or '.join(schemes)} URL"))
    if scheme in ("https", "wss") and service.tls is None:
        raise ValueError(f"{where}.tls: " + say(
            f"bắt buộc với {scheme}:// (pinned_certificate = chứng thư chữ ký số của dịch vụ, "
            "PEM)",
            f"required for {scheme}:// (pinned_certificate = the service's certificate, PEM)"))
    _check_operations(kind, service, roles)
    pin_allowed = interaction.mode == "pin"
    saved_by_setup = _check_steps(kind, f"{where}.setup", "setup", service.setup, set(),
                                  pin_allowed)
    _check_steps(kind, f"{where}.sign", "sign", service.sign, saved_by_setup, pin_allowed)
    _check_steps(kind, f"{where}.verify", "verify", service.verify, saved_by_setup, pin_allowed)
    saved = _check_steps(kind, f"{where}.certificate", "certificate", service.certificate,
                         saved_by_setup, pin_allowed)
    _check_steps(kind, f"{where}.sign_hash", "sign_hash", service.sign_hash, saved,
                 pin_allowed)
    _check_outcomes(kind, service)


def _check_operations(kind: str, service: ServiceAdapter, roles: list[str]) -> None:
    """The operations the kind and the roles need, and none they cannot use."""
    where = "adapter.service"
    wanted = {"signer": "sign", "verifier": "verify"}
    if kind == "remote-hash":
        if list(roles) != ["signer"]:
            raise ValueError("roles: " + say(
                "dịch vụ remote-hash ký giá trị băm: chỉ roles = ['signer']",
                "a remote-hash service signs a digest: roles = ['signer'] only"))
        for name in ("certificate", "sign_hash"):
            if not getattr(service, name):
                raise ValueError(f"{where}.{name}: " + say(
                    "bắt buộc với remote-hash (ít nhất một bước)",
                    "required for remote-hash (at least one step)"))
        for name in ("sign", "verify"):
            if getattr(service, name):
                raise ValueError(f"{where}.{name}: " + say(
                    "remote-hash không dùng (hãy dùng certificate và sign_hash)",
                    "not used by remote-hash (use certificate and sign_hash)"))
    else:
        for role, name in wanted.items():
            if role in roles and not getattr(service, name):
                raise ValueError(f"{where}.{name}: " + say(
                    f"bắt buộc, vì roles có '{role}'", f"required, the roles include '{role}'"))
        for name in ("certificate", "sign_hash"):
            if getattr(service, name):
                raise ValueError(f"{where}.{name}: " + say(
                    "chỉ dành cho adapter.kind = 'remote-hash'",
                    "only for adapter.kind = 'remote-hash'"))
    if kind == "ws-session":
        for name in ("correlate", "final"):
            if getattr(service, name) is None and not all(
                    getattr(step, name) is not None for operation in OPERATIONS
                    for step in getattr(service, operation)):
                example = ("correlate = '$.id'" if name == "correlate" else
                           "final = {selector = '$.type', in = ['result']}")
                raise ValueError(f"{where}.{name}: " + say(
                    f"bắt buộc với ws-session (ví dụ {example})",
                    f"required for ws-session (e.g. {example})"))


def _check_interaction(interaction: Interaction) -> None:
    if interaction.mode == "driver":
        if interaction.driver is None:
            raise ValueError("interaction.driver: " + say(
                "bắt buộc khi mode = 'driver' (lệnh của trình điều khiển giao diện, dạng danh "
                "sách đối số)",
                "required when mode = 'driver' (the UI driver command as an argument list)"))
        for index, argument in enumerate(interaction.driver):
            check_text(f"interaction.driver[{index}]", argument, "driver", pin_allowed=False,
                       saved=set())
    elif interaction.driver is not None:
        raise ValueError("interaction.driver: " + say(
            f"có khai báo, nhưng mode = '{interaction.mode}'",
            f"given, but mode = '{interaction.mode}'"))
    if interaction.mode != "human":
        for name in ("prompt_vi", "prompt_en"):
            if getattr(interaction, name) is not None:
                raise ValueError(f"interaction.{name}: " + say(
                    "chỉ dành cho mode = 'human'", "only for mode = 'human'"))


def _check_steps(kind: str, where: str, operation: str, steps: list[Step], saved: set[str],
                 pin_allowed: bool) -> set[str]:
    saved = set(saved)
    for index, step in enumerate(steps):
        at = f"{where}[{index}]"
        _check_request(kind, at, operation, step, saved, pin_allowed)
        _check_reply(at, operation, step.reply)
        saved |= set(step.reply.save)
    return saved


def _check_request(kind: str, at: str, operation: str, step: Step, saved: set[str],
                   pin_allowed: bool) -> None:
    """What the step sends: where, how it is encoded, its templates, its WebSocket options."""
    websocket = kind.startswith("ws-")
    if (step.path is None) == (step.url is None):
        raise ValueError(f"{at}: " + say(
            "khai báo đúng một trong hai: path (nối vào base_url) hoặc url",
            "give exactly one of path (appended to base_url) or url"))
    if websocket and "method" in step.model_fields_set:
        raise ValueError(f"{at}.method: " + say(
            "chỉ dành cho các loại http (một bước WebSocket gửi một thông điệp)",
            "only for http kinds (a WebSocket step sends one message)"))
    if websocket and step.encoding not in ("json", "text"):
        raise ValueError(f"{at}.encoding: " + say(
            "thông điệp WebSocket là json hoặc text", "a WebSocket message is json or text"))
    if step.encoding == "form" and not (isinstance(step.body, dict) and all(
            not isinstance(value, list | dict) or _is_transform(value)
            for value in step.body.values())):
        raise ValueError(f"{at}.body: " + say(
            "encoding = 'form' cần một bảng các trường có giá trị là chuỗi (hoặc phép biến đổi)",
            "encoding = 'form' needs a table of fields whose values are strings (or "
            "transforms)"))
    if step.encoding == "text" and step.body is not None \
            and not isinstance(step.body, str | dict):
        raise ValueError(f"{at}.body: " + say(
            "encoding = 'text' cần một chuỗi (hoặc một phép biến đổi)",
            "encoding = 'text' needs a string (or a transform)"))
    if step.encoding == "none" and step.body is not None:
        raise ValueError(f"{at}.body: " + say("encoding = 'none' không gửi nội dung",
                                              "encoding = 'none' sends no body"))
    if step.encoding != "none" and step.body is None and (websocket or step.method != "GET"):
        raise ValueError(f"{at}.body: " + say(
            f"bắt buộc với encoding = '{step.encoding}'",
            f"required with encoding = '{step.encoding}'"))
    for name, template in (("path", step.path), ("url", step.url)):
        if template is not None:
            check_text(f"{at}.{name}", template, operation, pin_allowed=pin_allowed,
                       saved=saved)
            if any(found == "trust_files" for found, _, _ in placeholders_in(template)):
                raise ValueError(f"{at}.{name}: " + say(
                    "{trust_files} không thể là một phần của URL",
                    "{trust_files} cannot be part of a URL"))
    for header, template in step.headers.items():
        check_text(f"{at}.headers.{header}", template, operation, pin_allowed=pin_allowed,
                   saved=saved)
    check_value(f"{at}.body", step.body, operation, pin_allowed=pin_allowed, saved=saved)
    if (step.correlate is not None) and kind != "ws-session":
        raise ValueError(f"{at}.correlate: " + say("chỉ dành cho ws-session",
                                                   "only for ws-session"))
    if step.final is not None and not websocket:
        raise ValueError(f"{at}.final: " + say("chỉ dành cho các loại WebSocket",
                                               "only for the WebSocket kinds"))


def _check_reply(at: str, operation: str, reply: Reply) -> None:
    """How the step's answer is read: selectors, code tables, what each operation may read."""
    for name in ("code", "message", "output", "evidence", "display", "certificate"):
        selector = getattr(reply, name)
        if selector is not None and parse_selector(selector).has_wildcard:
            lists = ", ".join(_LIST_SELECTORS)
            raise ValueError(f"{at}.reply.{name}: " + say(
                f"[*] chỉ được dùng ở nơi cần một danh sách ({lists})",
                f"[*] is only allowed where a list is expected ({lists})"))
    if reply.code is not None and reply.results is None:
        raise ValueError(f"{at}.reply.results: " + say(
            "bắt buộc khi có reply.code (mã nào nghĩa là đã ký/xong, từ chối, không hỗ trợ)",
            "required with reply.code (which codes mean signed/done, refused, unsupported)"))
    if reply.results is not None and reply.code is None:
        raise ValueError(f"{at}.reply.code: " + say("bắt buộc khi có reply.results",
                                                    "required with reply.results"))
    if reply.indications is not None and operation != "verify":
        raise ValueError(f"{at}.reply.indications: " + say(
            "chỉ có trong các bước verify", "only in verify steps"))
    if isinstance(reply.signature, SignatureFields) and operation != "verify":
        raise ValueError(f"{at}.reply.signature: " + say(
            "bảng theo từng chữ ký chỉ dành cho các bước verify",
            "a per-signature table is only for verify steps"))
    if isinstance(reply.signature, str) and operation != "sign_hash":
        raise ValueError(f"{at}.reply.signature: " + say(
            "bộ chọn chữ ký thô chỉ dành cho các bước sign_hash của remote-hash",
            "a raw signature selector is only for remote-hash sign_hash steps"))
    if reply.signatures is not None and reply.signature is None:
        raise ValueError(f"{at}.reply.signature: " + say(
            "bắt buộc khi có reply.signatures (các bộ chọn theo từng chữ ký: indication, "
            "field_name, ...)",
            "required with reply.signatures (the per-signature selectors: indication, "
            "field_name, ...)"))
    if (reply.certificate or reply.chain) and operation != "certificate":
        raise ValueError(f"{at}.reply.certificate: " + say(
            "chỉ có trong các bước certificate của remote-hash",
            "only in remote-hash certificate steps"))
    if reply.output_from != "none" and operation != "sign":
        raise ValueError(f"{at}.reply.output_from: " + say("chỉ có trong các bước sign",
                                                           "only in sign steps"))
    if reply.output_from == "inline-base64" and reply.output is None:
        raise ValueError(f"{at}.reply.output: " + say(
            "bắt buộc khi output_from = 'inline-base64'",
            "required with output_from = 'inline-base64'"))


def _is_transform(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)).startswith("$")


def _check_outcomes(kind: str, service: ServiceAdapter) -> None:
    """The operation as a whole gives what its answer needs."""
    where = "adapter.service"
    if service.sign:
        sources = [step.reply.output_from for step in service.sign]
        if all(source == "none" for source in sources):
            raise ValueError(f"{where}.sign[{len(service.sign) - 1}].reply.output_from: " + say(
                "không bước sign nào cho biết tệp đã ký lấy từ đâu (inline-base64, upload hoặc "
                "path)",
                "no sign step says where the signed file comes from (inline-base64, upload or "
                "path)"))
        if "upload" in sources and not any(_uses(step, "upload_url") for step in service.sign):
            raise ValueError(f"{where}.sign: " + say(
                "output_from = 'upload' nhưng không bước nào gửi {upload_url}",
                "output_from = 'upload' but no step sends {upload_url}"))
    if service.verify and not any(step.reply.signatures for step in service.verify):
        raise ValueError(f"{where}.verify[{len(service.verify) - 1}].reply.signatures: " + say(
            "bắt buộc trong một bước verify (danh sách các chữ ký)",
            "required in a verify step (the list of signatures)"))
    if kind == "remote-hash":
        if not any(step.reply.certificate for step in service.certificate):
            raise ValueError(f"{where}.certificate[{len(service.certificate) - 1}].reply."
                             "certificate: " + say(
                                 "bắt buộc (nơi chứa chứng thư chữ ký số của người ký)",
                                 "required (where the signer's certificate is)"))
        if not any(isinstance(step.reply.signature, str) for step in service.sign_hash):
            raise ValueError(f"{where}.sign_hash[{len(service.sign_hash) - 1}].reply.signature: "
                             + say("bắt buộc (nơi chứa chữ ký thô)",
                                   "required (where the raw signature is)"))


def _uses(step: Step, placeholder: str) -> bool:
    texts: list[str] = [step.path or "", step.url or "", *step.headers.values()]

    def strings(value: Any) -> None:
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, list):
            for item in value:
                strings(item)
        elif isinstance(value, dict):
            for item in value.values():
                strings(item)

    strings(step.body)
    return any(f"{{{placeholder}}}" in text for text in texts)


__all__ = ["OPERATIONS", "check_profile", "check_service_profile"]
