"""Finding a python SUT's ``module:factory`` entry point: shared by both sides of the adapter.

The same import runs in kyso's process (``in_process = true``) and in the sandboxed worker
(:mod:`.python_worker`), so a broken entry point reads the same either way. Standard library
only (:mod:`bilingual` is imported for an error's message only): the worker imports this
before the vendor's code, once per call, and should start fast.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence
from typing import Any


class EntryPointError(Exception):
    """The entry point cannot be used: its module does not import, or it names no callable,
    or the object it makes lacks a method its roles need. The message is one line."""


def import_factory(entry_point: str, path: Sequence[str] = ()) -> Callable[..., Any]:
    """The factory ``entry_point`` names, after putting the ``path`` directories (absolute) at
    the front of ``sys.path``."""
    for directory in reversed(list(path)):
        if directory not in sys.path:
            sys.path.insert(0, directory)
    module_name, _, factory_name = entry_point.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        from bilingual import say

        raise EntryPointError(say(f"không nhập (import) được {module_name!r} ({error})",
                                  f"cannot import {module_name!r} ({error})")) from None
    factory = getattr(module, factory_name, None)
    if not callable(factory):
        from bilingual import say

        raise EntryPointError(say(f"{module_name} không có hàm gọi được {factory_name!r}",
                                  f"{module_name} has no callable {factory_name!r}"))
    return factory  # type: ignore[no-any-return]


def check_methods(implementation: Any, methods: Sequence[str]) -> None:
    """Raise :class:`EntryPointError` naming the first of ``methods`` the object lacks."""
    for method in methods:
        if not callable(getattr(implementation, method, None)):
            from bilingual import say

            raise EntryPointError(say(f"đối tượng không có {method}()",
                                      f"the object has no {method}()"))
