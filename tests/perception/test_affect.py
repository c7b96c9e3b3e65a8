"""The ONNX affect classifier through real onnxruntime on the project's tiny model, and its label mapping."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import onnxruntime
import pytest

from companion.core.errors import ConfigError, ModelMissingError
from companion.core.registry import BuildContext
from companion.face.emotions import Emotion
from companion.perception.affect import OnnxAffectModel, OnnxAffectOptions, map_labels, preprocess, to_probabilities
from companion.tools.tiny.affect import make_tiny_affect_model

FERPLUS = ["neutral", "happy", "surprised", "sad", "angry", "disgusted", "fearful", "contempt"]  # FER+ order


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_affect_model(tmp_path_factory.mktemp("affect") / "tiny.onnx", FERPLUS, input_size=64)


@pytest.fixture(scope="module")
def face_crop() -> np.ndarray:
    from skimage import data

    portrait = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
    return portrait[66:161, 177:272]  # the astronaut's face, as the frontal cascade finds it


def test_labels_fold_onto_the_emotion_set() -> None:
    mapped = map_labels(FERPLUS)
    assert mapped[FERPLUS.index("contempt")] is Emotion.DISGUSTED
    assert mapped[FERPLUS.index("happy")] is Emotion.HAPPY
    assert map_labels(["Anger", "happiness", "Fear", "surprise"]) == [
        Emotion.ANGRY,
        Emotion.HAPPY,
        Emotion.FEARFUL,
        Emotion.SURPRISED,
    ]


def test_unknown_label_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as caught:
        map_labels(["neutral", "bored"])
    assert "bored" in caught.value.message


def test_preprocess_gives_a_scaled_nchw_tensor(face_crop: np.ndarray) -> None:
    tensor = preprocess(face_crop, 48, grayscale=True)
    assert tensor.shape == (1, 1, 48, 48)
    assert tensor.dtype == np.float32
    assert 0.0 <= tensor.min() < tensor.max() <= 1.0
    expected = cv2.resize(cv2.cvtColor(face_crop, cv2.COLOR_BGR2GRAY), (48, 48), interpolation=cv2.INTER_AREA)
    np.testing.assert_allclose(tensor[0, 0], expected / 255.0, atol=1e-6)
    color = preprocess(face_crop, 32, grayscale=False)
    assert color.shape == (1, 3, 32, 32)
    # Channel 0 is red: BGR input is converted to RGB.
    red = cv2.resize(face_crop, (32, 32), interpolation=cv2.INTER_AREA)[:, :, 2]
    np.testing.assert_allclose(color[0, 0], red / 255.0, atol=1e-6)


def test_to_probabilities_keeps_probabilities_and_softmaxes_logits() -> None:
    probs = np.array([0.2, 0.5, 0.3])
    np.testing.assert_allclose(to_probabilities(probs), probs)
    logits = np.array([2.0, -1.0, 0.5])
    out = to_probabilities(logits)
    np.testing.assert_allclose(out, np.exp(logits) / np.exp(logits).sum())
    assert out.sum() == pytest.approx(1.0)


@pytest.mark.integration
def test_predicts_normalised_probabilities_through_onnxruntime(tiny_model: Path, face_crop: np.ndarray) -> None:
    model = OnnxAffectModel(tiny_model, FERPLUS, input_size=64, grayscale=True, threads=1)
    assert model.emotions == tuple(dict.fromkeys(map_labels(FERPLUS)))
    assert Emotion.DISGUSTED in model.emotions and len(model.emotions) == len(FERPLUS) - 1
    result = model.predict(face_crop)
    assert set(result) == set(model.emotions)
    assert sum(result.values()) == pytest.approx(1.0, abs=1e-5)
    assert all(0.0 <= p <= 1.0 for p in result.values())

    # The same tensor straight through onnxruntime: folding adds contempt into disgusted and changes nothing else.
    session = onnxruntime.InferenceSession(str(tiny_model), providers=["CPUExecutionProvider"])
    (raw,) = session.run(None, {session.get_inputs()[0].name: preprocess(face_crop, 64)})
    raw = raw.reshape(-1)
    assert raw.shape == (len(FERPLUS),)
    by_label = dict(zip(FERPLUS, raw.tolist(), strict=True))
    assert result[Emotion.DISGUSTED] == pytest.approx(by_label["disgusted"] + by_label["contempt"], abs=1e-6)
    assert result[Emotion.HAPPY] == pytest.approx(by_label["happy"], abs=1e-6)
    # Different faces give different outputs: the model really looks at the crop.
    assert model.predict(np.zeros_like(face_crop)) != result


@pytest.mark.integration
def test_threads_come_from_the_config(tiny_model: Path) -> None:
    options = OnnxAffectOptions(path=tiny_model, labels=FERPLUS, input_size=64, grayscale=True, threads=2)
    model = OnnxAffectModel.from_config(options, BuildContext())
    assert model._session.get_session_options().intra_op_num_threads == 2


def test_missing_model_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "models" / "ferplus.onnx"
    with pytest.raises(ModelMissingError) as caught:
        OnnxAffectModel(missing, FERPLUS)
    assert str(missing) in str(caught.value)
    # No path: the default model, fetched into models.dir; missing, it says how to get it.
    with pytest.raises(ModelMissingError, match="models fetch --only affect") as fetched:
        OnnxAffectModel.from_config(OnnxAffectOptions(), BuildContext(models_dir=tmp_path))
    assert tmp_path / "affect" / OnnxAffectOptions().file in fetched.value.looked_in


@pytest.mark.integration
def test_config_that_does_not_fit_the_model_is_a_config_error(tiny_model: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        OnnxAffectModel(tiny_model, FERPLUS, input_size=48)
    assert "input_size" in str(caught.value)
    with pytest.raises(ConfigError) as caught:
        OnnxAffectModel(tiny_model, FERPLUS[:-1], input_size=64)
    assert "7 labels" in caught.value.message
