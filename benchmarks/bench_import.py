"""BENCH import: how long ``zicht import_signals`` takes for a 100,000-row file with entities.

Generates a CSV file (seeded, so every run imports the same file) of signals as a partner
export would have them: each row with an employer or housing provider drawn from a few
thousand companies, an address from a pool shared by many rows (agencies house many
workers at few addresses), a victim (mostly distinct persons, some recurring), and on some
rows a phone, a vehicle or a bank account from small pools. Then it imports the file with
the real command into a fresh node database and times the command from launch to exit:

- SQLite: a database file in a temporary directory;
- PostgreSQL: a fresh database on the server of ``DATABASE_URL`` (when that is a PostgreSQL
  URL), else on the throwaway cluster of ``zicht.devtools.pgcluster`` (started when needed
  and stopped again if this script started it). Skipped when neither is available.

``ROWS`` (default 100000) sets the size, ``BACKENDS`` (default ``sqlite,postgresql``) which
backends run. Prints ``BENCH import: rows=… seconds=… backend=…`` per backend, last.
"""

import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import zicht

PACKAGE = Path(zicht.__file__).resolve().parent
ZICHT = str(Path(sys.executable).with_name("zicht"))
SEED = 20261129
REGION = "midden-nederland"
ORGANISATION = "RIEC Midden-Nederland"

FIRST_NAMES = [
    "Ana",
    "Maria",
    "Elena",
    "Ioana",
    "Andreea",
    "Mihai",
    "Andrei",
    "Ion",
    "Piotr",
    "Katarzyna",
    "Anna",
    "Tomasz",
    "Marta",
    "Jan",
    "Kasia",
    "Olena",
    "Iryna",
    "Dmytro",
    "Svetlana",
    "Nikolai",
    "Blessing",
    "Joy",
    "Precious",
    "Chinedu",
    "Emeka",
    "Thi",
    "Linh",
    "Minh",
    "Jorge",
    "Luis",
    "Ahmed",
    "Fatima",
    "Mohamed",
    "Youssef",
    "Daan",
    "Sanne",
    "Lotte",
    "Bram",
    "Fleur",
    "Sem",
]
LAST_NAMES = [
    "Popescu",
    "Ionescu",
    "Popa",
    "Dumitru",
    "Stan",
    "Stoica",
    "Gheorghe",
    "Rusu",
    "Nowak",
    "Kowalski",
    "Wiśniewski",
    "Wójcik",
    "Kowalczyk",
    "Kamińska",
    "Shevchenko",
    "Kovalenko",
    "Bondarenko",
    "Okafor",
    "Adeyemi",
    "Nwosu",
    "Nguyen",
    "Tran",
    "Pham",
    "Garcia",
    "Fernandes",
    "El",
    "Amrani",
    "Benali",
    "de",
    "Vries",
    "Jansen",
    "de",
    "Jong",
    "Bakker",
    "Visser",
    "Smit",
]
NATIONALITIES = ("RO", "PL", "BG", "UA", "NG", "VN", "HU", "LT", "NL", "MA")
STREETS = [
    "Hoofdstraat",
    "Dorpsstraat",
    "Kerkstraat",
    "Industrieweg",
    "Stationsweg",
    "Molenweg",
    "Schoolstraat",
    "Nieuwstraat",
    "Julianastraat",
    "Wilhelminastraat",
    "Marktplein",
    "Havenweg",
    "Polderweg",
    "Veilingweg",
]
COMPANY_WORDS = [
    "Agro",
    "Flex",
    "Uitzend",
    "Logistiek",
    "Tuinbouw",
    "Vlees",
    "Bouw",
    "Schoonmaak",
    "Personeel",
    "Staffing",
    "Groen",
    "Transport",
    "Horeca",
    "Service",
    "Euro",
    "Holland",
    "Midden",
    "Utrecht",
    "Kas",
    "Oogst",
]
LEGAL_FORMS = ("B.V.", "V.O.F.", "Eenmanszaak", "Stichting")
FORMS = {"arbeid": 55, "seksueel": 30, "crimineel": 15}
SECTORS = {
    "arbeid": ("landbouw-tuinbouw", "distributie-logistiek", "vleesverwerking", "bouw"),
    "seksueel": ("thuisprostitutie", "hotel", "escort", "massagesalons"),
    "crimineel": ("online", "overig", "horeca"),
}
ROLES = ("toezicht", "opsporing", "sociaal_domein", "zorg", "burgerzaken")


def municipalities() -> list[tuple[str, int]]:
    with (PACKAGE / "reference" / "data" / "gemeenten.csv").open(encoding="utf-8") as f:
        return [
            (row["code"], int(row["population"]))
            for row in csv.DictReader(f)
            if row["riec_region"] == "Midden-Nederland"
        ]


def indicator_codes() -> list[str]:
    path = PACKAGE / "catalogue" / "data" / "indicators.csv"
    with path.open(encoding="utf-8") as f:
        lines = [line for line in f if not line.startswith("#")]
    return [row["id"] for row in csv.DictReader(lines)]


def nl_iban(rng: random.Random) -> str:
    bank = rng.choice(("ABNA", "INGB", "RABO", "SNSB", "TRIO"))
    account = f"{rng.randrange(10**9, 10**10)}"
    digits = "".join(str(int(c, 36)) for c in f"{bank}{account}NL00")
    return f"NL{98 - int(digits) % 97:02d}{bank}{account}"


def postcode(rng: random.Random) -> str:
    letters = "SA"
    while letters in ("SA", "SD", "SS"):
        letters = "".join(rng.choice("ABCDEFGHJKLMNPRTVWXZ") for _ in range(2))
    return f"{rng.randrange(3400, 3999)} {letters}"


def generate(path: Path, rows: int) -> None:
    rng = random.Random(SEED)
    places = municipalities()
    codes, weights = [c for c, _p in places], [p for _c, p in places]
    indicators = indicator_codes()
    companies = [
        (
            f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_WORDS)} {rng.choice(LEGAL_FORMS)}",
            f"{rng.randrange(10**7, 10**8)}",
        )
        for _ in range(4000)
    ]
    addresses = [
        (rng.choice(STREETS), str(rng.randrange(1, 300)), postcode(rng)) for _ in range(15000)
    ]
    phones = [f"06{rng.randrange(1, 6)}{rng.randrange(10**6, 10**7)}" for _ in range(8000)]
    plates = [
        f"{rng.choice('GHJKLNPRSTXZ')}{rng.choice('BDFGHJKLNPRSTXZ')}-"
        f"{rng.randrange(100, 999)}-{rng.choice('BDFGHJKLNPRSTXZ')}"
        for _ in range(2000)
    ]
    accounts = [nl_iban(rng) for _ in range(3000)]
    # Skewed reuse: a few agencies and addresses turn up on many signals.
    company_weights = list(accumulate(1 / (i + 1) ** 0.8 for i in range(len(companies))))
    address_weights = list(accumulate(1 / (i + 1) ** 0.6 for i in range(len(addresses))))
    municipality_weights = list(accumulate(weights))
    today = date.today()
    header = [
        "extern_kenmerk", "datum_ontvangst", "organisatie", "rol_melder", "gemeente",
        "sector", "routestap", "vormen", "indicatoren_waargenomen",
        "indicatoren_niet_waargenomen", "omschrijving", "vertrouwelijkheid",
        "betrokkene_1_rol", "betrokkene_1_soort", "betrokkene_1_bedrijfsnaam",
        "betrokkene_1_kvk", "betrokkene_2_rol", "betrokkene_2_soort", "betrokkene_2_straat",
        "betrokkene_2_huisnummer", "betrokkene_2_postcode", "betrokkene_2_plaats",
        "betrokkene_3_rol", "betrokkene_3_voornamen", "betrokkene_3_achternaam",
        "betrokkene_3_geboortedatum", "betrokkene_3_nationaliteit", "betrokkene_4_rol",
        "betrokkene_4_soort", "betrokkene_4_telefoon", "betrokkene_4_kenteken",
        "betrokkene_4_iban",
    ]  # fmt: skip
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=";")
        writer.writerow(header)
        for i in range(rows):
            form = rng.choices(list(FORMS), weights=list(FORMS.values()))[0]
            company = rng.choices(companies, cum_weights=company_weights)[0]
            street, number, code = rng.choices(addresses, cum_weights=address_weights)[0]
            received = today - timedelta(days=rng.randrange(1, 1000))
            born = date(1965, 1, 1) + timedelta(days=rng.randrange(0, 14600))
            observed = rng.sample(indicators, rng.randrange(2, 7))
            not_observed = [c for c in rng.sample(indicators, 3) if c not in observed]
            extra = rng.random()
            slot4 = ["", "", "", "", ""]
            if extra < 0.25:
                slot4 = ["tussenpersoon", "telefoon", rng.choice(phones), "", ""]
            elif extra < 0.30:
                slot4 = ["verdachte", "voertuig", "", rng.choice(plates), ""]
            elif extra < 0.35:
                slot4 = ["verdachte", "bankrekening", "", "", rng.choice(accounts)]
            writer.writerow(
                [
                    f"BENCH-{i:06d}",
                    received.strftime("%d-%m-%Y"),
                    "" if i % 3 else ORGANISATION,
                    rng.choice(ROLES),
                    rng.choices(codes, cum_weights=municipality_weights)[0],
                    rng.choice(SECTORS[form]),
                    rng.choice(("werving", "huisvesting", "arbeid", "")),
                    form,
                    "|".join(observed),
                    "|".join(not_observed),
                    "Melding uit de benchmark: signalen op een adres met veel werknemers.",
                    "vertrouwelijk",
                    rng.choice(("werkgever", "huisvester")),
                    "bedrijf",
                    company[0],
                    company[1],
                    "locatie",
                    "adres",
                    street,
                    number,
                    code,
                    "",
                    "slachtoffer",
                    rng.choice(FIRST_NAMES),
                    rng.choice(LAST_NAMES),
                    born.strftime("%d-%m-%Y"),
                    rng.choice(NATIONALITIES),
                    *slot4,
                ]
            )


def zicht(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [ZICHT, *args], env=env, capture_output=True, text=True, check=False
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"zicht {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result


def run_backend(name: str, database_url: str, csv_path: Path, var_dir: Path) -> float:
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="zicht.settings",
        ZICHT_DEPLOYMENT="test",
        ZICHT_ROLE="node",
        ZICHT_REGION=REGION,
        ZICHT_VAR_DIR=str(var_dir),
    )
    zicht(env, "migrate", "--noinput", "-v", "0")
    zicht(env, "setup_instance")
    started = time.monotonic()
    result = zicht(env, "import_signals", str(csv_path), "--organisation", ORGANISATION)
    seconds = time.monotonic() - started
    print(f"{name}: {result.stdout.strip()} ({seconds:.1f} s)", flush=True)
    return seconds


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def postgres_server() -> tuple[str | None, bool]:
    """A PostgreSQL URL to create a database on, and whether we started the cluster."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url, False
    from zicht.devtools import pgcluster

    if _reachable(pgcluster.url()):
        return pgcluster.url(), False
    try:
        return pgcluster.start(), True
    except pgcluster.ClusterError as exc:
        print(f"postgresql: skipped ({str(exc).splitlines()[0]})", flush=True)
        return None, False


def _reachable(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def run_postgres(csv_path: Path, var_dir: Path) -> float | None:
    import psycopg

    server, started_here = postgres_server()
    if server is None:
        return None
    database = f"zicht_bench_import_{os.getpid()}"
    # CREATE and DROP DATABASE from the maintenance database, not the one in the URL.
    maintenance = _with_database(server, "postgres")
    try:
        with psycopg.connect(maintenance, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{database}"')
        try:
            return run_backend("postgresql", _with_database(server, database), csv_path, var_dir)
        finally:
            with psycopg.connect(maintenance, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    except psycopg.Error as exc:
        raise RuntimeError(f"PostgreSQL at {urlsplit(server).hostname}: {exc}") from exc
    finally:
        if started_here:
            from zicht.devtools import pgcluster

            pgcluster.stop()


def main() -> int:
    rows = int(os.environ.get("ROWS", "100000"))
    backends = os.environ.get("BACKENDS", "sqlite,postgresql").split(",")
    results: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="zicht-bench-import-") as tmp:
        csv_path = Path(tmp) / "signalen.csv"
        started = time.monotonic()
        generate(csv_path, rows)
        size_mb = csv_path.stat().st_size / 1e6
        print(f"generated {rows} rows ({size_mb:.1f} MB) in {time.monotonic() - started:.1f} s")
        try:
            if "sqlite" in backends:
                url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
                results.append(("sqlite", run_backend("sqlite", url, csv_path, Path(tmp) / "v1")))
            if "postgresql" in backends:
                seconds = run_postgres(csv_path, Path(tmp) / "v2")
                if seconds is not None:
                    results.append(("postgresql", seconds))
        except RuntimeError as exc:
            print(f"bench_import: {exc}", file=sys.stderr)
            return 1
    if not results:
        print("bench_import: no backend ran", file=sys.stderr)
        return 1
    for backend, seconds in results:
        print(f"BENCH import: rows={rows} seconds={seconds:.1f} backend={backend}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
