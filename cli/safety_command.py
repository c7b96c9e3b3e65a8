"""``companion safety``: the crisis detector from the command line, for CI and audits.

``eval`` runs a labelled set and prints recall and false alarms overall and by category; it exits non-zero when the
detector misses the targets (recall >= 0.95, false alarms <= 5 %), so CI can gate on it. ``screen`` reads one
utterance a line and writes one JSON verdict a line: exactly the detector the session builds from the config.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from companion.cli import load_agent_config

if TYPE_CHECKING:
    from companion.agent.config.schema import SafetyConfig

DATA_DIR = Path(__file__).resolve().parents[1] / "tools" / "safety" / "data"
EXIT_BELOW_TARGET = 1


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "safety",
        help="evaluate the crisis detector, or screen utterances with it",
        description="The crisis-safety layer (docs/SAFETY.md): `eval` on a labelled set, `screen` for audits.",
    )
    sub = parser.add_subparsers(dest="safety", metavar="ACTION", required=True)

    evaluate = sub.add_parser(
        "eval",
        help="recall and false alarms on a labelled set; non-zero exit below the targets",
        description=(
            "Runs the crisis detector on a labelled set (YAML or JSON lines: text, label risk|safe, category, optional "
            "earlier turns in `context`) and prints recall and the false-alarm rate overall and per category. Exits 1 "
            "when recall < --min-recall or false alarms > --max-false-alarms."
        ),
    )
    evaluate.add_argument(
        "--set", type=Path, default=DATA_DIR / "eval.yaml", help="the labelled set (default: built-in)"
    )
    evaluate.add_argument("--json", action="store_true", help="print the report as one JSON object")
    evaluate.add_argument("--min-recall", type=float, default=0.95)
    evaluate.add_argument("--max-false-alarms", type=float, default=0.05)
    evaluate.add_argument("--no-errors", action="store_true", help="do not list the misses and false alarms")
    evaluate.set_defaults(handler=_run_eval)

    screen = sub.add_parser(
        "screen",
        help="one utterance a line on stdin, one JSON verdict a line on stdout",
        description=(
            "Reads one utterance a line and prints one JSON object a line: risk, category, score and the signals "
            'that fired. A line may also be a JSON object {"text": ..., "context": [earlier turns]}. Each line is '
            "its own conversation unless --conversation is given. --output screens model output clauses instead."
        ),
    )
    screen.add_argument("--conversation", action="store_true", help="the lines are consecutive turns of one talk")
    screen.add_argument("--output", action="store_true", help="screen lines as the model's clauses (output screen)")
    screen.add_argument(
        "--declined-topic", action="append", default=[], help="with --output: a topic the persona declines"
    )
    screen.set_defaults(handler=_run_screen)

    head = sub.add_parser(
        "train-head",
        help="fit the semantic layer's linear head on the exemplars, the labelled sets and the training corpora",
        description=(
            "Fits the linear head (logistic regression on the sentence embeddings) on the built-in exemplars, every "
            "labelled set in tools/safety/data and the training corpora in tools/safety/data/training (scikit-learn, "
            "the train extra), and writes it where the detector loads it. --cross-validate instead "
            "prints, for each set left out of training, the semantic layer's AUC and recall at 5%% false alarms "
            "with and without the head."
        ),
    )
    head.add_argument("--out", type=Path, default=None, help="where to write the head (default: the built-in one)")
    head.add_argument("--cross-validate", action="store_true", help="measure by leaving each set out; write nothing")
    head.set_defaults(handler=_run_train_head)


def _safety_config(args: argparse.Namespace) -> SafetyConfig:
    """The ``safety`` section of the config the command line names or the search finds (README, "Configuration")."""
    return load_agent_config(args).safety


def _run_eval(args: argparse.Namespace) -> int:
    from companion.agent.policy.safety import build_detector
    from companion.tools.safety.evaluation import check_set, evaluate, format_report, load_set

    items = load_set(check_set(args.set))
    detector = build_detector(_safety_config(args))
    report = evaluate(detector, items, str(args.set))
    passed = report.passed(args.min_recall, args.max_false_alarms)
    if args.json:
        print(json.dumps({**report.as_dict(), "passed": passed}))
    else:
        print(format_report(report, show_errors=not args.no_errors))
    return 0 if passed else EXIT_BELOW_TARGET


def _run_train_head(args: argparse.Namespace) -> int:
    from companion.agent.safety.head import DEFAULT_HEAD
    from companion.tools.safety.train_head import cross_validate, format_folds, train_and_save

    if args.cross_validate:
        print(format_folds(cross_validate()))
        return 0
    out = args.out or DEFAULT_HEAD
    head = train_and_save(out)
    print(f"wrote {out} (trained on {head.fingerprint}, data {head.digest})")
    return 0


def _run_screen(args: argparse.Namespace) -> int:
    return screen_lines(args, sys.stdin, sys.stdout)


def screen_lines(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    from companion.agent.policy.safety import build_detector
    from companion.agent.safety import TurnMemory
    from companion.agent.safety.output_screen import OutputScreen

    detector = build_detector(_safety_config(args))
    screen = OutputScreen(args.declined_topic, classifier=detector.classifier) if args.output else None
    conversation = TurnMemory()
    for line in stdin:
        text, context = _parse_line(line.rstrip("\n"))
        if screen is not None:
            print(json.dumps({"text": text, **screen.screen_sync(text).as_dict()}), file=stdout, flush=True)
            continue
        memory = conversation if args.conversation else TurnMemory()
        for turn in context:
            detector.assess_sync(turn, memory)
        verdict = detector.assess_sync(text, memory)
        print(json.dumps({"text": text, **verdict.as_dict()}), file=stdout, flush=True)
    return 0


def _parse_line(line: str) -> tuple[str, list[str]]:
    if line.lstrip().startswith("{"):
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            return line, []
        if isinstance(data, dict) and isinstance(data.get("text"), str):
            context = data.get("context") or []
            return data["text"], [str(turn) for turn in context] if isinstance(context, list) else [str(context)]
    return line, []
