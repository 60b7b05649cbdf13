"""The demo network, seeded in modules: each domain appends its own part to SEEDERS.

Everything seeded is fictitious except the names of the institutions, which come from the seed
document (Provincia di Novara, "Piano sintetico interventi – Azione 2", 2012).
"""
from . import budget, cases, network
from . import directory as directory_seed
from . import forum as forum_seed

# Order matters: later seeders find what earlier ones made (by slug/e-mail, never by id).
SEEDERS = [network.seed, cases.seed, budget.seed]
SEEDERS += [forum_seed.seed, directory_seed.seed]
from . import alerts as alerts_seed  # noqa: E402  (default rules, demo alerts)

SEEDERS += [alerts_seed.seed]
from . import region as region_seed  # noqa: E402  (Regione Piemonte and the other seven nodes)

SEEDERS += [region_seed.seed]


def seed_all() -> list[str]:
    report: list[str] = []
    for seeder in SEEDERS:
        report.extend(seeder())
    return report
