"""The crisis detector: one verdict per user turn from the layers, in order.

normalised text -> lexicon (explicit phrases: a risk alone; warning signs: evidence) -> semantic classifier (nearest
crisis against nearest benign exemplars) -> the conversation (a setback then a means question; evidence of earlier
turns). The rules that join them are few and fixed:

* an explicit crisis phrase that is not negated is a risk;
* two different warning signs (this turn, or one now and one in the last turns) are a risk;
* otherwise the classifier's margin, plus a bonus per warning sign and the decayed evidence of the last turns, minus
  a penalty when a crisis phrase was negated ("I would never hurt myself"), is a risk past the threshold;
* a means question after a loss or setback (in this turn or the last ones) is a risk; a setback is a lexicon phrase,
  or (for the next turns only) a turn close to the setback exemplars.

The detector does not depend on the language model and has no switch: the policy chain runs it on every turn.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from companion.agent.safety.context import TurnMemory, TurnRecord
from companion.agent.safety.embedders import Embedder, MiniLMEmbedder
from companion.agent.safety.head import DEFAULT_HEAD, LinearHead
from companion.agent.safety.lexicon import Hit, Level, Lexicon, LexiconResult
from companion.agent.safety.normalise import Normalised, normalise, warm_up_speller
from companion.agent.safety.semantic import Exemplars, SemanticClassifier, SemanticResult, margin_score

log = logging.getLogger(__name__)

WARNING_BONUS = 0.04  # margin added per warning sign in this turn
MEANS_ALONE_PENALTY = 0.05  # a means question with no setback, sign or crisis phrase asks a fact ("how tall is it?")
NEGATION_PENALTY = 0.15  # margin removed when a crisis phrase is negated: embeddings do not see "never"
IDIOM_PENALTY = 0.03  # margin removed when an idiom was masked and no sign is left: what remains is its setting
IMPERSONAL_PENALTY = 0.05  # margin removed for a general question about nobody in particular ("why does ...?")
MEANS_LIKE_SCORE = 0.25  # a classifier this sure of a means, plan or preparation counts as a means question
SAME_TURN_MEANS_SCORE = 0.5  # ... in the turn that tells the setback itself, it must be this sure
# A turn this close to the setback exemplars (mean cosine of the nearest three) tells a loss, in whatever words. Chosen
# on the contexts of every labelled set (docs/SAFETY.md): 0.45 recognised 320 of 481 setback-then-means contexts and
# 4 of 236 innocent ones (0.40: 397 and 20).
SETBACK_SIMILARITY = 0.45
_QUESTION = re.compile(
    # a rhetorical question ("what's the point...", "why bother") discloses: it is not a general question
    r"^(?!is it (?:normal|okay|ok|wrong|bad|weird|selfish) to"
    r"|what is the point|why (?:even )?bother|why should i|why do i even)"
    r"(?:why|how|what|which|when|where|is|are|can|could|does|do|should|would|will)\b"
)
# Asking how to look after a small injury or an illness: first aid, not a disclosure.
_CARE_QUESTION = re.compile(
    r"^(?:how (?:do|can|should|would) (?:i|you|we) "
    r"(?:treat|clean|care for|look after|dress|bandage|soothe|stop (?:a|the) (?:bleeding|nosebleed))|"
    r"what (?:should|do|can) (?:i|you|we) (?:put on|use on|do for|take for)|"
    r"what (?:should|do|can) (?:i|you|we) do (?:if|when) (?:i|you|we|someone|a (?:child|kid)|my [\w'-]+) "
    r"(?:get|gets|got) (?:stung|bitten|burnt|burned|scalded|a nosebleed|a splinter|a blister|sunburnt|sunburned)|"
    # a parent's first-aid question, in the present of what might happen ("... if my child swallows something
    # small?"); "... my child swallowed ..." may be happening now, and is left to the layers
    r"what (?:should|do|can|would) (?:i|you|we) do (?:if|when) (?:a (?:child|kid|baby|toddler)|(?:my|your|our) "
    r"(?:[\w'-]+ )?(?:child|kid|baby|toddler|son|daughter|little one)) (?:swallows|chokes|bumps|falls|gets a fever"
    r"|has a (?:fever|temperature|nosebleed)|eats|drinks|puts))\b"
)
# A crisis told as past and over: "I used to think about suicide, but that's long behind me".
_RESOLVED = re.compile(
    r"\b(?:used to|years ago|in the past|as a (?:teenager|teen|kid|child|student)|"
    r"when i was (?:younger|a teenager|a kid|at school|in school|a student))\b.*"
    r"\b(?:behind me|long gone|in the past now|not any more|no longer|over it|much "
    r"better now|better now|fine now|okay now|recovered|got help|clean for|have not (?:since|for years)"
    r"|in a (?:good|better|much better) place now|no thoughts like that)\b"
)
# A denial taken back at once: "... and I said no. I lied. The answer is yes"; "... but now I do".
_TAKEN_BACK = (
    r"(?![.,;!]?\s*(?:but (?:now|lately|recently|these days|this (?:week|month|year)|today|tonight)\b"
    r"|(?:i mean|actually|well|okay|ok),? (?:yes|yeah|i do|i have|i am|i did)\b"
    r"|(?:but |and )?(?:i lied|i was lying|(?:that|it) (?:was|is) (?:a lie|not true|not the truth)|not true"
    r"|(?:the )?truth is|the (?:honest |real |true )?answer (?:is|was) yes)))"
)
# A screening question told and answered no: "the midwife asked if I'd had thoughts of ending my life and I
# genuinely haven't"; "my friend asked me if I think to kill myself. No! I never think this". Only the phrases inside
# the question count as negated, and only when the answer ends there ("... and I didn't tell her I want to die" is
# no answer).
_ASKED_AND_DENIED = re.compile(
    # "asked me if I ..." or, with the question's own order, "asked me did I ever ..."
    # (a question put to many, "everyone asks veterans if they are suicidal. I'm not", is read in the report's
    # first person)
    r"\b(?:asked|asks|ask|asking) (?:me |us |people (?:like me )?|(?:[\w'-]+ )?[\w'-]+s )?"
    r"(?:if |whether |(?=(?:did|do|have|had|was|am|would|will|could) i\b))"
    r"(?P<question>(?:(?:did|do|have|had|was|am|would|will|could) )?i\b[^.?!;]{0,80}?)"
    r"(?:[.?!,;] ?| and | but | (?=i (?:could|can) (?:honestly |truthfully |genuinely |truly )?(?:say|answer) no\b))"
    r"(?:(?:honestly|genuinely|truthfully|truly),? )?"
    r"(?:no(?: lah| leh| lor| la| po| na| ah| man| mate| pet| love| bro| bruh| fam)?[.!,]|nope\b|never[.!,]"
    r"|i (?:said|told (?:her|him|them)|tell (?:her|him|them)) no\b"
    r"|i (?:could|can) (?:honestly |truthfully |genuinely |truly )?(?:say|answer) no\b"
    r"|(?:the |my )?(?:honest|truthful|short|real|true) answer(?: is| was|'s)? no\b|the answer (?:is|was) no\b"
    r"|i am (?:really|honestly|genuinely|truly|definitely) not(?=\s*(?:[.,;!]|$))"
    r"|i (?:genuinely |honestly |really |truly |definitely )?"
    r"(?:have not|had not|am not|do not|did not|never|have never)"
    r"(?: (?:have|had|did|do|would|think|thought|felt|been)(?: (?:this|that|it|any))?)?"
    r"(?: and i (?:never|would not|will not|would never) (?:would|will|have|do|could))?\s*(?:[.,;!]|$))" + _TAKEN_BACK
)
# What others suppose of the speaker, denied: "people think because I lost everything on the horses I'd want to end
# it. I don't." Only the phrases inside the supposition count as negated, and only when the denial ends there.
_SUPPOSED_AND_DENIED = re.compile(
    r"\b(?:people|everyone|everybody|they|folk|folks|(?:the |my )?neighbou?rs|my (?:[\w'-]+ )?[\w'-]+"
    r"|the (?:doctors?|staff|nurses?)) "
    r"(?:all |probably |must )?(?:[^.?!;]{1,50}? and )?"
    r"(?:think|thinks|thought|assume|assumes|assumed|reckon|reckons|expect|expects|worry|worries|worried|are worried"
    r"|is worried|keep thinking|seem to think) (?:that )?"
    r"(?P<question>[^.?!;]{0,80}?\bi\b[^.?!;]{0,60}?)(?:[.?!,;] ?| but | and )"
    r"(?:i (?:do not|would not|will not|am not|have not|did not|have never|would never|never)"
    r"|i really (?:do not|am not)|that is not (?:true|me|the case)"
    r"|not a bit of it|far from it|not at all|not likely|no chance|not me|no(?=!)"
    r"|i (?:really |honestly )?do not want to die|i am not giving up|i have not given up)"
    r"(?: (?:at all|really|like that|that sort|that kind of (?:person|man|woman|guy)"
    r"|(?:thought|thinking|considered) (?:of|about) (?:it|that|hurting myself|harming myself|killing myself|doing"
    r" (?:anything|something|that)(?: like that| stupid)?)))?\s*(?:[.,;!]|$)" + _TAKEN_BACK
)
# A group the speaker belongs to, supposed to be at risk, and the speaker denies it: "People assume widows want to die,
# but I don't"; "people think everybody in detention want to die. Not me." Never a person of the speaker's own
# ("people think my son wants to die" is a report).
_GROUP_SUPPOSED_AND_DENIED = re.compile(
    r"\b(?:people|everyone|everybody|they|folk|folks) (?:all |probably |must |always |often )?(?:think|thinks|thought"
    r"|assume|assumes|assumed|reckon|reckons|expect|expects|seem to think) (?:that )?"
    r"(?P<question>(?!(?:[\w'-]+ ){0,3}(?:my|his|her|their|our|your) )(?:all |most |many |every )?(?:[\w'-]+ ){0,3}?"
    r"(?:[\w'-]+s|people|folk|everybody|everyone)\b (?:in [\w'-]+ |like me |my age |of my age )?"
    r"(?:want|wants|are|is|must be|would|all want)\b[^.?!;]{0,40}?)(?:[.?!,;] ?| but | and )"
    r"(?:but )?(?:i (?:do not|am not|would not|never|really do not)|not me|that is not me|not this one)\b"
)
# Being well, as supposed or asked about: denying it is a disclosure, not a denial of risk.
_WELL = re.compile(
    r"\bi (?:was|am|were|would be|will be|had been|have been|seem|seemed|looked|look) (?:really |doing |feeling )?"
    r"(?:okay|ok|fine|alright|all right|coping|happy|good|well|over it|managing|better|getting better|strong|sorted)\b"
)
# Coping, said plainly and not taken back: wanting to live ("I want to live, I just don't want him finding me"), life
# going on, help that is working, company kept. The classifier's lean counts less, as for a denial. "I want to live
# but ..." is no such statement.
_COPING = re.compile(
    r"(?:^|[.!?;,] ?|\b(?:and|so|because|honestly|really|actually|of course) )"
    r"i (?:really |do |very much |definitely |still |just )?want to "
    r"(?:live|stay alive|be alive|keep living|go on living)"
    r"\s*(?:$|[.!;,](?!\s*(?:but|only|just not|except|yet|though)\b))"
    # or that life goes on, as people say when they are coping ("didn't get the placement ... what to do, life goes on")
    r"|(?:^|[.!?;,] ?|\b(?:and|so|but|anyway) )(?:life (?:goes|will go|has to go|must go) on"
    r"|i will (?:try again|keep trying|get there|keep going)(?: in [a-z]+| next [a-z]+| tomorrow)?"
    r"|(?:my|the) (?:children|kids|family|daughter|son|wife|husband) (?:give|gives) me (?:the )?"
    r"(?:power|strength|reason|courage) to (?:continue|go on|keep going)"
    # "... but talking it through is helping"
    r"|(?:talking (?:it )?(?:through|over|to (?:someone|somebody|him|her|them|the [\w'-]+))|(?:the )?(?:counselling"
    r"|counseling|therapy|group|sessions|meds|medication|tablets)) (?:is|are|has been|have been) (?:really )?"
    r"(?:helping|helpful|working)"
    # help sought and company kept: "... but I'm going to the support group tonight"; "I'm going walking with my sister"
    r"|i am going to (?:the |my |a )?(?:support group|counsellor|counselor|therapist|therapy|counselling|counseling"
    r"|group session)[^.!?;]{0,60}"
    r"|i am going (?:walking|hiking|swimming|fishing|away|out)(?: [\w'-]+){0,4} with (?:my|a) [\w'-]+[^.!?;]{0,40}"
    # "... but I'm seeing a counsellor and it's slowly getting better"
    r"|i am (?:seeing|talking to|working with) (?:a|my|the) (?:counsellor|counselor|therapist|psychologist|psychiatrist"
    r"|debt advis[eo]r|support worker|key worker)\b[^.!?;]{0,50}"
    r"|(?:it is|things are) (?:slowly |gradually |already )?(?:getting better|improving|looking up)"
    # safe at home, said plainly: "he's never laid a finger on me ... and I feel completely safe"
    r"|i feel (?:completely |totally |perfectly |quite |very )?safe(?: at home| with (?:him|her|them))?)"
    r"\s*(?:$|[.!;](?!\s*(?:but|without)\b))"
)
# A death wish said and explained away at once: "I only said I want to die because India lost the match".
_SAID_BECAUSE = re.compile(
    r"\bi (?:only|just|was only|was just) said (?:that )?(?P<question>i\b[^.?!;]{0,60}?) because\b"
    # "when I said I was tired of it all, I meant the bus service, not life"
    r"|\bwhen i said (?:that )?(?P<meant>i\b[^.?!;]{0,60}?),? (?:[\w'-]+, )?"
    r"i (?:meant|was talking about|was on about)\b(?! (?:it|that|every word|what i said)\b)"
    # "when I told my friend 'I want to die' it was only about the presentation"
    r"|\bwhen i (?:said|told (?:my |a )?[\w'-]+|texted (?:my |a )?[\w'-]+|wrote|posted|put) (?:that )?'?"
    r"(?P<told>i\b[^.?!;']{0,60}?)'?,? (?:it|that) was (?:only |just |all )?(?:about|over|because of|a joke|banter"
    r"|a figure of speech)\b"
    # "I typed 'i wanna die' in discord but I was talking about the raid"
    r"|\bi (?:typed|wrote|posted|texted|said|put) (?:that )?'(?P<typed>i\b[^.?!;']{0,60}?)'[^.?!;]{0,30}?\b(?:but|and) "
    r"(?:i was (?:talking|on) about|i meant|it was (?:about|over|a joke))\b"
    # "I said I wanted to die during that rush but don't worry, I'm not suicidal"; "... but I was only messing"
    r"|\bi (?:said|did say|told [\w'-]+|texted [\w'-]+|typed|wrote|posted) (?:that )?"
    r"(?P<unmeant>i\b[^.?!;]{0,60}?),? but (?:do not worry,? |honestly,? |to be clear,? |relax,? )?"
    r"(?:i am not (?:actually |really )?"
    r"(?:suicidal|going to (?:do anything|hurt myself|kill myself))|i was (?:only |just )?(?:messing|joking|kidding"
    r"|having a laugh|being dramatic|exaggerating|winding (?:you|them|him|her) up))\b"
    # "when I say kms it's just a figure of speech"
    r"|\bwhen i say (?P<says>[^.?!;]{0,40}?),? (?:it is|that is) (?:just |only )?(?:a figure of speech|a joke|an"
    r" expression|a saying|banter|slang|how i talk|how we talk)\b"
)
_GOOD_NEWS = re.compile(
    r"\b(?:so happy|so relieved|thank god|thank goodness|good news|great news|best news|celebrat\w*"
    r"|got my (?:[\w'-]+ )?(?:status|visa|papers|leave to remain|citizenship|passport|green card)|got the job|got in"
    # a birth: "my daughter's just had her baby upstairs, a little girl!"
    r"|(?:just )?had (?:her|his|their|my|our|a|the) (?:baby|little one)|(?:a|it is a) (?:little |baby )?(?:girl|boy)!"
    r"|congratulations|got engaged|got married)\b"
)
_RESOLVABLE = frozenset({"explicit", "self_harm", "not_waking", "hopelessness", "burden"})
SENTENCE_MIN_WORDS = 4  # shorter sentences ("Goodbye!") say too little alone
TURN_MIN_WORDS_FOR_SENTENCES = 10
_PERSONAL = re.compile(r"\b(?:i|me|my|myself|mine|we|us|our|ourselves)\b")
LEXICON_SCORE = 0.95
CONTEXT_SCORE = 0.85
TWO_SIGNS_SCORE = 0.8
# When two categories fire, the verdict names the more urgent one.
URGENCY = (
    "medical",
    "threat_to_others",
    "abuse",
    "plan",
    "preparation",
    "means",
    "self_harm",
    "explicit",
    "third_party",
    "goodbye",
    "giving_away",
    "not_waking",
    "burden",
    "hopelessness",
    "setback_means",
    "custom",
)


@dataclass(frozen=True)
class Verdict:
    """What the detector says about one turn: ``signals`` name every layer's evidence, for audits."""

    risk: bool
    category: str | None
    score: float
    signals: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "risk": self.risk,
            "category": self.category,
            "score": round(self.score, 3),
            "signals": list(self.signals),
        }


@dataclass
class _Evidence:
    norm: Normalised
    lexicon: LexiconResult
    texts: list[str] = field(default_factory=list)


class CrisisDetector:
    """Lexicon, semantic classifier and conversation memory joined into one verdict per turn."""

    def __init__(self, lexicon: Lexicon, classifier: SemanticClassifier, threshold: float | None = None) -> None:
        self.lexicon = lexicon
        self.classifier = classifier
        self.threshold = classifier.threshold if threshold is None else threshold
        # What makes a told setback no setback ("got laid off, but honestly I'm relieved") does so for a near one too,
        # and so does good news that reads like its loss ("I got my refugee status today!" is near "asylum refused").
        self._ended_well = (
            *(u for entry in lexicon.entries if entry.level is Level.SETBACK for u in entry.unless),
            _GOOD_NEWS,
        )
        self.semantic_failures = 0

    @classmethod
    def create(
        cls,
        extra_patterns: Sequence[str] = (),
        extra_exemplars: Sequence[Path] = (),
        embedder: Embedder | None = None,
        cache_dir: Path | None = None,
        inline: bool = False,
        head_path: Path | None = DEFAULT_HEAD,
    ) -> CrisisDetector:
        """The detector with the built-in lexicon, exemplars and linear head plus a deployment's additions.

        ``head_path=None`` leaves the head out (the nearest exemplars decide alone), as training the head does."""
        lexicon = Lexicon.load(extra_patterns=extra_patterns)
        exemplars = Exemplars.load(extra_exemplars)
        embedder = embedder or MiniLMEmbedder()
        kwargs: dict[str, Any] = {"inline": inline} if cache_dir is None else {"cache_dir": cache_dir, "inline": inline}
        classifier = SemanticClassifier(
            embedder,
            exemplars,
            prepare=lexicon.embedding_text,
            head=LinearHead.load(head_path, embedder.fingerprint()) if head_path is not None else None,
            **kwargs,
        )
        return cls(lexicon, classifier)

    async def warm_up(self) -> None:
        await self.classifier.warm_up()
        await self.classifier.run(warm_up_speller)

    def close(self) -> None:
        self.classifier.close()

    # -- the verdict -----------------------------------------------------------------------------------------------

    async def assess(self, text: str, memory: TurnMemory | None = None) -> Verdict:
        """The verdict on one user turn (the model runs in its worker thread). ``memory`` is the conversation's."""
        evidence = self._lexical(text)
        semantic = None
        if evidence.texts:
            try:
                semantic = await self.classifier.classify(evidence.texts)
            except Exception:
                # A broken model must not silence the lexicon: count it, log it, decide on what is left.
                self.semantic_failures += 1
                log.exception("safety: the semantic classifier failed; deciding on the lexicon and context alone")
        return self._decide(evidence, semantic, memory)

    def assess_sync(self, text: str, memory: TurnMemory | None = None) -> Verdict:
        """The same verdict, blocking (the command line, benchmarks, a worker thread)."""
        evidence = self._lexical(text)
        semantic = self.classifier.classify_sync(evidence.texts) if evidence.texts else None
        return self._decide(evidence, semantic, memory)

    def _lexical(self, text: str) -> _Evidence:
        norm = normalise(text)
        result = self.lexicon.match(norm)
        texts = []
        if result.masked:
            texts.append(result.masked)
            sentences = Normalised(text, result.masked).sentences()
            if len(sentences) > 1 and len(result.masked.split()) >= TURN_MIN_WORDS_FOR_SENTENCES:
                texts.extend(s for s in sentences if len(s.split()) >= SENTENCE_MIN_WORDS)
            if result.reported and not result.fiction and result.reported != result.masked:
                texts.append(result.reported)
        return _Evidence(norm, result, texts)

    def _decide(self, evidence: _Evidence, semantic: SemanticResult | None, memory: TurnMemory | None) -> Verdict:
        lex = evidence.lexicon
        resolved = bool(_RESOLVED.search(evidence.norm.text))
        if resolved:
            lex = _resolve(lex)
        told = [evidence.norm.text]
        if lex.reported and not lex.fiction:
            told.append(lex.reported)  # a report's denial: "... asks veterans if they are suicidal. I am not."
        denied = [m.group("question") for t in told for m in _ASKED_AND_DENIED.finditer(t)]
        denied += [m.group("question") for t in told for m in _SUPPOSED_AND_DENIED.finditer(t)]
        denied += [m.group("question") for m in _GROUP_SUPPOSED_AND_DENIED.finditer(evidence.norm.text)]
        # each way of explaining a wish away captures, in its own named group, what was said
        explained = _SAID_BECAUSE.finditer(evidence.norm.text)
        denied += [next(said for said in m.groupdict().values() if said is not None) for m in explained]
        if denied:
            lex = _resolve(lex, within=denied)
            # A risk denied is resolved; denying that one is well discloses ("they asked if I was okay. I'm not.").
            resolved = resolved or not all(_WELL.search(question) for question in denied)
        crisis = lex.active(Level.CRISIS)
        warnings = lex.active(Level.WARNING)
        means = lex.active(Level.MEANS)
        setback_told = bool(lex.active(Level.SETBACK))
        setback_near = (
            semantic is not None
            and semantic.setback >= SETBACK_SIMILARITY
            and not any(u.search(evidence.norm.text) for u in self._ended_well)
        )
        setback = setback_told or setback_near
        negated = [h for h in lex.hits if h.negated and h.level in (Level.CRISIS, Level.WARNING)]
        warning_ids = frozenset(h.entry for h in warnings)
        means_like = bool(means) or _leans_to_means(semantic, MEANS_LIKE_SCORE)
        # A setback and a means question in one turn: the means must be named, or the classifier sure of it
        # ("my girlfriend broke up with me, it sucks but I'll be fine" leans 0.25 to a plan and asks about nothing).
        means_in_setback_turn = bool(means) or _leans_to_means(semantic, SAME_TURN_MEANS_SCORE)
        # A loss recognised by its closeness alone explains the next turns' questions, not this turn's own words.
        context = (memory or TurnMemory()).assess(setback_told and means_in_setback_turn, means_like, warning_ids)

        signals = [h.signal for h in lex.hits if h.level is not Level.SETBACK]
        if setback_told:
            signals.append("lexicon:setback")
        if setback_near and semantic is not None:
            signals.append(f"semantic:setback:{semantic.setback:.2f}")
        signals.extend(f"idiom:{phrase.strip()}" for phrase in lex.idioms)
        if lex.fiction:
            signals.append("fiction")
        if resolved:
            signals.append("resolved")
        if semantic is not None:
            signals.append(semantic.signal)
        signals.extend(context.signals)

        margin = semantic.margin if semantic is not None else -1.0
        # A worried report about someone else's warning sign weighs double: the speaker is already alarmed.
        third_party_ids = {h.entry for h in warnings if h.third_party}
        margin += WARNING_BONUS * (len(warning_ids) + len(third_party_ids)) + context.pressure
        coping = bool(_COPING.search(evidence.norm.text))
        if coping:
            signals.append("coping")
        if (negated or resolved or coping) and not crisis:
            margin -= NEGATION_PENALTY  # denied, told as past and over, or coping: the classifier counts less
        if lex.idioms and not crisis and not warnings and not means:
            margin -= IDIOM_PENALTY
            signals.append("idiom_alone")
        if means and not crisis and not warnings and not context.setback_then_means and not context.pressure:
            margin -= MEANS_ALONE_PENALTY
            signals.append("means_alone")
        if not context.setback_then_means and _impersonal(evidence.norm.text, lex):
            margin -= IMPERSONAL_PENALTY
            signals.append("impersonal_question")
        score = margin_score(margin, self.threshold)

        category: str | None = None
        if crisis:
            score = max(score, LEXICON_SCORE)
            category = _most_urgent(crisis)
        # Two signs: two warnings, or one beside an earlier one, or beside a loss told in the same turn ("my sister
        # lost twins last month and she's texted me saying she's going to join them tonight").
        elif len(warning_ids) >= 2 or (warning_ids and (context.earlier_warnings or setback_told)):
            score = max(score, TWO_SIGNS_SCORE)
            category = _most_urgent(warnings)
        elif context.setback_then_means:
            score = max(score, CONTEXT_SCORE)
            category = "setback_means"
        elif means and warning_ids:  # a means at hand (or asked about) and a warning sign: "a rope, I know what for"
            score = max(score, TWO_SIGNS_SCORE)
            category = _most_urgent(warnings)
        risk = score >= 0.5
        if risk and category is None:
            category = _most_urgent(warnings) if warnings else (semantic.category if semantic else None)
        if memory is not None:
            memory.remember(TurnRecord(setback, margin, warning_ids, risk))
        return Verdict(risk, category if risk else None, round(score, 3), tuple(signals))


def _impersonal(text: str, lex: LexiconResult) -> bool:
    """A general question that is about nobody in particular: a fact is asked, nothing is disclosed."""
    if _CARE_QUESTION.match(text):
        return True
    return bool(_QUESTION.match(text)) and not _PERSONAL.search(text) and not lex.third_party_subject


def _resolve(lex: LexiconResult, within: Sequence[str] | None = None) -> LexiconResult:
    """Crisis phrases told as past and over, or asked about and denied (only those ``within`` the question), count
    as negated (the robot still answers kindly, without alarm)."""

    def resolvable(hit: Hit) -> bool:
        inside = within is None or any(hit.phrase.strip(" .,;!?") in question for question in within)
        # A warning sign inside a denied question or supposition is denied with it ("people think I'll do something
        # stupid, but I have never thought of hurting myself"); told as past and over, only crisis phrases are.
        level = hit.level is Level.CRISIS or (within is not None and hit.level is Level.WARNING)
        # a report's denial ("... asks veterans if they are suicidal. I am not.") resolves the report's phrase
        category = hit.kind if hit.third_party and within is not None else hit.category
        return category in _RESOLVABLE and level and inside

    return replace(lex, hits=[replace(h, negated=True) if resolvable(h) else h for h in lex.hits])


def _leans_to_means(semantic: SemanticResult | None, at_least: float) -> bool:
    """Whether the classifier reads the turn as a means, plan or preparation with at least this score."""
    return semantic is not None and semantic.category in ("means", "plan", "preparation") and semantic.score >= at_least


def _most_urgent(hits: Sequence[Hit]) -> str:
    return min((h.category for h in hits), key=lambda c: URGENCY.index(c) if c in URGENCY else len(URGENCY))
