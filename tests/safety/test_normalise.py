"""Normalisation: one spelling for many, and negation scope that stops where it should."""

from __future__ import annotations

import pytest

from companion.agent.safety.normalise import normalise


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("I don’t wanna live anymore", "i do not want to live any more"),
        ("I CANT go on", "i can not go on"),
        ("im sooo tired", "i am so tired"),
        ("kms", "kill myself"),
        ("she's been cutting", "she has been cutting"),
        ("my mum's pills", "my mum's pills"),
        ("I'd rather not", "i would rather not"),
        ("won't", "will not"),
        ("i took um a whole pack of uh, paracetamol", "i took a whole pack of paracetamol"),
        ("how tall is the the bridge", "how tall is the bridge"),
        ("i i i think", "i think"),
        ("I told her her dad called", "i told her her dad called"),
        ("what it is is hard", "what it is is hard"),
        ("honest tae god I'm gonnae kill masel", "honest to god i am going to kill myself"),
        ("yous'll all be sorry", "you will all be sorry"),
        ("been thinkin about puttin it away", "been thinking about putting it away"),
        ("won't be needin 'em where I'm goin'", "will not be needing them where i am going"),
        ("take an aspirin in the mornin", "take an aspirin in the morning"),  # a word, not a dropped g
        ("a robin in the cabin", "a robin in the cabin"),
        ("I'm fixin' to go", "i am going to go"),
        ("bank's takin the farm, ain't no point", "bank's taking the farm, there is no point"),
        ("I ain't going", "i am not going"),
        ("scratching me legs, me mam hasnae noticed", "scratching my legs, my mom has not noticed"),
        ("give me a minute", "give me a minute"),
        ("theyd be better off", "they would be better off"),
        ("my feat are killing me", "my feet are killing me"),  # a transcript's homophone
        ("a great feat of engineering", "a great feat of engineering"),
        ("I'll no be coming back up", "i will not be coming back up"),  # Scots "no" before a verb
        ("I'm no going", "i am not going"),
        ("I can no longer walk it, I am no good at hills", "i can no longer walk it, i am no good at hills"),
        ("there is no going back", "there is no going back"),
        ("him spread lies bout mi", "him spread lies about me"),  # Jamaican Patois
        ("I had a bad bout of flu before the title bout", "i had a bad bout of flu before the title bout"),
        # African American English: negative inversion, a dropped copula, "gon", "ion"
        ("I need one where can't nobody survive the fall", "i need one where nobody can survive the fall"),
        ("she taking the kids and she not coming back", "she is taking the kids and she is not coming back"),
        ("ion even care no more", "i do not even care no more"),
        ("she gon kill me", "she is going to kill me"),
        ("am I going to be okay", "am i going to be okay"),
        ("I going and wait for him", "i am going and wait for him"),
        ("he is an ion in solution", "he is an ion in solution"),
        ("I am not seeing any reason to go on", "i do not see any reason to go on"),  # Indian English
        ("Mih son dead. Ah cyah sleep", "my son is dead. i can not sleep"),  # Trinidadian
        ("I eh joking, is for me", "i am not joking, is for me"),
        ("I doh want to go", "i do not want to go"),
        (
            "she wan drink bleach, she say she no fit again",
            "she wants to drink bleach, she say she can not go on any more",
        ),
        ("how much person fit take", "how much person can take"),  # Nigerian Pidgin
        ("It fit in the box", "it fit in the box"),
        ("mi nuh waan dead or nutten", "i do not want to die or nothing"),
        ("No be say I wan kill myself", "i do not want to kill myself"),
        ("a wan smile", "a wan smile"),
        ("confirm cannot survive one right?", "surely can not survive right?"),  # Singapore English
        ("Lola ko stopped her meds", "my grandma stopped her meds"),  # Filipino English
        ("I'll have no use for owt, me hands are shaking", "i will have no use for anything, my hands are shaking"),
        ("the one on the left is mine, I want one", "the one on the left is mine, i want one"),
        ("my brother od'd last night", "my brother overdosed last night"),
        ("nobody will think it's odd", "nobody will think it is odd"),  # "odd" was once read as "od'd"
        ("she's thought about it", "she has thought about it"),
        ("made up me mind", "made up my mind"),  # Irish and Northern "me"
        ("suicidal af lately", "suicidal lately"),
        ("me nah thinking bout ending nothing", "i am not thinking about ending anything"),  # Patois "me" as subject
        ("she asked me did I want it", "she asked me did i want it"),  # English "me" stays
        ("she no dey answer", "she is not answering"),  # Pidgin, with its subject
        ("I no dey again", "i am not here any more"),
    ],
)
def test_spellings_become_one_normal_form(raw: str, normal: str) -> None:
    assert normalise(raw).text == normal


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("I've bougth the rope", "i have bought the rope"),  # a swap of two letters, into a word the lexicon uses
        ("my girlfreind said", "my girlfriend said"),
        ("I keep thinkign about it", "i keep thinking about it"),
        ("jonno and carys went vaping", "jonno and carys went vaping"),  # names and words the speller knows stay
        ("the zxqvbn crate", "the zxqvbn crate"),  # nothing one edit away that the lexicon uses
    ],
)
def test_typing_slips_become_the_word_the_lexicon_uses(raw: str, normal: str) -> None:
    pytest.importorskip("symspellpy")
    assert normalise(raw).text == normal


@pytest.mark.parametrize(
    ("text", "phrase", "negated"),
    [
        ("I would never hurt myself", "hurt", True),
        ("I'm not going to kill myself", "kill", True),
        ("I can't stop thinking about killing myself", "killing", False),  # "stop" ends the scope
        ("No. I want to hurt myself", "hurt", False),  # a sentence boundary ends it
        ("I do not feel like a burden", "burden", True),
        ("I want to hurt myself", "hurt", False),
    ],
)
def test_negation_scope(text: str, phrase: str, negated: bool) -> None:
    norm = normalise(text)
    assert norm.is_negated(norm.text.index(phrase)) is negated


def test_sentences_split_at_ends_and_but() -> None:
    assert normalise("The tour was fine. But honestly I can't go on").sentences() == [
        "the tour was fine",
        "honestly i can not go on",
    ]
