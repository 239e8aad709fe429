"""A command-line verifier that does nothing: prints one TOTAL-PASSED answer and exits 0."""

print('{"version": 1, "signatures": [{"indication": "TOTAL-PASSED"}]}')
