"""The conversation agent: configuration, the asyncio loop, turn-taking, dialogue policy, LLM backends and the CLI.

This package also holds the few primitives every other package shares (errors, the clock, configuration), so
``perception``, ``speech`` and ``face`` import from ``companion.core.errors``/``clock``/``config`` and never from
the orchestration modules. Keep this file free of imports: importing a submodule must stay cheap.
"""
