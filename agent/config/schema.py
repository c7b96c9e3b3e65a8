"""The agent's root configuration: it composes the sections each package owns (``face.config``,
``speech.config``, ``perception.config``, the shared ``core.config``) with the agent's own (the language model,
turn-taking, personas, privacy, safety, metrics). ``config.yaml`` is validated against it; README.md explains each
section. Relative paths are relative to the config file's folder.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from companion.agent.llm.base import LLM_BACKENDS
from companion.agent.mirror import MirrorConfig
from companion.agent.safety.embedders import SAFETY_EMBEDDERS
from companion.core.config import BackendSection, BrokerConfig, KeyProblemError, RobotConfig, Section
from companion.core.registry import DEFAULT_MODELS_DIR, BackendKind, BuildContext
from companion.face.config import ControllerConfig, FaceConfig
from companion.face.emotions import Emotion, normalize_emotion
from companion.perception.config import AffectConfig, PerceptionConfig
from companion.speech.config import AudioConfig, SttConfig, TtsConfig, VadConfig


class LlmConfig(BackendSection):
    """The language model by name (``transformers``, ``openai`` or an installed one) and its options, plus the
    settings of the dialogue step that asks it, whatever the backend."""

    kind: ClassVar[BackendKind] = LLM_BACKENDS
    backend: str = "transformers"
    max_new_tokens: int = Field(96, ge=1, le=2048)
    history_turns: int = Field(8, ge=0, le=100, description="how many past exchanges the prompt keeps")
    fallback_line: str = "Sorry, I lost my train of thought. Could you say that again?"


class ModelsConfig(Section):
    dir: Path = Field(DEFAULT_MODELS_DIR, description="where fetched models live")
    stt: SttConfig = Field(default_factory=SttConfig)
    llm: LlmConfig = Field(default_factory=LlmConfig)
    tts: TtsConfig = Field(default_factory=TtsConfig)
    vad: VadConfig = Field(default_factory=VadConfig)
    affect: AffectConfig | None = Field(
        default_factory=AffectConfig, description="the facial-affect classifier (null: none, face detection only)"
    )


class TurnTakingConfig(Section):
    """Listening and interruption. Each persona may override any of these keys."""

    vad_threshold: float = Field(0.5, gt=0.0, lt=1.0)
    min_speech_ms: int = Field(120, ge=0, description="shorter blips are not speech")
    end_of_turn_silence_ms: int = Field(250, ge=50, description="silence that ends a complete-sounding turn")
    unfinished_silence_ms: int = Field(1200, ge=50, description="silence that ends a turn that sounds unfinished")
    max_turn_s: float = Field(30.0, gt=0)
    partial_interval_ms: int = Field(
        1000, ge=100, description="how often partial transcripts are made (each costs a whisper call)"
    )
    early_reply: bool = Field(True, description="start the LLM on a stable partial transcript")
    barge_in: bool = True
    barge_in_min_speech_ms: int = Field(
        64, ge=0, description="user speech that long pauses the robot (two VAD chunks: the fade ends < 150 ms in)"
    )
    backchannels: list[str] = Field(
        default_factory=lambda: [
            "mhm",
            "mm",
            "hmm",
            "uh-huh",
            "uh huh",
            "yeah",
            "yes",
            "yep",
            "okay",
            "ok",
            "right",
            "sure",
            "i see",
            "aha",
            "ah",
            "oh",
        ]
    )
    backchannel_max_ms: int = Field(
        450, ge=0, description="an interruption this short is a backchannel unless it says an interrupt word"
    )
    interrupt_words: list[str] = Field(
        default_factory=lambda: ["stop", "wait", "no", "hey", "sorry", "excuse me", "hold on", "pause", "shh"]
    )
    fade_ms: int = Field(20, ge=0, le=500)
    resume_after_false_interruption: bool = True


class PersonaTurnTaking(Section):
    """Per-persona overrides of ``turn_taking``: only the keys given replace the global ones."""

    vad_threshold: float | None = Field(None, gt=0.0, lt=1.0)
    min_speech_ms: int | None = Field(None, ge=0)
    end_of_turn_silence_ms: int | None = Field(None, ge=50)
    unfinished_silence_ms: int | None = Field(None, ge=50)
    max_turn_s: float | None = Field(None, gt=0)
    partial_interval_ms: int | None = Field(None, ge=100)
    early_reply: bool | None = None
    barge_in: bool | None = None
    barge_in_min_speech_ms: int | None = Field(None, ge=0)
    backchannels: list[str] | None = None
    backchannel_max_ms: int | None = Field(None, ge=0)
    interrupt_words: list[str] | None = None
    fade_ms: int | None = Field(None, ge=0, le=500)
    resume_after_false_interruption: bool | None = None


class PrivacyConfig(Section):
    deployment: Literal["public", "home", "clinic", "workplace", "education"] = "public"
    store_audio: bool = Field(False, description="keep the user's speech as wav files")
    store_video: bool = False
    store_face_crops: bool = False
    store_transcripts: bool = False
    keep_results: bool = Field(
        False, description="keep lesson scores and screening results after the visitor leaves (no words, no names)"
    )
    results_dir: Path = Field(
        Path("~/.local/share/companion/results").expanduser(), description="where kept results go, one file a plugin"
    )
    retention_days: int = Field(30, ge=1, le=3650, description="kept results older than this are deleted")


class SafetyEmbedderConfig(BackendSection):
    """The crisis classifier's sentence-embedding model by name (``minilm`` or an installed one)."""

    kind: ClassVar[BackendKind] = SAFETY_EMBEDDERS
    backend: str = "minilm"


class AlertHook(Section):
    """What else to do with a crisis alert besides publishing it (docs/SAFETY.md, "Operator alerts"): run a command
    (the alert's JSON on its standard input) or POST the JSON to a webhook. Failures are logged, never fatal."""

    command: list[str] | None = Field(None, min_length=1, description="argv, e.g. [notify-staff, --urgent]")
    webhook: str | None = Field(None, pattern=r"^https?://", description="a URL to POST the alert's JSON to")
    timeout_s: float = Field(5.0, gt=0, le=60)

    @model_validator(mode="after")
    def _one_at_least(self) -> AlertHook:
        if self.command is None and self.webhook is None:
            raise ValueError("give `command` or `webhook` (or both)")
        return self


class SafetyConfig(Section):
    """Crisis handling. There is deliberately no switch to turn it off: deployments may only add to it."""

    crisis_reply: str = (
        "I'm really glad you told me. I'm a robot, and you deserve help from a person right now. "
        "If you are in danger, please call your local emergency number, or talk to someone you trust. "
        "You don't have to go through this alone."
    )
    resources: list[str] = Field(default_factory=list, description="lines appended to the crisis reply")
    crisis_closing: str = Field(
        "You don't have to go through this alone. Please reach out to someone now, a person you trust or a "
        "crisis line, and I'll stay here with you.",
        description="said when the crisis follow-up questions are done (with the resources again)",
    )
    alert_hook: AlertHook | None = Field(None, description="also run a command or call a webhook on each alert")
    extra_patterns: list[str] = Field(default_factory=list, description="more crisis phrases (regular expressions)")
    extra_exemplars: list[Path] = Field(
        default_factory=list,
        description="YAML files of more classifier exemplars (crisis: and benign:), docs/SAFETY.md",
    )
    embedder: SafetyEmbedderConfig = Field(default_factory=SafetyEmbedderConfig)


class MetricsConfig(Section):
    prometheus_port: int | None = Field(None, ge=0, le=65535, description="serve /metrics here when set")
    log_turn_timings: bool = True


class EmotionBaseline(Section):
    emotion: Emotion = Emotion.NEUTRAL
    intensity: float = Field(0.3, ge=0.0, le=1.0)

    @field_validator("emotion", mode="before")
    @classmethod
    def _known_emotion(cls, value: object) -> object:
        if isinstance(value, str) and normalize_emotion(value) is not None:
            return normalize_emotion(value)
        return value


def _default_empathy() -> dict[Emotion, EmotionBaseline]:
    # Smile back at a smile, look concerned at sadness, fear, anger or disgust, share surprise. Neutral: the persona's
    # resting face.
    return {
        Emotion.HAPPY: EmotionBaseline(emotion=Emotion.HAPPY, intensity=0.5),
        Emotion.SAD: EmotionBaseline(emotion=Emotion.CONCERNED, intensity=0.6),
        Emotion.FEARFUL: EmotionBaseline(emotion=Emotion.CONCERNED, intensity=0.5),
        Emotion.ANGRY: EmotionBaseline(emotion=Emotion.CONCERNED, intensity=0.4),
        Emotion.DISGUSTED: EmotionBaseline(emotion=Emotion.CONCERNED, intensity=0.3),
        Emotion.SURPRISED: EmotionBaseline(emotion=Emotion.SURPRISED, intensity=0.4),
    }


class EmpathyConfig(Section):
    """The face a reply starts with when the language model gives no emotion tag: a response to the visitor's
    affect. Used only where emotion inference is allowed (privacy.deployment)."""

    enabled: bool = True
    min_confidence: float = Field(0.4, ge=0.0, le=1.0, description="below this the visitor's affect is ignored")
    responses: dict[Emotion, EmotionBaseline] = Field(default_factory=_default_empathy)

    @field_validator("responses", mode="before")
    @classmethod
    def _known_emotions(cls, value: object) -> object:
        if isinstance(value, dict):
            return {normalize_emotion(k) or k if isinstance(k, str) else k: v for k, v in value.items()}
        return value


class SessionsConfig(Section):
    """Visitor sessions: everything conversational (history, crisis state, plugin state) belongs to one visitor."""

    greet_on_arrival: bool = Field(True, description="say the persona's greeting when a visitor arrives")
    end_when_visitor_leaves: bool = Field(True, description="a visitor who left takes their conversation with them")


class PluginsConfig(Section):
    """How plugins are called (docs/PLUGINS.md)."""

    timeout_s: float = Field(
        2.0, gt=0, le=60, description="a plugin hook that takes longer is stopped; the turn goes on"
    )


class LessonsConfig(Section):
    """Lessons (docs/LESSONS.md): where to find them, and one to start with every visitor."""

    folders: list[Path] = Field(default_factory=list, description="folders of lesson files, before the built-in ones")
    start: str | None = Field(None, description="give this lesson to every visitor (also --lesson NAME)")


class CounselingConfig(Section):
    """Counseling scripts (docs/COUNSELING.md): more folders of script files, before the built-in ones."""

    folders: list[Path] = Field(default_factory=list, description="folders of script files, before the built-in ones")


class Boundary(Section):
    """A topic the persona declines, and the line it says instead (docs/PERSONAS.md)."""

    topics: list[str] = Field(
        min_length=1, description="each one concept, e.g. [politics, elections]: all its words must occur (by stem)"
    )
    say: str = Field(min_length=1, description="the line the robot says when asked about it")


class Persona(Section):
    name: str
    language: str = Field("en", pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]+)?$")
    voice: str | None = Field(None, description="a piper voice name; default: models.tts.voice")
    style: str = Field(..., min_length=1, description="the system prompt: who the robot is and how it speaks")
    greeting: str | None = None
    emotion_baseline: EmotionBaseline = Field(default_factory=EmotionBaseline)
    emotion_tags: bool = Field(
        True,
        description="the model picks the face with [emotion] tags (about 60-90 prompt tokens of instructions); "
        "false: the face keeps the baseline and the empathy rules, and the prompt is the style alone",
    )
    plugins: list[str] = Field(default_factory=list)
    turn_taking: PersonaTurnTaking = Field(default_factory=PersonaTurnTaking)
    mirror: bool = Field(False, description="start with mirror mode on (also --mirror, or the mirror command)")
    empathy: EmpathyConfig = Field(default_factory=EmpathyConfig)
    boundaries: list[Boundary] = Field(
        default_factory=list, description="topics declined outside the model: asked or about to be said"
    )
    tools: list[str] = Field(
        default_factory=list, description="tools the language model may call (show_expression, a plugin's)"
    )


class Config(Section):
    robot: RobotConfig = Field(default_factory=RobotConfig)
    broker: BrokerConfig = Field(default_factory=BrokerConfig)
    models: ModelsConfig = Field(default_factory=ModelsConfig)
    audio: AudioConfig = Field(default_factory=AudioConfig)
    turn_taking: TurnTakingConfig = Field(default_factory=TurnTakingConfig)
    perception: PerceptionConfig = Field(default_factory=PerceptionConfig)
    face: FaceConfig = Field(default_factory=FaceConfig)
    controller: ControllerConfig = Field(default_factory=ControllerConfig)
    privacy: PrivacyConfig = Field(default_factory=PrivacyConfig)
    safety: SafetyConfig = Field(default_factory=SafetyConfig)
    metrics: MetricsConfig = Field(default_factory=MetricsConfig)
    mirror: MirrorConfig = Field(default_factory=MirrorConfig)
    sessions: SessionsConfig = Field(default_factory=SessionsConfig)
    plugins: PluginsConfig = Field(default_factory=PluginsConfig)
    lessons: LessonsConfig = Field(default_factory=LessonsConfig)
    counseling: CounselingConfig = Field(default_factory=CounselingConfig)
    persona: str = Field(..., description="the key of the active persona in `personas`")
    personas: dict[str, Persona] = Field(..., min_length=1)

    # Checks across sections raise KeyProblemError at the key they are about: the loader points at that key's line (or
    # names the environment variable or option that set it), never at the top of the file.

    @model_validator(mode="after")
    def _persona_exists(self) -> Config:
        if self.persona not in self.personas:
            known = ", ".join(sorted(self.personas))
            message = f"{self.persona!r} is not defined in `personas` (defined: {known})"
            close = difflib.get_close_matches(self.persona, list(self.personas), n=1, cutoff=0.5)
            if close:
                message += f"; did you mean {close[0]!r}?"
            raise KeyProblemError(("persona",), message)
        return self

    @model_validator(mode="after")
    def _emotion_inference_lawful(self) -> Config:
        # EU AI Act Art. 5(1)(f): no emotion recognition in workplaces and education institutions.
        if self.perception.emotion_inference and self.privacy.deployment in ("workplace", "education"):
            raise KeyProblemError(
                ("perception", "emotion_inference"),
                f"emotion recognition is not allowed where privacy.deployment is {self.privacy.deployment!r} "
                "(EU AI Act Art. 5(1)(f)); set perception.emotion_inference to false or null",
            )
        return self

    @model_validator(mode="after")
    def _clinic_defaults(self) -> Config:
        """A clinic (docs/SAFETY.md, "Clinic deployments") lists its own crisis lines and records nothing."""
        if self.privacy.deployment != "clinic":
            return self
        if not self.safety.resources:
            raise KeyProblemError(
                ("safety", "resources"),
                "a clinic deployment must list its local crisis lines and emergency number in safety.resources "
                "(they are said in every crisis reply)",
            )
        for key in ("store_audio", "store_video", "store_face_crops", "store_transcripts"):
            if getattr(self.privacy, key):
                raise KeyProblemError(
                    ("privacy", key),
                    f"privacy.{key} must be false where privacy.deployment is 'clinic': counseling talk is health "
                    "data, and companion keeps none of it",
                )
        return self

    # --- derived settings -------------------------------------------------------------------------------------

    def build_context(self) -> BuildContext:
        """What backends are built with: the models folder and the active persona's language and voice."""
        persona = self.active_persona
        return BuildContext(models_dir=self.models.dir, language=persona.language, voice=persona.voice)

    @property
    def active_persona(self) -> Persona:
        return self.personas[self.persona]

    @property
    def emotion_inference_enabled(self) -> bool:
        if self.perception.emotion_inference is None:
            return self.privacy.deployment not in ("workplace", "education")
        return self.perception.emotion_inference

    def turn_taking_for(self, persona: Persona) -> TurnTakingConfig:
        overrides = persona.turn_taking.model_dump(exclude_none=True)
        return self.turn_taking.model_copy(update=overrides)
