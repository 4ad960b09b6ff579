"""The safety check: is someone in danger, and what kind of danger is it?

It runs on every turn, over the whole utterance, before the intent counts and
whatever else was asked in the same breath ("my son swallowed a battery, where do
batteries go"). A statistical classifier misses danger said in words it never saw,
so the check is explainable lexicons first, one rule family per kind of danger,
each naming the words that fired it:

1. Harmless compounds are cut out first ("fire logs", "fire ban", "gas station",
   "smoke detector" that is not sounding, "suicide prevention walk"), so a harmless
   phrase never hides a real danger said in the same breath, and never raises one.
2. Each rule is looked for over what is left. A match is dropped when its clause
   negates it ("there is no fire", "my house doesn't smell of gas") or puts it in
   the settled past ("the gas smell was last year", "a water main break yesterday");
   a crisis statement is never dropped for being in the past.
3. When several kinds match, the most specific first step wins: carbon monoxide
   before fire ("the flame on the water heater is yellow and we all have headaches"),
   poisoning before a person hurt ("took too many pills and I can't wake him").
4. The classifier's emergency score is one more signal: a confident emergency with no
   rule and no harmless compound is a general emergency.

The kinds are the ids of the safety advice in the knowledge base, which holds every
word and number the resident hears; this module only decides which kind applies.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from nlu.catalogue import EMERGENCY_INTENT, FALLBACK_INTENT
from nlu.types import IntentScore

GENERAL: Final = "emergency"
# The kinds, most specific first step first: the order decides when several match.
KINDS: Final = (
    "carbon_monoxide",
    "gas",
    "power_line",
    "fire",
    "poisoning",
    "crisis",
    "person_in_danger",
    "urgent_water",
    "urgent_sewer",
    "urgent_animal",
    "urgent_noise",
)
# Kinds that are a specific case of another, for reporting ("a downed power line" is a
# person in danger, with its own first step).
FAMILY: Final = {"power_line": "person_in_danger"}
# Kinds a settled-past clause or an all-clear cannot cancel: a past attempt still counts,
# and a child who swallowed a battery and "seems fine" still needs the Poison Centre.
_NEVER_SETTLED: Final = frozenset({"crisis"})
# Kinds looked for in the whole text: their cues name equipment that harmless compounds
# cut out for the other kinds ("the gas fireplace has been on all day" and a headache).
_RAW_KINDS: Final = frozenset({"carbon_monoxide"})
_ALL_CLEAR_CANCELS: Final = frozenset(
    {"carbon_monoxide", "gas", "fire", "person_in_danger", "power_line", "urgent_water",
     "urgent_sewer", "urgent_noise"}
)  # fmt: skip


def _words(*alternatives: str) -> str:
    return "(?:" + "|".join(alternatives) + ")"


_PERSON = _words(
    r"my (?:little |baby |older |younger |teenage |2 |two |3 |three )?(?:son|daughter|kid|kids|"
    r"child|children|baby|toddler|boy|girl|grandson|granddaughter|grandchild|husband|wife|"
    r"partner|mom|mother|mum|dad|father|grandma|grandpa|grandmother|grandfather|nan|nana|"
    r"friend|roommate|brother|sister|boyfriend|girlfriend|nephew|niece|neighbour|neighbor|"
    r"uncle|aunt|cousin|teenager|student)",
    r"(?:\d+|one|two|three|four|five) (?:year|month) old",
    r"(?:the|our|a) (?:baby|babies|kid|kids|toddler|child|children|boy|girl)",
    r"grandpa|grandma|he|she|i|we|they|someone|somebody|him|her|me",
)
_SUBSTANCE = _words(
    r"bleach",
    r"ammonia",
    r"\w* ?cleaner",
    r"cleaning (?:stuff|products?|spray|solution)",
    r"detergent",
    r"(?:laundry|dishwasher|tide|detergent) (?:pods?|packets?|tablets?|soap)",
    r"pods?",
    r"(?:little )?(?:laundry )?packets?",
    r"windshield washer(?: fluid)?",
    r"washer fluid",
    r"anti ?freeze",
    r"coolant",
    r"(?:green |blue )?car fluid",
    r"pesticides?",
    r"insecticide",
    r"weed ?killer",
    r"herbicide",
    r"(?:rat|mouse|ant) (?:poison|bait)",
    r"poison",
    r"pellets",
    r"mushrooms?",
    r"berries",
    r"berry",
    r"button batter(?:y|ies)",
    r"batter(?:y|ies)",
    r"magnets?",
    r"pills?",
    r"tablets?",
    r"medicine",
    r"medications?",
    r"meds",
    r"tylenol",
    r"advil",
    r"aspirin",
    r"acetaminophen",
    r"ibuprofen",
    r"gummies",
    r"edibles?",
    r"cannabis",
    r"vape (?:juice|liquid)",
    r"e ?juice",
    r"nicotine",
    r"lamp oil",
    r"(?:paint )?thinner",
    r"turpentine",
    r"gasoline",
    r"kerosene",
    r"lighter fluid",
    r"nail polish remover",
    r"acetone",
    r"(?:pool )?chlorine",
    r"pool chemicals?",
    r"drain (?:cleaner|opener)",
    r"mouthwash",
    r"hand sanitizer",
    r"essential oils?",
    r"rubbing alcohol",
    r"solvents?",
    r"fentanyl",
    r"opioids?",
    r"heroin",
    r"pain ?killers",
    r"oxy\w*",
    r"drugs",
    r"chemicals?",
    r"lye",
    r"acid",
    r"cigarettes?",
    r"antidepressants?",
)
_SYMPTOM = _words(
    r"throwing up",
    r"vomiting",
    r"puking",
    r"wobbly",
    r"drowsy",
    r"slurring",
    r"coughing",
    r"choking",
    r"dizzy",
    r"mouth is (?:blue|burning|red)",
    r"cant breathe",
    r"not breathing",
    r"passed out",
    r"unconscious",
    r"wont wake up",
    r"tummy hurts",
    r"stomach hurts",
    r"acting (?:weird|strange|funny)",
    r"foaming",
)
_APPLIANCE = _words(
    r"dryer",
    r"stove",
    r"oven",
    r"outlet",
    r"plug",
    r"wall plug",
    r"socket",
    r"cord",
    r"extension cord",
    r"wire",
    r"wires",
    r"wiring",
    r"panel",
    r"electrical panel",
    r"furnace",
    r"heater",
    r"space heater",
    r"microwave",
    r"toaster",
    r"tv",
    r"computer",
    r"laptop",
    r"charger",
    r"battery",
    r"motor",
    r"engine",
    r"car",
    r"fan",
    r"light",
    r"lamp",
    r"fridge",
    r"washer",
    r"dishwasher",
    r"kettle",
    r"breaker",
    r"fuse box",
    r"power bar",
    r"e ?bike",
    r"scooter",
    r"chimney",
    r"pipe",
    r"stove pipe",
    r"meter",
    r"transformer",
)
_SOUNDING = _words(
    r"(?:is |are |keeps |keep |just |has been |been |started |starts )?(?:going off|went off|"
    r"goes off|go off|beeping|beeps|beeped|sounding|ringing|screaming|blaring|alarming|"
    r"wailing|shrieking)",
    r"wont stop",
    r"(?:is |keeps |just )?(?:going|gone) off",
)
_CO = _words(r"carbon monoxide", r"carbon mono ?side", r"carbon", r"co", r"c o", r"co2")
_ANIMAL = _words(
    r"dogs?",
    r"cats?",
    r"raccoons?",
    r"bats?",
    r"fox",
    r"foxes",
    r"skunks?",
    r"coyotes?",
    r"squirrels?",
    r"animals?",
    r"strays?",
    r"puppy",
    r"kitten",
    r"rats?",
    r"groundhogs?",
    r"wolf",
    r"deer",
)

# Someone other than the caller, as a report of an incident outside names them ("a worker",
# "a little girl", "my neighbour"): the person a branch fell on or a truck backed over.
_SOMEONE = _words(
    r"(?:a|an|the|that|this|one|some) (?:\w+ )?(?:man|woman|guy|lady|kid|child|boy|girl|person|"
    r"worker|cyclist|pedestrian|rider|driver|jogger|biker|senior|student|teenager|teen|toddler|"
    r"baby|men|women|workers|kids|children|people)",
    r"my (?:little |elderly |old )?(?:son|daughter|kid|child|baby|toddler|husband|wife|partner|"
    r"mom|mother|mum|dad|father|grandma|grandpa|friend|brother|sister|neighbour|neighbor|boy|girl)",
    r"someone|somebody|people|he|she|him|her",
)
# Openings in the ground a person can fall into and not get out of (not "pothole").
_HOLE = _words(
    r"manhole",
    r"sinkhole",
    r"hole",
    r"trench",
    r"ditch",
    r"creek",
    r"river",
    r"culvert",
    r"shaft",
    r"excavation",
)
# Street things that get hit or run over with nobody hurt ("the hydrant on my street got hit
# by a car"): the words between may not start a new clause about a person.
_STREET_THING = _words(
    r"hydrants?",
    r"poles?",
    r"signs?",
    r"mailbox(?:es)?",
    r"bins?",
    r"blue box",
    r"fence",
    r"streetlights?",
    r"lights?",
    r"posts?",
    r"signals?",
    r"curb",
    r"box",
)
_SAME_CLAUSE_WORD = r"(?!(?:and|but|so|then|when|while|he|she|someone|somebody|i|we|they)\b)\w+"

# People still inside a wrecked vehicle: upside down, flipped, in the water or a ditch. They
# need 9-1-1 and help out of it, and this outranks fire: the fire advice ("get everyone out of
# the building") does not fit a smoking wreck with people in it.
_WRECK_WITH_PEOPLE: Final = re.compile(
    r"\b(?:car|truck|pickup|van|vehicle|suv|bus)(?: \w+){0,8}? (?:upside down|flipped|rolled over|"
    r"(?:in|into) the (?:creek|river|lake|pond|water|ditch))\b(?: \w+){0,15}? "
    r"(?:someone|somebody|people|a person|the driver|kids?|children|passengers?|a man|"
    r"a woman) (?:is |are )?(?:still )?(?:inside|in it|in there|trapped)\b"
)

_HARMLESS: Final = re.compile(
    r"\b(?:"
    + "|".join(
        (
            # "fire hydrant": only "fire" is cut, the hydrant stays for the water rules.
            r"fire(?= ?hydrants?\b)",
            r"fire ?(?:logs?|log box|ban|bans|extinguishers?|halls?|pits?|places?|"
            r"departments?|fighters?|works|starters?|wood|proof|safety|stations?|chief|routes?|"
            r"permits?|trucks?|drills?|and rain|inspections?|services?|insert)",
            r"campfires?",
            r"bonfires?",
            r"firefighters?",
            r"fireworks?",
            r"(?:guys|crew|team|they|you|we|he|she|chili|this) (?:were|was|are|is) (?:on )?fire",
            r"(?:have|light|start|make|having) a (?:camp |back ?yard |small |bon )?fire",
            r"(?:burn|burning) (?:garbage|leaves|brush|wood|yard waste|permits?|bans?)",
            r"(?:can|allowed to) burn",
            r"burnt? out",
            r"burned out",
            r"burned down",
            r"smoke free",
            r"second hand smoke",
            r"smoking (?:area|areas|bylaw|ban)",
            r"quit (?:smoking|vaping)",
            r"(?:car|burglar|house|security|clock|bike) alarms?",
            r"(?:nerf|glue|staple|nail|caulking|caulk|spray|water|toy|paint|heat|squirt|hot glue|bb) guns?",
            r"gun (?:safes?|locks?|cabinets?)",
            r"seizure of",
            r"were on fire (?:today|tonight|lately)",
            r"(?:green bin|bin|bins|garbage|compost|fridge|garbage can) smells? (?:like|of) "
            r"(?:rotten eggs?|sulph?ur)",
            r"put (?:\w+ ){0,3}in (?:the )?(?:blue box|green bin|garbage|recycling)",
            r"alarm clocks?",
            r"alarm on my car",
            r"set an alarm",
            r"(?:smoke|carbon monoxide|co|fire|heat) (?:alarm|detector)s? (?:battery|batteries)",
            r"(?:alarm|detector) (?:is |keeps )?chirping",
            r"chirp\w*",
            r"(?:smoke )?alarm (?:went off|goes off|going off) (?:when|while|because) "
            r"(?:i was |im |we were )?(?:cooking|making|frying|showering|burnt|burned|the toast)\w*",
            r"(?<!like a )gas (?:stations?|bills?|prices?|cans?|company|companies|tax|fireplace permit|"
            r"powered|generator|barbecue|bbq|stove disposal|mower|lawn mower|leaf blower|"
            r"cylinders?|tanks? disposal|line work|work)",
            r"(?:old|leftover|left over) (?:gas|fuel|gasoline)",
            r"(?:beans|it) gives? me gas",
            r"give me gas",
            r"spark plugs?",
            r"suicide (?:prevention|awareness|walk|run)",
            r"shooting (?:range|ranges|star|stars|hoops|pool|photos|video)",
            r"(?:dead|died) (?:weight|batter(?:y|ies)|end|tree|trees|sod|lawn|grass|plants?|bird|"
            r"raccoon|deer|animal|skunk|squirrel|christmas trees?)",
            r"(?:battery|lawn|plants?|houseplants|phone) (?:in my car )?(?:died|is dying|are dying)",
            r"dying to",
            r"died laughing",
            r"(?:is|are) killing me",
            r"could kill for",
            r"kill (?:weeds|dandelions|bugs|wasps|ants|the weeds|grass)",
            r"killed it",
            r"killer spray",
            r"(?:weed|wasp|bug) killer",
            r"(?:food|ivy) poisoning",
            r"poison ivy",
            r"emergency (?:shelter|shelters|housing|vet|vets|kit|kits|alert|alerts|preparedness|"
            r"fund|dental|room hours|number|line|plan)",
            r"non emergency",
            r"not (?:an|a) emergency",
            r"no emergency",
            r"(?:cpr|first aid) (?:course|courses|training|class|classes|kits?)",
            r"water main (?:work|repair|repairs|construction|project)",
            r"(?:drowning|drowned) in (?:leaves|cardboard|boxes|paper|paperwork|snow|work|bills|"
            r"garbage|debt|laundry|homework|emails|recycling)",
            r"(?:are|were|is|was) on fire (?:this|lately|tonight|today|all)",
            r"overdos\w* on (?:\w+ )?(?:shopping|netflix|tv|coffee|chocolate|sugar|candy|work|news)",
            r"going to kill me if",
            r"gonna kill me if",
            # A street thing hit, run over or struck by lightning, nobody hurt in those words.
            rf"{_STREET_THING}(?: {_SAME_CLAUSE_WORD}){{0,4}} (?:that )?(?:got|was|were|has been|"
            r"had been) (?:hit|run over|struck|knocked (?:over|down)|crushed)",
            # A vehicle that ran over a thing, not a person ("someone ran over my recycling bin").
            r"(?:ran|run|drove|driven|backed|rolled) (?:right )?over (?:my|the|our|a|his|her|their|"
            rf"some) (?:\w+ )?(?:{_STREET_THING}|lawn|grass|sod|garden|flowers|curb|boulevard|"
            r"driveway|hose|recycling|garbage|green bin|blue box)",
            # Words written on a wall or a sign: graffiti "that says gas leak" is not a gas leak.
            r"(?:graffiti|painted|spray painted|tagged|sign|banner|poster|sticker)s?\b"
            r"(?: \w+){0,8}? (?:that says|that reads|saying|says|reads|with the words?)(?: \w+){1,4}",
            # Something that went through a fire some time ago ("looks like it was in a fire").
            r"(?:looks?|looked|looking) like (?:it|they|its|this|that)(?: \w+){0,2} (?:in|through|"
            r"from) a fire",
            # Asking whether there is a water main break, or about the work on one.
            r"(?:is|was|are|were) there (?:a |an |any )?(?:water ?main|main) (?:breaks?|leaks?|work)",
            r"(?:road )?(?:closures?|detours?|construction|work|repairs?) (?:for|on) (?:the )?"
            r"water ?mains?",
            r"(?:flu|covid|booster|vaccine|allergy|tetanus|rabies) shots?",
            r"swallow (?:my|your|our) pride",
            r"hard to swallow",
            r"heart is broken",
            r"broken heart",
            r"(?:sewer|water) bills?",
            r"storm drain",
            r"catch basin",
            r"(?:party|goodbye party|birthday party) (?:supplies|decorations|at work|left)",
            r"having a party (?:on|this|next)",
            r"dog chewed",
        )
    )
    + r")\b"
)

_RULES: Final[tuple[tuple[str, re.Pattern[str]], ...]] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        # ---------------------------------------------------------------- carbon monoxide
        (
            "carbon_monoxide",
            rf"\b{_CO} (?:alarm|detector|monitor|thing|sensor)s? (?:\w+ )?{_SOUNDING}",
        ),
        ("carbon_monoxide", rf"\b(?:alarm|detector) (?:for|of) {_CO}\b.*\b{_SOUNDING}"),
        (
            "carbon_monoxide",
            r"\bcarbon monoxide (?:in|leak|leaking|poisoning|levels?|reading|is high)",
        ),
        (
            "carbon_monoxide",
            r"\b(?:alarm|detector|beeper|thing|monitor) (?:that )?(?:says|shows|reads|is showing|showing|with the letters) (?:co|c o|carbon monoxide)\b",
        ),
        (
            "carbon_monoxide",
            rf"\b(?:co|c o|carbon monoxide)\b.*\b(?:{_SOUNDING}|screaming|flashing red|reading \d+|is reading)",
        ),
        (
            "carbon_monoxide",
            r"\b(?:generator|charcoal|barbecue|bbq|car|engine)\b.*\b(?:in|into) the (?:basement|garage|house)\b.*\b(?:faint|confused|dizzy|sick|headache|sleepy|weak|passed out|throwing up)",
        ),
        ("carbon_monoxide", r"\b(?:says|showing|shows|reads) (?:carbon monoxide|co|c o)\b"),
        (
            "carbon_monoxide",
            r"\b(?:headaches?|dizzy|dizziness|nause\w+|throwing up|vomiting|sick|sleepy|drowsy|"
            r"confused|cant think straight)\b.*\b(?:furnace|heater|heat on|heat|generator|"
            r"(?:car|engine) (?:was |is )?running|barbecue inside|bbq inside|fireplace|"
            r"water heater|garage with the door|alarm|detector)\b",
        ),
        (
            "carbon_monoxide",
            r"\b(?:furnace|heater|turned the heat on|generator|(?:car|engine) (?:was |is )?running|"
            r"barbecue inside|bbq inside|fireplace|water heater|alarm that is not the smoke)\b.*\b"
            r"(?:headaches?|dizzy|dizziness|nause\w+|throwing up|vomiting|feel(?:s)? sick|sleepy|"
            r"drowsy|confused|cant think straight)\b",
        ),
        # --------------------------------------------------------------------------- gas
        (
            "gas",
            r"\b(?:smell|smells|smelled|smelling|stinks?|reeks?)(?: of| like)? (?:natural )?"
            r"(?:gas|propane|rotten eggs?|sulph?ur|sulfur)\b",
        ),
        ("gas", r"\b(?:gas|propane|rotten eggs?|sulph?ur|sulfur|skunky sulph?ur) smell"),
        (
            "gas",
            r"\bsmells? (?:like|of) (?:eggs|a gas station|skunk)\b.*\b(?:house|home|place|basement|kitchen|apartment|condo|inside)|\bpilot light\b.*\bsmell",
        ),
        (
            "gas",
            r"\bskunky smell\b.*\b(?:water heater|furnace|stove|meter|house|basement|stronger)|\b(?:water heater|furnace|stove|meter)\b.*\bskunky",
        ),
        ("gas", r"\b(?:gas|propane) (?:leak|leaking|is leaking|hissing|is hissing)"),
        ("gas", r"\bleaking (?:natural )?(?:gas|propane)|\bleaking gas\b"),
        (
            "gas",
            r"\b(?:hit|cut|broke|ripped up|ripped|damaged|struck|severed|punctured|dug into) "
            r"(?:a |the |into a |into the )?(?:gas|yellow) (?:line|pipe|main)",
        ),
        (
            "gas",
            r"\b(?:gas|propane|barbecue|bbq) (?:line|pipe|tank|cylinder|meter|main)s? "
            r"(?:\w+ ){0,8}(?:is |are )?(?:hissing|leaking|blowing|frosting|whooshing)",
        ),
        (
            "gas",
            r"\b(?:meter|dials|tank|pipe|line|stove|furnace|barbecue|bbq)\b.*\b(?:hissing|whooshing)"
            r"|\b(?:hissing|whooshing)\b.*\b(?:gas|propane|meter|pipe|tank)\b",
        ),
        # "like rotten eggs" said without the word smell ("its like rotten eggs outside"); a
        # taste is the water, not gas.
        ("gas", r"(?<!taste )(?<!tastes )(?<!tasted )\b(?:like|of) rotten eggs?\b"),
        # -------------------------------------------------------------------------- fire
        (
            "fire",
            r"\b(?:on fire|caught fire|catch(?:ing)? fire|set (?:itself )?on fire|burst into flames)",
        ),
        ("fire", r"\b(?:flames?|ablaze|blaze|inferno|engulfed)\b"),
        (
            "fire",
            r"\b(?:curtains?|drapes|blinds|couch|bed|tree|wall|roof|deck|fence|shed) caught\b|\bspreading up the wall",
        ),
        (
            "fire",
            r"\b(?:house|kitchen|grease|chimney|car|garage|electrical|brush|grass|forest|bush|"
            r"basement|apartment|building|dumpster|truck|stove|oven|attic|shed|barn|deck|balcony|"
            r"room|bedroom|wire|wiring|a|big|huge|small|theres a|there is a) fire\b",
        ),
        ("fire", r"\bfire (?:in|at|on|upstairs|downstairs|right now|is|spreading|next door)\b"),
        (
            "fire",
            r"\bsmoke (?:is |was )?(?:coming|pouring|billowing|everywhere|filling|from|in the|"
            r"upstairs|downstairs|all over|under)",
        ),
        (
            "fire",
            r"\b(?:full of|filling (?:up )?with|lots of|thick|black|grey|gray|see|smell|theres|"
            r"there is|so much|a lot of|smelled) smoke\b",
        ),
        (
            "fire",
            rf"\b{_APPLIANCE} (?:\w+ ){{0,3}}(?:is |are |was |just |started |keeps |its )?"
            r"(?:smoking|sparking|melting|crackling|arcing|burning|glowing)",
        ),
        (
            "fire",
            r"\b(?:smoking|melting|crackling|arcing)\b.*\b(?:outlet|plug|wire|cord|panel|behind the)\b",
        ),
        ("fire", r"\bsparks?\b|\bsparking\b"),
        (
            "fire",
            r"\b(?:smell|smells|smelling|smelled|smell of|smell like|smells like)(?: of| like)? "
            r"(?:something )?(?:burn\w*)",
        ),
        (
            "fire",
            r"\bburning (?:smell|plastic|rubber|wire|wires|inside)|\bsomething (?:is )?burning",
        ),
        ("fire", r"\b(?:is|are|its) burning\b"),
        (
            "fire",
            r"\b(?:curtains?|drapes|blinds|barbecue|bbq|grill|tree|couch|sofa|bed|mattress|deck|"
            r"shed|garage|pan|pot|oil|grease|stove|candle|house|building|roof|christmas tree) "
            r"(?:\w+ ){0,3}(?:just )?went up\b",
        ),
        ("fire", r"\b(?:orange|red) glow|\bglowing (?:red|orange)|\bwall is orange|\bdoor is hot"),
        ("fire", r"\bhot to (?:the )?touch\b"),
        ("fire", r"\b(?:smoke|fire|heat) (?:alarm|detector)s? (?:\w+ ){0,2}" + _SOUNDING),
        ("fire", r"\b(?:all grey|all gray)\b.*\balarm\b|\balarm\b.*\b(?:all grey|all gray)\b"),
        (
            "fire",
            r"\bthe alarm (?:is |keeps )?(?:going off|wont stop|is ringing)\b.*\b(?:smoke|breathe|hot)",
        ),
        ("fire", r"\bblack stuff is coming out\b"),
        # Electrical street equipment smoking, popping or sparking, however far the verb is
        # from its name ("the transformer box on the sidewalk on liverpool road is smoking").
        (
            "fire",
            r"\b(?:transformer|hydro box|electrical box|utility box|hydro vault)\b.*"
            r"\b(?<!not )(?<!isnt )(?:smoking|popping|sparking|arcing|exploded|exploding|on fire)",
        ),
        # A pile, a bin or a vehicle "going up": burning, said without the word fire.
        (
            "fire",
            r"\b(?:pile|heap|bin|dumpster|garbage|trash|brush|leaves|tires|mattress|couch|car|"
            r"truck|shed|garage|house) (?:\w+ ){0,2}(?:is |are |just )?(?:going|gone|went) up"
            r"(?=$| in (?:flames|smoke)\b| (?:now|right now|fast|quickly)\b| and (?!down\b))",
        ),
        # --------------------------------------------------------------------- poisoning
        ("poisoning", r"\b(?:swallowed|ingested|swallowing)\b"),
        (
            "poisoning",
            r"\b(?:overdid|double dose|took a double|extra dose|too much) (?:\w+ )?(?:of )?(?:her |his |my |their )?(?:insulin|pills?|meds|medication|medicine|blood thinner|heart pills|dose)",
        ),
        (
            "poisoning",
            r"\b(?:breathed in|inhaled|breathing in)\b.*\b(?:fumes|chlorine|bleach|chemicals?|ammonia)|\bfumes\b.*\b(?:wheez\w*|cough\w*|cant breathe)",
        ),
        (
            "poisoning",
            r"\btook something\b.*\b(?:cant keep (?:him|her|them) awake|wont wake|passed out|not making sense)|\bcant keep (?:him|her|them) awake",
        ),
        (
            "poisoning",
            rf"\b{_PERSON} (?:eat|ate|drank|drink) (?:the |some )?(?:white |blue |green )?(?:powder|liquid|stuff) for (?:cleaning|washing)",
        ),
        (
            "poisoning",
            rf"\b{_PERSON} (?:just |might have |may have |accidentally |has |have )?"
            r"(?:drank|drunk|drink|ate|eaten|eat|licked|lick|chewed|chewing|bit into|ingested|"
            r"inhaled|got into|took|taken|had|sucked on|sucking on|was chewing on|"
            r"was eating|was drinking)\b"
            rf"(?: \w+){{0,7}} {_SUBSTANCE}\b",
        ),
        (
            "poisoning",
            rf"\b(?:got into|into) (?:the |my |his |her )?(?:{_SUBSTANCE}|cupboard under the sink|medicine cabinet)",
        ),
        ("poisoning", r"\boverdos\w*|\bo ?ds?\b on|\bod(?:ed|d|ing)\b|\bpoisoned\b"),
        (
            "poisoning",
            r"\btook (?:way )?(?:too many|too much|a handful of|all (?:of )?(?:my|his|her|the))",
        ),
        (
            "poisoning",
            r"\b(?:took|taken|taking|had) (?:\w+ ){0,2}(?:pills?|medicine|meds|medications?|"
            r"tablets?|doses?)\b.*\b(?:twice|double|too many|too much|by accident|by mistake|"
            r"extra|over and over|again and again|whole bottle)\b",
        ),
        (
            "poisoning",
            r"\b(?:pills?|medicine|meds|tablets?)\b.*\b(?:bottle is empty|all gone|half gone)\b",
        ),
        (
            "poisoning",
            r"\b(?:mixed|mixing|combined) (?:\w+ )?(?:bleach|ammonia|chemicals?|cleaners?|vinegar)"
            r"\b.*\b(?:and|with)\b",
        ),
        ("poisoning", r"\bfumes\b.*\b(?:cough\w*|cant breathe|dizzy|sick|burning|headache)"),
        ("poisoning", rf"\b{_SUBSTANCE}\b.*\b{_SYMPTOM}"),
        # ------------------------------------------------------------------------ crisis
        (
            "crisis",
            r"\b(?:kill|killing|hurt|hurting|harm|harming|cut|cutting|hang|shoot|drown) (?:my ?self|himself|herself|themselves)\b(?! (?:on|while|with|by accident|accidentally)\b)",
        ),
        ("crisis", r"\bsuicid\w*|\bself ?harm\w*"),
        ("crisis", r"\b(?:end|ending|take|taking) (?:my|his|her|their) (?:own )?life\b"),
        ("crisis", r"\b(?:end|ending) it all\b|\bend it tonight\b|\bend things\b"),
        (
            "crisis",
            r"\b(?:want|going|thinking about|thought about|feel like|ready) (?:to )?(?:end|ending) it\b(?! (?:now|here|there))",
        ),
        (
            "crisis",
            r"\b(?:want|wanna|going|ready|wish) (?:to )?die\b|\bwant to be dead\b|\bjust want to die",
        ),
        (
            "crisis",
            r"\bbetter off (?:dead|without me|if i (?:was|were|wasnt) (?:gone|here|dead|around))",
        ),
        ("crisis", r"\bdont (?:want|wanna) (?:to )?(?:be alive|live|be here|exist|wake up|go on)"),
        (
            "crisis",
            r"\bno (?:reason|point|will) (?:to|in) (?:live|living|go on|going on|keep going)",
        ),
        (
            "crisis",
            r"\b(?:cant|dont|do not) see (?:the|any) point (?:of|in) (?:going on|living|life|anything|"
            r"it all|being alive|carrying on)",
        ),
        (
            "crisis",
            r"\bwhats the point (?:of|in) (?:anything|living|life|going on|being alive|it all)",
        ),
        (
            "crisis",
            r"\bcant (?:go on|do this anymore|do it anymore|take (?:it|the pain|this) anymore|keep going)",
        ),
        (
            "crisis",
            r"\b(?:so )?tired of (?:living|life|being alive)\b(?! (?:next|near|beside|by|in|with|here|on))",
        ),
        (
            "crisis",
            r"\bwish (?:i|id) (?:was|were|had) (?:dead|never been born)|\bwish i (?:wasnt|werent) (?:here|alive|born)|\bwish i could disappear",
        ),
        (
            "crisis",
            r"\b(?:go to sleep|sleep|fall asleep) and (?:never|not) wake up|\bhope i dont wake up",
        ),
        (
            "crisis",
            r"\bwont be (?:here|around|alive) (?:by|for|much|anymore|tomorrow)|\bnot (?:be|being) (?:here|around) (?:much )?(?:longer|anymore)",
        ),
        ("crisis", r"\bdont think ill be (?:here|around|alive)"),
        (
            "crisis",
            r"\b(?:nobody|no one|noone) (?:\w+ ){0,2}(?:cares|care|notice|miss me|would (?:even )?(?:notice|care|miss))\b.*\bif i (?:die|died|was gone|were gone|disappeared|wasnt here|was dead)",
        ),
        ("crisis", r"\bif i (?:die|died|was gone|were gone|disappeared|was dead)\b"),
        ("crisis", r"\b(?:burden to everyone|burden on everyone|everyones burden)\b"),
        ("crisis", r"\bdisappear (?:for good|forever)\b"),
        ("crisis", r"\bsaying goodbye to (?:people|everyone|my family)"),
        (
            "crisis",
            r"\bgave (?:away )?(?:my|all my|all of my) (?:\w+ )?(?:things|stuff|belongings|dog|cat|pets?)(?: away)?",
        ),
        ("crisis", r"\bwrote (?:letters|a letter|a note|notes|goodbye) to (?:my|everyone)"),
        (
            "crisis",
            r"\b(?:have|got) a plan (?:for tonight|to end|to kill|to do it)|\bi have a plan\b",
        ),
        ("crisis", r"\brope (?:ready|in the)\b"),
        ("crisis", r"\b(?:jump|jumping) (?:off|from|in front of)\b"),
        (
            "crisis",
            r"\bdriv\w+ (?:my car )?(?:into|off) (?:the|a) (?:lake|bridge|wall|tree|river|cliff)",
        ),
        ("crisis", r"\bstanding on (?:the|a) (?:overpass|bridge|roof|ledge|edge)"),
        (
            "crisis",
            r"\bno way out\b|\bmy life is over\b|\bnot (?:to )?exist\b|\bnot being here anymore",
        ),
        ("crisis", r"\bbottle of pills in front of me\b"),
        (
            "crisis",
            r"\bstockpil\w* (?:my |all my )?(?:meds|pills|medication)|\bcounted out (?:all )?my pills",
        ),
        (
            "crisis",
            r"\bdont see the point (?:of|in) waking up|\bnothing is (?:ever )?going to get better|\btired of trying\b",
        ),
        (
            "crisis",
            r"\bsay goodbye\b.*\bbefore i go\b|\bbefore i (?:end it|go tonight)\b|\bend it (?:tonight|soon|for good)",
        ),
        ("crisis", r"\bwont be (?:around|here) (?:after|by|much)|\bgo be with (?:her|him|them)\b"),
        ("crisis", r"\b(?:bridge|overpass|roof|building)\b.*\bhigh enough\b"),
        (
            "crisis",
            r"\b(?:so |just |really )?done with (?:everything|it all|life|living|being alive)\b",
        ),
        (
            "crisis",
            r"\bwant (?:it all|everything|the pain|my life|all of it) to (?:stop|end|be over)\b",
        ),
        # ------------------------------------------------------------------------- power lines
        (
            "power_line",
            r"\b(?:power|hydro|electrical|electric) (?:line|lines|wire|wires|pole)s? (?:\w+ ){0,2}"
            r"(?:down|sparking|on fire|arcing|on the road|hanging|fell|fallen|snapped)"
            r"|\bdowned (?:power|hydro) (?:line|lines|wire|wires)|\blive wires?\b"
            r"|\b(?:hydro|power) (?:line|wire)s? (?:is |are )?(?:lying|laying) (?:across|on)"
            r"|\b(?:hydro|power) (?:line|wire)s? (?:is |are )?down"
            r"|\bwires? (?:is |are )?(?:down|sparking|arcing|hanging (?:low|down|over))\b"
            r"|\bdowned wires?\b|\bwires? (?:\w+ )?(?:on|across) the (?:road|street|sidewalk|ground|car|driveway)\b",
        ),
        # Power lines shown to be live or down by what they do or where they lie: sparking or
        # buzzing, tangled in or under a fallen tree, come down, lying on top of a car.
        (
            "power_line",
            r"\b(?:power|hydro|electrical|electric) (?:lines?|wires?|cables?)\b(?: \w+){0,12}? "
            r"(?<!not )(?:sparking|arcing|buzzing|lying across|laying across|on the ground)\b"
            r"|\b(?:power|hydro|electrical) (?:lines?|wires?|cables?) (?:is |are )?(?:tangled (?:up )?"
            r"in|caught in|under|beneath|underneath) (?:it|them|the (?:fallen )?(?:tree|branch|"
            r"branches)|a (?:fallen )?(?:tree|branch))\b"
            r"|\b(?:wires?|power lines?|hydro lines?|cables?) (?:that )?(?:came|come|fell|have come|"
            r"has come|are coming|is coming) down\b"
            r"|\bwires?\b(?: \w+){0,8}? (?:on top of|on|across|over) (?:my|the|our|a|his|her) "
            r"(?:car|truck|van|vehicle|suv)\b",
        ),
        # ------------------------------------------------------------------- a person in danger
        (
            "person_in_danger",
            r"\b(?:not|isnt|stopped|cant|cannot|can not|trouble|barely|hard to|struggling to) "
            r"breath(?:e|ing)",
        ),
        (
            "person_in_danger",
            r"\b(?:unconscious|unresponsive|not responding|isnt responding|not moving|isnt moving|"
            r"wont wake up|cant wake (?:him|her|them|my)|not waking up|passed out|collapsed|fainted|"
            r"blacked out|face down|going under|heart attack|chest pains?|having a stroke|"
            r"a stroke|seizure|seizing|convuls\w+|choking|drowning|anaphyla\w*|allergic reaction)\b",
        ),
        (
            "person_in_danger",
            r"\b(?:lips|face|he|she|baby) (?:is |are )?(?:going|turning) (?:blue|grey|gray|purple)",
        ),
        (
            "person_in_danger",
            r"\bface is drooping|\bcant (?:lift|move|feel) (?:his|her|my) (?:arm|leg|face)|\bwords are coming out wrong|\bslurring",
        ),
        (
            "person_in_danger",
            r"\b(?:fell|fallen|gone|went) (?:through|in|into) the ice|\bthrough the ice\b",
        ),
        ("person_in_danger", r"\bin the water\b.*\b(?:waving|going under|cant swim|help)"),
        (
            "person_in_danger",
            r"\bbleeding\b|\b(?:cut|hurt|injured) (?:\w+ ){0,2}(?:really )?(?:bad|badly)\b"
            r"|\b(?:badly|seriously|really) (?:hurt|injured)\b"
            r"|\b(?:is|are|got|was|been|people|someone|driver|rider|cyclist|kid) (?:\w+ )?(?:hurt|injured)\b",
        ),
        (
            "person_in_danger",
            r"\b(?:kicking|kicked|breaking|smashing) (?:in|down) (?:my|the|our) door|\bclutching (?:his|her|my) chest|\bjerking (?:all over|around)",
        ),
        (
            "person_in_danger",
            r"\bice (?:just )?(?:cracked|broke|gave way) under|\b(?:crying|screaming|calling|yelling) for help|\bthings smashing\b",
        ),
        (
            "person_in_danger",
            r"\b(?:didnt|dont|havent|cant) (?:see|seen) (?:him|her|them) come up|\bwent (?:into|in) the (?:lake|water|river|pond)",
        ),
        (
            "person_in_danger",
            r"\bcant get up\b|\bhit (?:his|her|my) head\b|\bbroke (?:his|her|my) (?:leg|arm|hip|neck|back)",
        ),
        (
            "person_in_danger",
            r"\b(?:trapped|pinned)\b|\bstuck (?:under|inside|in the car|in the water)",
        ),
        (
            "person_in_danger",
            r"\b(?:is|im|are) stuck\b.*\b(?:elevator|under)\b.*\b(?:hurt|pain|breath|help)",
        ),
        (
            "person_in_danger",
            r"\b(?:hit by|run over by|struck by) (?:a |the )?(?:car|truck|bus|van|vehicle|train|driver)"
            r"|\b(?:car|truck|bus|van|vehicle|driver|snowplow) (?:just )?(?:hit|struck|ran over|knocked "
            r"down|pushed) (?:a|an|the|my|our|some)? ?(?:cyclist|pedestrian|kid|child|boy|girl|man|"
            r"woman|person|someone|guy|lady|biker|jogger|old|senior|car into)"
            r"|\b(?:got|been|was|just got) hit\b(?! (?:with a lot|by a lot))|\bran over\b|\bflipped over\b",
        ),
        (
            "person_in_danger",
            r"\b(?:crash|crashed|accident|collision)\b.*\b(?:hurt|injured|bleeding|trapped|unconscious|not moving|isnt moving)\b",
        ),
        (
            "person_in_danger",
            r"\b(?:breaking in|break in|broke in|breaking into|trying to (?:get|break) in|intruder|"
            r"someone (?:is )?in (?:my|our|the) (?:house|home|apartment|basement)|being robbed|"
            r"robbing|mugged|held up|(?:has|with|holding|pulled|waving|pointing) a (?:gun|knife|"
            r"weapon|machete)|gun|guns|gunshots?|shots fired|shooting(?! (?:up|out))|shot at (?:me|us|someone)|"
            r"(?:being|been|got|was) shot at|stabbed|stabbing|"
            r"(?:being|getting|was) (?:attacked|assaulted|beaten|robbed|shot|stabbed|followed)|"
            r"beating (?:someone|him|her|me|up)|beating \w+ up|attacking|following me|kidnap\w*|"
            r"hitting me|threatening (?:to kill|me|us)|going to kill|glass breaking|"
            r"hiding (?:upstairs|in|from))\b",
        ),
        (
            "person_in_danger",
            r"\b(?:missing|lost|cant find) (?:my|a|our) (?:child|kid|son|daughter|toddler|baby)",
        ),
        (
            "person_in_danger",
            r"\b(?:lying|laying) (?:on|in) (?:the|his|her) \w+ (?:\w+ )?(?:not moving|bleeding)|\blying (?:face down|in the road)",
        ),
        ("person_in_danger", r"\bon the floor\b.*\b(?:not answering|grey|gray|blue|not moving)"),
        # Someone fallen into a hole, a trench, a ditch or a creek ("my son fell into an open
        # manhole", "a kid on a bike went into the sinkhole"), or the hole named first and
        # someone in it after ("a missing manhole cover, a little girl just fell in it").
        (
            "person_in_danger",
            rf"\b{_SOMEONE} (?:\w+ ){{0,4}}(?:just )?(?:fell|fallen|slipped|went|gone|drove|rolled|"
            r"slid|got pulled|was pulled|got stuck|is stuck|stuck) (?:\w+ ){0,4}?(?:in|into|down) "
            rf"(?:a |an |the |that |this )?(?:\w+ ){{0,2}}{_HOLE}\b"
            rf"|\b{_HOLE}\b.*\b(?<!almost )(?<!nearly )(?<!nobody )(?<!no one )"
            r"(?:fell|fallen|slipped|went|gone) "
            r"(?:in|into|down) (?:it|there)\b",
        ),
        # Someone hurt and down who does not get up or answer, or a heap of blood.
        (
            "person_in_danger",
            r"\b(?:not|isnt|wont|hasnt) (?:getting|gotten|get) up\b"
            r"(?! (?:the|to|for|early|in time|on time|stairs|until|till|before|at)\b)"
            r"|\b(?:hes|shes|he is|she is|theyre|they are) (?:not|isnt) answering(?! (?:the|my|his|"
            r"her|our) (?:phone|door|calls?|texts?|emails?))"
            r"|\bcant see (?:him|her|them) (?:moving|breathing)"
            rf"|\b(?:{_SOMEONE}|his|her|i|im|ive)\b.*\b(?:blood (?:everywhere|all over|is pouring|"
            r"pouring|gushing|spurting|squirting)|(?:lots of|a lot of|so much|pool of|covered in) "
            r"blood\b)",
        ),
        # Something heavy came down on someone, or a vehicle backed or ran over someone.
        (
            "person_in_danger",
            rf"\b(?:fell|came down|crashed|landed|collapsed|dropped) on (?:top of )?{_SOMEONE}\b"
            rf"|\b(?:backed|ran|run|rolled|drove|driven) (?:right )?over {_SOMEONE}\b"
            rf"|\b{_SOMEONE} (?:just )?(?:got|was|were|been) (?:run|backed) over\b",
        ),
        # Someone buried when a trench or a bank caved in.
        (
            "person_in_danger",
            rf"\b{_SOMEONE}(?: (?:in|on|at|by|under|near|inside|working in|working on)(?: \w+){{1,5}})?"
            r" (?:just )?(?:got|was|is|been|are|were|getting) buried\b"
            rf"|\bburied alive\b|\bcaved in on {_SOMEONE}\b",
        ),
        # Someone pulled under water, or gone under and not come up.
        (
            "person_in_danger",
            r"\b(?:pulled|dragged|sucked) under\b|\b(?:hes|shes|theyve|theyre|he|she) (?:has |have )?"
            r"(?:gone|went) under\b|\bwent under (?:the )?water\b",
        ),
        # An armed person ("hes got a knife"), said with "got" rather than "has".
        (
            "person_in_danger",
            r"\b(?:got|has got|hes got|shes got|carrying|swinging|brandishing) a (?:knife|machete|"
            r"axe|weapon)\b",
        ),
        ("person_in_danger", _WRECK_WITH_PEOPLE.pattern),
        # -------------------------------------------------------------------- urgent: water
        ("urgent_water", r"\bwater ?main\b(?! (?:work|repair|project))|\bmain break\b"),
        (
            "urgent_water",
            r"\bhydrant\b.*\b(?:spraying|gushing|burst|shooting|knocked over|sheared|broken off|"
            r"flooding|wide open|blasting|spewing)|\b(?:knocked over|hit) the hydrant",
        ),
        (
            "urgent_water",
            r"\bwater (?:is )?(?:\w+ )?(?:gushing|pouring|bubbling|shooting|spraying|coming up|"
            r"coming out|spewing|running|rising|blasting)\b.*\b(?:road|street|ground|asphalt|pavement|"
            r"cracks|hole|sidewalk|pothole|boulevard|driveways?|intersection|parking lot|underpass)",
        ),
        # Water gushing everywhere, as from a hydrant knocked over ("the hydrant got knocked over
        # and water is gushing everywhere": the knocked-over hydrant alone is a harmless report).
        (
            "urgent_water",
            r"\bwater (?:is |was )?(?:\w+ )?(?<!not )(?:gushing|shooting|spraying|spewing|blasting) "
            r"(?:\w+ )?(?:everywhere|all over the (?:road|street|place))\b",
        ),
        # The broken road or sidewalk named first, the water after ("the sidewalk is lifting up
        # and water is blasting out from under it").
        (
            "urgent_water",
            r"\b(?:road|street|sidewalk|asphalt|pavement|ground|boulevard|parking lot|intersection)\b"
            r"(?: \w+){0,6}? water (?:is )?(?:\w+ )?(?<!not )(?:gushing|pouring|shooting|spraying|"
            r"spewing|blasting)\b",
        ),
        # A geyser in the road, and flood water reaching the houses.
        (
            "urgent_water",
            r"\b(?:into|is|its|like|theres) a geyser\b|\bgeysering\b|\b(?:water|flood\w*|under water)\b.*\b(?:coming|came|getting|creeping|"
            r"rising) up to (?:the|our|my) (?:houses?|homes?|doors?|front doors?|porch|garage|steps)\b",
        ),
        # The water gone all of a sudden ("the water just cut out in the whole building").
        (
            "urgent_water",
            r"\bwater (?:just |suddenly |all of a sudden )(?:cut out|cut off|went off|went out|shut off|"
            r"stopped)\b|\b(?:suddenly|all of a sudden) (?:lost|have no|got no) water\b",
        ),
        (
            "urgent_water",
            r"\briver of water|\b(?:street|road) (?:is |has )?(?:turned into a lake|flooding from|flooded from)|\bturned into a lake",
        ),
        (
            "urgent_water",
            r"\b(?:flooding|flooded) (?:the|our|my) (?:road|street|intersection|sidewalk|parking lot|"
            r"underpass)|\bburst pipe under"
            r"|\bhole\b.*\b(?:filling (?:up )?with water|water bubbling|bubbling (?:up|out))"
            # clean water or a pool bubbling up (dirty water from a drain is the sewer)
            r"|(?<!dirty )(?<!brown )(?<!black )(?<!sewer )(?<!sewage )(?<!stinky )(?<!smelly )"
            r"\b(?:water|pool|puddle) (?:is )?bubbling (?:up|out)",
        ),
        (
            "urgent_water",
            r"\b(?:no|without) water (?:at all|in the house|coming out)|\bno water\b.*\b(?:tap|taps|"
            r"suddenly|neighbours|all of a sudden)|\bnothing came out\b",
        ),
        # -------------------------------------------------------------------- urgent: sewer
        (
            "urgent_sewer",
            r"\braw sewage\b|\b(?:sewage|sewer water|sewer)\b(?: \w+){0,3} (?:backing up|backed up|"
            r"coming up|coming out|in (?:my|the|our) basement|flooding|overflowing|all over|pouring|"
            r"rising|everywhere|spilling|(?:coming|comes|came) back up)"
            r"|\b(?:flooding|backing up|filling up|filling|overflowing|full) with (?:raw )?(?:sewage|"
            r"sewer water)",
        ),
        (
            "urgent_sewer",
            r"\bdrain (?:is )?(?:overflowing|backing up|backed up|bubbling up|bubbling|filling)"
            r"|\b(?:dirty|brown|black|stinky|smelly|poop|poo|sewage) water\b.*\b(?:drain|toilet|basement|coming up)"
            r"|\btoilet (?:\w+ )?(?:is |keeps )?(?:overflowing|filling up by itself|spilling)"
            r"|\bcomes up in (?:our|my|the) basement",
        ),
        # A sewer backup still going on ("a sewer backup, its filling up my basement as we speak"),
        # sewage coming up into a tub or a shower, or standing inches deep.
        (
            "urgent_sewer",
            r"\bsew(?:er|age) back ?ups?\b(?: \w+){0,3}? (?:filling|flooding|rising|coming in|pouring)"
            r"|\bsew(?:er|age) back ?ups?\b.*\b(?:as we speak|right now|still coming|still rising)\b"
            r"|\b(?:comes?|coming|came) up (?:in|into|through) (?:our|my|the) (?:basement|tub|bathtub|"
            r"shower|floor drain|toilet|laundry tub|laundry sink|laundry room)\b"
            r"|\b(?:inches|feet|foot) of (?:sewage|sewer water|dirty water)\b",
        ),
        # -------------------------------------------------------------------- urgent: animal
        (
            "urgent_animal",
            rf"\b{_ANIMAL}\b.*\b(?:bit|bites|bitten|biting|scratched|got) (?:me|us|him|her|them|someone|"
            r"my (?:son|daughter|kid|child|baby|husband|wife|mom|dad|hand|arm|leg|face|finger|foot|ankle|"
            r"neighbour|friend|brother|sister|grandson|granddaughter)|a (?:kid|child|boy|girl|man|woman|"
            r"person|jogger))\b|\bgrabbed (?:my|his|her) \w+ with its teeth"
            rf"|\b(?:bit|bitten|scratched|attacked|bites?) (?:by|from) (?:a |the |our |my )?(?:\w+ )?{_ANIMAL}\b"
            rf"|\b(?:dog|animal|raccoon|bat) bite\b",
        ),
        (
            "urgent_animal",
            r"\bbats?\b.*\b(?:bedroom|room|pillow|bed|sleep|sleeping|slept|woke|asleep|crib)\b"
            r"|\b(?:woke|woke up|sleeping)\b.*\bbats?\b",
        ),
        # --------------------------------------------------------------------- urgent: noise
        (
            "urgent_noise",
            r"\b(?:loud|huge|big|house|wild|crazy|massive) party\b|\bparty (?:next door|upstairs|"
            r"downstairs|across|on my street|is (?:so |super |really )?loud|super loud|so loud)"
            r"|\b(?:music|bass|stereo|speakers?) (?:is |are )?(?:blasting|blaring|booming|shaking|"
            r"rattling|so loud|too loud)|\b(?:blasting|blaring) (?:music|their music)\b|\brevving\b"
            r"|\bscreaming along\b|\brave\b|\bhaving a party\b(?!.*\b(?:on|this|next) \w+day)"
            r"|\bnoise complaint\b.*\b(?:right now|all night|still going|tonight)\b"
            r"|\b\d+ teenagers\b|\bbass from\b",
        ),
    )
)

_CLAUSE_BREAK: Final = re.compile(
    r"\b(?:but|also|anyway|and also|so|then|because)\b|\band (?=(?:i|we|hes|shes|its|now|the|my)\b)"
)
_NEGATION: Final = re.compile(
    r"\b(?:no|not|isnt|arent|wasnt|werent|doesnt|dont|didnt|never|nothing|without|nobody|no one|noone)\b"
)
_SETTLED_PAST: Final = re.compile(
    r"\b(?:last (?:week|month|year|spring|summer|fall|autumn|winter|weekend|time|saturday|"
    r"sunday|monday|tuesday|wednesday|thursday|friday)|(?:years|months|weeks|days) ago|"
    r"yesterday|a while (?:ago|back)|earlier this (?:year|month)|when i was (?:a )?(?:kid|child)|"
    r"(?:was|were|been|got|is|are|all) (?:all )?(?:cleaned up|fixed|repaired|put out))\b"
)
_ALL_CLEAR: Final = re.compile(
    r"\b(?:false alarm|(?:its|it was|it is|hes|he is|shes|she is|they are|theyre|were|we are|"
    r"im|i am|everyone is|everybody is|all) (?:all )?(?:fine|okay|ok|alright|all right|safe|good)"
    r"(?: now)?|it was (?:nothing|just|only)|nobody (?:is |was |got )?hurt|no one (?:is |was |got )?"
    r"(?:hurt|injured)|nothing (?:is )?(?:wrong|on fire|burning)|never mind|nevermind|"
    r"(?:i|we|they|firefighters) (?:put|got) it out|(?:the )?fire is out|its out now|we (?:all )?got out|burnt toast|"
    r"i was (?:just )?(?:joking|kidding)|i feel (?:better|okay|fine))\b"
)
# Cues general enough to give way to a more specific kind heard with them: a bite that
# bleeds needs the bite advice (wash it, see a doctor, rabies), not only "call 9-1-1".
_YIELDS: Final = {"bleeding": "urgent_animal"}
# The classifier alone is not enough: its emergency score counts only with a word of harm,
# help or a person at risk in the sentence ("and the peel from an orange" once scored 0.89).
_RISK_HINT: Final = re.compile(
    r"\b(?:help|hurt|hurting|emergency|urgent|dying|die|dead|blood|bleed\w*|breath\w*|"
    r"ambulance|police|fire|smoke|smoking|gas|poison\w*|scared|danger\w*|attack\w*|pain|sick|"
    r"collaps\w*|faint\w*|unconscious|injur\w*|accident|crash\w*|stuck|trapped|weapon|"
    r"threat\w*|kill\w*|suicid\w*|alarm|explo\w*|burn\w*|flood\w*|drown\w*|chok\w*|"
    r"overdos\w*|swallow\w*|bit|bitten|missing|lost|fell|fallen|now|quick|hurry|please)\b"
)
_NEGATION_WINDOW = 3  # words before a cue that can negate it ("there is no fire")


@dataclass(frozen=True, slots=True)
class Danger:
    """A kind of danger heard, and the words that made the call (for explaining it)."""

    kind: str
    cue: str
    source: str = "rule"  # "rule", or "classifier" when only the emergency score said so

    @property
    def family(self) -> str:
        return FAMILY.get(self.kind, self.kind)


def _clean(text: str) -> str:
    """Lower case words without apostrophes: "isn't" and "isnt" are said the same."""
    return re.sub(r"\s+", " ", re.sub(r"['’]", "", text.lower())).strip()


class SafetyCheck:
    """Decides whether an utterance carries danger, and which kind.

    Configured only through its constructor: `classifier_threshold` is the emergency
    score above which the classifier alone calls a general emergency.
    """

    def __init__(self, *, classifier_threshold: float = 0.9) -> None:
        self.classifier_threshold = classifier_threshold

    def assess(self, text: str, *, emergency_score: float = 0.0) -> Danger | None:
        """The danger in `text`, or None. Pure and fast: it runs on every turn."""
        words = _clean(text)
        if not words:
            return None
        remainder = _HARMLESS.sub(" _ ", words)
        found = self._rule_matches(words, remainder)
        kinds = {d.kind for d in found}
        found = [d for d in found if _YIELDS.get(d.cue) not in kinds]
        if any(d.kind == "person_in_danger" and _WRECK_WITH_PEOPLE.fullmatch(d.cue) for d in found):
            found = [d for d in found if d.kind != "fire"]
        if found:
            return min(found, key=lambda d: KINDS.index(d.kind))
        confident = (
            emergency_score >= self.classifier_threshold
            and remainder == words
            and _RISK_HINT.search(words) is not None
        )
        if confident and not (_NEGATION.search(words) or _SETTLED_PAST.search(words)):
            return Danger(GENERAL, words, source="classifier")
        return None

    def all_clear(self, text: str) -> bool:
        """Whether the resident says the danger is over or was not real ("false alarm")."""
        return _ALL_CLEAR.search(_clean(text)) is not None

    def _rule_matches(self, words: str, remainder: str) -> list[Danger]:
        found: list[Danger] = []
        cleared = _ALL_CLEAR.search(remainder) is not None
        for kind, pattern in _RULES:
            if cleared and kind in _ALL_CLEAR_CANCELS:
                continue
            text = words if kind in _RAW_KINDS else remainder
            for match in pattern.finditer(text):
                if not self._cancelled(kind, text, match.start(), match.end()):
                    found.append(Danger(kind, match.group(0)))
                    break
        return found

    @staticmethod
    def _cancelled(kind: str, text: str, start: int, end: int) -> bool:
        """Whether the cue at [start, end) is negated or settled in its own clause."""
        clause_start = max((m.end() for m in _CLAUSE_BREAK.finditer(text, 0, start)), default=0)
        next_break = _CLAUSE_BREAK.search(text, end)
        clause_end = next_break.start() if next_break else len(text)
        before = text[clause_start:start].split()[-_NEGATION_WINDOW:]
        if kind != "crisis" and _NEGATION.search(" ".join(before)):
            return True
        if kind in _NEVER_SETTLED:
            return False
        return _SETTLED_PAST.search(text[clause_start:clause_end]) is not None

    def decide(self, text: str, ranking: Sequence[IntentScore], *, threshold: float) -> IntentScore:
        """The intent once safety has spoken, for every engine alike.

        Danger heard makes it `emergency`, whatever the classifier ranked first. An
        `emergency` guess with no danger heard ("where do fire logs go") gives way to the
        classifier's best other guess, its confidence taken among the other intents; a
        weak best guess becomes `out_of_scope`.
        """
        emergency = next((s.confidence for s in ranking if s.name == EMERGENCY_INTENT), 0.0)
        if self.assess(text, emergency_score=emergency) is not None:
            return IntentScore(EMERGENCY_INTENT, 1.0)
        others = [s for s in ranking if s.name not in (EMERGENCY_INTENT, FALLBACK_INTENT)]
        if not others:
            return IntentScore(FALLBACK_INTENT, 1.0)
        best = others[0]
        confidence = best.confidence / (1.0 - emergency) if emergency < 1.0 else best.confidence
        if confidence < threshold:
            fallback = next((s for s in ranking if s.name == FALLBACK_INTENT), None)
            return IntentScore(
                FALLBACK_INTENT,
                round(max(1.0 - confidence, fallback.confidence if fallback else 0.0), 4),
            )
        return IntentScore(best.name, round(min(confidence, 1.0), 4))
