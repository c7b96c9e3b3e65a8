"""Models: which ones the configuration needs and where they are (``registry``), and downloading the real ones
(``fetch``, which pulls in huggingface_hub, so it is not imported here). Tiny offline models and the benchmark's
real-size random ones are tooling: ``companion.tools.tiny`` and ``companion.tools.bench.models``.
"""
