"""The fixed emotion set the agent chooses from and the face can show.

Ekman's six basic emotions plus neutral, and the conversational states a face shows between words (listening,
thinking) or in hard moments (concerned). The LLM may write any word in its emotion tag; ``normalize_emotion``
folds synonyms onto this set so the face never receives an emotion it cannot draw.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Emotion(str, Enum):
    NEUTRAL = "neutral"
    HAPPY = "happy"
    SAD = "sad"
    ANGRY = "angry"
    FEARFUL = "fearful"
    DISGUSTED = "disgusted"
    SURPRISED = "surprised"
    # Conversational states.
    LISTENING = "listening"
    THINKING = "thinking"
    CONCERNED = "concerned"


# Words a model (or a persona author) is likely to use, folded onto the set.
_SYNONYMS: dict[str, Emotion] = {
    "calm": Emotion.NEUTRAL,
    "none": Emotion.NEUTRAL,
    "joy": Emotion.HAPPY,
    "joyful": Emotion.HAPPY,
    "glad": Emotion.HAPPY,
    "cheerful": Emotion.HAPPY,
    "excited": Emotion.HAPPY,
    "amused": Emotion.HAPPY,
    "smile": Emotion.HAPPY,
    "smiling": Emotion.HAPPY,
    "friendly": Emotion.HAPPY,
    "warm": Emotion.HAPPY,
    "pleased": Emotion.HAPPY,
    "happiness": Emotion.HAPPY,
    "sadness": Emotion.SAD,
    "unhappy": Emotion.SAD,
    "sorrow": Emotion.SAD,
    "sorry": Emotion.SAD,
    "disappointed": Emotion.SAD,
    "anger": Emotion.ANGRY,
    "mad": Emotion.ANGRY,
    "annoyed": Emotion.ANGRY,
    "frustrated": Emotion.ANGRY,
    "fear": Emotion.FEARFUL,
    "afraid": Emotion.FEARFUL,
    "scared": Emotion.FEARFUL,
    "anxious": Emotion.FEARFUL,
    "nervous": Emotion.FEARFUL,
    "worried": Emotion.CONCERNED,
    "disgust": Emotion.DISGUSTED,
    "surprise": Emotion.SURPRISED,
    "astonished": Emotion.SURPRISED,
    "amazed": Emotion.SURPRISED,
    "curious": Emotion.SURPRISED,
    "wow": Emotion.SURPRISED,
    "listen": Emotion.LISTENING,
    "attentive": Emotion.LISTENING,
    "think": Emotion.THINKING,
    "pondering": Emotion.THINKING,
    "thoughtful": Emotion.THINKING,
    "concern": Emotion.CONCERNED,
    "empathetic": Emotion.CONCERNED,
    "empathy": Emotion.CONCERNED,
    "caring": Emotion.CONCERNED,
    "compassionate": Emotion.CONCERNED,
    "sympathetic": Emotion.CONCERNED,
    "serious": Emotion.CONCERNED,
}


def normalize_emotion(word: str) -> Emotion | None:
    """The emotion a word names, or None when it names none we know."""
    key = word.strip().lower()
    try:
        return Emotion(key)
    except ValueError:
        return _SYNONYMS.get(key)


@dataclass(frozen=True)
class EmotionState:
    """An emotion with an intensity in [0, 1]."""

    emotion: Emotion
    intensity: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "intensity", min(1.0, max(0.0, float(self.intensity))))
