"""One spelling for every way a sentence can be typed or transcribed, so the lexicon's phrases are written once.

Speech-to-text, phones and keyboards spell the same words differently: curly and straight apostrophes,
``can't``/``cant``/``cannot``, ``wanna``, ``kms``, British and American spellings, stretched letters
(``sooo``). The lexicon sees lower-case text with contractions expanded (``i am``, ``do not``, ``will not``),
chat shorthand spelled out, and single spaces. Negation is not removed: ``is_negated`` tells whether a phrase
starts inside a negation's scope (``I would never hurt myself``), so each lexicon entry decides what a negation
means for it (``I don't want to live`` is the risk itself).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, cached_property
from importlib.resources import files
from pathlib import Path
from typing import Any

_APOSTROPHES = re.compile(r"[‘’‛′`´ʼ]")
_QUOTES = re.compile(r"[“”„‟″]")
_DASHES = re.compile(r"[‐‑‒–—―−]")
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060\ufeff\u00ad]")
_STRETCHED = re.compile(r"([a-z])\1{2,}")  # "sooo" -> "so", "byeeee" -> "bye" (English has no tripled letters)
_SPACES = re.compile(r"\s+")

# Irregular contractions first; the regular endings follow. Applied on lower-case text with straight apostrophes.
_CONTRACTIONS: tuple[tuple[str, str], ...] = (
    (r"\bwon't\b", "will not"),
    (r"\bcan't\b", "can not"),
    (r"\bcannot\b", "can not"),
    (r"\bshan't\b", "shall not"),
    (r"\bain't\b", "is not"),
    (r"\blet's\b", "let us"),
    (r"\by'all\b", "you all"),
    (r"n't\b", " not"),
    (r"\bi'm\b", "i am"),
    (
        r"'s (been|got|gotten|taken|gone|done|left|had|made|said|told|tried|swallowed|stopped|started|lost|given|laid"
        r"|written|thought|decided|bought|sold|sent|kept|found|seen|threatened|hidden|planned|stockpiled|collected"
        r"|mentioned|posted|texted|spoken|talked)\b",
        r" has \1",
    ),
    (r"'re\b", " are"),
    (r"'ve\b", " have"),
    (r"'ll\b", " will"),
    (r"\b(i|you|he|she|it|we|they|who|that|there)'d\b", r"\1 would"),
    (r"\b(he|she|it|that|there|what|where|who|how|here|everything|nothing|life)'s\b", r"\1 is"),
)

# Words typed or transcribed without their apostrophe, and chat shorthand. Only unambiguous forms: "ill", "id",
# "were", "well" and "its" are real words and are left alone.
_WORDS: dict[str, str] = {
    "im": "i am",
    "ive": "i have",
    "dont": "do not",
    "doesnt": "does not",
    "didnt": "did not",
    "cant": "can not",
    "wont": "will not",
    "isnt": "is not",
    "arent": "are not",
    "wasnt": "was not",
    "werent": "were not",
    "wouldnt": "would not",
    "couldnt": "could not",
    "shouldnt": "should not",
    "havent": "have not",
    "hasnt": "has not",
    "hadnt": "had not",
    "youre": "you are",
    "theyll": "they will",
    "youll": "you will",
    "itll": "it will",
    "theyd": "they would",
    "oughta": "ought to",
    "thatll": "that will",
    "wouldnae": "would not",
    "couldnae": "could not",
    "cannae": "can not",
    "canna": "can not",
    "dinnae": "do not",
    "didnae": "did not",
    "isnae": "is not",
    "wasnae": "was not",
    "willnae": "will not",
    "shouldnae": "should not",
    "doesnae": "does not",
    "disnae": "does not",
    "wisnae": "was not",
    "widnae": "would not",
    "havenae": "have not",
    "hasnae": "has not",
    "gonnae": "going to",
    "tae": "to",
    "masel": "myself",
    "mysel": "myself",
    "hissel": "himself",
    "hersel": "herself",
    "yersel": "yourself",
    "themsels": "themselves",
    "ye": "you",
    "yous": "you",
    "youse": "you",
    "wi": "with",
    "whit": "what",
    "naebody": "nobody",
    "nae": "no",
    "hame": "home",
    "heid": "head",
    "oot": "out",
    "doon": "down",
    "efter": "after",
    "bairn": "baby",
    "bairns": "kids",
    "theyre": "they are",
    "shes": "she is",
    "n": "and",
    "w": "with",
    "nan": "grandma",
    "nana": "grandma",
    "nanna": "grandma",
    "lola": "grandma",  # Filipino English
    "lolo": "grandpa",
    "owt": "anything",  # Northern English
    "nowt": "nothing",
    "summat": "something",
    "kena": "got",  # Singapore and Malaysian English: "kena sacked"
    "gran": "grandma",
    "granny": "grandma",
    "grandad": "grandpa",
    "granddad": "grandpa",
    "thats": "that is",
    "whats": "what is",
    "theres": "there is",
    "wanna": "want to",
    "gonna": "going to",
    "gon": "going to",
    "finna": "going to",
    "gotta": "got to",
    "hafta": "have to",
    "tryna": "trying to",
    "kinda": "kind of",
    "sorta": "sort of",
    "dunno": "do not know",
    "idk": "i do not know",
    "idc": "i do not care",
    "ngl": "not going to lie",
    "tbh": "to be honest",
    "rn": "right now",
    "u": "you",
    "ur": "your",
    "ppl": "people",
    "bc": "because",
    "cuz": "because",
    "coz": "because",
    "cos": "because",
    "pls": "please",
    "plz": "please",
    "abt": "about",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "2moro": "tomorrow",
    "nite": "night",
    "thru": "through",
    "ok": "okay",
    "kms": "kill myself",
    "kys": "kill yourself",
    "od": "overdose",
    "oding": "overdosing",
    "unalive": "kill",
    "unalived": "killed",
    "unaliving": "killing",
    "sewerslide": "suicide",
    "selfharm": "self-harm",
    "selfharming": "self-harming",
    "mum": "mom",
    "mummy": "mommy",
    "mam": "mom",
    "mums": "moms",
    "mams": "moms",
    "em": "them",
    "neighbour": "neighbor",
    "neighbours": "neighbors",
    "realise": "realize",
    "realised": "realized",
    "apologise": "apologize",
    "jewellery": "jewelry",
    "divorsed": "divorced",
    "anymore": "any more",
    "noone": "no one",
    "no-one": "no one",
    "everyones": "everyone is",
    "nobodys": "nobody is",
}
_PHRASES: tuple[tuple[str, str], ...] = (
    (r"\bself[\s-]+harm", "self-harm"),
    (r"\bsewer[\s-]+slide\b", "suicide"),
    (r"\bmy self\b|\bmeself\b", "myself"),
    # a transcript's homophone: "my feat are killing me"
    (r"\b(my|your|his|her|our|their) feat\b", r"\1 feet"),
    (r"\bshan'?t\b|\bshall not\b", "will not"),
    # Scots "no" for "not" before a verb: "I'll no be coming back", "I'm no going" ("no longer", "no good" stay)
    (
        r"(\bwill|\bwould|\bcould|\bshould|\bam|\bcan|\bdo|\bdid|'ll|'m|'d) no "
        r"(be|go|going|coming|come|get|getting|make|see|last|need|know|want|bother|stay|say|have)\b",
        r"\1 not \2",
    ),
    (r"\bhow (tall|high|deep|far|big|long|cold|fast|strong)'s\b", r"how \1 is"),
    # British slang for killing oneself: "topping myself", "do myself in"
    (r"\btop(?:ping|ped|s)? (myself|himself|herself|themselves)\b", r"kill \1"),
    (r"\b(?:do|doing|did|done) (myself|himself|herself|themselves) in\b", r"kill \1"),
    (r"\bo(?:\.?d'd|\.?ded|\.dd)\b", "overdosed"),  # "od'd", "oded", "o.d'd"; never "odd"
    (r"\bfixin'? to\b|\bfixing to\b", "going to"),
    # Northern and Irish "me" for "my" before what one has: "scratching me legs", "me mam"
    (
        r"\bme (?=(?:mam|mum|mom|dad|da|nan|gran|legs?|arms?|wrists?|thighs?|head|heart|chest|face|skin|body|pills"
        r"|tablets|meds|life|kids|bairns?|wife|husband|missus|fella|lad|lass|brother|sister|mates?|family|house|flat|hands?"
        r"|bus pass|glasses|reading glasses|coat|watch|ring|things|stuff|books|records|tools|keys|bike|dog|cat|medals"
        r"|room|car|van|job|rope|knife|blade|daughters?|sons?|grandkids|grandchildren|granddaughter|grandson|children"
        r"|mind|whole|own)\b)",
        "my ",
    ),
    (r"(?<=[a-z]) 'em\b", " them"),
    # chat: "suicidal af lately"
    (r"\b(suicidal|depressed|done|tired|sad|lonely|hopeless|numb) af\b", r"\1"),
    # Southern perfective "done": "she done told me", "I done talked it over"
    (
        r"\b(i|you|he|she|we|they|mama|daddy|mom|dad) done (told|said|took|taken|went|gone|made|got|had|quit|bought"
        r"|wrote|given|gave|thought|decided|talked|tried|left|lost|sold|signed)\b",
        r"\1 \2",
    ),
    # Southern and Midwestern "ain't no point" is "there is no point" (a plain "ain't" is "is not", below)
    (r"\bain'?t never\b", "is never"),  # a double negative: "my back ain't never gonna heal"
    (
        r"\b(i|you|we|they) ain'?t (had|got|been|done|seen|heard|told|gone|taken|eaten|slept|thought|felt|known)\b",
        r"\1 have not \2",
    ),
    (
        r"\b(he|she|it) ain'?t (had|got|been|done|seen|heard|told|gone|taken|eaten|slept|thought|felt|known)\b",
        r"\1 has not \2",
    ),
    (r"\bi ain'?t\b", "i am not"),
    (r"\b(you|we|they) ain'?t\b", r"\1 are not"),
    (r"(^|[,.;!?] |\band |\bbut |\bso )ain'?t no\b(?! (?:body|one|more|way))", r"\1there is no"),
    # African American English: negative inversion ("can't nobody survive that") and a dropped copula ("she taking
    # the kids", "he not coming back")
    (r"\b(can|could|will|would|do|does|did|is|was)(?:'t|n'?t| not) (nobody|no one|nothing)\b", r"\2 \1"),
    (r"\bwo(?:n'?t| not) (nobody|no one|nothing)\b", r"\1 will"),
    (r"\bain'?t (nobody|no one|nothing) (?=(?:gonna|gon|going|coming|finna|want|care|notice|miss)\b)", r"\1 is "),
    (
        r"\b(he|she) (?=(?:taking|leaving|moving|going|coming|trying|tryna|finna|gon|getting|saying|talking|serious"
        r"|tired|not (?:coming|going|taking|leaving|answering|picking|ever))\b)",
        r"\1 is ",
    ),
    (
        r"(?<!\bam )(?<!\bwas )(?<!\bwere )\bi (?=(?:going (?:and|an|to)|serious|tired of|done with|finished with"
        r"|not joking|not playing)\b)",
        "i am ",
    ),
    (r"\bwhat coming\b", "what is coming"),
    # Spanish in an English sentence, as bilingual visitors speak; not "me quiero morir" or "ya no puedo más", which
    # are as often said of a spilled drink or sore feet
    (r"\bme voy a matar\b|\bvoy a matarme\b", "i am going to kill myself"),
    (r"\bno quiero vivir\b", "i do not want to live"),
    (r"\bgracias por todo\b", "thanks for everything"),
    (r"\bcartas\b", "letters"),
    (r"\bpastillas\b", "pills"),
    # Singapore English: "confirm cannot survive one" (surely cannot survive); Filipino English "lola ko" (my grandma)
    (r"\bconfirm (?=(?:can not|cannot|can't|will|die|dead|sure)\b)", "surely "),
    (r"\b(can not|cannot|can't|will not|won't|sure|surely) (survive|die|dead|live|make it) one\b", r"\1 \2"),
    (r"\b(lola|lolo|nanay|tatay|kuya|ate|anak|asawa) ko\b", r"my \1"),
    (r"\bion (?=(?:know|even|care|want|wanna|feel|think|like|need|got|see|be|wan|mind|trust|sleep)\b)", "i do not "),
    # A learner's "I am having 40 years" (I am 40)
    (
        r"\bi (?:am having|have|having) (\d+|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ][a-z]+)?"
        r" years\b"
        r"(?! (?:of|in|at|with|ago|since|left|to|for|experience))",
        r"i am \1 years old",
    ),
    # Indian English's stative progressive, where it carries the sign: "I am not seeing any reason to go on"
    (r"\b(?:i )?am not seeing (any|a|the) (reason|point|way|future|hope|use|meaning|light)\b", r"i do not see \1 \2"),
    (r"\bam having no\b", "have no"),
    (r"\bi'?d\b(?= (?:rather|never|like|love|be|have|do|kill|end|hurt|want|just|give|go|take|jump|miss))", "i would"),
    (r"\bi'?ll\b(?= (?:be|never|do|kill|end|hurt|just|go|take|jump|miss|make|give|get|not|finally))", "i will"),
)
# Jamaican Patois and Nigerian Pidgin, as a London or New York visitor speaks them: only forms that are not English
# words, or that are read so only where the grammar shows them ("mi nuh waan live", "him a go end it", "I don buy
# the rope", "e go quick"). "mi" is "my" before what one has, "I" before what one does, else "me".
_MI_OWNS = (
    "gold|bible|daughter|son|pickney|bredda|brother|sister|cousin|mother|mada|mumma|fada|father|godson|goddaughter|wife"
    "|husband|man|woman|baby|granny|grandmother|grandfather|hand|hands|head|papers|medicine|phone|job|house|yard|life"
    "|chain|people|family|kids|children|gun|tablets|pills|heart|friend|bredren|landlord|boss|church|visa|case|money"
)
_MI_DOES = (
    "nuh|nah|neva|never|no|did|a|cyaan|caan|can|will|would|just|tired|decide|decided|pray|give|gave|tell|hope|waan|want"
    "|think|feel|vex|deh|go|mek|have|haffi|know|see|lose|lost|still|was|is|am|cut|burn|take|tek|drink|swallow|buy|bought"
    "|done|don|ready|cannot|couldn't|fi|not|nuffi|beg|love|sorry|walk|jump"
)
_CREOLE: tuple[tuple[str, str], ...] = (
    (r"\bmiself\b", "myself"),
    (r"\bwhere (?:mi|me|i) a go\b", "where i am going"),
    (r"\b(?:mi|i) wan\b", "i want to"),
    (r"\bfi real\b", "for real"),
    (r"\bnah go\b", "will not"),
    (r"\b(i|we|you|they|he|she) no go\b", r"\1 will not"),
    (rf"\bmi (?=(?:{_MI_OWNS})\b)", "my "),
    (
        rf"(?<!\btell )(?<!\btold )(?<!\btext )(?<!\bgive )(?<!\bhelp )(?<!\bcall )(?<!\bmake )(?<!\bmek )(?<!\blet )"
        rf"(?<!\bask )(?<!\bsend )(?<!\bfor )(?<!\bwith )(?<!\bto )(?<!\bfi )\bmi (?=(?:{_MI_DOES})\b)",
        "i ",
    ),
    # "me" as the subject, before a Patois verb form: "me nah thinking bout it", "me cyaan take it"
    (
        r"(?<!\btell )(?<!\btold )(?<!\bgive )(?<!\bhelp )(?<!\blet )(?<!\bfor )(?<!\bwith )(?<!\bto )(?<!\bask )"
        r"(?<!\basked )\bme (?=(?:nuh|nah|neva|cyaan|caan|waan|haffi|deh|a go)\b)",
        "i ",
    ),
    (r"\bi nah (?=[a-z]+in\b|[a-z]+ing\b)", "i am not "),
    (r"\bi a (?=[a-z]+in\b|[a-z]+ing\b|think|feel|plan|wait|pray|beg|tell)", "i am "),
    (r"\bmi\b", "me"),
    (r"\b(him|her|dem|i|we|you) a go\b", r"\1 am going to"),
    (r"\bhim am going to\b", "he is going to"),
    (r"\bher am going to\b", "she is going to"),
    (r"\bdem am going to\b", "they are going to"),
    (r"\b(we|you) am going to\b", r"\1 are going to"),
    (r"\bnuh waan\b", "do not want to"),
    (r"\bwaan dead\b", "want to die"),
    (r"\bwaan\b", "want to"),
    (r"\bnuh\b", "not"),
    (
        r"\bnah (?=(?:go|gonna|need|want|see|come|deh|breathe|breathing|answer|stop|have|get|change|wake|eat|sleep)\b)",
        "not ",
    ),
    (r"\bdey (beat|flog|hit|slap|kick|touch|threaten|lock|starve|burn)\b", r"\1s"),
    (r"\bcyaan\b|\bcaan\b", "can not"),
    (r"\bneva\b", "never"),
    (r"\bdeh yah\b|\bdeh ya\b", "here"),
    (r"\bgone fi good\b", "gone for good"),
    (r"\bfi true\b", "for real"),
    (r"(?<![-\w])fi\b", "to"),
    (r"\b(?<!lady )di\b", "the"),
    (r"\bdem (?=(?:would|will|go|dey|a|did|can|could|know|notice|think|seh|ask|better|nuh|not|free)\b)", "they "),
    (r"\b(still|come back|over|right|deh) yah\b", r"\1 here"),
    (r"\bdem\b", "them"),
    (r"\bseh\b", "that"),
    (r"\binna\b", "in"),
    (r"\bdat\b", "that"),
    (r"\bdis\b(?! (?:me|him|her|them|you|us)\b)", "this"),
    (r"\bwid\b", "with"),
    (r"\bmek\b", "make"),
    (r"\bpickney\b", "child"),
    (r"\bbredda\b", "brother"),
    (r"\bgive weh\b|\bgi weh\b", "give away"),
    # "lies bout mi" is "about"; English "a bout of flu", "the title bout" stay
    (
        r"(?<!\ba )(?<!\bthe )(?<!\bhis )(?<!\bher )(?<!\bmy )(?<!\bnext )(?<!\blast )(?<!\btitle )\bbout\b(?! of\b)",
        "about",
    ),
    (r"\bwahala\b", "trouble"),
    (r"\babeg\b", "please"),
    # Pidgin: "I dey burn", "no dey again" (not here any more), "I don buy" (have bought), "e go" (it will), "na" (is)
    (r"\b(i|we|they|you) no dey again\b", r"\1 am not here any more"),
    (r"\b(he|she|e|im|it|my [a-z]+) no dey (answer|talk|respond)\b", r"\1 is not \2ing"),
    (r"\b(he|she|e|im|it|my [a-z]+) no dey breathe\b", r"\1 is not breathing"),
    (r"\b(he|she|e|im|it|my [a-z]+) no dey\b", r"\1 is not"),
    (r"\bno dey\b", "am not"),
    (r"\bi dey\b", "i am"),
    (r"\b(he|she|im|e|it|my [a-z]+) dey\b", r"\1 is"),
    (r"\b(we|they|dem|you) dey\b", r"\1 are"),
    (r"\bgo don do am\b", "will have done it"),
    (r"\b(i|we|he|she|they) don (buy|do|decide|finish|take|write|give|get|make|tell|tie|find)\b", r"\1 have \2"),
    (r"\be go\b", "it will"),
    (r"\bit will (quick|fast|painless|easy|pain me|hurt)\b", r"it will be \1"),
    (r"\bna (?=(?:the|only|my|your|him|her|so|why|because|how|this|that|wetin|im)\b)", "is "),
    (r"\b(do|cut|drink|take|swallow|chop|buy|finish|end|tie|hide|keep|throw|burn|cook|sell) am\b", r"\1 it"),
    (r"\b(kill|beat|stab|shoot|slap|wound|deal with|wait for|catch|teach) am\b", r"\1 him"),
    (r"\bno be say (i|we|he|she|they) (?:wan|want|waan)(?: to)?\b", r"\1 do not want to"),
    (r"\bno be say\b", "it is not that"),
    (r"\bno fit again\b", "can not go on any more"),
    (r"\bno fit\b", "can not"),
    (
        r"\b(i|you|he|she|we|they|e|it|person|somebody|nobody|una) fit "
        r"(?=(?:take|do|swallow|drink|jump|stop|die|survive|go|see|buy|get|find|sleep|eat|kill|live|cope|bear|carry|tell|hold|reach)\b)",
        r"\1 can ",
    ),
    (r"\b(she|he|e) wan\b", r"\1 wants to"),
    (r"\b(dem|they|we|you) wan\b", r"\1 want to"),
    (r"\bwant to dead\b", "want to die"),
    (r"\bwey\b", "that"),
    (r"\bwetin\b", "what"),
    (r"\bnutten\b|\bnuttin\b|\bnutin\b|\bnotin\b", "nothing"),
    # a Creole double negative: "me nah thinking bout ending nothing" (not ... anything)
    (r"\b(not|never|nah|nuh) ((?:[a-z]+ ){1,3})nothing\b", r"\1 \2anything"),
    # Trinidadian and Bajan: "ah cyah sleep" (I can't), "I eh joking" (am not), "mih son dead" (is dead), "doh" (don't)
    (r"\bcyah\b", "can not"),
    (r"\bmih\b", "my"),
    (r"\bah (?=(?:can not|can|go|going|doh|eh|want|feel|tired|done|have|need|could|will|would|know|think)\b)", "i "),
    (r"\bi eh (?=[a-z]+ing\b|(?:want|have|know|care|able|bothered|ever|going)\b)", "i am not "),
    (r"\b(he|she|it) eh (?=[a-z]+ing\b|(?:want|have|know|care|able|bothered|ever|going)\b)", r"\1 is not "),
    (r"\bdoh (?=(?:want|wan|know|care|feel|think|see|have|need|like|go|eat|sleep|tell|worry|call)\b)", "do not "),
    (
        r"\b(my|his|her|our|their) (son|daughter|boy|girl|husband|wife|mother|father|mom|dad|mama|mummy|daddy|brother"
        r"|sister|baby|child|friend|best friend|cousin|partner|man|woman) dead\b",
        r"\1 \2 is dead",
    ),
    (r"\bde (?=[a-z])", "the "),
)
_REWRITES = (*_PHRASES, *_CREOLE)
_WORD_RE = re.compile(r"[a-z0-9][a-z0-9'-]*")
# What a speech recogniser keeps of hesitation ("i took um a whole pack"), and stutters ("the the bridge"); a few
# words are doubled on purpose ("told her her dad", "what it is is", "ha ha", "bye bye") and stay.
_HESITATIONS = re.compile(r"\b(?:um|umm|uh|uhh|uhm|erm|hm|hmm|mhm)\b,?")
_STUTTER = re.compile(r"\b(?!(?:her|that|had|is|ha|bye)\b)([a-z']+)(?: \1\b)+")

NEGATION_CUES = frozenset({"not", "never", "no", "nobody", "hardly", "barely", "neither", "nor"})
# Words that may stand between a negation and the phrase it negates ("I would never EVER hurt myself", "I am not
# going to hurt myself", "I have never thought about killing myself", "I don't have any thoughts of killing myself").
# Anything else ends the scope: in "I can't
# stop thinking about killing myself" the word "stop" does, so the phrase is not negated.
_SCOPE_FILLERS = frozenset(
    "i you he she they we am is are was were be been being would will could should shall do does did have has had "
    "ever even once really actually seriously honestly truly going to want wants wanted wanting planning plan planned "
    "intend intended intending meant mean tempted need needed wished "
    "try trying tried attempted feel feeling felt think thinking thought about of considered considering consider "
    "a an the any again anymore more longer myself just like such thoughts urge urges plans intention intentions "
    "desire wish having got".split()
)
_SCOPE_WINDOW = 5  # tokens
_NEGATION_BREAKERS = frozenset({"stop", "help", "resist", "shake", "get", "wait", "sure", "know", "see", "remember"})


@dataclass(frozen=True)
class Normalised:
    """The original text and its normal form (``text``); lexicon offsets refer to ``text``."""

    original: str
    text: str

    @cached_property
    def tokens(self) -> list[tuple[int, int, str]]:
        return [(m.start(), m.end(), m.group(0)) for m in _WORD_RE.finditer(self.text)]

    def is_negated(self, start: int) -> bool:
        """Whether the phrase beginning at ``start`` lies in a negation's scope (within the same clause)."""
        before = [token for token in self.tokens if token[1] <= start]
        following = start
        for word_start, word_end, word in reversed(before[-_SCOPE_WINDOW - 1 :]):
            if re.search(r"[.!?;,:]", self.text[word_end:following]):
                return False  # a clause boundary ends the scope
            if word in NEGATION_CUES:
                return True
            if word in _NEGATION_BREAKERS or word not in _SCOPE_FILLERS:
                return False
            following = word_start
        return False

    def sentences(self) -> list[str]:
        """The text split at sentence ends and at "but"/"though" (a turn's crisis may hide in its last clause)."""
        parts = re.split(r"(?<=[.!?;])\s+|\s+(?:but|though|although|except)\s+", self.text)
        pieces = [re.sub(r"^(?:but|and|so|though)\s+", "", part.strip(" .!?;,")) for part in parts]
        return [piece for piece in pieces if piece]


# A dropped g, as Southern and Northern speech and its transcripts spell it ("thinkin'", "puttin", "savin"): restored
# when the word is not English and its -ing form is (the classifier's own vocabulary is the dictionary). "goin" and
# "nothin" are in that vocabulary as names; "aspirin" and "raisin" are words.
_VOCABULARY = Path(__file__).parent / "data" / "minilm-vocab.txt"
_DROPPED_G_WORDS = frozenset({"goin", "nothin", "somethin", "anythin", "everythin"})
_NOT_DROPPED_G = frozenset({"aspirin", "raisin"})


@cache
def _vocabulary() -> frozenset[str]:
    return frozenset(_VOCABULARY.read_text(encoding="utf-8").split())


# A typing slip ("bougth", "girlfreind", "suicdal"): a word of six letters or more that neither the classifier's
# vocabulary, the lexicon nor symspellpy's English frequency dictionary knows becomes the most frequent word one edit
# away (a swap of two letters is one edit) when that word is one the lexicon uses and the edit is a slip of the
# fingers (below): the classifier reads slips well enough, the lexicon's phrases do not, and a correction into any
# other word would only add risk. Without symspellpy (the `safety` extra) words stay as they are.
_SLIP_MIN_LENGTH = 6  # shorter unknown words are mostly names and loanwords ("carys", "haram")
_LEXICON_FILE = Path(__file__).parent / "data" / "lexicon.yaml"


@cache
def _lexicon_words() -> frozenset[str]:
    return frozenset(re.findall(r"[a-z]{3,}", _LEXICON_FILE.read_text(encoding="utf-8").lower()))


@cache
def _speller() -> Any:
    try:
        from symspellpy import SymSpell
    except ImportError:
        return None
    speller = SymSpell(max_dictionary_edit_distance=1, prefix_length=7)
    dictionary = files("symspellpy") / "frequency_dictionary_en_82_765.txt"
    speller.load_dictionary(str(dictionary), term_index=0, count_index=1)
    return speller


def warm_up_speller() -> None:
    """Load the spelling dictionary now (about a second, once) rather than at the first typing slip."""
    _speller()


def _corrected(word: str) -> str:
    if len(word) < _SLIP_MIN_LENGTH or not word.isalpha() or word in _vocabulary() or word in _lexicon_words():
        return word
    speller = _speller()
    if speller is None or word in speller.words:
        return word
    from symspellpy import Verbosity

    for suggestion in speller.lookup(word, Verbosity.CLOSEST, max_edit_distance=1):
        if suggestion.term in _lexicon_words() and _a_slip_of_the_fingers(word, suggestion.term):
            return suggestion.term
    return word


# Neighbouring keys on a QWERTY keyboard: a letter typed for another is a slip only when the two keys touch
# ("gpne" for "gone"); an unknown word one letter away from a known one is otherwise often a word of its own
# ("vaping" is not "taping").
_KEY_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


@cache
def _neighbouring_keys() -> dict[str, frozenset[str]]:
    neighbours: dict[str, frozenset[str]] = {}
    for row_index, row in enumerate(_KEY_ROWS):
        for column, key in enumerate(row):
            near = {row[c] for c in (column - 1, column + 1) if 0 <= c < len(row)}
            for other in _KEY_ROWS[max(0, row_index - 1) : row_index + 2]:
                if other is not row:
                    near |= {other[c] for c in (column - 1, column, column + 1) if 0 <= c < len(other)}
            neighbours[key] = frozenset(near)
    return neighbours


def _a_slip_of_the_fingers(typed: str, word: str) -> bool:
    """Two letters swapped, one dropped or one added, or one typed with a neighbouring key."""
    if len(typed) != len(word):
        return True  # a letter dropped or added (the speller found it one edit away)
    differing = [i for i, (a, b) in enumerate(zip(typed, word, strict=True)) if a != b]
    if len(differing) == 2:
        return True  # two neighbouring letters swapped
    return len(differing) == 1 and typed[differing[0]] in _neighbouring_keys().get(word[differing[0]], frozenset())


def _expand_word(word: str) -> str:
    if word in _WORDS:
        return _WORDS[word]
    stem = word.rstrip("'")
    if stem in _WORDS:  # a closing quote: "'kms' is my whole personality"
        return _WORDS[stem]
    if stem.endswith("in") and len(stem) > 3 and stem not in _NOT_DROPPED_G:
        words = _vocabulary()
        if stem in _DROPPED_G_WORDS or (stem not in words and stem + "g" in words):
            return stem + "g"
    return _corrected(word)


def _expand_words(text: str) -> str:
    return _WORD_RE.sub(lambda m: _expand_word(m.group(0)), text)


def normalise(text: str) -> Normalised:
    """The normal form the lexicon and the classifier see."""
    out = unicodedata.normalize("NFKC", text)
    out = _INVISIBLE.sub("", out)
    out = _APOSTROPHES.sub("'", out)
    out = _QUOTES.sub('"', out)
    out = _DASHES.sub("-", out)
    out = out.casefold()
    out = _STRETCHED.sub(r"\1", out)
    out = _SPACES.sub(" ", _HESITATIONS.sub(" ", out))
    out = _STUTTER.sub(r"\1", out)
    for pattern, replacement in _REWRITES:
        out = re.sub(pattern, replacement, out)
    for pattern, replacement in _CONTRACTIONS:
        out = re.sub(pattern, replacement, out)
    out = re.sub(r"(?<=[a-z])'s\b", "'s", out)  # possessives stay
    out = _expand_words(out)
    out = _SPACES.sub(" ", out).strip()
    return Normalised(original=text, text=out)
