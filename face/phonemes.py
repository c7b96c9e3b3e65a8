"""What lip-sync consumes: phonemes with their times, in the espeak-ng IPA alphabet piper speaks.

A text-to-speech backend hands each clause's audio to the face with a list of ``TimedPhoneme`` whose times are
seconds from the start of that audio. The alphabet is **espeak-ng IPA as piper emits it**: one entry per symbol
of piper's phoneme-id map, so

* phones are single IPA symbols (``p``, ``ɪ``, ``ʃ``, ``æ`` ...); affricates may come as two entries (``t ʃ``);
  diphthongs as one entry (``aɪ``) or two;
* ``^`` and ``$`` mark the leading and trailing silence, ``_`` a pause;
* stress marks (``ˈ ˌ``), the length mark (``ː``), diacritics and tone digits, spaces and punctuation are entries
  of their own, with their own (often zero) duration.

``companion.face.visemes`` maps every symbol of piper's default map to one of 15 visemes and folds the marks into
their neighbours; anything else is classified by its Unicode category (an unknown letter becomes a neutral open
mouth), so a backend with a slightly different IPA flavour still animates. A backend whose engine reports no
timings can estimate them with ``companion.speech.alignment`` (docs/EXTENDING.md, "Text-to-speech").
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TimedPhoneme:
    """One phoneme (or mark) and when it sounds, in seconds from the start of its clause's audio."""

    phoneme: str
    start_s: float
    end_s: float
