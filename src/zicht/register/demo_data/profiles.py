"""The calibration of the demo register: how forms, sectors, people and reporters go together.

Every number here is a modelling choice for believable demo data, not a statistic; where a
figure leans on a public source, ``docs/demo-data.md`` names it (domain.md §5 and §7). The
tables are plain data so that a reviewer can read and change them without touching code.
"""

# --- forms of exploitation -----------------------------------------------------------------

# Share of signals by main suspected form. domain.md §7: 2020 had 41% sexual and 41% labour
# among presumed victims; 2024 saw a sharp rise of (mostly criminal) exploitation of minors.
# Among the four trafficking forms we take 40 : 36 : 23.5 : 0.5; ernstige benadeling is not
# in CoMensha's figures (it is below the trafficking threshold) and is added as 14% of all
# signals, the Labour Inspectorate's administrative category.
FORM_MIX: dict[str, float] = {
    "seksueel": 0.344,
    "arbeid": 0.310,
    "crimineel": 0.202,
    "orgaan": 0.004,
    "benadeling": 0.140,
}

# A second suspected form next to the main one: (form, probability).
SECOND_FORM: dict[str, tuple[str, float]] = {
    "arbeid": ("benadeling", 0.15),
    "benadeling": ("arbeid", 0.10),
    "seksueel": ("crimineel", 0.05),
    "crimineel": ("seksueel", 0.08),
}

# --- sectors per form (sector code → weight; "" = sector not recorded) ----------------------

SECTORS: dict[str, dict[str, float]] = {
    "arbeid": {
        "landbouw-tuinbouw": 26, "distributie-logistiek": 20, "vleesverwerking": 12,
        "bouw": 9, "horeca": 8, "schoonmaak": 6, "transport": 5, "nagelsalons": 4,
        "huishoudelijk-werk": 3, "havens": 2, "overig": 3, "": 2,
    },
    "benadeling": {
        "landbouw-tuinbouw": 28, "distributie-logistiek": 24, "vleesverwerking": 14,
        "bouw": 10, "schoonmaak": 8, "horeca": 6, "transport": 6, "overig": 4,
    },
    "seksueel": {
        "thuisprostitutie": 26, "hotel": 22, "escort": 20, "raamprostitutie": 9,
        "massagesalons": 8, "club": 7, "online": 6, "": 2,
    },
    "crimineel": {
        "overig": 38, "online": 18, "havens": 10, "horeca": 5, "nagelsalons": 4,
        "transport": 5, "": 20,
    },
    "orgaan": {"overig": 40, "": 60},
}  # fmt: skip

# Sectors that exist only in some municipalities (CBS codes); elsewhere the signal moves to
# the fallback sector. Window prostitution: the cities that still have (or recently had)
# window areas; ports: the seaports.
LOCAL_SECTORS: dict[str, tuple[frozenset[str], str]] = {
    "raamprostitutie": (
        frozenset({"GM0363", "GM0518", "GM0014", "GM0361", "GM0392", "GM0080", "GM0150"}),
        "thuisprostitutie",
    ),
    "havens": (
        frozenset({"GM0599", "GM0363", "GM0718", "GM0715", "GM1709", "GM0453", "GM1979", "GM0400"}),
        "transport",
    ),
}
# Labour in these sectors happens more outside the cities: municipalities are weighted by
# the square root of their population instead of the population itself.
RURAL_SECTORS = frozenset({"landbouw-tuinbouw", "vleesverwerking", "distributie-logistiek"})

# How a description names the sector.
SECTOR_PHRASES: dict[str, str] = {
    "landbouw-tuinbouw": "in de land- en tuinbouw",
    "distributie-logistiek": "in een distributiecentrum",
    "vleesverwerking": "in de vleesverwerking",
    "bouw": "in de bouw",
    "horeca": "in de horeca",
    "schoonmaak": "in de schoonmaak",
    "nagelsalons": "in een nagelsalon",
    "huishoudelijk-werk": "als huishoudelijke hulp",
    "massagesalons": "in een massagesalon",
    "raamprostitutie": "achter het raam",
    "club": "in een club",
    "thuisprostitutie": "vanuit een woning",
    "hotel": "in hotelkamers",
    "escort": "als escort",
    "transport": "in het transport",
    "havens": "in de haven",
    "online": "via sociale media",
    "overig": "",
    "": "",
}

# How a company's own "sector" property reads (free text in the register).
COMPANY_SECTORS: dict[str, str] = {
    "landbouw-tuinbouw": "Land- en tuinbouw",
    "distributie-logistiek": "Logistiek",
    "vleesverwerking": "Vleesverwerking",
    "bouw": "Bouw",
    "horeca": "Horeca",
    "schoonmaak": "Schoonmaak",
    "nagelsalons": "Persoonlijke verzorging",
    "massagesalons": "Persoonlijke verzorging",
    "transport": "Transport",
    "havens": "Havenbedrijf",
    "uitzendbureau": "Uitzendbureau",
}

# --- people ----------------------------------------------------------------------------------

# Nationality of presumed victims (ISO code → weight).
VICTIM_NATIONALITIES: dict[str, dict[str, float]] = {
    "seksueel": {
        "NL": 38, "RO": 12, "NG": 10, "HU": 8, "BG": 7, "UA": 5, "CO": 5, "BR": 5, "PL": 4,
        "VN": 2, "TR": 2, "SK": 2,
    },
    "arbeid": {
        "PL": 22, "RO": 20, "UA": 12, "BG": 10, "HU": 6, "NL": 6, "VN": 6, "SK": 4, "TR": 4,
        "NG": 3, "BR": 2, "CO": 1,
    },
    "benadeling": {
        "PL": 28, "RO": 22, "UA": 14, "BG": 12, "HU": 7, "NL": 6, "SK": 5, "TR": 4, "VN": 2,
    },
    "crimineel": {
        "NL": 62, "VN": 8, "RO": 8, "TR": 5, "NG": 4, "BG": 3, "PL": 3, "UA": 3, "HU": 2,
        "SK": 2,
    },
    "orgaan": {"NG": 30, "UA": 20, "RO": 10, "NL": 10, "BG": 10, "TR": 10, "VN": 10},
}  # fmt: skip
# Share of victims that are women or girls, and that are minors (domain.md §5 and §7:
# criminal exploitation with many minors; 2015-2019 labour victims 64% male, mean age 34).
FEMALE_SHARE: dict[str, float] = {
    "seksueel": 0.92, "arbeid": 0.34, "benadeling": 0.30, "crimineel": 0.28, "orgaan": 0.45,
}  # fmt: skip
MINOR_SHARE: dict[str, float] = {
    "seksueel": 0.22, "arbeid": 0.02, "benadeling": 0.01, "crimineel": 0.58, "orgaan": 0.0,
}  # fmt: skip
# Mean and spread of the age of adult victims.
ADULT_AGE: dict[str, tuple[float, float]] = {
    "seksueel": (27, 7), "arbeid": (34, 10), "benadeling": (36, 10), "crimineel": (24, 6),
    "orgaan": (33, 9),
}  # fmt: skip
# Victims a signal names: (minimum, maximum).
VICTIMS_PER_SIGNAL: dict[str, tuple[int, int]] = {
    "seksueel": (1, 2), "arbeid": (1, 3), "benadeling": (1, 4), "crimineel": (1, 1),
    "orgaan": (1, 1),
}  # fmt: skip
# Probability that a signal names a suspect, and the suspect's nationality when not the
# victim's.
SUSPECT_SHARE: dict[str, float] = {
    "seksueel": 0.5, "arbeid": 0.3, "benadeling": 0.15, "crimineel": 0.6, "orgaan": 0.3,
}  # fmt: skip
SUSPECT_NL_SHARE: dict[str, float] = {
    "seksueel": 0.35, "arbeid": 0.45, "benadeling": 0.6, "crimineel": 0.8, "orgaan": 0.2,
}  # fmt: skip

# --- networks: shared entities that many signals point to ------------------------------------

# Signals are generated in blocks; each block has its own networks, so the first k signals of
# a seed are the same whatever the total (re-running with a larger --signals only adds).
BLOCK_SIZE = 200
# Probability that a signal of the form belongs to one of its block's networks.
NETWORK_SHARE: dict[str, float] = {
    "arbeid": 0.6, "benadeling": 0.5, "seksueel": 0.45, "crimineel": 0.4, "orgaan": 0.0,
}  # fmt: skip
NETWORKS_PER_BLOCK: dict[str, int] = {"arbeid": 2, "benadeling": 2, "seksueel": 2, "crimineel": 1}

# --- reporters -------------------------------------------------------------------------------

# (organisation kind, reporter role, weight). "gemeente" is the signal's own municipality.
REPORTERS: dict[str, tuple[tuple[str, str, float], ...]] = {
    "seksueel": (
        ("politie", "opsporing", 35), ("zorg", "zorg", 20), ("gemeente", "vergunningen", 15),
        ("gemeente", "toezicht", 10), ("gemeente", "sociaal_domein", 10),
        ("kmar", "toezicht", 3), ("gemeente", "anders", 7),
    ),
    "arbeid": (
        ("nla", "toezicht", 35), ("gemeente", "toezicht", 20), ("politie", "opsporing", 15),
        ("gemeente", "burgerzaken", 12), ("zorg", "zorg", 8), ("gemeente", "sociaal_domein", 5),
        ("kmar", "toezicht", 5),
    ),
    "benadeling": (
        ("nla", "toezicht", 60), ("gemeente", "toezicht", 20), ("gemeente", "burgerzaken", 10),
        ("politie", "opsporing", 5), ("zorg", "zorg", 5),
    ),
    "crimineel": (
        ("politie", "opsporing", 45), ("gemeente", "sociaal_domein", 25), ("zorg", "zorg", 20),
        ("gemeente", "toezicht", 5), ("kmar", "opsporing", 5),
    ),
    "orgaan": (("zorg", "zorg", 60), ("politie", "opsporing", 30), ("kmar", "opsporing", 10)),
}  # fmt: skip
# Share of the municipal signals that the demo partner organisation of setup_instance
# reports, so that the "gemeente" demo login sees a list of its own.
DEMO_PARTNER_SHARE = 0.12

CONFIDENTIALITY: dict[str, float] = {
    "vertrouwelijk": 70,
    "confidentieel": 20,
    "zaakvertrouwelijk": 10,
}

# --- route steps of the barrier model (step code → weight) and how often one is recorded ----

ROUTE_STEPS: dict[str, dict[str, float]] = {
    "arbeid": {"werving": 15, "huisvesting": 30, "registratie": 12, "arbeid": 35,
               "verblijf": 6, "terugkeer": 2},
    "benadeling": {"werving": 10, "huisvesting": 35, "registratie": 10, "arbeid": 40,
                   "verblijf": 5},
    "seksueel": {"werving": 30, "huisvesting": 15, "arbeid": 30, "verblijf": 25},
    "crimineel": {"werving": 45, "arbeid": 30, "verblijf": 25},
    "orgaan": {"werving": 40, "verblijf": 40, "terugkeer": 20},
}  # fmt: skip
ROUTE_STEP_SHARE: dict[str, float] = {
    "arbeid": 0.95, "benadeling": 0.95, "seksueel": 0.4, "crimineel": 0.4, "orgaan": 0.3,
}  # fmt: skip

# --- indicators ------------------------------------------------------------------------------

# How many indicators a signal marks observed ("stapeling"), and how many it marks as checked
# but not observed: (minimum, maximum).
OBSERVED_COUNT: dict[str, tuple[int, int]] = {
    "arbeid": (3, 7), "benadeling": (2, 4), "seksueel": (2, 6), "crimineel": (2, 6),
    "orgaan": (1, 3),
}  # fmt: skip
NOT_OBSERVED_COUNT = (0, 3)
# Weight of an indicator of the form itself against one that points to every form.
OWN_FORM_WEIGHT = 3.0
GENERAL_WEIGHT = 1.0
# Indicators that go with a situation in the generated signal; their weight is multiplied.
BOOSTS: dict[str, tuple[str, ...]] = {
    "housed_by_employer": ("G01", "L10", "L12", "L15", "B02", "G06"),
    "agency_account": ("L08", "G15", "L03"),
    "foreign": ("G21", "G02", "L05", "L14", "G04"),
    "advert_phone": ("S14", "S15", "S16", "S09", "S13"),
    "minor_school": ("C01", "C02", "C06"),
    "unaccompanied_minor": ("C16",),
    "money_mule": ("C10", "C11", "C04"),
    "drugs": ("C05", "C12", "C03"),
    "boyfriend": ("S11", "S05", "S12"),
}
BOOST_FACTOR = 6.0

# --- lifecycle -------------------------------------------------------------------------------

# Final status by age of the signal in days: (upper bound of the age, {status: weight}).
STATUS_BY_AGE: tuple[tuple[int, dict[str, float]], ...] = (
    (14, {"ontvangen": 60, "in_weging": 40}),
    (60, {"ontvangen": 10, "in_weging": 45, "afgewezen": 15, "doorgezet": 10, "monitoring": 20}),
    (365, {"in_weging": 8, "afgewezen": 17, "doorgezet": 15, "monitoring": 30, "gesloten": 30}),
    (10_000, {"in_weging": 1, "afgewezen": 10, "doorgezet": 10, "monitoring": 12, "gesloten": 67}),
)
# How a closed signal got there.
CLOSED_VIA: dict[str, float] = {"afgewezen": 35, "monitoring": 40, "doorgezet": 25}
REJECTION_REASONS = (
    "Na weging geen aanwijzingen voor mensenhandel; melder geïnformeerd.",
    "Valt buiten het doel van het samenwerkingsverband; overgedragen aan de partner.",
    "Onvoldoende informatie om te wegen; melder gevraagd aan te vullen.",
    "Al in behandeling bij de politie (AVIM); geen aanvullende RIEC-rol.",
)
CLOSING_REASONS = (
    "Monitoring afgerond zonder nieuwe signalen.",
    "Interventies uitgevoerd; evaluatie besproken in het casusoverleg.",
    "Afgesloten na overdracht.",
)

# Received dates spread over this many days before the anchor date.
HISTORY_DAYS = 3 * 365
