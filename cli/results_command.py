"""``companion results list|prune|delete``: the lesson scores and screening results kept after visitors left.

They exist only where ``privacy.keep_results`` is true (``plugins/results.py``; README, "Privacy"): this
command shows how many there are and where, deletes those past ``privacy.retention_days`` (``prune``; writing a
result prunes too), or deletes them all (``delete``, for one plugin with ``--plugin``).
"""

from __future__ import annotations

import argparse

PLUGINS_WITH_RESULTS = ("lesson", "counseling")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "results",
        help="kept lesson scores and screening results: list, prune, delete",
        description="Results are kept only where privacy.keep_results is true, for privacy.retention_days.",
    )
    actions = parser.add_subparsers(dest="results_action", metavar="ACTION", required=True)
    for name, help_text in (
        ("list", "how many results each plugin keeps, the oldest, and where"),
        ("prune", "delete the results older than privacy.retention_days"),
        ("delete", "delete every kept result (of one plugin with --plugin)"),
    ):
        action = actions.add_parser(name, help=help_text, description=help_text)
        action.add_argument("--plugin", choices=PLUGINS_WITH_RESULTS, help="only this plugin's results")
        action.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import time

    from companion.cli import load_agent_config
    from companion.plugins.results import DAY_S, ResultStore

    config = load_agent_config(args)
    privacy = config.privacy
    plugins = [args.plugin] if args.plugin else list(PLUGINS_WITH_RESULTS)
    stores = {name: ResultStore(privacy.results_dir / f"{name}.jsonl", privacy.retention_days) for name in plugins}
    if not privacy.keep_results:
        print("privacy.keep_results is false: nothing is kept after a visitor leaves.")
    for name, store in stores.items():
        if args.results_action == "delete":
            print(f"{name}: deleted {store.delete()} results ({store.path})")
        elif args.results_action == "prune":
            print(f"{name}: deleted {store.prune()} results older than {store.retention_days} days ({store.path})")
        else:
            records = store.read()
            oldest = min((float(r.get("epoch_s", 0)) for r in records), default=None)
            age = f", the oldest {(time.time() - oldest) / DAY_S:.1f} days old" if oldest is not None else ""
            print(f"{name}: {len(records)} results{age} ({store.path})")
    return 0
