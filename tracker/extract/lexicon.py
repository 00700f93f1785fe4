"""Word lists and patterns for how wire services and official statements describe forces.

These are general English news conventions (attribution verbs, movement verbs, force nouns,
prepositions of direction), never words of a particular report. Imports: stdlib only.
"""

from __future__ import annotations

import re

# Warships by type and combat aircraft: forces and their equipment ("three frigates").
# "carrier" alone is weak ("a mail carrier"; "aircraft carrier" is not).
WARCRAFT = frozenset(
    {"warplanes", "bombers", "destroyers", "destroyer", "frigates", "frigate", "submarines"}
    | {"submarine", "corvettes", "cruisers", "carrier", "carriers"}
)
# Nouns that name armed forces or their equipment: a sentence needs one to yield an event.
_FORCE_WORDS = frozenset(
    [
        "troops",
        "troop",
        "soldiers",
        "soldier",
        "forces",
        "force",
        "fighters",
        "fighter",
        "servicemen",
        "serviceman",
        "personnel",
        "brigade",
        "brigades",
        "battalion",
        "battalions",
        "division",
        "divisions",
        "regiment",
        "regiments",
        "corps",
        "units",
        "unit",
        "contingent",
        "contingents",
        "mercenaries",
        "mercenary",
        "marines",
        "marine",
        "paratroopers",
        "commandos",
        "commando",
        "guards",
        "guard",
        "instructors",
        "instructor",
        "reservists",
        "conscripts",
        "recruits",
        "militia",
        "militiamen",
        "tanks",
        "tank",
        "convoy",
        "convoys",
        "column",
        "columns",
        "vehicles",
        "warships",
        "ships",
        "aircraft",
        "jets",
        "helicopters",
        "drones",
        "army",
        "armies",
        "infantry",
        "artillery",
        "battalions",
        "detachment",
        "detachments",
        "reinforcements",
        "rebels",
        "insurgents",
        "sailors",
        "airmen",
        "squadron",
        "squadrons",
        "trainers",
        "advisers",
        "advisors",
        "peacekeepers",
        "sappers",
        "deminers",
        "engineers",  # weak (forces._WEAK) unless "military engineers"
        "police",  # weak: a police contingent counts in a report about forces
        "policemen",
        "officers",  # weak
        "gendarmes",
    ]
)
FORCE_NOUNS = _FORCE_WORDS | WARCRAFT

# Event types by the verbs and nouns that signal them, checked in this order.
EVENT_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "deployment_decision",
        re.compile(
            r"\bordered\s+(?:[\w-]+\s+){1,5}?(?:to|into|towards)\s+the\s+|"
            r"\b(?:decided|decides|agreed|plans?|planned|planning|ordered|approved|announced|"
            r"intends?|pledged|promised|prepared|preparing)\s+(?:\w+\s+){0,3}?to\s+"
            r"(?:send|deploy|dispatch|station|move|transfer|enter|contribute|commit)\b|"
            r"\b(?:will|would|to)\s+(?:(?:also|each|soon|now|then|likely|probably|initially|"
            r"eventually|further|quickly)\s+)?(?:be\s+)?(?:deploy|deployed|send|sent|dispatch|"
            r"dispatched|station|stationed|"
            r"fly\s+(?:out|in)|flown\s+(?:out|in)|airlifted|contribute|commit)\b|"
            r"\bexpected\s+to\s+(?:be\s+)?(?:deploy|deployed|sent|send|dispatched|reach|arrive)\b|"
            r"\bpreparing\s+to\s+(?:enter|join|deploy)\b",
            re.I,
        ),
    ),
    (
        "withdrawal",
        re.compile(
            r"\b(?:withdr[ae]w\w*|pulled\s+(?:back|out)|pull(?:ing|s)?\s+(?:back|out)|"
            r"retreat\w*|left(?!\s+(?:wing|bank|side|flank|behind|over))|reduced|pullback|pull-out|departed|evacuated)\b",
            re.I,
        ),
    ),
    ("capture", re.compile(r"\b(?:captured|taken\s+prisoner|prisoners?\s+of\s+war)\b", re.I)),
    (
        "casualties",
        re.compile(r"\b(?:killed|wounded|casualties|dead|died|injured|losses)\b", re.I),
    ),
    (
        "combat",
        re.compile(
            r"\b(?:(?<!mission\s)(?<!coalition\s)(?<!operation\s)fighting|fought|fight|clash\w*|"
            r"attack\w*|offensive|assault\w*|battle\w*|came\s+under|come\s+under|shelling|"
            r"raids?|combat|exchanged\s+fire|exchanges?\s+of\s+fire|firefights?|gunfights?|"
            r"gun\s?battles?|opened\s+fire|skirmish\w*|fired\s+(?:[\w-]+\s+){0,5}?(?:at|on)|"
            r"struck|destroyed)\b",
            re.I,
        ),
    ),
    (
        "arrival",
        re.compile(
            r"\b(?:arriv\w+|landed|reached|have\s+reached|touched\s+down|unloaded|disembarked|"
            r"docked)\b",
            re.I,
        ),
    ),
    (
        "training",
        re.compile(
            r"\b(?:training(?!\s+(?:grounds?|ranges?|areas?|camps?|centres?|centers?|bases?))|"
            r"trained|train|exercises?|drills?|manoeuvres|maneuvers|war\s+games)\b",
            re.I,
        ),
    ),
    (
        "movement",
        re.compile(
            r"\b(?:moved|moving|move|transferred|transfer\w*|shipped|dispatched|dispatch|sent|"
            r"crossed|crossing|advanced|advancing|redeployed|deployed\s+to|heading|headed|"
            r"(?-i:deployed\s+(?:[\w,-]+\s+){1,6}?(?:to|into|towards)\s+(?:the\s+)?[A-Z]\w*)|"
            r"transported|relocated|entered|entering|passed\s+through|rolled|marched|flown|airlifted|"
            r"travell?ed|went|sailed|flew|ferried|carried|carrying|pushed|pushing|"
            r"mov\w+\s+(?:closer|towards?))\b",
            re.I,
        ),
    ),
    (
        "presence",
        re.compile(
            r"\b(?:stationed|present|presence|remain\w*|deployed|operating|massed|massing|dug|"
            r"dug\s+in|digging|entrench\w*|fortif\w+|serve|serves|serving|"
            r"based|seen|spotted|gathered|concentrated|positioned|are\s+in|were\s+in|is\s+in|"
            r"patrols?|patroll?ed|patroll?ing|(?:established|set\s+up|built|opened)\s+"
            r"(?:[\w-]+\s+){0,3}?(?:bases?|outposts?|positions?|camps?|checkpoints?))\b",
            re.I,
        ),
    ),
)

# Attribution verbs (claimant ... VERB); the verb's tense does not matter.
SAY_VERBS = (
    r"said|says|say|told|announced|announces|reported|reports|stated|states|claimed|claims|"
    r"estimated|estimates|believed|believes|confirmed|confirms|acknowledged|acknowledges|"
    r"denied|denies|added|wrote|warned|disclosed|revealed|alleged|alleges|rejected|dismissed"
)
SAY_RE = re.compile(rf"\b(?:{SAY_VERBS})\b", re.I)
DENY_RE = re.compile(
    r"\b(?:denied|denies|deny|dismissed|rejected|refuted)\b(?!\s+(?:access|entry|visas?))",
    re.I,
)
ACK_RE = re.compile(r"\b(?:acknowledged|acknowledges|confirmed|confirms|admitted|admits)\b", re.I)
UNCONFIRMED_RE = re.compile(
    r"\b(?:(?:did|does|could|can|has|have|had)\s*(?:not|n['’]t)\s+(?:\w+\s+){0,2}?"
    r"(?:confirm(?:ed)?|verif(?:y|ied)|be\s+(?:independently\s+)?(?:confirmed|verified)|"
    r"corroborate)|unconfirmed|unverified|not\s+(?:been\s+)?(?:independently\s+)?"
    r"(?:confirmed|verified)|(?:has|have|had)\s+not\s+(?:yet\s+)?(?:observed|seen|found)\s+"
    r"(?:any\s+)?(?:[\w-]+\s+)?(?:confirmation|evidence))\b",
    re.I,
)
ANON_RE = re.compile(
    r"\b(?:citing\s+(?:\w+\s+){0,2}?(?:anonymous|unnamed|unidentified)\s+\w+|"
    r"(?:who|which)\s+(?:spoke|asked\s+not\s+to\s+be\s+(?:named|identified))\b(?:\s+on\s+condition\s+of\s+anonymity)?|"
    r"on\s+condition\s+of\s+anonymity|(?:anonymous|unnamed)\s+sources?)",
    re.I,
)

# Words that make a possessive or a subject an institution or person, not a place:
# "Russia's defence ministry", "Ukraine's President ...", "China's military".
INSTITUTION_WORDS = frozenset(
    [
        "ministry",
        "minister",
        "military",
        "army",
        "navy",
        "government",
        "president",
        "prime",
        "premier",
        "foreign",
        "defence",
        "defense",
        "intelligence",
        "agency",
        "service",
        "services",
        "forces",
        "armed",
        "leader",
        "leadership",
        "embassy",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "officials",
        "official",
        "authorities",
        "administration",
        "parliament",
        "media",
        "state",
        "security",
        "command",
        "general",
        "staff",
        "envoy",
        "ambassador",
        "chief",
        "head",
        "border",
        "guard",
        "guards",
        "information",
        "press",
        "news",
        "office",
        "council",
        "senate",
        "congress",
        "monitoring",
        "group",
        "experts",
        "commander",
        "troops",
        "soldiers",
        "air",
        "naval",
        "national",
        "special",
        "paramilitary",
    ]
)

# Words that may sit between a preposition and a place: "to the port city of Vladivostok".
PLACE_DESCRIPTORS = frozenset(
    [
        "the",
        "its",
        "their",
        "a",
        "an",
        "of",
        "port",
        "city",
        "town",
        "village",
        "region",
        "regions",
        "province",
        "oblast",
        "krai",
        "state",
        "states",
        "highlands",
        "lowlands",
        "interior",
        "provinces",
        "districts",
        "governorates",
        "governorate",
        "towns",
        "cities",
        "villages",
        "district",
        "capital",
        "island",
        "islands",
        "border",
        "frontier",
        "base",
        "airbase",
        "airfield",
        "airport",
        "area",
        "areas",
        "outskirts",
        "centre",
        "center",
        "north",
        "south",
        "east",
        "west",
        "northern",
        "southern",
        "eastern",
        "western",
        "central",
        "northeastern",
        "northwestern",
        "southeastern",
        "southwestern",
        "disputed",
        "occupied",
        "coastal",
        "city's",
        "near",
        "parts",
        "part",
        "territory",
        "republic",
        "county",
        "municipality",
        "neighbourhood",
        "neighborhood",
        "suburbs",
        "vicinity",
        "front",
        "frontline",
        "towns",
        "villages",
        "cities",
    ]
)

# A compass part of a place ("in eastern Congo", "the north-western Red Sea").
COMPASS_PART = (
    r"(?:(?:north|south|east|west|north-?east|north-?west|south-?east|south-?west)ern|central)"
)

# Preposition (or verb) immediately governing a place -> role.
ROLE_PREPOSITIONS: dict[str, str] = {
    "from": "origin",
    "out of": "origin",
    "left": "origin",
    "to": "destination",
    "towards": "destination",
    "toward": "destination",
    "into": "destination",
    "reached": "destination",
    "reaching": "destination",
    "entering": "destination",
    "leaving": "origin",
    "entered": "destination",
    "for": "destination",
    "through": "transit",
    "via": "transit",
    "across": "transit",
    "passing": "transit",
    "passed": "transit",
    "transiting": "transit",
    "transited": "transit",
    "crossing": "transit",
    "crossed": "transit",
    "in": "location",
    "at": "location",
    "near": "location",
    "around": "location",
    "along": "location",
    "inside": "location",
    "outside": "location",
    "within": "location",
    "on": "location",
    "over": "location",
    "off": "location",
}

# Nouns before "of X" that make X a place of belonging, not a troop position.
RELATED_HEADS = frozenset(
    [
        "residents",
        "resident",
        "citizens",
        "citizen",
        "natives",
        "native",
        "nationals",
        "national",
        "people",
        "population",
        "inhabitants",
        "passports",
        "passport",
        "cards",
        "card",
        "documents",
        "papers",
        "registration",
        "governor",
        "mayor",
    ]
)

# Words after "to"/"for" that show it is not a direction ("ambassador to Russia").
NOT_DIRECTION_BEFORE = frozenset(
    [
        "ambassador",
        "envoy",
        "embassy",
        "relations",
        "ties",
        "threat",
        "threats",
        "aid",
        "support",
        "help",
        "assistance",
        "visit",
        "visits",
        "trip",
        "talks",
        "war",
    ]
)
EXCLUDING_PREPOSITIONS = frozenset({"against", "with", "by", "about", "between", "than"})

UNIT_RE = re.compile(
    r"\b(?:\d+(?:st|nd|rd|th)\s+(?:[A-Z][\w-]*\s+){0,4}"
    r"(?:Division|Brigade(?:\s+Combat\s+Team)?|Corps|Regiment|Battalion|Army|Fleet|"
    r"Group|Command|Company|Squadron|Wing|Detachment|military\s+base|Base)"
    r"(?:,\s+\d+(?:st|nd|rd|th)\s+(?:[A-Z][\w-]*\s+){0,3}(?:Division|Corps|Army))?|"
    r"(?:[A-Z][\w-]+\s+){1,3}(?:Battalion|Brigade|Regiment|Division|Corps|Legion))\b"
)

FORCE_UNITS = frozenset(
    [
        "troops",
        "soldiers",
        "personnel",
        "servicemen",
        "fighters",
        "forces",
        "brigades",
        "battalions",
        "divisions",
        "regiments",
        "companies",
        "units",
        "vehicles",
        "tanks",
        "aircraft",
        "planes",
        "jets",
        "ships",
        "warships",
        "vessels",
        "helicopters",
        "drones",
        "mercenaries",
        "instructors",
        "guards",
        "marines",
        "paratroopers",
        "commandos",
        "reservists",
        "sailors",
        "men",
        "convoys",
    ]
)
FORMATION_UNITS = frozenset(
    {"brigades", "battalions", "divisions", "regiments", "companies", "units"}
)
EQUIPMENT_NOUNS = (
    frozenset(
        [
            "tanks",
            "tank",
            "convoy",
            "convoys",
            "vehicles",
            "ships",
            "warships",
            "aircraft",
            "jets",
            "helicopters",
            "drones",
            "artillery",
            "vessels",
            "planes",
        ]
    )
    | WARCRAFT
)

# Words before "from X" that make X where a report came from, not where troops came from.
SOURCE_NOUNS = frozenset(
    [
        "dispatch",
        "dispatches",
        "report",
        "reports",
        "reporting",
        "statement",
        "briefing",
        "correspondent",
        "correspondents",
        "sources",
        "source",
        "official",
        "officials",
        "data",
        "images",
        "footage",
        "video",
        "videos",
        "photos",
        "interview",
        "broadcast",
    ]
)
SPEAKER_BEFORE = re.compile(
    rf"(?:\b(?:{SAY_VERBS}|speaking|spoke)(?:\s+(?:reporters|journalists|state\s+media|"
    r"state\s+television|the\s+media|the\s+press|parliament|lawmakers))?"
    r"(?:\s+(?:late\s+|early\s+|earlier\s+)?on\s+\w+)?\s+(?:in|at|from)|"
    r"\b(?:news|press)\s+conference\s+(?:in|at)|\bbriefing\s+(?:in|at)|"
    r"\b(?:told|briefed)\s+(?:reporters|journalists)\s+at\s+(?:[\w'’-]+\s+){1,5}?(?:in|at|near)|"
    r"\b(?:summit|meeting|talks)\s+(?:in|at)|\b(?:visit|trip)\s+to)\s+(?:the\s+)?$",
    re.I,
)

# Where something other than troops happens: a speech, a ceremony, a meeting, a monument.
# A place right after such a noun (in the same clause) is a venue, not a troop position:
# "speaking at a ceremony at the war memorial in X", "a monument in X", "talks in X".
VENUE_BEFORE = re.compile(
    r"\b(?:ceremony|ceremonies|memorial|monument|statue|mausoleum|museum|cemetery|tomb|"
    r"speech|address|lecture|conference|briefing|meeting|talks|summit|funeral|interview|"
    r"forum|rally|embassy|consulate|parliament|palace|visit|wreath-laying)\b"
    r"(?P<gap>[^,.;:]{0,70})$",
    re.I,
)
# Nouns of military sites: "to training grounds in X", "to field positions in X" keep the
# direction of "to" for the place after "in"/"at".
SITE_NOUNS = frozenset(
    [
        "base",
        "bases",
        "camp",
        "camps",
        "grounds",
        "ground",
        "positions",
        "position",
        "airfield",
        "airfields",
        "airport",
        "airbase",
        "port",
        "station",
        "stations",
        "barracks",
        "garrison",
        "garrisons",
        "range",
        "ranges",
        "areas",
        "area",
        "sites",
        "site",
        "villages",
        "towns",
    ]
)
# Words that make a statement tentative; confidence drops when a sentence hedges.
HEDGE_RE = re.compile(
    r"\b(?:likely|reportedly|may|might|could|possibly|apparently|appear(?:s|ed)?\s+to|"
    r"believed|suspected|unclear|unverified|rumou?red|alleged(?:ly)?|purportedly|"
    r"estimated|seem(?:s|ed)?\s+to|assess(?:es|ed)?|indicates?)\b",
    re.I,
)
