"""A persona switches at runtime (the ``persona`` agent command): prompt, plugins, boundaries and face change, the
conversation starts afresh, and a switch is refused for an unknown persona, another voice, or an open crisis."""

from __future__ import annotations

import json

from companion.agent.commands import CommandHandler
from companion.agent.config.schema import Boundary, Config, Persona
from companion.agent.events import EventBus, PersonaChanged
from companion.agent.session import ConversationSession, SessionParts
from companion.core.clock import LoopClock
from companion.face.emotions import Emotion, EmotionState
from companion.tools.testing import virtual_time
from companion.tools.testing.fakes import FakeLLM, FakeTTS
from tests.support.safety import inline_safety_step

GUIDE = Persona(
    name="Ada",
    style="You are a museum guide.",
    boundaries=[Boundary(topics=["politics"], say="I stay out of politics.")],
)
TUTOR = Persona(
    name="Tess",
    style="You are a patient tutor.",
    greeting="Hello, I'm Tess, your tutor.",
    plugins=["repeat"],
    emotion_baseline={"emotion": "happy", "intensity": 0.5},
)
SINGER = Persona(name="Mel", style="You sing.", voice="en_GB-other-voice")


def make_session() -> tuple[ConversationSession, EventBus, FakeLLM, CommandHandler]:
    llm = FakeLLM(lambda messages: "[neutral] Let me think.")
    events = EventBus()
    config = Config(persona="guide", personas={"guide": GUIDE, "tutor": TUTOR, "singer": SINGER})
    session = ConversationSession(
        config, SessionParts(tts=FakeTTS(), llm=llm, safety=inline_safety_step()), LoopClock(), events
    )
    return session, events, llm, CommandHandler(session)


def command(**keys: object) -> bytes:
    return json.dumps({"v": 1, **keys}).encode()


@virtual_time
async def test_the_persona_command_switches_prompt_plugins_boundaries_and_face() -> None:
    session, events, llm, commands = make_session()
    await session.start()
    assert (await session.say("what about politics?")).text == "I stay out of politics."
    await session.say("tell me about whales")
    assert "museum guide" in llm.calls[-1][0].content
    shown: list[EmotionState] = []
    show = session.face.emotion
    session.face.emotion = lambda state, utterance_id, t: (shown.append(state), show(state, utterance_id, t))  # type: ignore[method-assign]
    commands(command(cmd="persona", name="tutor", greet=True))
    (changed,) = events.of_type(PersonaChanged)
    assert (changed.persona, changed.name, changed.previous, changed.refused) == ("tutor", "Tess", "guide", "")
    assert session.context.history == [] and session.context.persona.name == "Tess"  # a fresh conversation
    assert [plugin.name for plugin in session.chain.plugins] == ["repeat"]
    assert shown[0] == EmotionState(Emotion.HAPPY, 0.5)  # the tutor's baseline face
    await session.say("what about politics?")  # the guide's boundary is gone: the model answers
    assert "patient tutor" in llm.calls[-1][0].content
    assert (await session.say("can you repeat that?")).source == "plugin:repeat"
    await session.close()


@virtual_time
async def test_a_switch_is_refused_for_an_unknown_persona_another_voice_or_an_open_crisis() -> None:
    session, events, _, commands = make_session()
    await session.start()
    commands(command(cmd="persona", name="tutr"))
    commands(command(cmd="persona", name="singer"))
    await session.say("I want to kill myself")
    commands(command(cmd="persona", name="tutor"))
    refusals = [event.refused for event in events.of_type(PersonaChanged)]
    assert "no persona 'tutr'" in refusals[0] and "guide, singer, tutor" in refusals[0]
    assert "another voice" in refusals[1] and "--persona singer" in refusals[1]
    assert "crisis" in refusals[2]
    assert session.persona.name == "Ada" and session.context.crisis_active
    commands(command(cmd="persona"))  # no name: malformed, counted and dropped
    assert commands.malformed == 1
    await session.close()
