"""Example SUT profiles (``*.toml``) and the small programs they drive.

``reference_sut.py`` puts kyso's reference signer and verifier behind the adapter contract v1
(``cli`` and ``batch``); ``reference_python.py`` is the ``python`` entry point of the same tools.
"""
