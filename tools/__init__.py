"""Tooling around the robot, not part of it: benchmarks, tiny offline models, test fakes, the backend conformance kit.

The top of the dependency graph (beside the CLI): tools may import every package, nothing at run time imports tools.
"""
