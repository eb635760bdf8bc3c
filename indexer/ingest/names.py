"""Names and figures in English and Italian news text, found by rule.

Names are runs of capitalised tokens (Zhu Jiangming, Leapmotor International), joined
across connectors where that makes one name (Bank of America, Banca d'Italia, Leonardo da
Vinci, Hong Kong Exchanges and Clearing Limited), acronyms (HKEX), product codes (C11,
T03, LEAP 3.0, ISO 27001, a term's version: CTC 2.0), CamelCase and digit-led brands
(XPeng, 51Job, 3S-Lab) and CJK names (零跑汽车). Legal suffixes (Co., Ltd., Inc., S.p.A.)
belong to a name; a trailing possessive and an elided article ("dell'Europa" -> "Europa")
do not, and a name begins with a capital or a digit once the elision is stripped
("L'autorità", "C'è" are no names).

What keeps ordinary capitalised words out:
- stop lists of general vocabulary: sentence starters and function words per language,
  months and weekdays, titles and roles, nationality adjectives, references (Chapter,
  Table), generic acronyms (EV, CEO, ESG), and a list of frequent lower-case words of
  English and Italian (common_words.txt beside this module, read once at import: the
  lower-case words of SQuAD / SQuAD-it Wikipedia paragraphs seen at least 12 times,
  lower-cased at least 45% of the time);
- the text itself: a word it also uses in lower case is common ("the Company"); a lone
  capitalised word starting a sentence, line or table cell counts only if the text also
  capitalises it inside a sentence; an acronym it spells out in common words ("SOA:
  Service-oriented Architecture", "photovoltaic (PV)", "the AQS air quality management
  system", "Kiken Yochi training (KYT)") is a term, and so are the words in capitals
  that spell a label out ("5S: SEIRI, SEITON, SEISO, ...");
- shape: Roman numerals (II), ratings (AA, GGGG) and short codes (A1, CP7) are no names
  alone; words in capitals are shouting, not acronyms, in a run with two common words
  ("8 DECENT WORK AND ECONOMIC GROWTH") or alone as a line ("CONTENTS"), while an acronym
  in running text stays one ("alla NATO");
- descriptive titles: common words ending in a generic head noun (Information Security
  Committee, Risk Management System, Pollutant Discharge Permit, Data Security Law of
  ...), the first half of one that "and" splits ("ISO 45001 Occupational Health [and
  Safety Management System]", "Leapmotor Environmental[, Social and Governance Report]"),
  a title opening with an abstract noun and "of" ("Treatment of ...") and a description
  in brackets after a code ("C01 (Deluxe High-Tech Electric Sedan)") are not names; the
  name they hold may be ("ISO 45001", "People's Republic of China");
- other titles of common words are names in news ("White House", "Federal Reserve
  Board"), but not in a text that capitalises common words a lot (over 40% of the
  capitalised words inside its sentences, as a report in Title Case does), unless they
  end like an institution's, an event's or a place's name (Award, Street). In a long
  text that does so most of the time (a report), a company's own organs are not names
  either (a Board/Committee/Department/Union/Group head under common words alone:
  "Board of Directors", "Supervisory Board"), unless words of reach, an owner
  institution or an acronym of their own make them an outside body ("International
  Sustainability Standards Board", "Working Group of the ... Laboratory", "Global
  Sustainability Standards Board (GSSB)"); nor are honours and rankings described with a
  word of praise and no award's head ("Hangzhou Best Employer", but "Outstanding Team
  Award");
- headings and table cells in Title Case or ALL CAPS (and a headline opening a
  paragraph) give only names the running text also gives, and tokens named by their
  shape (acronyms, codes, CamelCase): a heading does not make every word a name.
"and"/"e" join only inside a name that already has an "of" or whose last word is an
institution's ("... Reform Commission"), so "Stellantis and Leapmotor" stays two names; a
slash between capitals joins one name ("CNCERT/CC") unless the text also gives both sides
alone ("C-NCAP/E-NCAP"); a byline's label is no part of the name ("Redazione Fleetime").

Figures are currency amounts (€1.5 billion, 1,5 miliardi di euro, RMB 16.7 billion, USD
2 million, 100.000 euro), percentages (25%, 25 per cent, 25 per cento), measured amounts
(403 km, 36.5 kWh, 88 tCO₂e, 17 MW) and years 1990-2039 standing alone, shown as written.

Evidence is what the text passed in shows: a whole document gives more than one of its
passages (an acronym spelled out in a footnote, a word written in lower case elsewhere),
and indexing passes whole documents (ingest/prepare.py). On the hand-labelled seed
documents (tests/ingest/seed_names.toml, bench/names_quality.py), whole documents:
precision 0.90 and recall 0.90 overall (micro; the ESG report alone 0.87 and 0.85, the
news, press release and encyclopedia article 0.98 and 0.99); per passage precision falls
to 0.71, as the report rules need a whole report to tell it is one. On eight held-out
NTREX news articles labelled by the same rules before these rules were tuned
(tests/ingest/heldout_names.toml), precision 0.85 and recall 0.83. What still fails is
mostly vocabulary the frequency list lacks ("Freshmen", "Deluxe", "Mommy Room" read as
names in a report), names split at a possessive ("King's Ark") or across lines by PDF
extraction, and generic technical acronyms the text never spells out (NVH, IPD, CTC).

Speed (bench/names_quality.py, Python 3.11, one core of this shared 2-core machine, best
of 5 to 7 rounds): 0.49-0.52 ms per 1,000 characters on whole documents and on passages
(0.44-0.45 before the report rules above, measured alongside: about 10% more), 2,500 seed
passages a second.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class Mention:
    start: int  # character offsets in the text passed in
    end: int
    # the display form: the surface text with whitespace collapsed, a trailing possessive
    # ('s / ’s) dropped
    text: str
    kind: str  # "name" or "figure"


def name_key(display: str) -> str:
    """The form a mention is searched and counted by: display form casefolded, accents kept,
    whitespace collapsed, typographic apostrophes made plain, so "LEAPMOTOR" and
    "Leapmotor" count as one."""
    return " ".join(display.translate(_APOSTROPHES).casefold().split())


def extract_mentions(text: str, language: str) -> list[Mention]:
    """Names (people, companies, places, products, institutions) and figures (amounts with
    currency or unit, percentages, years) in `text` (language "en" or "it"; anything else is
    treated with both languages' stop lists), sorted by start, never overlapping."""
    names = _NameFinder(text, language).mentions()
    figures = [Mention(m.start(), m.end(), _display(m.group()), "figure")
               for m in _FIGURE.finditer(text)]
    return _without_overlaps(names + figures)


def _display(surface: str) -> str:
    return " ".join(surface.split())


def _without_overlaps(mentions: list[Mention]) -> list[Mention]:
    """The longest first; a mention overlapping one already kept is dropped."""
    kept: list[Mention] = []
    taken: set[int] = set()
    for m in sorted(mentions, key=lambda m: (m.start - m.end, m.start)):
        span = range(m.start, m.end)
        if taken.isdisjoint(span):
            taken.update(span)
            kept.append(m)
    return sorted(kept, key=lambda m: m.start)


_APOSTROPHES = str.maketrans({"’": "'", "‘": "'"})


def _words(text: str) -> frozenset[str]:
    return frozenset(text.casefold().split())


# ------------------------------------------------------------ vocabulary (general)

_FUNCTION_EN = _words("""
a an the and or but nor so yet for of in on at by to from with without into onto over under
about above below after before during since until upon via per as than then though although
while whereas because if unless whether when where which who whom whose what why how that this
these those there here it its we our ours us they their them he his him she her hers i me my
you your yours one some any each every all both either neither no not none many much more most
few less other another such same only also too very just even still already again ever never
always often however moreover furthermore meanwhile therefore thus hence besides additionally
instead otherwise nevertheless nonetheless likewise similarly indeed perhaps today yesterday
tomorrow now later soon recently currently finally according following despite unlike like
among between through throughout within across against toward towards around along near is are
was were be been being has have had do does did will would shall should can could may might
must let see please yes dear two three four five six seven eight nine ten once twice""")
_FUNCTION_IT = _words("""
il lo la i gli le un uno una l del dello della dei degli delle di da dal dallo dalla dai dagli
dalle in nel nello nella nei negli nelle su sul sullo sulla sui sugli sulle con col per tra fra
a al allo alla ai agli alle e ed o od ma però anche non né che chi cui come quando dove perché
mentre se poi dopo prima durante entro oltre verso dietro sebbene benché inoltre tuttavia
quindi dunque infatti invece ancora già ogni tutti tutto tutte alcuni alcune molti molte questo
questa questi queste quello quella quelli quelle quel suo sua suoi sue loro nostro nostra noi
voi lui lei esso essa essi è sono era erano sia stato stata ha hanno ci si ne oggi ieri domani
secondo circa solo così qui là ecco sempre mai più meno due tre quattro cinque sei sette otto
nove dieci""")
_MONTHS_DAYS = _words("""
january february march april may june july august september october november december jan feb
mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday
sunday gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre
dicembre lunedì martedì mercoledì giovedì venerdì sabato domenica""")
# Titles, roles and references: next to a name, never part of it.
_TITLES = _words("""
mr mrs ms miss dr prof sir dame lord lady rev reverend father padre pope capt captain lt sgt
col gen adm sen rep gov attorney deputy detective inspector det insp sergeant constable
superintendent commissioner ambassador congressman congresswoman speaker president vice
chairman chairwoman chairperson chair ceo cfo coo cto founder co-founder director minister
premier secretary governor mayor senator judge chief officer spokesman spokeswoman spokesperson
manager analyst professor dott sig signor signora dottor dottoressa avv ing presidente
vicepresidente fondatore cofondatore amministratore delegato direttore ministro sindaco
governatore segretario portavoce appendix annex chapter section article figure table page note
footnote paragraph clause item step phase scope tier grade version volume capitolo sezione
articolo allegato tabella figura pagina nota paragrafo comma""")
# Nationality adjectives: in a name ("Chinese Academy of ..."), never a name alone.
_DEMONYMS = _words("""
american british chinese european italian german french spanish japanese korean indian russian
canadian australian brazilian mexican dutch polish swiss swedish norwegian danish finnish
belgian austrian greek turkish israeli arab arabic african asian western eastern northern
southern latin welsh scottish irish english portuguese ukrainian iranian saudi egyptian
nigerian pakistani vietnamese thai indonesian malaysian filipino hungarian czech slovak
romanian bulgarian croatian serbian taiwanese italiano italiana italiani italiane cinese cinesi
europeo europea europei europee americano americana americani tedesco tedesca tedeschi tedesche
francese francesi inglese inglesi spagnolo spagnola giapponese giapponesi coreano coreana
indiano indiana russo russa britannico britannica statunitense statunitensi polacco polacca""")
# Acronyms of general vocabulary: in a name ("Jinhua AI Factory"), never at its edge.
_ACRONYMS = _words("""
ev evs bev bevs phev phevs hev nev nevs suv suvs mpv ceo cfo coo cto cmo ceos esg csr r&d ai it
hr pr ipo gdp cpi cpu gpu led leds lcd usb api apis id qr vr ar iot ota kpi kpis ehs ohs hse
ghg voc vocs pv ui ux sdk oem oems b2b b2c tv pc pcs dna faq faqs ok etc usd eur rmb cny hkd
gbp jpy chf aud cad inr krw adas ict sme smes ngo ngos mou q1 q2 q3 q4 h1 h2 yoy ytd fy am pm
gmt utc cet pdf url www html http https rss nedc wltp cltc pil iva nb ps qc qa pdca pet ipr
msds sop erp crm bom capex opex ebitda roi""")
_LEGAL = _words("inc corp co ltd llc plc spa srl sa ag gmbh nv bv lp llp limited bros")
# Heads that make a title of common words a description, not a name.
_GENERIC_HEADS = _words("""
system systems measure measures procedure procedures policy policies law laws rule rules
regulation regulations manual handbook standard specification specifications agreement charter
plan plans code guide guidelines committee department team meeting method methods mechanism
permit permits license licenses licence licences
process report form sheet sheets strategy certificate certification assessment evaluation
management framework architecture unit processing control score kit partner officer officers
director directors manager managers highlights issues risks goal goals data indicators rate
ratio density emissions consumption training activities analysis planning treaty compliance
overview summary introduction conclusion contents vehicle vehicles standards sistema sistemi
regolamento legge decreto codice piano procedura politica manuale comitato dipartimento
direzione relazione rapporto bilancio modello tecnologia veicoli""")
# Last words of institutions, places and events: they join "of" ("Republic of China") and
# "and" ("... Development and Reform Commission"), and make a title of common words a name.
_INSTITUTION_HEADS = _words("""
limited technology technologies commission council committee association society institute
organization organisation organizations organisations confederation municipality principality
institution center centre laboratory university college academy agency authority bureau
ministry department office foundation federation union alliance bank group corporation company
services systems engineering research development communications environment force board
administration court parliament assembly congress senate republic kingdom state states province
city county district region island islands sea lake river mountains bay gulf coast street road
square museum hospital school palace church cathedral station airport port park summit
symposium conference forum festival expo show series award awards prize games cup championship
competition ceremony week day month program programme campaign fund trust network banca
ministero università istituto agenzia autorità fondazione associazione federazione unione cassa
repubblica regione provincia comune camera senato corte tribunale museo palazzo teatro salone
fiera piazza via lago monte isola golfo fiume chiesa ospedale scuola stazione premio festival
campionato coppa""")
# Fields of work among those last words: they end an institution's name ("... Research and
# Development"), but do not make a title open like one ("Development of ...").
_FIELDS = _words("""
technology technologies services systems engineering research development communications
environment""")
# Heads of a company's own organs and units: under words of general vocabulary alone, in a
# report ("Board of Directors", "Supervisory Board", "ESG Working Group"), not names.
_INTERNAL_HEADS = _words("""
board boards committee committees department departments union group groups team teams office
unit units division divisions consiglio comitato dipartimento ufficio
direzione gruppo squadra sindacato divisione collegio assemblea""")
# Words of praise: a title with one and no award's head is an honour or a ranking described
# in words ("Hangzhou Best Employer", "China 10 Best Chassis"), not a name.
_PRAISE = _words("""
best top outstanding excellent finest greatest leading migliore migliori eccellente
eccellenti eccellenza""")
_AWARD_HEADS = _words("award awards prize prizes medal medals trophy cup premio premi coppa")
# Words of reach that make such a body an outside one ("International ... Standards Board").
_SCOPE = _words("""
international global world national federal state provincial municipal regional european
internazionale mondiale nazionale federale statale provinciale regionale comunale europeo
europea""")
_PLACE_HEADS = _words("""
street road avenue square district province city county region island lake river bay coast park
building tower bridge via piazza viale corso lago fiume isola""")
# Common words of news and reports missing from the frequency lists below.
_COMMON_NEWS = _words("""
about access action agreement annual appendix assessment award background brand business case
challenge chapter climate comment community compliance conclusion contact content contents
contribution cooperation corporate culture customer customers data department design
development digital director disclosure editorial employee employees energy environment
environmental equality event executive feedback finance financial forum framework future
governance green growth health highlights home impact improvement index industry information
infrastructure initiative innovation integrity interview introduction investment issue issues
key labor labour leadership level list management internet web revenue revenues profit profits
income earnings turnover margin manufacturing media mobility news note notes office online
operation opinion overview page partnership performance photo planning platform policy politics
practice press principle privacy product production products profile program programme progress
project protection public quality read reference references region regional related release
report reporting resource resources responsibility results review risk safety sales security
service services share social source sources sport sports startup statement international
domestic globale internazionale nazionale nazionali strategy summary supplier suppliers supply
support sustainability sustainable system table team technical technology total training update
value vehicle vehicles video water world year articolo azienda aziende bilancio capitolo
commento comunicato consiglio crescita dati fonte forza gruppo impresa imprese indice
innovazione intervista lettera mercato mercati notizia notizie nuovo nuova nuovi nuove pagina
presidente prodotto prodotti qualità rapporto record redazione relazione ricerca risultati sede
servizio servizi settore sezione sicurezza società sommario sostenibilità sviluppo tabella""")
# Labels of a byline or a credit before a name: "Redazione Fleetime", "Photo Reuters".
_BYLINE = _words("""
by photo photos foto source sources fonte fonti credit credits editor editors redazione
author autore autrice reporter text testo""")
# Parts of hyphenated words that say nothing about them: "Anti-Fraud" is as common as "Fraud".
_PREFIXES = frozenset("anti non multi co self pre post re sub inter semi eco e x micro mini macro "
                      "mega ultra super hyper".split())
# Suffixes of words derived from common ones: of abstract nouns (never a name alone,
# unlike "Beijing" or "Florence"), and of any (in a title: "Whistleblowing Management").
_DERIVED_NOUN = re.compile(r"\w{3,}(?:tions?|sions?|ments?|ness|it(?:y|ies)|ism|ship)\Z")
_DERIVED = re.compile(r"\w{3,}(?:ing|tions?|sions?|ments?|ness|it(?:y|ies)|ances?|ences?|ship|ism"
                      r"|zion[ei]|ment[oi]|ità|ezza)\Z")

# Runs of one such word are dropped before any other work: most runs are "The", "In", "We".
_LONE_STOPS = frozenset(w.capitalize() for w in _FUNCTION_EN | _FUNCTION_IT | _MONTHS_DAYS)

# ------------------------------------------------------------ patterns

def _letters(predicate) -> str:
    """The letters of Latin-1 to Latin Extended, Greek, Cyrillic that satisfy `predicate`."""
    ranges = (range(0xC0, 0x250), range(0x370, 0x530), range(0x1E00, 0x1F00))
    return "".join(re.escape(chr(c)) for r in ranges for c in r if predicate(chr(c)))


_UP = "A-Z" + _letters(str.isupper)
_LO = "a-z" + _letters(str.islower)
_W = r"[^\W¹²³⁴⁵⁶⁷⁸⁹⁰₀-₉]"  # a word character, not a footnote mark
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_ELISION = (r"(?:[lLdD]|[dD][ae]ll|[nN]ell|[sS]ull|[aA]ll|[cC]oll|[pP]ell|[uU]n|[qQ]uest"
            r"|[qQ]uell|[dDnNsS]egl|[dD]agl|[aA]gl|[sS]ugl)['’]")
_TOKEN = (
    rf"(?<![\w.@])(?:{_ELISION})?(?:"
    rf"(?:[{_UP}]\.){{2,}}(?:[{_UP}]+(?!{_W}))?"  # J.D. U.S. J.D.POWER
    rf"|[{_UP}]\.[{_LO}]\.[{_UP}]\.?"  # S.p.A.
    rf"|(?:St|Mt|Ft|Pt)\.(?=[ \u00a0]+[{_UP}])"  # St. Martin
    rf"|(?:\d+[{_UP}]|[{_LO}]+[{_UP}](?=[{_LO}])|[{_UP}])"  # 51Job iPhone Word
    rf"(?:{_W}|[-'’‘.&](?={_W})|(?<=[{_UP}])/(?=[{_UP}]))*"
    rf"|[{_CJK}]+)")
_NUMBER = r"\d+(?:[.:]\d+)*(?:-\d+)?(?![\w%]|[.,]\d)"
_CONNECTOR = (r"(?:of|for|on|and|&|de|da|di|del|della|dello|dei|degli|delle|e|van|von|der|den"
              r"|du|des|dos|das|per|the|la|il)")
_SPACE = r"[ \u00a0]+"
_RUN = re.compile(rf"{_TOKEN}(?:{_SPACE}(?:{_CONNECTOR}{_SPACE}){{0,2}}(?:{_TOKEN}|{_NUMBER}))*")
_ITEM = re.compile(rf"(?P<tok>{_TOKEN})|(?P<num>{_NUMBER})|(?P<conn>{_CONNECTOR})(?={_SPACE})")
_ELIDED = re.compile(_ELISION)
# Any other Italian elided word before a lower-case one ("C'è", "Dov'era", "Tutt'altro"), not
# a possessive ("Macy's")
_ELIDED_WORD = re.compile(rf"[{_UP}{_LO}]{{1,5}}['’](?=[{_LO}])(?![sS]\Z)")
_SECTION_CODE = re.compile(r"[A-Z]{1,2}\d+(?:[.\-]\d+)+\Z")  # A1.2, B5.1: numbering
_SHORT_CODE = re.compile(r"[A-Z]{1,2}\d(?:[-.][A-Z\d]+)*\Z")  # A1, L3, A0-C: too short alone
_CODE = re.compile(rf"[{_UP}]+-?\d{{2,}}[\w.:-]*\Z|[{_UP}]+\d+-\d+\Z")
_ACRONYM = re.compile(rf"[{_UP}\d&/.\-]*[{_UP}][{_UP}\d&/.\-]*\Z")
_CAMEL = re.compile(rf"\w*[{_LO}][{_UP}]|[{_UP}]{{2,}}[{_LO}]|\d+[{_UP}]*-?[{_UP}]*[{_LO}]"
                    rf"|[{_CJK}]")
_POSSESSIVE = re.compile(r"['’‘]s\Z")
_LOWER_PART = re.compile(r"-[a-z]+ed\b|-of-")  # Mass-produced, Mother-of-three
# Words of an acronym's expansion that make it a term ("Regenerative Thermal Oxidizer"),
# and plural nouns that do not make the rest of a description a name ("External Lecturers").
_TERM_SUFFIX = re.compile(r"\w{3}(?:ive|al|ics?|ers?|ors?|ous|ary|ory|ible|able|ed|ing)\Z")
_AGENT_PLURAL = re.compile(r"(?:ers|ors|ees|ists|ants|ents|ions)\Z")
# A word in capitals ("DECENT", "WELL-BEING"), and what may stand between two of a run
_CAPS = "A-ZÀ-ÖØ-Þ"  # capitals of English and Italian (and Latin-1): faster than _UP here
_CAPS_WORD = re.compile(rf"(?=[{_CAPS}])(?<![\w&/.@-])[{_CAPS}][{_CAPS}'’-]*[{_CAPS}]"
                        rf"(?![\w&@]|[./\-]\w)")
_CAPS_GAP = re.compile(r"[ \u00a0]*[,;/]?[ \u00a0]*\Z")
_ROMAN = re.compile(r"(?=[IVX]{2})X{0,3}(?:IX|IV|V?I{0,3})\Z")  # II, IV, XIV: numbers
_GRADE = re.compile(r"([ABCDG])\1{1,3}[+-]?\Z")  # AA, BBB+, GGGG: ratings
# A label before a list of three or more words in capitals that spell it out:
# "²⁴ 5S: SEIRI, SEITON, SEISO, SEIKETSU, SHITSUKE"
_LIST_LABEL = re.compile(r"[^\S\n]*(?:[\d¹²³⁴⁵⁶⁷⁸⁹⁰]+[^\S\n]*)?[^\s:]{1,10}:[^\S\n]*\Z")
_LIST_GAP = re.compile(r",[^\S\n]*(?:and[^\S\n]+)?\Z")
_COORDINATED = re.compile(rf",[ \u00a0]+(?:[{_UP}][\w-]*,?[ \u00a0]+){{0,3}}(?:and|e|&)[ \u00a0]+"
                          rf"((?:[{_UP}][\w-]*[ \u00a0]+){{0,3}}[{_UP}][\w-]*)")
_CONTRACTION = re.compile(r"['’](?:ve|m|re|ll|d|t)\Z|n['’]t\Z")
_LOWER_WORD = re.compile(rf"(?<![\w'’.@/-])[{_LO}][\w'’-]*+(?![.@/]\w)")
_STRETCH_PIECE = re.compile(  # words and punctuation of a possible heading
    r"\d{1,3}(?:,\d{3})+|[,;:()\[\]\"“”«»!?]|[^\s,;:()\[\]\"“”«»!?]+")
_SKIP = (  # what may stand before a sentence's first word: quotes, bullets, numbering
    r"(?:[\s\"“”«»'‘’(\[{*#=>•▶►–—_-]|(?:[A-Z]{1,2})?[\d¹²³⁴⁵⁶⁷⁸⁹⁰]"
    r"[\w.\-–/¹²³⁴⁵⁶⁷⁸⁹⁰]*(?=[\s:.),]))*")
_CLAUSE_START = re.compile(r"(?:\A|[\n\t|•]|[.!?…;:](?=[\s\"“”«»'‘’(\[*])|[;:!?](?=[A-Z])"
                           r"|\s[–—-](?=\s))" + _SKIP)
_TITLE_GLUE = frozenset(
    "of for from or and with to on by the a an di e per con da del della dei delle".split())
_ABBREVIATIONS = frozenset("mr mrs ms dr prof st sig dott avv ing no nr vol fig p pp vs".split())
_IN_PARENS = re.compile(r"\(\s*([A-Z][A-Za-z0-9&/-]{1,9})\s*\)")  # expansion (ACR)
_AFTER_NAME_PARENS = re.compile(r" ?\(\s*([A-Z][A-Za-z0-9&/-]{1,9})\s*\)")
_BEFORE_PARENS = re.compile(r"\b([A-Z][A-Z0-9&-]{1,9})\s*\(([^()\n]{3,80})\)")  # ACR (expansion)
_FOOTNOTE = re.compile(r"^[\s\d¹²³⁴⁵⁶⁷⁸⁹⁰®\[\]]*([A-Z][A-Za-z0-9&/-]{1,9})\s*:\s*([^\n.]{3,80})\.?"
                       r"[ \t]*$", re.M)  # ACR: Expansion.
_OF = frozenset("of for on de da di del della dello dei degli delle van von der den du des dos das"
                " per d' dell'".split())
_PARTICLES = frozenset("da de van von der den du des dos das".split())
_ARTICLES = frozenset(("the", "la", "il"))
_LEGAL_AFTER_COMMA = re.compile(r",[ \u00a0]?(?:Inc|Ltd|LLC|S\.p\.A|SpA|S\.r\.l|Srl|AG|GmbH|N\.V|"
                                r"plc|PLC)\b\.?")
_LEGAL_TAIL = re.compile(r"\.?,?[ \u00a0]?(?:Ltd|Limited|Inc|LLC)\b\.?|\.")

# ------------------------------------------------------------ figures

_AMOUNT = r"\d{1,3}(?:[,.’']\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"
_SCALE = (r"(?:trillions?|billions?|millions?|thousand|bn|mn|mln|mld|m|k|miliardi|miliardo"
          r"|milioni|milione|mila|mille)\b")
_CURRENCY_SIGN = r"(?:US\s?\$|HK\$|A\$|C\$|R\$|[€$£¥₹₩])"
_CURRENCY_CODE = r"(?:USD|EUR|RMB|CNY|HKD|GBP|JPY|CHF|AUD|CAD|INR|KRW)"
_CURRENCY_WORD = (r"(?:euros?|dollars?|dollari|yuan|renminbi|pounds?|sterline|sterling|yen"
                  r"|francs?|franchi)\b")
_UNIT = (r"(?:km/h|km|kilomet(?:er|re)s?|chilometri|miles|mi|mph|kWh|MWh|GWh|TWh|kW|MW|GW"
         r"|hp|cv|kg|tonnes?|tons?|tonnellate|t?CO[2₂]e|[gk]?CO[2₂]e?/km|g/km|Mt|m[³²]|m[32]"
         r"|litres?|liters?|litri|N[⋅·]m|Nm|lb[⋅·]ft|decibels?|dB|MPa|Mpa|GB|TB|mAh|kV|°C)"
         r"(?!\w)")
_RANGE = r"(?:\s?[-–]\s?|\s(?:to|a)\s)"
_MONEY = (rf"{_CURRENCY_SIGN}\s?(?:{_AMOUNT})(?:\s?{_SCALE})?"
          rf"(?:{_RANGE}{_CURRENCY_SIGN}?\s?(?:{_AMOUNT})(?:\s?{_SCALE})?)?"
          rf"|{_CURRENCY_CODE}\s?(?:{_AMOUNT})(?:\s?{_SCALE})?"
          rf"|(?:{_AMOUNT})(?:{_RANGE}(?:{_AMOUNT}))?(?:\s?{_SCALE})?\s?(?:(?:di|of)\s)?"
          rf"(?:{_CURRENCY_WORD}|{_CURRENCY_CODE}\b|[€$£¥])")
_PERCENT = (rf"(?:{_AMOUNT})\s?(?:%|per\s?cent\b|percent\b|per\s?cento\b|percento\b"
            rf"|percentage points?\b|punti percentuali\b)")
_MEASURE = rf"(?:{_AMOUNT})\s?{_UNIT}"
_YEAR = r"(?:199\d|20[0-3]\d)(?![\w%]|[.,]\d|\s?(?:%|per\s?cent))"
_UNIT_WORD = re.compile(_UNIT)
_FIGURE = re.compile(rf"(?=[\d€$£¥₹₩UHACREGJIK])"  # where a figure may start: 3x faster
                     rf"(?:(?<![\w.,])(?:{_MONEY}|{_PERCENT}|{_MEASURE})"
                     rf"|(?<![\w.,/\-–:])(?:{_YEAR}))")


# ------------------------------------------------------------ names

@dataclass(slots=True)
class _Item:
    start: int
    end: int
    kind: str  # "tok", "num", "conn" or "cut" (numbering: ends a name)
    text: str


@dataclass(slots=True)
class _Chunk:
    """A candidate name: tokens, with the numbers and connectors between them."""
    items: list[_Item]
    initial: bool  # it starts a sentence, a line or a table cell
    heading: bool  # it stands in a heading, a title-case table cell or a headline
    table: bool  # its line is a table row
    attached: bool = False  # it follows "of"/"for"/"on" that did not join it to a description
    described: bool = False  # it is the first half of a description: "X Health [and Safety System]"

    @property
    def tokens(self) -> list[_Item]:
        return [i for i in self.items if i.kind == "tok"]

    @property
    def span(self) -> tuple[int, int]:
        return self.items[0].start, self.items[-1].end


class _NameFinder:
    """The names in one text: its runs of capitalised tokens cut into candidate names
    (chunks), judged with what the text tells about its words."""

    def __init__(self, text: str, language: str):
        self.text = text
        self.italian = language != "en"
        self.starters = {"en": _FUNCTION_EN, "it": _FUNCTION_IT}.get(
            language, _FUNCTION_EN | _FUNCTION_IT)
        self.lower = frozenset(_LOWER_WORD.findall(text))
        self.initials = self._clause_starts()
        self.segments: dict[int, tuple[int, bool]] = {}
        self.terms: frozenset[str] = frozenset()
        self.caps = list(_CAPS_WORD.finditer(text))  # words in capitals
        self.terms, self.expansions = self._defined_terms()
        self.shouted = self._shouted_words()
        self.alone: dict[str, bool] = {}
        self.keys: dict[tuple[int, int], str] = {}
        self.known_first: set[str] = set()  # first words of the names found in running text
        self.title_case = False
        self.report = False

    def mentions(self) -> list[Mention]:
        chunks: list[_Chunk] = []
        capitalised = common = 0  # capitalised words inside sentences, and the common ones
        for run in _RUN.finditer(self.text):
            if self._lone_common(run.group()):
                if run.start() not in self.initials and run.group() not in _LONE_STOPS:
                    capitalised, common = capitalised + 1, common + 1
                continue
            items = self._items(run)
            for item in items:
                if (item.kind == "tok" and item.start not in self.initials
                        and not item.text.isupper()):
                    capitalised += 1
                    common += self._common(item.text)
            chunks.extend(self._chunks(items))
        # a text that capitalises many common words (a report in Title Case, not news) gets
        # no title of common words as a name unless it is an institution's or a place's
        self.title_case = capitalised >= 5 and common > 0.4 * capitalised
        # and one long enough to be sure of it that does so most of the time: a report, whose
        # own organs and honours are written in common words too
        self.report = capitalised >= 50 and common > 0.6 * capitalised
        inside = {c.items[0].text.casefold() for c in chunks  # capitalised alone mid-sentence
                  if len(c.items) == 1 and not c.initial and not c.heading}
        spans: list[tuple[int, int]] = []
        known: set[str] = set()
        # names inside sentences first, then at their starts, then after a description's
        # "of"; once more for those a name found later may vouch for ("Leapmotor Handbook")
        pending = sorted((c for c in chunks if not (c.heading or c.table)),
                         key=lambda c: (c.attached, c.initial))
        for _ in range(2):
            rejected = []
            for chunk in pending:
                span = self._body_name(chunk, inside, known)
                if span:
                    spans.append(span)
                    known.add(self._key(*span))
                else:
                    rejected.append(chunk)
            pending = rejected
        self.known_first = {k.split(None, 1)[0] for k in known}
        for chunk in chunks:
            if chunk.heading or chunk.table:
                spans.extend(self._heading_names(chunk, known))
        return [m for m in (self._mention(start, end) for start, end in spans)
                if _starts_like_a_name(m.text)]

    def _lone_common(self, run: str) -> bool:
        """A run of one common word ("The", "Company"): never a name, so skipped at once."""
        return run in _LONE_STOPS or (run.isalpha() and not run.isupper() and self._common(run))

    # -------------------------------------------------------- surface

    def _mention(self, start: int, end: int) -> Mention:
        end = self._legal_end(end)
        if _POSSESSIVE.search(self.text, start, end):
            end -= 2
        return Mention(start, end, _display(self.text[start:end]), "name")

    def _key(self, start: int, end: int) -> str:
        key = self.keys.get((start, end))
        if key is None:
            key = name_key(_POSSESSIVE.sub("", self.text[start:self._legal_end(end)]))
            self.keys[start, end] = key
        return key

    def _legal_end(self, end: int) -> int:
        """Past a legal suffix ("Co., Ltd.", ", Inc.") or an abbreviation's full stop."""
        if self.text[end:end + 1] not in (".", ","):
            return end
        last = self.text[max(0, end - 6):end].rsplit(None, 1)[-1].rstrip(".").casefold()
        m = (_LEGAL_TAIL if last in _LEGAL else _LEGAL_AFTER_COMMA).match(self.text, end)
        return m.end() if m else end

    # -------------------------------------------------------- runs to chunks

    def _items(self, run: re.Match) -> list[_Item]:
        """The tokens, numbers and connectors of a run."""
        text, base = run.group(), run.start()
        if " " in text or "\u00a0" in text:
            found = [(m.lastgroup, base + m.start(), m.group()) for m in _ITEM.finditer(text)]
        else:
            found = [("tok", base, text)]
        items: list[_Item] = []
        for kind, start, word in found:
            end = start + len(word)
            if kind == "tok" and "/" in word and self._listed(word):
                left = word.index("/")  # C-NCAP/E-NCAP: two names
                items.append(_Item(start, start + left, "tok", word[:left]))
                items.append(_Item(start + left, start + left + 1, "cut", "/"))
                start, word = start + left + 1, word[left + 1:]
            if kind == "tok":
                if _SECTION_CODE.match(word) or _CONTRACTION.search(word):
                    kind = "cut"  # A1.2 (numbering), I've
                elif ("'" in word or "’" in word) and (
                        _ELIDED.match(word) or self.italian and _ELIDED_WORD.match(word)):
                    cut = (_ELIDED.match(word) or _ELIDED_WORD.match(word)).end()
                    prefix = word[:cut].translate(_APOSTROPHES).casefold()
                    if cut == len(word) or not (word[cut].isupper() or word[cut].isdigit()):
                        kind = "cut"  # L'efficienza, C'è: an elided word and a common word
                    elif self.italian and (word[0].islower() or start in self.initials):
                        # not L'Oréal
                        if items and items[-1].kind == "tok":  # Banca d'Italia; Cina l'HIV
                            items.append(_Item(start, start + cut,
                                               "conn" if prefix in _OF else "cut", prefix))
                        start += cut  # dell'Europa -> Europa
            items.append(_Item(start, end, kind, self.text[start:end]))
        return items

    def _listed(self, word: str) -> bool:
        """Whether the two sides of a slash are names the text also gives on their own."""
        left, _, right = word.partition("/")
        if "/" in right or len(left) < 2 or len(right) < 2:
            return False
        return self._alone(left) and self._alone(right)

    def _alone(self, word: str) -> bool:
        """Whether the text has `word` somewhere not next to a slash or inside a longer word."""
        found = self.alone.get(word)
        if found is None:
            text, found, i = self.text, False, self.text.find(word)
            while i >= 0 and not found:
                before, after = text[i - 1:i] if i else "", text[i + len(word):i + len(word) + 2]
                found = not (before and (before.isalnum() or before in "_/.&'’-")) and not (
                    after[:1] and (after[:1].isalnum() or after[:1] in "_/&'’-"
                                   or after[:1] == "." and after[1:].isalnum()))
                i = text.find(word, i + 1)
            self.alone[word] = found
        return found

    def _chunks(self, items: list[_Item]) -> list[_Chunk]:
        """A run cut where connectors do not join, at stop words, possessives and numbering."""
        pieces: list[tuple[list[_Item], bool]] = []
        described: set[int] = set()  # pieces that are the first half of a description
        current: list[_Item] = []
        attached = False
        i = 0
        while i < len(items):
            item = items[i]
            if item.kind == "conn":
                j = i
                while j < len(items) and items[j].kind == "conn":
                    j += 1
                if current and j < len(items) and self._joins(current, items[i:j], items[j:]):
                    current.extend(items[i:j])
                else:
                    if self._first_half(current, items[i:j], items[j:]):
                        described.add(id(current))
                    pieces.append((current, attached))
                    attached = item.text in _OF and self._descriptive(_last_part(current))
                    current = []
                i = j
                continue
            if item.kind == "cut" or (item.kind == "tok" and self._stop(item)):
                pieces.append((current, attached))
                current, attached = [], False
            elif item.kind == "tok" or current:
                current.append(item)
                if item.kind == "tok" and self._ends_name(current):
                    pieces.append((current, attached))
                    current, attached = [], False
            i += 1
        pieces.append((current, attached))
        chunks = []
        for whole, attached in pieces:
            piece = self._trimmed(whole)
            if (piece and whole[-1] is not piece[-1] and whole[-1].kind == "tok"
                    and self._weak(whole[-1]) and self._plain(piece[-1].text)):
                described.add(id(whole))  # "Ultra-Safe Five-Door Pure [EV]": a kind of EV
            if piece and not (len(piece) == 1 and self._lone_common(piece[0].text)):
                heading_end, table = self._segment(piece[0].start)
                shouted = all(i.start in self.shouted for i in piece if i.kind == "tok")
                chunks.append(_Chunk(piece, piece[0].start in self.initials,
                                     piece[0].start < heading_end or shouted, table, attached,
                                     id(whole) in described))
        return chunks

    def _first_half(self, left: list[_Item], connectors: list[_Item], rest: list[_Item]) -> bool:
        """Whether `left`, ending in a common word, is the first half of a description that
        "and" splits: "ISO45001-2018 Occupational Health [and Safety Management System]"."""
        if not left or left[-1].kind != "tok" or connectors[0].text not in ("and", "e"):
            return False
        right = []
        for item in rest:
            if item.kind == "conn":
                break
            if item.kind == "tok":
                right.append(item.text)
        last = left[-1].text.casefold()
        return (self._plain(left[-1].text) and last not in _INSTITUTION_HEADS
                and last not in _GENERIC_HEADS  # not "... Board [and the ... Standards Board]"
                and any(w.casefold() in _GENERIC_HEADS for w in right))

    def _joins(self, left: list[_Item], connectors: list[_Item], rest: list[_Item]) -> bool:
        """Whether `connectors` join the name so far and the tokens after them."""
        words = [c.text for c in connectors]
        if (words[0] in _OF and len(rest) > 1 and rest[1].kind == "tok"
                and left[-1].text.casefold() in _INSTITUTION_HEADS
                and re.fullmatch(r"(?:19|20)\d\d", rest[0].text)):
            rest = rest[1:]  # "Golden Award of 2024 French Design Award"
        right, last = rest[0], left[-1]
        if (right.kind != "tok" or last.kind != "tok" or self._stop(right)
                or self._weak(last) or _POSSESSIVE.search(last.text)):
            return False
        if words == ["&"]:
            return True
        right_part = []
        for item in rest:
            if item.kind == "conn":
                break
            right_part.append(item)
        if words[0] in _OF and (len(words) == 1 or words[1] in _ARTICLES):
            if words[0] in ("for", "on", "per") and not all(  # Task Force on Climate ...
                    self._plain(i.text) for i in right_part if i.kind == "tok"):
                return False
            institution = last.text.casefold() in _INSTITUTION_HEADS
            if len(left) == 1 and left[0].start in self.initials and not institution:
                return False  # "Shares of Leapmotor" at a sentence's start
            return ((words[0] in _PARTICLES or self._common(last.text) or institution)
                    and not self._descriptive(_last_part(left)))
        of_before = any(i.kind == "conn" and i.text in _OF for i in left)
        if words[0] not in ("and", "e") or (
                len(words) == 2 and not (words[1] in _OF and of_before)):
            return False  # but "Ministero dell'Economia e delle Finanze"
        right_head = right_part[-1].text.casefold()
        if right_head in _GENERIC_HEADS:
            return False
        if left[-1].text.casefold() in _PLACE_HEADS | _LEGAL:
            return False  # Bestwood Street and Evelyn Street
        if of_before:  # Ministry of X and Y
            return right_head in _INSTITUTION_HEADS or (
                len(right_part) <= 2 and self._common(right_part[-1].text))
        left_tokens = [i for i in left if i.kind == "tok"]
        return (len(right_part) >= 2 and right_head in _INSTITUTION_HEADS
                and (len(left_tokens) >= 2 or self._common(left_tokens[0].text)
                     or left_tokens[0].text.casefold() in _INSTITUTION_HEADS))

    def _trimmed(self, piece: list[_Item]) -> list[_Item]:
        """Without connectors, weak words and plain numbers at its edges."""
        while piece and (piece[0].kind != "tok" or len(piece) > 1 and (
                _LOWER_PART.search(piece[0].text)  # Mass-produced EVs, Mother-of-three Jones
                or self._weak(piece[0]) and not self._plain(piece[1].text)  # TV Holly Willoughby
                and not (piece[1].kind == "num" and self._version(piece[:2]))  # but CTC 2.0
                or piece[0].start in self.initials and piece[0].text.casefold() in _BYLINE
                or piece[0].start in self.initials and self._common(piece[0].text) and (
                    piece[1].kind == "num" or self._strong(piece[1], False)))):  # Passed ISO
            piece = piece[1:]
        while len(piece) > 1:
            last = piece[-1]
            if (last.kind == "conn" or (last.kind == "num" and not self._version(piece))
                    or (last.kind == "num" and self.text[last.end:last.end + 1] in ("\n", "")
                        and not (_ACRONYM.match(piece[-2].text) or _CODE.match(piece[-2].text)))
                    or (last.kind == "tok" and self._weak(last))):
                piece = piece[:-1]
            else:
                break
        return piece

    def _version(self, piece: list[_Item]) -> bool:
        """Whether the number ending `piece` is part of it: LEAP 3.0, ISO 27001, Lingxin 01."""
        number, before = piece[-1].text, piece[-2].text
        if re.fullmatch(r"(?:19|20)\d\d", number):
            return False
        return bool(_ACRONYM.match(before) or _CODE.match(before)
                    or re.fullmatch(r"\d+[.:]\d+|0\d+|\d{3,4}", number))

    # -------------------------------------------------------- word classes

    def _stop(self, item: _Item) -> bool:
        """Months, days, titles, references and capitalised function words ("The", "In")."""
        word = item.text
        if "'" in word or "’" in word or "‘" in word:
            word = _POSSESSIVE.sub("", word)
        word = word.rstrip(".")
        folded = word.casefold()
        return (folded in _MONTHS_DAYS or folded in _TITLES or len(word) == 1
                or (folded in self.starters and not word.isupper()))

    def _weak(self, item: _Item) -> bool:
        """Generic acronyms and terms: inside a name (Jinhua AI Factory), never at its edge."""
        word = item.text.casefold()
        return word in _ACRONYMS or word in self.terms

    def _ends_name(self, name: list[_Item]) -> bool:
        """Whether the possessive, if any, at the end of `name` ends it: not a common word's
        in a name of common words so far, counted from its last "of" ("People's Republic",
        "International Women's Day", "Law of the People's Republic"), but "Stock Exchange's
        Main Board"."""
        last = name[-1].text
        return bool(_POSSESSIVE.search(last)) and not (self._common(last[:-2]) and all(
            self._plain(i.text) for i in _last_part(name[:-1]) if i.kind == "tok"))

    def _common(self, word: str) -> bool:
        """A word of general vocabulary, or one the text also writes in lower case."""
        word = word.casefold()
        if word in _COMMON or word in self.lower or word in self.starters:
            return True
        if word.endswith("ies"):
            return word[:-3] + "y" in self.lower or word[:-3] + "y" in _COMMON
        if word.endswith("s"):  # reaches, brands
            return any(stem in self.lower or stem in _COMMON for stem in (word[:-1], word[:-2]))
        if self.italian and len(word) > 4 and word[-1] in "aeio":
            return any(word[:-1] + v in self.lower for v in "aeio")
        return word + "s" in self.lower

    def _plain(self, word: str) -> bool:
        """Common, or derived like one ("Whistleblowing", "Conformity"), or a generic term."""
        folded = word.casefold()
        return (self._common(word) or bool(_DERIVED.match(folded)) or folded in _ACRONYMS
                or folded in _PREFIXES  # "Micro Control Unit", "Ultra-Safe"
                or word.isupper() and bool(_ROMAN.match(word) or _GRADE.match(word))
                or folded in self.terms or ("-" in word and all(
                    p in _PREFIXES or p.endswith("ed") or self._plain(p)
                    for p in folded.split("-") if p)))

    def _shape(self, word: str) -> str:
        """"code", "acronym", "camel", "unit" (kWh) or "word"."""
        if _UNIT_WORD.fullmatch(word):
            return "unit"
        if _CODE.match(word):
            return "code"
        if _ACRONYM.match(word) and sum(c.isupper() for c in word) >= 2:
            return "acronym"
        if _CAMEL.match(word):
            return "camel"
        return "word"

    def _strong(self, item: _Item, table: bool) -> bool:
        """A token that is a name by its shape alone (not a word in capitals: see
        `_shouted_words`)."""
        word = item.text
        shape = self._shape(word)
        if shape == "word" or shape == "unit":
            return False
        if _SHORT_CODE.match(word) or _ROMAN.match(word) or _GRADE.match(word):
            return False  # A1, CP7, II, AA: numbering, numbers, ratings
        folded = word.casefold()
        if shape == "code":
            return not table
        if shape == "acronym":
            return (folded not in _ACRONYMS and folded not in self.terms
                    and folded not in self.starters and item.start not in self.shouted)
        return shape == "camel" and folded not in self.terms and folded not in _ACRONYMS

    def _descriptive(self, items: list[_Item]) -> bool:
        """Plain words under a generic head: "Information Security Committee"."""
        words = [i.text for i in items if i.kind != "num"]
        if len(words) < 2:
            return False
        head = _head(words)
        return (head.casefold() in _GENERIC_HEADS
                and all(self._plain(w) for w in words if w is not head and not _function(w)))

    # -------------------------------------------------------- decisions

    def _body_name(self, chunk: _Chunk, inside: set[str],
                   known: set[str]) -> tuple[int, int] | None:
        """The span of `chunk`, or of the name it opens with, that is a name; None if none."""
        tokens = chunk.tokens
        if len(tokens) == 1:
            if (chunk.items[-1].kind == "num" and self._version(chunk.items)
                    and self._shape(tokens[0].text) == "acronym"):
                return chunk.span  # a term's version is a name: "CTC 2.0"
            return chunk.span if self._single(tokens[0], chunk, inside, known) else None
        key = self._key(*chunk.span)
        if key in known:
            return chunk.span
        if self._nominal(chunk.items):
            return self._known_inside(chunk.items, known)  # the rest of a title
        if self._gloss(chunk):
            return None
        if key in self.expansions or self._spelled_out(chunk) or (chunk.attached and not any(
                t.text.casefold() in known or self._strong(t, chunk.table)
                or not (self._plain(t.text) or _AGENT_PLURAL.search(t.text)
                        or _TERM_SUFFIX.search(t.text.casefold())) for t in tokens)):
            return None  # the rest of a description: "Rules for External Lecturers"
        head = _head([i.text for i in chunk.items if i.kind != "num"]).casefold()
        if (head in _GENERIC_HEADS or chunk.described or self._coordinated(chunk)
                or self._internal_body(chunk, head) or self._honour(chunk, head)):
            # a description, perhaps of a name it opens with
            lead = self._leading_name(chunk.items)
            if lead and (self._key(lead[0].start, lead[-1].end) in known
                         or self._strong(lead[0], chunk.table)):
                return lead[0].start, lead[-1].end
            owner = _owner(chunk.items)  # or the name after its "of", up to any "and"
            for i, item in enumerate(owner):
                if item.kind == "conn" and item.text in ("and", "e", "&"):
                    owner = self._trimmed(owner[:i])
                    break
            if owner and owner[0].kind == "tok":
                return self._body_name(_Chunk(owner, False, chunk.heading, chunk.table, True),
                                       inside, known)
            return None
        if chunk.initial:  # common words capitalised at a sentence's start, and a known name
            items = chunk.items
            for k in range(len(items) - 1, 0, -1):
                if (items[k - 1].kind == "tok"
                        and self._key(items[0].start, items[k - 1].end) in known
                        and all(self._common(i.text) for i in items[k:] if i.kind == "tok")):
                    return items[0].start, items[k - 1].end  # Leapmotor [Reaches]
                if (items[k].kind == "tok" and self._key(items[k].start, items[-1].end) in known
                        and all(self._common(i.text) for i in items[:k] if i.kind == "tok")):
                    return items[k].start, items[-1].end  # [Rapper] Kanye West
        if all(self._plain(t.text) for t in tokens):  # title-case common words
            last = tokens[-1].text.casefold()
            named = head in _INSTITUTION_HEADS or last in _PLACE_HEADS or not self.title_case
            return chunk.span if named and not chunk.initial else None
        return chunk.span

    def _coordinated(self, chunk: _Chunk) -> bool:
        """Whether `chunk`, ending in a common word, opens a list of words under one generic
        head: "Leapmotor Environmental[, Social and Governance Report]"."""
        if not self.text.startswith(",", chunk.span[1]):
            return False
        m = _COORDINATED.match(self.text, chunk.span[1])
        return bool(m) and self._plain(chunk.tokens[-1].text) and any(
            w.casefold() in _GENERIC_HEADS for w in m.group(1).split())

    def _nominal(self, items: list[_Item]) -> bool:
        """Whether `items` open with an abstract noun and "of", as a title's words do, not a
        name's ("Development of ...", "Treatment of ...", but "University of ...")."""
        folded = items[0].text.casefold()
        return (len(items) > 2 and items[1].kind == "conn" and items[1].text in _OF
                and bool(_DERIVED_NOUN.match(folded))
                and (folded in _FIELDS or folded not in _INSTITUTION_HEADS)
                and folded not in ("government", "governo"))

    def _known_inside(self, items: list[_Item], known: set[str]) -> tuple[int, int] | None:
        """The first longest stretch of `items` that is a known name, or None."""
        for i, item in enumerate(items):
            if item.kind == "tok":
                for j in range(len(items), i, -1):
                    end = items[j - 1]
                    if end.kind != "conn" and self._key(item.start, end.end) in known:
                        return item.start, end.end
        return None

    def _internal_body(self, chunk: _Chunk, head: str) -> bool:
        """Whether `chunk` is one of the company's own organs in a report: an internal body's
        head under words of general vocabulary alone ("Company's Board of Directors",
        "Supervisory Board"), none of reach ("International ... Board"), not a unit of an
        institution ("Working Group of the ... Laboratory"), and not an outside body with its
        own acronym after it ("Global Sustainability Standards Board (GSSB)")."""
        if not self.report or head not in _INTERNAL_HEADS:
            return False
        owner = [i.text for i in _owner(chunk.items) if i.kind == "tok"]
        if len(owner) > 1 and _head(owner).casefold() in _INSTITUTION_HEADS:
            return False  # "... Working Group of the ... Laboratory", but "... of the Company"
        for t in chunk.tokens:
            folded = _POSSESSIVE.sub("", t.text).casefold()
            if folded in _SCOPE or folded in _DEMONYMS or not (
                    folded == head or self._plain(t.text) or _TERM_SUFFIX.search(folded)):
                return False
        m = _AFTER_NAME_PARENS.match(self.text, chunk.items[-1].end)
        return not (m and _expands(m.group(1), self.text[chunk.span[0]:chunk.span[1]]))

    def _honour(self, chunk: _Chunk, head: str) -> bool:
        """Whether `chunk` is, in a report, an honour or a ranking described in words: a word
        of praise in it, and no award's head ("Zhejiang Outstanding Employer", but
        "Outstanding Team Award")."""
        return (self.report and head not in _AWARD_HEADS
                and any(t.text.casefold() in _PRAISE for t in chunk.tokens))

    def _leading_name(self, items: list[_Item]) -> list[_Item]:
        """The name a description opens with: a token named by its shape with its version
        ("ISO 27001" of "ISO 27001 Information Security ..."), or the words before the first
        plain one ("Leapmotor" of "Leapmotor Employee Handbook")."""
        if self._strong(items[0], False):  # with its version, not the description's words
            end = 1
            while end < len(items) and items[end].kind == "num" and self._version(items[:end + 1]):
                end += 1
            return items[:end]
        lead: list[_Item] = []
        for item in items:
            if item.kind == "conn" or (item.kind == "tok" and self._plain(item.text)):
                break
            lead.append(item)
        return self._trimmed(lead) if lead else []

    def _spelled_out(self, chunk: _Chunk) -> bool:
        """Whether a generic acronym follows `chunk` in brackets: "Corporate Governance (ESG)"."""
        m = _AFTER_NAME_PARENS.match(self.text, chunk.items[-1].end)
        return bool(m) and m.group(1).casefold() in self.terms | _ACRONYMS

    def _gloss(self, chunk: _Chunk) -> bool:
        """Whether `chunk` stands in brackets right after a code, as the description of the
        model or standard it names: "C01 (Deluxe High-Tech Electric Sedan)"."""
        start = chunk.span[0]
        bracket = self.text.rfind("(", max(0, start - 40), start)
        if bracket < 0 or ")" in self.text[bracket:start]:
            return False
        before = self.text[max(0, bracket - 20):bracket].split()
        inner = self.text[bracket + 1:start].replace(",", " ").split()  # "(A Smart, Prestige"
        return (bool(before) and bool(_CODE.match(before[-1]))
                and all(w[:1].isupper() for w in inner))

    def _single(self, token: _Item, chunk: _Chunk, inside: set[str], known: set[str]) -> bool:
        word = token.text
        shape = self._shape(word)
        if shape != "word":
            return self._strong(token, chunk.table)
        bare = _POSSESSIVE.sub("", word)
        folded = bare.casefold()
        first = folded.split("-", 1)[0]
        if (_SHORT_CODE.match(bare) or bare[0].isdigit() or folded in _DEMONYMS
                or ("-" in folded and (first in _TITLES or _function(first)))
                or folded in self.starters or folded in self.terms or self._common(bare)
                or folded in _INSTITUTION_HEADS or _DERIVED_NOUN.match(folded)
                or ("-" in bare and (bare.rsplit("-", 1)[1].islower() or self._plain(bare)))):
            return False  # ... "Know-How", "Follow-Up": common words joined
        if folded not in known and (self._in_title(token) or self._gloss(chunk)):
            return False
        # at a sentence's start: seen capitalised inside one, or a possessive ("Germany's Audi")
        return not chunk.initial or folded in inside or bare != word

    def _in_title(self, token: _Item) -> bool:
        """Whether `token` stands among two or more capitalised common words, as a word of a
        title does ("Chief Criticism Officer", "Suffering from Illness or Non-Work-Related")."""
        before = self.text[max(0, token.start - 60):token.start].rsplit("\n", 1)[-1].split()[-4:]
        after = self.text[token.end:token.end + 60].split("\n", 1)[0].split()[:4]  # on its line
        neighbours = []
        for words, glue in ((reversed(before), _TITLE_GLUE - _OF), (after, _TITLE_GLUE)):
            for word in words:
                if word != word.strip("*\"“”«»,;:()."):
                    break
                if word.casefold() in glue:
                    continue
                if not word[0].isupper() or not (self._plain(word) or word.casefold() in _TITLES):
                    break
                neighbours.append(word)
        return len(neighbours) >= 2

    def _heading_names(self, chunk: _Chunk, known: set[str]) -> list[tuple[int, int]]:
        """In a heading or a table: the longest stretches the running text gives as names, and
        tokens named by their shape (with an institution's word after them: "JSW Group")."""
        items, found, i = chunk.items, [], 0
        tokens = chunk.tokens
        if len(tokens) > 1 and (
                tokens[-1].text.casefold() in _INSTITUTION_HEADS  # International CMF Design Award
                and not all(self._plain(t.text) for t in tokens)
                or chunk.table and not chunk.heading  # Mainland China
                and any(t.text.casefold() in known for t in tokens)
                and _head([t.text for t in tokens]).casefold() not in _GENERIC_HEADS):
            return [chunk.span]
        while i < len(items):
            if items[i].kind == "tok":
                end = max(self._known_end(items, i, known), self._shaped_end(items, i, chunk.table))
                if end > i:
                    found.append((items[i].start, items[end - 1].end))
                    i = end - 1
            i += 1
        return found

    def _known_end(self, items: list[_Item], i: int, known: set[str]) -> int:
        """The end of the longest stretch from items[i] that is a known name, or i."""
        if _POSSESSIVE.sub("", name_key(items[i].text)) not in self.known_first:
            return i
        for j in range(len(items), i, -1):
            if items[j - 1].kind != "conn" and self._key(items[i].start, items[j - 1].end) in known:
                return j
        return i

    def _shaped_end(self, items: list[_Item], i: int, table: bool) -> int:
        """The end of a token named by its shape, with its version number or an institution's
        word after it ("GRI 201", "JSW Group"), or i."""
        if not self._strong(items[i], table):
            return i
        j = i + 1
        while j < len(items) and (
                items[j].kind == "num" and self._version(items[i:j + 1])
                or items[j].kind == "tok"
                and items[j].text.casefold() in _INSTITUTION_HEADS | _LEGAL):
            j += 1
        return j

    # -------------------------------------------------------- context

    def _shouted_words(self) -> frozenset[int]:
        """Where words of four or more letters written in capitals for emphasis start: those
        of a run of capitalised words two of which are common ("8 DECENT WORK AND ECONOMIC
        GROWTH", "ENVIRONMENTAL, SOCIAL AND GOVERNANCE REPORT"), and a common word alone in
        capitals on a line without lower case ("CONTENTS"). An acronym in running text
        stays one even where it spells a word ("alla NATO e all'UE")."""
        shouted: list[int] = []
        run: list[re.Match] = []
        for m in [*self.caps, None]:
            if m and run and _CAPS_GAP.match(self.text[run[-1].end():m.start()]):
                run.append(m)
                continue
            if run:
                words = [w.group() for w in run if not _function(w.group())]
                plain = sum(1 for w in words if len(w) >= 3 and self._plain(w))
                if plain >= 2 or (plain == 1 and len(words) == 1 and len(words[0]) >= 4 and (
                        not self._has_lower_case(run[0].start())
                        or _DERIVED.match(words[0].casefold()))):  # "and COUNTING"
                    shouted.extend(w.start() for w in run if len(w.group()) >= 4)
            run = [m] if m else []
        return frozenset(shouted)

    def _has_lower_case(self, position: int) -> bool:
        """Whether the line or table cell around `position` has a lower-case letter."""
        text = self.text
        start = max(text.rfind("\n", 0, position), text.rfind("|", 0, position),
                    text.rfind("\t", 0, position)) + 1
        ends = [e for e in (text.find("\n", position), text.find("|", position),
                            text.find("\t", position)) if e >= 0]
        return any(c.islower() for c in text[start:min(ends) if ends else len(text)])

    def _clause_starts(self) -> frozenset[int]:
        """Where sentences, lines and table cells start (after any numbering or bullet)."""
        starts = set()
        for m in _CLAUSE_START.finditer(self.text):
            if m.group().startswith("."):
                before = self.text[max(0, m.start() - 5):m.start()].rsplit(None, 1)
                if before and before[-1].casefold() in _ABBREVIATIONS:
                    continue
            starts.add(m.end())
        return frozenset(starts)

    def _segment(self, position: int) -> tuple[int, bool]:
        """(end of the heading stretch or -1, whether it is a table row) for the line, table
        cell or label around `position`."""
        text = self.text
        colon = text.rfind(": ", 0, position)
        start = max(text.rfind("\n", 0, position), text.rfind("\t", 0, position),
                    text.rfind("|", 0, position), colon + 1 if colon >= 0 else -1) + 1
        if start not in self.segments:
            line_start = text.rfind("\n", 0, position) + 1
            line_end = text.find("\n", position)
            line = text[line_start:line_end if line_end >= 0 else len(text)]
            ends = [e for e in (line_end, text.find("\t", position), text.find("|", position))
                    if e >= 0]
            self.segments[start] = (self._heading_end(start, min(ends) if ends else len(text)),
                                    "\t" in line or " | " in line)
        return self.segments[start]

    def _heading_end(self, start: int, end: int) -> int:
        """Where the title-case stretch opening text[start:end] ends, if it reads as a
        heading (a whole line, cell or label, or a headline of 5+ words); else -1."""
        content, inner_function, stop = [], False, end
        for m in _STRETCH_PIECE.finditer(self.text, start, end):
            piece = m.group().rstrip(".")
            if not content and not inner_function and piece in ("[", "(", '"', "“", "«", "•", "-"):
                continue
            if not piece or not (piece[0].isalnum() or piece[0] in "&-–'’"):
                stop = m.start()
                break
            bare = _ELIDED.sub("", piece, count=1) if self.italian else piece
            if not bare:  # an elided article alone ("dell'")
                continue
            if _function(bare):
                inner_function = inner_function or bool(content)
            elif bare[:1].islower():
                stop = m.start()
                break
            elif not bare[0].isdigit():
                content.append(_POSSESSIVE.sub("", bare))
            if m.group().endswith(".") and m.group()[:-1].casefold() not in _LEGAL:
                stop = m.end()
                break
        rest = self.text[stop:end].lstrip(" .;,")
        whole = not rest or rest.startswith(":")  # a line, a cell, or a label before a colon
        if len(content) < (2 if whole else 5):
            return -1
        plain = sum(1 for w in content if self._plain(w) or w.casefold() in _DEMONYMS)
        titled = plain * 2 > len(content) or (whole and inner_function and len(content) >= 3)
        return stop if titled else -1

    def _defined_terms(self) -> tuple[frozenset[str], frozenset[str]]:
        """Acronyms the text spells out in common words (terms, not names), and the keys of
        such spelled-out forms ("New Electric Vehicles" of "NEV")."""
        terms, expansions = set(), set()
        for m in _FOOTNOTE.finditer(self.text):  # SOA: Service-oriented Architecture.
            if _expands(m.group(1), m.group(2)) and self._generic(m.group(2).split()):
                terms.add(m.group(1).casefold())
                expansions.add(name_key(m.group(2)))
        listed: list[re.Match] = []  # 5S: SEIRI, SEITON, SEISO, SEIKETSU, SHITSUKE
        for m in [*self.caps, None]:
            if m and len(m.group()) >= 3 and (not listed or _LIST_GAP.match(
                    self.text[listed[-1].end():m.start()])):
                listed.append(m)
                continue
            if len(listed) >= 3:
                line_start = self.text.rfind("\n", 0, listed[0].start()) + 1
                if _LIST_LABEL.match(self.text[line_start:listed[0].start()]):
                    terms.update(w.group().casefold() for w in listed)
            listed = [m] if m and len(m.group()) >= 3 else []
        for m in _IN_PARENS.finditer(self.text):  # photovoltaic (PV), Total Quality ... (TQM)
            acronym, before = m.group(1), self.text[max(0, m.start() - 150):m.start()].split()
            if sum(c.isupper() for c in acronym) < 2:
                continue
            words: list[str] = []
            for word in reversed(before):
                if not (word[:1].isupper() or (words and _function(word))):
                    break
                words.insert(0, word)
            while words and _function(words[0]):  # "of the Task Force on ..."
                words.pop(0)
            if (not words and before and before[-1][:1].islower()) or (
                    words and _expands(acronym, " ".join(words)) and self._generic(words)):
                terms.add(acronym.casefold())
                spelled = before[-len(acronym):]  # Kiken Yochi training (KYT): a term too
                if (not words and len(spelled) == len(acronym) and spelled[0][:1].isupper()
                        and "".join(w[0] for w in spelled).casefold() == acronym.casefold()):
                    expansions.add(name_key(" ".join(w for w in spelled if w[:1].isupper())))
        for m in self.caps:  # the AQS air quality management system
            acronym, after = m.group(), self.text[m.end():m.end() + 2]
            if not (3 <= len(acronym) <= 6 and after[:1] == " " and after[1:].islower()):
                continue
            following = []
            for word in self.text[m.end():m.end() + 80].split("\n", 1)[0].split():
                if not word[0].islower():
                    break
                following.append(word)
                if word[-1] in ",;.:":
                    break
            if _initials_of(acronym, following):
                terms.add(acronym.casefold())
        for m in _BEFORE_PARENS.finditer(self.text):  # NEV (New Electric Vehicles)
            acronym, expansion = m.group(1), m.group(2)
            if _expands(acronym, expansion) and (acronym.casefold() in _ACRONYMS
                                                 or self._generic(expansion.split())):
                terms.add(acronym.casefold())
                expansions.add(name_key(expansion))
        return frozenset(terms), frozenset(expansions)

    def _generic(self, words: list[str]) -> bool:
        """Whether an acronym's expansion is a term: in lower case, or made of common and
        derived words ("Micro Control Unit", "Regenerative Thermal Oxidizer"), not under an
        institution's head and not opening with a name."""
        content = [w.strip(",;:") for w in words if not _function(w)]
        if not content:
            return False
        if any(w[:1].islower() for w in content):
            return True
        head = _head(words).casefold()
        termish = [all(self._plain(p) or bool(_TERM_SUFFIX.search(p.casefold()))  # not "China-"
                       for p in w.split("-") if p) for w in content]
        return (termish[0] and sum(termish) * 3 >= 2 * len(termish)
                and (head in _GENERIC_HEADS or head not in _INSTITUTION_HEADS))


def _expands(acronym: str, phrase: str) -> bool:
    """Whether the capitals of `acronym` are the initials of words of `phrase`, in order."""
    letters = [c.casefold() for c in acronym if c.isupper()]
    if len(letters) < 2:
        return False
    initials = iter(w[0].casefold() for w in re.findall(r"[^\W\d_]+", phrase))
    return all(any(letter == i for i in initials) for letter in letters)


def _starts_like_a_name(display: str) -> bool:
    """Whether a name begins as one does: with a capital or a digit (after any elision, which
    `_items` strips), or as a brand written in camel case ("iPhone", "eBay")."""
    first = display[:1]
    return first.isupper() or first.isdigit() or bool(_CAMEL.match(display))


def _initials_of(acronym: str, words: list[str]) -> bool:
    """Whether `acronym` is the initials of the words that follow it, one word skipped at most
    ("AQS air quality management system")."""
    letters, skipped, i = acronym.casefold(), 0, 0
    for word in words:
        if i == len(letters):
            break
        if word[0] == letters[i]:
            i += 1
        elif i == 0 or skipped:
            return False
        else:
            skipped += 1
    return i == len(letters)


def _function(word: str) -> bool:
    folded = word.casefold()
    return folded in _FUNCTION_EN or folded in _FUNCTION_IT or folded == "&"


def _last_part(items: list[_Item]) -> list[_Item]:
    """The items after the last "of"-like connector ("People's Republic" of "Law of the
    People's Republic")."""
    for i in range(len(items) - 1, -1, -1):
        if items[i].kind == "conn" and items[i].text in _OF | _ARTICLES:
            return items[i + 1:]
    return items


def _owner(items: list[_Item]) -> list[_Item]:
    """The items after the first "of" (not "for", "on") and its article ("People's Republic of
    China" of "Law of the People's Republic of China"); [] if none."""
    for i, item in enumerate(items):
        if item.kind == "conn" and item.text in _OF and item.text not in ("for", "on", "per"):
            rest = items[i + 1:]
            while rest and rest[0].kind == "conn":
                rest = rest[1:]
            return rest
    return []


def _head(words: list[str]) -> str:
    """The head noun of a title: its last word before "of" ("Board" of Board of Directors)."""
    head = words[0]
    for word in words:
        if word in _OF:
            break
        if not _function(word):
            head = word
    return head


def _word_list(name: str) -> frozenset[str]:
    """The words of a data file beside this module: one a line, "#" comments, casefolded."""
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return frozenset(line.strip().casefold() for line in text.splitlines()
                     if line.strip() and not line.lstrip().startswith("#"))


# The lower-case words frequent in English and Italian Wikipedia (SQuAD, SQuAD-it): see the
# file's header.
_FREQUENT = _word_list("common_words.txt")
_COMMON = _COMMON_NEWS | _FREQUENT
