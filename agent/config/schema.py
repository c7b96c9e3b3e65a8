"""The typed configuration. ``config.yaml`` is validated against these models; README.md explains each section.

Every model forbids unknown keys, so a typo is an error with a suggestion instead of a silently ignored setting.
Relative paths are relative to the config file's folder (``Config.resolve_paths``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from companion.face.emotions import Emotion, normalize_emotion


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class RobotConfig(Section):
    id: str = Field("companion", pattern=r"^[A-Za-z0-9_-]+$", description="MQTT topics live under companion/<id>/")


class BrokerConfig(Section):
    url: str = Field("mqtt://127.0.0.1:1883", description="overridden by COMPANION_BROKER")
    embedded_fallback: bool = Field(
        True, description="start an in-process broker (amqtt) when none answers, so the demo runs anywhere"
    )
    connect_timeout_s: float = Field(3.0, gt=0)
    keepalive_s: int = Field(5, ge=2, le=600)

    @field_validator("url")
    @classmethod
    def _valid_url(cls, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "tcp") or not parts.hostname:
            raise ValueError("expected mqtt://HOST:PORT, for example mqtt://127.0.0.1:1883")
        try:
            _ = parts.port
        except ValueError as error:
            raise ValueError(f"bad port in {url!r}") from error
        return url

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or "127.0.0.1"

    @property
    def port(self) -> int:
        return urlsplit(self.url).port or 1883


class SttConfig(Section):
    model: str = Field("base.en", description="a faster-whisper model name (tiny, base.en, small, ...)")
    path: Path | None = Field(None, description="a local CTranslate2 model folder; overrides `model`")
    compute_type: str = "int8"
    threads: int = Field(1, ge=1, le=64)
    beam_size: int = Field(1, ge=1, le=10)
    temperature: float = Field(0.0, ge=0.0, le=1.0)
    max_new_tokens: int | None = Field(None, ge=1, le=440)


class OpenAIConfig(Section):
    base_url: str = Field("http://127.0.0.1:8000/v1", description="an OpenAI-compatible server (vLLM, llama.cpp)")
    model: str = "default"
    api_key_env: str = Field("OPENAI_API_KEY", description="the environment variable that holds the key")
    connect_timeout_s: float = Field(2.0, gt=0)
    first_token_timeout_s: float = Field(4.0, gt=0)
    idle_timeout_s: float = Field(4.0, gt=0)


class LlmConfig(Section):
    backend: Literal["transformers", "openai"] = "transformers"
    model: str = Field("Qwen/Qwen2.5-0.5B-Instruct", description="a Hugging Face model id")
    path: Path | None = Field(None, description="a local model folder; overrides `model`")
    threads: int = Field(2, ge=1, le=64, description="torch threads for generation")
    dtype: Literal["float32", "bfloat16"] = Field(
        "bfloat16", description="weights when not quantized; bf16 halves the memory traffic that bounds CPU decoding"
    )
    quantize: Literal["none", "int8"] = Field(
        "int8", description="int8: dynamic per-channel quantization of linear layers, ~2x faster decoding on CPU"
    )
    max_new_tokens: int = Field(96, ge=1, le=2048)
    temperature: float = Field(0.7, ge=0.0, le=2.0)
    top_p: float = Field(0.9, gt=0.0, le=1.0)
    history_turns: int = Field(8, ge=0, le=100, description="how many past exchanges the prompt keeps")
    fallback_line: str = "Sorry, I lost my train of thought. Could you say that again?"
    openai: OpenAIConfig = Field(default_factory=OpenAIConfig)


class TtsConfig(Section):
    voice: str = Field("en_US-lessac-medium", description="a piper voice name")
    path: Path | None = Field(None, description="a local .onnx voice (its .onnx.json beside it); overrides `voice`")
    threads: int = Field(1, ge=1, le=64)
    length_scale: float | None = Field(None, gt=0.1, le=5.0, description="speaking rate: < 1 faster, > 1 slower")


class AffectConfig(Section):
    path: Path | None = Field(None, description="an ONNX facial-affect classifier; none: face detection only")
    labels: list[str] = Field(
        default_factory=lambda: [
            "neutral",
            "happy",
            "surprised",
            "sad",
            "angry",
            "disgusted",
            "fearful",
            "contempt",
        ],
        description="the classifier's output labels in order (FER+ order by default)",
    )
    input_size: int = Field(64, ge=8, le=512)
    grayscale: bool = True
    pixel_scale: float = Field(1.0 / 255.0, gt=0.0, description="pixel multiplier: 1/255 for [0,1] inputs, 1 for raw")
    threads: int = Field(1, ge=1, le=16)


class ModelsConfig(Section):
    dir: Path = Field(Path("~/.cache/companion/models"), description="where fetched models live")
    stt: SttConfig = Field(default_factory=SttConfig)
    llm: LlmConfig = Field(default_factory=LlmConfig)
    tts: TtsConfig = Field(default_factory=TtsConfig)
    affect: AffectConfig = Field(default_factory=AffectConfig)


class AudioOutputConfig(Section):
    sink: Literal["wav", "speaker", "none"] = Field("wav", description="wav: one file per reply in `dir`")
    dir: Path = Path("outputs")
    device: str | int | None = Field(None, description="sounddevice output device (speaker sink)")


class AudioConfig(Section):
    input_device: str | int | None = Field(None, description="sounddevice input device (microphone)")
    output: AudioOutputConfig = Field(default_factory=AudioOutputConfig)


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


class PerceptionConfig(Section):
    enabled: bool = True
    camera: int | None = Field(None, description="camera index for `companion run` without --video")
    fps: float = Field(10.0, gt=0, le=60, description="frames analysed per second")
    emotion_inference: bool | None = Field(
        None, description="null: on, except where privacy.deployment is workplace or education"
    )
    smoothing_s: float = Field(1.0, ge=0.0, description="time constant of the affect smoothing")
    fov_deg: float = Field(60.0, gt=10.0, lt=179.0, description="the camera's horizontal field of view")
    mirrored: bool = Field(False, description="true if the camera delivers mirrored (selfie) images")
    min_face_px: int = Field(48, ge=16)
    threads: int = Field(1, ge=1, le=16)


class FaceConfig(Section):
    rate_hz: int = Field(60, ge=10, le=100)
    lookahead_ms: int = Field(
        100,
        ge=20,
        le=1000,
        description=(
            "frames are published this far ahead of their pts: more than the rig's latency plus transport; it is "
            "also how soon a new expression can show, and it delays the first audio by as much"
        ),
    )
    encoding: Literal["binary", "json"] = "binary"
    publish_audio: bool = Field(False, description="also publish the robot's voice (for the web simulator)")


class MaestroConfig(Section):
    port: str = "/dev/ttyACM0"
    baud: int = 115200
    device_number: int | None = Field(None, ge=0, le=127, description="set for the Pololu protocol (daisy chains)")


class SimConfig(Section):
    host: str = "127.0.0.1"
    port: int = Field(8765, ge=0, le=65535, description="0 picks a free port")


class ControllerConfig(Section):
    rig: Path = Field(Path("face/rigs/sample.yaml"), description="the actuator map (rig YAML)")
    driver: Literal["log", "sim", "maestro"] = "log"
    log_path: Path = Path("outputs/face-log.jsonl")
    output_rate_hz: int = Field(100, ge=10, le=1000)
    watchdog_ms: int = Field(300, ge=50)
    neutral_ease_ms: int = Field(600, ge=0)
    maestro: MaestroConfig = Field(default_factory=MaestroConfig)
    sim: SimConfig = Field(default_factory=SimConfig)


class PrivacyConfig(Section):
    deployment: Literal["public", "home", "clinic", "workplace", "education"] = "public"
    store_audio: bool = Field(False, description="keep the user's speech as wav files")
    store_video: bool = False
    store_face_crops: bool = False
    store_transcripts: bool = False


class SafetyConfig(Section):
    """Crisis handling. There is deliberately no switch to turn it off."""

    crisis_reply: str = (
        "I'm really glad you told me. I'm a robot, and you deserve help from a person right now. "
        "If you are in danger, please call your local emergency number, or talk to someone you trust. "
        "You don't have to go through this alone."
    )
    resources: list[str] = Field(default_factory=list, description="lines appended to the crisis reply")
    extra_patterns: list[str] = Field(default_factory=list, description="more crisis phrases (regular expressions)")


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


class Persona(Section):
    name: str
    language: str = Field("en", pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]+)?$")
    voice: str | None = Field(None, description="a piper voice name; default: models.tts.voice")
    style: str = Field(..., min_length=1, description="the system prompt: who the robot is and how it speaks")
    greeting: str | None = None
    emotion_baseline: EmotionBaseline = Field(default_factory=EmotionBaseline)
    plugins: list[str] = Field(default_factory=list)
    turn_taking: PersonaTurnTaking = Field(default_factory=PersonaTurnTaking)


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
    persona: str = Field(..., description="the key of the active persona in `personas`")
    personas: dict[str, Persona] = Field(..., min_length=1)

    @model_validator(mode="after")
    def _persona_exists(self) -> Config:
        if self.persona not in self.personas:
            known = ", ".join(sorted(self.personas))
            raise ValueError(f"persona {self.persona!r} is not defined in `personas` (defined: {known})")
        return self

    @model_validator(mode="after")
    def _emotion_inference_lawful(self) -> Config:
        # EU AI Act Art. 5(1)(f): no emotion recognition in workplaces and education institutions.
        if self.perception.emotion_inference and self.privacy.deployment in ("workplace", "education"):
            raise ValueError(
                f"perception.emotion_inference is true but privacy.deployment is {self.privacy.deployment!r}: "
                "emotion recognition is not allowed there (EU AI Act Art. 5(1)(f)); set it to false or null"
            )
        return self

    # --- derived settings -------------------------------------------------------------------------------------

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

    def resolve_paths(self, base_dir: Path) -> None:
        """Make relative paths relative to ``base_dir`` (the config file's folder) and expand ``~``."""

        def fix(path: Path) -> Path:
            path = path.expanduser()
            return path if path.is_absolute() else (base_dir / path)

        self.models.dir = fix(self.models.dir)
        for section in (self.models.stt, self.models.llm, self.models.tts, self.models.affect):
            if section.path is not None:
                section.path = fix(section.path)
        self.audio.output.dir = fix(self.audio.output.dir)
        self.controller.rig = fix(self.controller.rig)
        self.controller.log_path = fix(self.controller.log_path)
