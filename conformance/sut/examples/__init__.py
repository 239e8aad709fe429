"""Example SUT profiles (``*.toml``) and the small programs they drive.

``reference_sut.py`` puts kyso's reference signer and verifier behind the adapter contract v1
(``cli`` and ``batch``); ``reference_python.py`` is the ``python`` entry point of the same tools.
"""

from pathlib import Path

REFERENCE_SUT_PROGRAM = Path(__file__).resolve().parent / "reference_sut.py"
"""The reference tools as a command-line program (adapter contract v1): the emulators run it."""
