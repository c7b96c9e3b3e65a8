"""The lexicon layer: explicit crisis phrases and warning signs, as data (``data/lexicon.yaml``), matched on
normalised text.

Phrases are regular expressions over the normal form (``normalise``), so each is written once for every spelling.
Before matching, everyday idioms that borrow crisis words ("this queue is killing me") are masked. Reports about
another person ("my friend said she wants to die") are matched by turning the report into the first person
("I said I want to die") and running the same phrases again; a mention of fiction, games or history cancels those.
A hit inside a negation's scope ("I would never hurt myself") is kept, marked negated, for entries whose negation
means safety.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import yaml

from companion.agent.safety.normalise import Normalised, normalise
from companion.core.errors import ConfigError

DATA_DIR = Path(__file__).parent / "data"
DEFAULT_LEXICON = "lexicon.yaml"
_MACRO = re.compile(r"<([A-Z][A-Z0-9_]*)>")


class Level(str, Enum):
    CRISIS = "crisis"  # a risk on its own
    WARNING = "warning"  # a risk together with other evidence
    MEANS = "means"  # a question about a means: a risk after a loss or setback
    SETBACK = "setback"  # a loss or setback, remembered for the next turns


@dataclass(frozen=True)
class Phrase:
    """One pattern, and what cancels it right after the hit (``unless``: "I cut myself shaving")."""

    pattern: re.Pattern[str]
    unless: tuple[re.Pattern[str], ...] = ()


@dataclass(frozen=True)
class Entry:
    id: str
    category: str
    level: Level
    phrases: tuple[Phrase, ...]
    negatable: bool = False
    fiction: bool = True
    unless: tuple[re.Pattern[str], ...] = ()  # matched right after any of the entry's hits
    unless_before: tuple[re.Pattern[str], ...] = ()  # matched against the text before a hit ("what to do if")


@dataclass(frozen=True)
class Hit:
    entry: str
    kind: str  # the entry's own category
    level: Level
    phrase: str
    negated: bool = False
    third_party: bool = False  # found in a report about another person

    @property
    def category(self) -> str:
        """The category it names: a report about another person is ``third_party``, unless a medical emergency."""
        return "third_party" if self.third_party and self.kind != "medical" else self.kind

    @property
    def signal(self) -> str:
        prefix = "negated:" if self.negated else ""
        who = "third_party:" if self.third_party else ""
        return f"lexicon:{prefix}{who}{self.entry}"


@dataclass
class LexiconResult:
    hits: list[Hit] = field(default_factory=list)
    idioms: list[str] = field(default_factory=list)
    fiction: bool = False
    third_party_subject: bool = False
    masked: str = ""  # the normal form without its idioms: what the classifier reads
    reported: str | None = None  # the third-party report in the first person, when there is one

    def active(self, level: Level | None = None) -> list[Hit]:
        """Hits that count (not negated), optionally of one level."""
        return [h for h in self.hits if not h.negated and (level is None or h.level is level)]


class Lexicon:
    """Compiled entries plus the idiom, fiction and third-party-subject patterns."""

    def __init__(
        self,
        entries: Sequence[Entry],
        idioms: Sequence[re.Pattern[str]],
        fiction: Sequence[re.Pattern[str]],
        subjects: Sequence[re.Pattern[str]],
        real_reports: Sequence[re.Pattern[str]] = (),
        plots: Sequence[re.Pattern[str]] = (),
    ) -> None:
        self.entries = list(entries)
        self.idioms = list(idioms)
        self.fiction = list(fiction)
        self.subjects = list(subjects)
        self.real_reports = list(real_reports)
        self.plots = list(plots)

    @classmethod
    def load(cls, path: Path | None = None, extra_patterns: Sequence[str] = ()) -> Lexicon:
        """The lexicon file (the built-in one by default) plus a deployment's own crisis phrases."""
        if path is None:
            path = DATA_DIR / DEFAULT_LEXICON
        text, where = path.read_text(encoding="utf-8"), str(path)
        lexicon = cls.parse(yaml.safe_load(text), where)
        lexicon.entries.extend(_custom_entries(extra_patterns))
        return lexicon

    @classmethod
    def parse(cls, data: dict[str, Any], where: str) -> Lexicon:
        macros = {name: str(value) for name, value in (data.get("macros") or {}).items()}

        def compile_all(patterns: Sequence[str], key: str) -> tuple[re.Pattern[str], ...]:
            return tuple(
                compile_pattern(expand_macros(p, macros, f"{where}: {key}"), f"{where}: {key}") for p in patterns
            )

        def phrases(raw: Sequence[str | dict[str, Any]], key: str) -> tuple[Phrase, ...]:
            out = []
            for item in raw:
                if isinstance(item, dict):
                    unless = item.get("unless") or []
                    out.append(
                        Phrase(
                            compile_all([item["pattern"]], key)[0],
                            compile_all([unless] if isinstance(unless, str) else unless, key + ".unless"),
                        )
                    )
                else:
                    out.append(Phrase(compile_all([item], key)[0]))
            return tuple(out)

        entries = []
        for index, raw in enumerate(data.get("entries") or []):
            key = f"entries[{index}] ({raw.get('id', '?')})"
            try:
                entries.append(
                    Entry(
                        id=str(raw["id"]),
                        category=str(raw["category"]),
                        level=Level(raw["level"]),
                        phrases=phrases(raw["patterns"], key),
                        negatable=bool(raw.get("negatable", False)),
                        fiction=bool(raw.get("fiction", True)),
                        unless=compile_all(raw.get("unless") or [], key + ".unless"),
                        unless_before=compile_all(raw.get("unless_before") or [], key + ".unless_before"),
                    )
                )
            except (KeyError, ValueError) as error:
                raise ConfigError(f"{where}: {key}: {error}") from None
        return cls(
            entries,
            compile_all(data.get("idioms") or [], "idioms"),
            compile_all(data.get("fiction") or [], "fiction"),
            compile_all(data.get("third_party_subjects") or [], "third_party_subjects"),
            compile_all(data.get("real_reports") or [], "real_reports"),
            compile_all(data.get("plots") or [], "plots"),
        )

    def embedding_text(self, text: str) -> str:
        """What the semantic layer embeds of a text: normalised, idioms masked (exemplars and turns alike)."""
        return self.match(normalise(text)).masked

    def match(self, norm: Normalised) -> LexiconResult:
        result = LexiconResult()
        text = norm.text
        # every idiom is found on the unmasked text, so that a shorter one ("kill me lol") cannot hide a longer one
        # that overlaps it ("if dad finds out he is going to kill me lol")
        spans = [found.span() for pattern in self.idioms for found in pattern.finditer(text)]
        result.idioms.extend(text[start:end] for start, end in spans)
        for start, end in spans:
            text = text[:start] + " " * (end - start) + text[end:]
        masked = Normalised(norm.original, text)
        result.masked = re.sub(r"\s+", " ", text).strip()
        result.fiction = self._fiction(text)
        first_person = self._hits(masked, third_party=False)
        result.hits.extend(first_person)
        subjects = [m for p in self.subjects for m in p.finditer(text)]
        if subjects:
            result.third_party_subject = True
            reported = Normalised(norm.original, to_first_person(text, subjects))
            result.reported = reported.text
            seen = {(h.entry, h.negated) for h in first_person}
            result.hits.extend(
                h
                for h in self._hits(reported, third_party=True, fiction=result.fiction)
                if (h.entry, h.negated) not in seen
            )
        return result

    def _fiction(self, text: str) -> bool:
        """A turn about characters: fiction is mentioned, and no real person of the speaker's life reports
        something in it unless a plot is told ("my friend told me about a film where...")."""
        if not any(p.search(text) for p in self.fiction):
            return False
        real = any(p.search(text) for p in self.real_reports)
        return not real or any(p.search(text) for p in self.plots)

    def _hits(self, norm: Normalised, third_party: bool, fiction: bool = False) -> list[Hit]:
        hits: list[Hit] = []
        text = norm.text
        for entry in self.entries:
            if third_party and (entry.level is Level.SETBACK or (fiction and entry.fiction)):
                continue  # another person's setback is not the user's; a character's crisis is not a person's
            for phrase in entry.phrases:
                found = phrase.pattern.search(text)
                if found is None or any(u.match(text, found.end()) for u in (*phrase.unless, *entry.unless)):
                    continue
                if any(u.search(text[: found.start()]) for u in entry.unless_before):
                    continue
                # Negation is judged where the phrase's key word starts: "i am not (suicidal)".
                key = found.start("key") if "key" in phrase.pattern.groupindex else found.start()
                negated = entry.negatable and norm.is_negated(key)
                hits.append(Hit(entry.id, entry.category, entry.level, found.group(0).strip(), negated, third_party))
                break
        return hits


_REFLEXIVE = re.compile(r"\b(?:himself|herself|themselves|themself|themselfs)\b")
_POSSESSIVE = re.compile(r"\b(?:his|their)\b")
_SUBJECT = re.compile(r"\b(?:he|she|they)\b")
_OBJECT = re.compile(r"\b(?:him|them)\b")
_HER = re.compile(r"\bher\b(\s+\w+)?")
_NOT_A_NOUN = frozenset(
    "and to in on at with for from again every when if so because but or up down out off that any all too very "
    "really badly a an the is was".split()
)
_AGREEMENT = (
    (r"\bi is\b", "i am"),
    (r"\bi has\b", "i have"),
    (r"\bi does\b", "i do"),
    (r"\bi were\b", "i was"),
    (r"\bi (\w+(?:sh|ch|ss|x|z|o))es\b", r"i \1"),  # "i wishes" -> "i wish", "i goes" -> "i go"
    (r"\bi (d|l|t|v)ies\b", r"i \1ie"),  # "i dies" -> "i die", "i lies" -> "i lie"
    (r"\bi (\w+)ies\b", r"i \1y"),  # "i tries" -> "i try"
    (r"\bi (?!was\b|has\b|is\b|does\b|always\b|also\b|thus\b)(\w+?[^s'])s\b", r"i \1"),  # "i wants" -> "i want"
)


def to_first_person(text: str, subjects: Sequence[re.Match[str]]) -> str:
    """A report about another person told as if about oneself, so the first-person phrases apply."""
    out = text
    for found in sorted(subjects, key=lambda m: m.start(), reverse=True):
        phrase = found.group(0)
        if re.match(r"(?:he|she|they)\b", phrase):
            continue  # "she said ..." is handled by the pronoun rules below
        out = out[: found.start()] + "i" + out[found.end() :]
    out = _REFLEXIVE.sub("myself", out)
    out = _POSSESSIVE.sub("my", out)
    out = _HER.sub(
        lambda m: ("my" if m.group(1) and m.group(1).strip() not in _NOT_A_NOUN else "me") + (m.group(1) or ""), out
    )
    out = _SUBJECT.sub("i", out)
    out = _OBJECT.sub("me", out)
    for pattern, replacement in _AGREEMENT:
        out = re.sub(pattern, replacement, out)
    return out


def expand_macros(pattern: str, macros: dict[str, str], where: str) -> str:
    for _ in range(5):  # macros may use macros
        expanded = _MACRO.sub(lambda m: _macro(m.group(1), macros, where), pattern)
        if expanded == pattern:
            return expanded
        pattern = expanded
    return pattern


def _macro(name: str, macros: dict[str, str], where: str) -> str:
    if name not in macros:
        raise ConfigError(f"{where}: unknown macro <{name}>", f"define it under macros: ({', '.join(macros)})")
    return macros[name]


def compile_pattern(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as error:
        raise ConfigError(f"{where}: not a valid regular expression: {error}", pattern) from None


def _custom_entries(patterns: Sequence[str]) -> list[Entry]:
    """``safety.extra_patterns``: crisis phrases a deployment adds, matched on the original and the normal form."""
    entries = []
    for index, pattern in enumerate(patterns):
        try:
            original = re.compile(pattern, re.IGNORECASE)
        except re.error as error:
            raise ConfigError(
                f"safety.extra_patterns[{index}]: not a valid regular expression: {error}",
                "write a Python regular expression, e.g. '\\bno way out\\b'",
            ) from None
        normal = re.compile(normalise(pattern).text if _is_plain(pattern) else pattern, re.IGNORECASE)
        entries.append(Entry(f"custom_{index}", "custom", Level.CRISIS, (Phrase(original), Phrase(normal))))
    return entries


def _is_plain(pattern: str) -> bool:
    return re.fullmatch(r"[\w\s'’,.-]+", pattern) is not None
