"""Model resolution (where models are looked for) and fetching: present, missing, offline."""

from __future__ import annotations

import hashlib
import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from companion.agent.config.schema import Config, LlmConfig, Persona
from companion.agent.models import fetch, registry
from companion.core.errors import CompanionError, ConfigError, ModelMissingError, OfflineError
from companion.core.models import ModelNeed, folder_name
from companion.perception.config import AffectConfig
from companion.speech.config import SttConfig, TtsConfig
from companion.speech.stt import faster_whisper
from companion.speech.tts import piper


def make_config(models_dir: Path, **persona: object) -> Config:
    """A config needing the speech and language models only (the face-landmark model has tests of its own)."""
    config = Config(persona="p", personas={"p": Persona(name="P", style="kind", **persona)})
    config.models.dir = models_dir
    config.perception.landmarks = None
    config.models.affect = None
    return config


def put_stt(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "model.bin").write_bytes(b"x")
    return folder


def put_llm(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    return folder


def put_voice(onnx: Path, with_json: bool = True) -> Path:
    onnx.parent.mkdir(parents=True, exist_ok=True)
    onnx.write_bytes(b"x")
    if with_json:
        Path(f"{onnx}.json").write_text("{}")
    return onnx


def needs(config: Config) -> dict[str, ModelNeed]:
    return {need.kind: need for need in registry.model_needs(config)}


@pytest.fixture
def empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A Hugging Face cache folder with nothing in it, so the user's real cache cannot leak into the tests."""
    cache = tmp_path / "hf-cache"
    cache.mkdir()
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    return cache


# --- names ----------------------------------------------------------------------------------------------------------


def test_names_map_to_repos_and_files() -> None:
    assert faster_whisper.repo_id("base.en") == "Systran/faster-whisper-base.en"
    assert faster_whisper.repo_id("distil-large-v3") == "Systran/faster-distil-whisper-large-v3"
    assert faster_whisper.repo_id("me/my-whisper") == "me/my-whisper"
    assert folder_name("Qwen/Qwen2.5-0.5B-Instruct") == "Qwen--Qwen2.5-0.5B-Instruct"
    assert piper.voice_file("de_DE-thorsten-high") == "de/de_DE/thorsten/high/de_DE-thorsten-high.onnx"


def test_bad_voice_name_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="lessac"):
        piper.voice_file("lessac")


# --- resolution -----------------------------------------------------------------------------------------------------


def test_models_found_in_the_layout(tmp_path: Path, empty_cache: Path) -> None:
    config = make_config(tmp_path)
    stt = put_stt(tmp_path / "stt" / "base.en")
    llm = put_llm(tmp_path / "llm" / "Qwen--Qwen2.5-0.5B-Instruct")
    voice = put_voice(tmp_path / "tts" / "en_US-lessac-medium.onnx")
    found = needs(config)
    assert found["stt"].locate() == stt
    assert found["llm"].locate() == llm
    assert found["tts"].locate() == voice


def test_missing_model_lists_every_place_it_looked(tmp_path: Path, empty_cache: Path) -> None:
    config = make_config(tmp_path)
    with pytest.raises(ModelMissingError) as caught:
        needs(config)["stt"].locate()
    error = caught.value
    layout = tmp_path / "stt" / "base.en"
    cache = empty_cache / "models--Systran--faster-whisper-base.en"
    assert error.looked_in[0] == layout
    assert error.looked_in[1].is_relative_to(cache)
    message = str(error)
    assert str(layout) in message and str(cache) in message
    assert "companion models fetch" in message and "make-tiny" in message and "COMPANION_STT_MODEL" in message


def test_persona_voice_overrides_the_configured_voice(tmp_path: Path, empty_cache: Path) -> None:
    config = make_config(tmp_path, voice="en_GB-alan-low")
    put_voice(tmp_path / "tts" / "en_US-lessac-medium.onnx")
    persona_voice = put_voice(tmp_path / "tts" / "en_GB-alan-low.onnx")
    assert needs(config)["tts"].locate() == persona_voice
    with pytest.raises(ModelMissingError) as caught:
        piper.model_need(config.models.tts.options, tmp_path, "en_US-amy-low").locate()
    assert tmp_path / "tts" / "en_US-amy-low.onnx" in caught.value.looked_in


def test_voice_without_its_json_is_missing(tmp_path: Path, empty_cache: Path) -> None:
    config = make_config(tmp_path)
    put_voice(tmp_path / "tts" / "en_US-lessac-medium.onnx", with_json=False)
    with pytest.raises(ModelMissingError):
        needs(config)["tts"].locate()


def test_explicit_path_wins_and_must_be_complete(tmp_path: Path, empty_cache: Path) -> None:
    config = make_config(tmp_path)
    put_stt(tmp_path / "stt" / "base.en")
    mine = put_stt(tmp_path / "elsewhere" / "whisper")
    config.models.stt = SttConfig(path=mine)
    assert needs(config)["stt"].locate() == mine

    (mine / "model.bin").unlink()  # an incomplete folder is an error, never a fall-back to models.dir
    with pytest.raises(ModelMissingError) as caught:
        needs(config)["stt"].locate()
    assert caught.value.looked_in == [mine]


def test_explicit_llm_and_voice_paths(tmp_path: Path, empty_cache: Path) -> None:
    config = make_config(tmp_path, voice="en_GB-alan-low")
    config.models.llm = LlmConfig(path=tmp_path / "my-llm")
    with pytest.raises(ModelMissingError, match=r"config\.json"):
        needs(config)["llm"].locate()
    put_llm(tmp_path / "my-llm")
    assert needs(config)["llm"].locate() == tmp_path / "my-llm"

    mine = put_voice(tmp_path / "voices" / "mine.onnx")
    config.models.tts = TtsConfig(path=mine)
    # An explicit voice file wins even over a persona's voice name.
    assert needs(config)["tts"].locate() == mine


def test_model_found_in_the_hugging_face_cache(tmp_path: Path, empty_cache: Path) -> None:
    config = make_config(tmp_path / "models")
    repo = empty_cache / "models--Systran--faster-whisper-base.en"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text("abc123")
    snapshot = put_stt(repo / "snapshots" / "abc123")
    assert needs(config)["stt"].locate() == snapshot


def test_the_affect_model_is_fetched_by_default_and_can_be_switched_off(tmp_path: Path, empty_cache: Path) -> None:
    config = make_config(tmp_path)
    config.models.affect = AffectConfig()
    default = needs(config)["affect"]
    assert default.source is not None and default.source.repo_id == "opencv/facial_expression_recognition"
    assert default.source.sha256 and default.source.revision  # pinned, and checked after the download
    config.models.affect = None  # no classifier: face detection only
    assert "affect" not in needs(config)
    config.models.affect = AffectConfig(path=tmp_path / "fer.onnx")
    with pytest.raises(ModelMissingError, match=r"fer\.onnx"):
        needs(config)["affect"].locate()
    (tmp_path / "fer.onnx").write_bytes(b"x")
    assert needs(config)["affect"].locate() == tmp_path / "fer.onnx"
    config.privacy.deployment = "education"  # emotion inference is off there: the model is never loaded
    assert "affect" not in needs(config)


def test_model_status_reports_each_kind(tmp_path: Path, empty_cache: Path) -> None:
    config = make_config(tmp_path)
    stt = put_stt(tmp_path / "stt" / "base.en")
    statuses = {s.kind: s for s in registry.model_status(config)}
    assert list(statuses) == ["stt", "llm", "tts"]
    assert statuses["stt"].present and statuses["stt"].path == stt
    assert not statuses["llm"].present and statuses["llm"].hint and "fetch" in statuses["llm"].hint
    assert tmp_path / "llm" / "Qwen--Qwen2.5-0.5B-Instruct" in statuses["llm"].looked_in

    config.models.llm = LlmConfig(backend="openai")
    assert "llm" not in {s.kind for s in registry.model_status(config)}  # the server holds the model


# --- fetch ----------------------------------------------------------------------------------------------------------


def test_parse_only(tmp_path: Path) -> None:
    found = registry.model_needs(make_config(tmp_path))
    assert fetch.parse_only(None, found) == ["stt", "llm", "tts"]
    assert fetch.parse_only("tts, stt", found) == ["tts", "stt"]
    with pytest.raises(ConfigError, match="sst"):
        fetch.parse_only("sst", found)


def test_plan_maps_models_into_the_layout(tmp_path: Path, empty_cache: Path) -> None:
    config = make_config(tmp_path, voice="en_GB-alan-low")
    todo, present = fetch.plan(registry.model_needs(config), ["stt", "llm", "tts"])
    assert present == []
    sources = {need.kind: need.source for need in todo}
    assert all(source is not None for source in sources.values())
    targets = {kind: (s.repo_id, s.target, s.files) for kind, s in sources.items() if s is not None}
    assert targets["stt"][:2] == ("Systran/faster-whisper-base.en", tmp_path / "stt" / "base.en")
    assert targets["llm"][:2] == ("Qwen/Qwen2.5-0.5B-Instruct", tmp_path / "llm" / "Qwen--Qwen2.5-0.5B-Instruct")
    assert targets["tts"] == (
        "rhasspy/piper-voices",
        tmp_path / "tts" / "en_GB-alan-low.onnx",
        ("en/en_GB/alan/low/en_GB-alan-low.onnx", "en/en_GB/alan/low/en_GB-alan-low.onnx.json"),
    )


def test_fetch_skips_models_already_present_without_touching_the_network(tmp_path: Path, empty_cache: Path) -> None:
    config = make_config(tmp_path)
    put_stt(tmp_path / "stt" / "base.en")
    put_llm(tmp_path / "llm" / "Qwen--Qwen2.5-0.5B-Instruct")
    put_voice(tmp_path / "tts" / "en_US-lessac-medium.onnx")
    out = io.StringIO()
    # An endpoint that cannot exist: any network use would raise OfflineError.
    results = fetch.fetch_models(config, endpoint="http://127.0.0.1:9", out=out)
    assert [(r.kind, r.downloaded) for r in results] == [("stt", False), ("llm", False), ("tts", False)]
    assert out.getvalue().count("already present") == 3


def test_fetch_with_a_wrong_explicit_path_says_so(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    config.models.stt = SttConfig(path=tmp_path / "nowhere")
    with pytest.raises(ModelMissingError, match=r"models\.stt\.path"):
        fetch.fetch_models(config, "stt", endpoint="http://127.0.0.1:9", out=io.StringIO())


def fetch_and_time(config: Config, endpoint: str | None, timeout_s: float) -> tuple[BaseException | None, float]:
    start = time.monotonic()
    try:
        fetch.fetch_models(config, "tts", endpoint=endpoint, timeout_s=timeout_s, out=io.StringIO())
    except CompanionError as error:
        return error, time.monotonic() - start
    return None, time.monotonic() - start


def hub_reachable() -> bool:
    try:
        socket.create_connection(("huggingface.co", 443), timeout=2.0).close()
    except OSError:
        return False
    return True


@pytest.mark.integration
def test_fetch_offline_fails_fast_with_offline_error(tmp_path: Path) -> None:
    """The real hub, unreachable here (no route): huggingface_hub alone would retry for ~20 s per file."""
    if hub_reachable():
        pytest.skip("the hub is reachable from this machine: the offline path cannot be tested against it")
    error, elapsed = fetch_and_time(make_config(tmp_path), None, timeout_s=3.0)
    assert isinstance(error, OfflineError), error
    assert "make-tiny" in str(error)
    assert elapsed < 30.0  # a generous bound: the failure it guards against takes minutes of retries
    assert not (tmp_path / "tts" / "en_US-lessac-medium.onnx").exists()


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A TCP server that accepts connections and never answers: a hung hub, the worst case for a deadline."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join(2)
    for connection in accepted:
        connection.close()
    server.close()


def test_fetch_from_a_hub_that_never_answers_gives_up_at_the_deadline(tmp_path: Path, silent_server: str) -> None:
    error, elapsed = fetch_and_time(make_config(tmp_path), silent_server, timeout_s=1.0)
    assert isinstance(error, OfflineError), error
    assert silent_server in str(error)
    assert elapsed < 30.0


def test_hub_offline_setting_fails_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    error, _ = fetch_and_time(make_config(tmp_path), "http://127.0.0.1:9", timeout_s=1.0)
    assert isinstance(error, OfflineError) and "HF_HUB_OFFLINE" in str(error)


# --- the download path, against a small fake of the hub's HTTP API ----------------------------------------------------

COMMIT = "0123456789abcdef0123456789abcdef01234567"
HUB_REPOS: dict[str, dict[str, bytes]] = {
    "Systran/faster-whisper-base.en": {
        "model.bin": b"weights" * 100,
        "config.json": b"{}",
        "tokenizer.json": b"{}",
        "vocabulary.txt": b"a\nb",
        "README.md": b"not needed",
    },
    "Qwen/Qwen2.5-0.5B-Instruct": {
        "config.json": b"{}",
        "model.safetensors": b"tensor" * 100,
        "tokenizer.json": b"{}",
        "chat_template.jinja": b"{{ messages }}",
        "onnx/model.onnx": b"another export, not needed",
        "LICENSE": b"not needed",
    },
    "opencv/facial_expression_recognition": {"fer.onnx": b"an affect model" * 10, "README.md": b"licence"},
    "rhasspy/piper-voices": {
        "en/en_US/lessac/medium/en_US-lessac-medium.onnx": b"voice" * 100,
        "en/en_US/lessac/medium/en_US-lessac-medium.onnx.json": b"{}",
        "en/en_GB/alan/low/en_GB-alan-low.onnx": b"another voice",
        "voices.json": b"{}",
    },
}


class FakeHub(ThreadingHTTPServer):
    """Answers the calls huggingface_hub makes: model info, the file tree, and file HEAD/GET under /resolve/."""

    def __init__(self, repos: dict[str, dict[str, bytes]]) -> None:
        super().__init__(("127.0.0.1", 0), _FakeHubHandler)
        self.repos = repos
        self.requests: list[tuple[str, str]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"


class _FakeHubHandler(BaseHTTPRequestHandler):
    server: FakeHub

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep test output clean

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def _answer(self, with_body: bool) -> None:
        path = unquote(urlsplit(self.path).path)
        self.server.requests.append((self.command, path))
        status, body, headers = self._route(path)
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def _route(self, path: str) -> tuple[int, bytes, dict[str, str]]:
        not_found = (404, b'{"error": "not found"}', {"X-Error-Code": "RepoNotFound"})
        for repo, files in self.server.repos.items():
            if path in (f"/api/models/{repo}", f"/api/models/{repo}/revision/{COMMIT}"):
                info = {"id": repo, "sha": COMMIT, "siblings": [{"rfilename": name} for name in files]}
                return 200, json.dumps(info).encode(), {"Content-Type": "application/json"}
            if path.startswith(f"/api/models/{repo}/tree/"):
                tree = [
                    {"type": "file", "path": name, "size": len(data), "oid": hashlib.sha1(data).hexdigest()}
                    for name, data in files.items()
                ]
                return 200, json.dumps(tree).encode(), {"Content-Type": "application/json"}
            prefix = f"/{repo}/resolve/{COMMIT}/"
            if path.startswith(prefix) and path[len(prefix) :] in files:
                data = files[path[len(prefix) :]]
                return 200, data, {"X-Repo-Commit": COMMIT, "ETag": f'"{hashlib.sha1(data).hexdigest()}"'}
        return not_found


@pytest.fixture
def fake_hub() -> Iterator[FakeHub]:
    hub = FakeHub(HUB_REPOS)
    thread = threading.Thread(target=hub.serve_forever, daemon=True)
    thread.start()
    yield hub
    hub.shutdown()
    hub.server_close()
    thread.join(2)


def test_fetch_downloads_into_the_layout(tmp_path: Path, fake_hub: FakeHub, empty_cache: Path) -> None:
    config = make_config(tmp_path / "models")
    results = fetch.fetch_models(config, endpoint=fake_hub.url, out=io.StringIO())
    assert [(r.kind, r.downloaded) for r in results] == [("stt", True), ("llm", True), ("tts", True)]

    found = needs(config)
    stt, llm, voice = found["stt"].locate(), found["llm"].locate(), found["tts"].locate()
    assert stt == tmp_path / "models" / "stt" / "base.en"
    assert [p.name for p in stt.parent.iterdir()] == ["base.en"]  # the .partial staging folder is gone
    assert (stt / "model.bin").read_bytes() == HUB_REPOS["Systran/faster-whisper-base.en"]["model.bin"]
    assert sorted(p.name for p in stt.iterdir()) == ["config.json", "model.bin", "tokenizer.json", "vocabulary.txt"]
    assert sorted(p.name for p in llm.iterdir()) == [
        "chat_template.jinja",
        "config.json",
        "model.safetensors",
        "tokenizer.json",
    ]
    expected_voice = HUB_REPOS["rhasspy/piper-voices"]["en/en_US/lessac/medium/en_US-lessac-medium.onnx"]
    assert voice.read_bytes() == expected_voice
    assert sorted(p.name for p in voice.parent.iterdir()) == [
        "en_US-lessac-medium.onnx",
        "en_US-lessac-medium.onnx.json",
    ]

    fake_hub.requests.clear()
    again = fetch.fetch_models(config, endpoint=fake_hub.url, out=io.StringIO())
    assert not any(r.downloaded for r in again)
    assert fake_hub.requests == []


def test_fetch_of_an_unknown_model_names_it(tmp_path: Path, fake_hub: FakeHub) -> None:
    config = make_config(tmp_path)
    config.models.llm = LlmConfig(model="nobody/no-such-model")
    with pytest.raises(ModelMissingError, match="nobody/no-such-model") as caught:
        fetch.fetch_models(config, "llm", endpoint=fake_hub.url, out=io.StringIO())
    assert "models.llm.model" in str(caught.value)
    assert not (tmp_path / "llm" / "nobody--no-such-model").exists()


def test_a_pinned_single_file_model_is_checked_after_the_download(tmp_path: Path, fake_hub: FakeHub) -> None:
    data = HUB_REPOS["opencv/facial_expression_recognition"]["fer.onnx"]
    config = make_config(tmp_path)
    options = {"file": "fer.onnx", "revision": COMMIT, "repo": "opencv/facial_expression_recognition"}
    config.models.affect = AffectConfig(**options, sha256="0" * 64)
    with pytest.raises(CompanionError, match="not the expected one"):
        fetch.fetch_models(config, "affect", endpoint=fake_hub.url, out=io.StringIO())
    assert not (tmp_path / "affect" / "fer.onnx").exists()
    config.models.affect = AffectConfig(**options, sha256=hashlib.sha256(data).hexdigest())
    out = io.StringIO()
    (result,) = fetch.fetch_models(config, "affect", endpoint=fake_hub.url, out=out)
    assert result.downloaded and result.path.read_bytes() == data
    assert "licence: Apache-2.0" in out.getvalue()


@pytest.mark.integration
def test_the_landmark_model_is_built_from_the_package_index(tmp_path: Path, landmark_models: Path) -> None:
    """The BuiltSource path: the mediapipe wheel from PyPI, its networks checked and converted, byte for byte the
    same models every time (the conversion is deterministic)."""
    from companion.perception.landmarks.face_mesh import DETECTOR_FILE, LANDMARK_FILE, FaceMeshOptions, model_need

    need = model_need(FaceMeshOptions(), tmp_path)
    assert need.source is not None and not isinstance(need.source, fetch.HubSource)
    target = tmp_path / "built"
    need.source.build(target)
    for name in (DETECTOR_FILE, LANDMARK_FILE):
        assert (target / name).read_bytes() == (landmark_models / name).read_bytes()
