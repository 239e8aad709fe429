"""The adapter kinds that start the software under test: ``cli``, ``batch``, ``python``, ``manual``.

* :mod:`.cli`: one sandboxed process per case, from the profile's command templates;
* :mod:`.batch`: one sandboxed process for many cases (cases on stdin, results on stdout);
* :mod:`.python`: an entry point called in a sandboxed worker (:mod:`.python_worker`) per
  call, or inside kyso with ``in_process = true`` (trusted code, no sandbox);
* :mod:`.manual_kit`: a person runs the program from a test kit and records the results.

:mod:`.calls` is one call of a SUT process (directories, evidence, process-level problems, the
JSON answer); :mod:`.sandbox` is the only door through which kyso starts a SUT process.
What every kind prepares for a case, process or service, is :mod:`conformance.sut.case_setup`.
"""
