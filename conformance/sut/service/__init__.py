"""The adapter kinds that talk to a running signing service: ``http``, ``ws-oneshot``,
``ws-session`` and ``remote-hash``, driven from the profile's ``[adapter.service]`` steps.

* :mod:`.adapter`: :class:`~.adapter.ServiceSut`, the Signer and Verifier of every service kind;
* :mod:`.steps`: one step as a request, its reply read with selectors, polling;
* :mod:`.transport`: HTTP, one-shot and session WebSocket exchanges (timeouts, caps, TLS);
* :mod:`.templates` and :mod:`.selectors`: the step templates and the reply selectors;
* :mod:`.answers`: replies turned into contract-v1 answers; :mod:`.remote_hash`: kyso as the
  calling software assembling a PAdES signature around a remotely signed digest;
* :mod:`.interaction`: how the PIN reaches the service (a UI driver process, a person);
* :mod:`.fixture_server`: the files a service downloads and uploads during a case;
* :mod:`.checks`: the profile checks across tables, found by kind through
  :mod:`conformance.sut.kinds`.

The tables themselves (``[adapter.service]``, ``[interaction]``) are part of the profile's
schema: :mod:`conformance.sut.service_profile`.
"""
