"""The viseme set, the phoneme table (every piper symbol covered), the fallback, and folding of alignments."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from piper.phoneme_ids import DEFAULT_PHONEME_ID_MAP
from piper.phonemize_espeak import EspeakPhonemizer

from companion.face.channels import CHANNEL_NAMES
from companion.face.visemes import (
    DIPHTHONGS,
    FALLBACK_VOWEL_VISEME,
    FOLD_NEXT_SYMBOLS,
    FOLD_PREVIOUS_SYMBOLS,
    PAUSE_MIN_S,
    PAUSE_SYMBOLS,
    PHONEME_VISEMES,
    SILENCE_SYMBOLS,
    SPEECH_CHANNELS,
    VISEME_TARGETS,
    VISEMES,
    SymbolKind,
    classify,
    fold_phonemes,
)
from tests.support.phonemes import timed

HOP = 256 / 22050


def test_every_piper_symbol_is_a_viseme_or_an_explicit_fold_mark() -> None:
    marks = SILENCE_SYMBOLS | PAUSE_SYMBOLS | FOLD_NEXT_SYMBOLS | FOLD_PREVIOUS_SYMBOLS
    for symbol in DEFAULT_PHONEME_ID_MAP:
        explicit_phone = symbol in PHONEME_VISEMES or symbol in DIPHTHONGS
        assert explicit_phone != (symbol in marks), f"{symbol!r} must be exactly one of phone or mark"
        kind, viseme = classify(symbol)
        assert viseme in VISEMES
        assert (kind is SymbolKind.PHONE) == explicit_phone
        if kind is SymbolKind.PHONE:
            assert viseme != "sil", f"{symbol!r} is a phone but shows silence"


@pytest.mark.parametrize(
    ("symbols", "viseme"),
    [("pbm", "PP"), ("fv", "FF"), ("θð", "TH"), ("td", "DD"), ("kɡŋ", "kk"), ("ʃʒ", "CH"), ("sz", "SS"),
     ("nl", "nn"), ("ɹɚ", "RR"), ("ɑæʌɐ", "aa"), ("ɛəɜ", "E"), ("iɪᵻ", "I"), ("oɔ", "O"), ("uʊw", "U")],
)  # fmt: skip
def test_english_phonemes_map_to_their_viseme(symbols: str, viseme: str) -> None:
    for symbol in symbols:
        assert classify(symbol) == (SymbolKind.PHONE, viseme), symbol


def test_viseme_targets_use_speech_channels_in_range_with_jaw_and_lips_apart() -> None:
    assert set(VISEME_TARGETS) == set(VISEMES)
    for viseme, targets in VISEME_TARGETS.items():
        assert set(targets) <= set(SPEECH_CHANNELS) <= set(CHANNEL_NAMES), viseme
        assert all(0.0 <= v <= 1.0 for v in targets.values()), viseme
    pp, aa, u = VISEME_TARGETS["PP"], VISEME_TARGETS["aa"], VISEME_TARGETS["U"]
    assert pp["jawOpen"] <= 0.02 and pp["mouthClose"] >= 0.4 and pp["mouthPressLeft"] > 0.3
    assert aa["jawOpen"] == max(t.get("jawOpen", 0.0) for t in VISEME_TARGETS.values())
    assert u["mouthPucker"] == max(t.get("mouthPucker", 0.0) for t in VISEME_TARGETS.values())
    assert VISEME_TARGETS["TH"]["tongueOut"] > 0.2
    assert VISEME_TARGETS["O"]["mouthPucker"] > 0.3


@pytest.mark.parametrize("symbol", ["ω", "а", "ı", "ɨ̞"])  # Greek omega, Cyrillic a, dotless i, an unknown cluster
def test_unknown_vowel_like_symbols_open_the_mouth(symbol: str) -> None:
    kind, viseme = classify(symbol)
    assert kind is SymbolKind.PHONE
    if symbol not in PHONEME_VISEMES and symbol[0] not in PHONEME_VISEMES:
        assert viseme == FALLBACK_VOWEL_VISEME
    assert VISEME_TARGETS[viseme]["jawOpen"] >= 0.15


def test_unknown_symbols_fall_back_by_unicode_category() -> None:
    kind, viseme = classify("б")  # Cyrillic consonant
    assert kind is SymbolKind.PHONE and viseme not in {"sil", "aa", "E", "I", "O", "U"}
    assert classify("ã") == classify("a")  # an accented letter is its base letter
    assert classify("\u0301")[0] is SymbolKind.FOLD_PREVIOUS  # combining acute accent
    assert classify("ʼ")[0] is SymbolKind.FOLD_PREVIOUS  # modifier letter apostrophe (ejective)
    assert classify("€")[0] is SymbolKind.PAUSE
    assert classify("")[0] is SymbolKind.PAUSE


def test_stress_mark_time_goes_to_the_following_phoneme() -> None:
    entries = timed(("^", 0.1), ("p", 0.05), ("ˈ", 0.02), ("ɪ", 0.08), ("$", 0.1))
    segments = fold_phonemes(entries)
    vowel = next(s for s in segments if s.viseme == "I")
    assert vowel.start_s == pytest.approx(entries[2].start_s)
    assert vowel.end_s == pytest.approx(entries[3].end_s)
    assert vowel.phonemes == "ɪ"


def test_length_mark_and_diacritics_go_to_the_previous_phoneme() -> None:
    entries = timed(("^", 0.1), ("u", 0.06), ("ː", 0.05), ("n", 0.04), ("\u0329", 0.03), ("$", 0.1))
    segments = fold_phonemes(entries)
    u = next(s for s in segments if s.viseme == "U")
    n = next(s for s in segments if s.viseme == "nn")
    assert (u.start_s, u.end_s) == pytest.approx((entries[1].start_s, entries[2].end_s))
    assert (n.start_s, n.end_s) == pytest.approx((entries[3].start_s, entries[4].end_s))


def test_short_space_merges_into_previous_and_long_punctuation_becomes_silence() -> None:
    short = PAUSE_MIN_S / 4
    entries = timed(("^", 0.1), ("ɑ", 0.1), (" ", short), ("t", 0.05), (",", PAUSE_MIN_S), (" ", short), ("ɑ", 0.1))
    segments = fold_phonemes(entries)
    assert [s.viseme for s in segments] == ["sil", "aa", "DD", "sil", "aa"]
    assert segments[1].end_s == pytest.approx(entries[2].end_s)  # the space's time stays with the vowel
    assert segments[3].start_s == pytest.approx(entries[4].start_s)
    assert segments[3].end_s == pytest.approx(entries[5].end_s)


def test_caret_and_dollar_are_silence_and_segments_cover_the_alignment() -> None:
    hello = [("^", 0.12), ("h", 0.05), ("ə", 0.05), ("l", 0.06), ("ˈ", 0.01), ("o", 0.1), ("ʊ", 0.08), ("$", 0.2)]
    entries = timed(*hello)
    segments = fold_phonemes(entries)
    assert segments[0].viseme == segments[-1].viseme == "sil"
    assert segments[0].start_s == entries[0].start_s and segments[-1].end_s == pytest.approx(entries[-1].end_s)
    for before, after in itertools.pairwise(segments):
        assert before.end_s == pytest.approx(after.start_s)
    assert [s.viseme for s in segments[-3:-1]] == ["O", "U"]  # o ʊ: the diphthong moves from O to U


def test_affricates_are_one_ch_and_diphthong_entries_split_in_halves() -> None:
    segments = fold_phonemes(timed(("^", 0.1), ("t", 0.04), ("ʃ", 0.06), ("aɪ", 0.2), ("$", 0.1)))
    assert [s.viseme for s in segments] == ["sil", "CH", "aa", "I", "sil"]
    assert segments[1].duration_s == pytest.approx(0.1)
    assert segments[2].duration_s == pytest.approx(0.1) and segments[3].duration_s == pytest.approx(0.1)


def test_neighbours_with_the_same_viseme_merge() -> None:
    # "Bob picks": b, space, p keep the lips closed: one segment, no reopening between words.
    segments = fold_phonemes(timed(("^", 0.1), ("ɑ", 0.1), ("b", 0.05), (" ", 0.01), ("p", 0.05), ("ɪ", 0.1)))
    assert [s.viseme for s in segments] == ["sil", "aa", "PP", "I"]
    assert segments[2].duration_s == pytest.approx(0.11)


def test_real_espeak_phonemization_folds_into_expected_visemes() -> None:
    (sentence,) = EspeakPhonemizer().phonemize("en-us", "Bob picks a blue moon")
    entries = timed(("^", 8 * HOP), *[(symbol, 5 * HOP) for symbol in sentence], ("$", 8 * HOP))
    segments = fold_phonemes(entries)
    visemes = [s.viseme for s in segments]
    assert visemes[:4] == ["sil", "PP", "aa", "PP"]  # B-o-b p...
    assert visemes.count("U") == 2  # blue, moon
    assert visemes[-1] == "sil"
    total = sum(s.duration_s for s in segments)
    assert total == pytest.approx(entries[-1].end_s - entries[0].start_s)


def test_the_phoneme_table_in_the_docs_matches_the_code() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "FACE.md").read_text(encoding="utf-8")
    rows = [line.split("|")[1:-1] for line in text.splitlines() if re.match(r"^\| `\w+` \|", line)]
    documented = {cells[0].strip().strip("`"): cells for cells in rows}
    assert set(documented) == set(VISEMES)
    for viseme, cells in documented.items():
        assert float(cells[2]) == pytest.approx(VISEME_TARGETS[viseme].get("jawOpen", 0.0)), viseme
        if viseme == "sil":
            continue
        symbols = set(re.sub(r"\(.*?\)", "", cells[1]).split())
        assert symbols == {s for s, v in PHONEME_VISEMES.items() if v == viseme}, viseme
