"""Print the demo logins (``python -m portal.seed.logins``), as ``make run`` does before serving."""
import sys

from ..accounts.models import Role
from .budget import SECOND_PROVIDER, SECOND_PROVIDER_USER
from .network import DEMO_PASSWORD, USERS
from .region import NODE_USERS
from .region import USERS as REGION_USERS


def main() -> None:
    address = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:8000"
    print(f"\nRete è pronta su http://{address} - accessi demo (password per tutti: {DEMO_PASSWORD})")
    # Every login the seed makes (as README lists them): the second provider's and the regional centre's too.
    second_provider = [(*SECOND_PROVIDER_USER, SECOND_PROVIDER[0], Role.PROVIDER_USER)]
    for email, _name, slug, role in USERS + second_provider + NODE_USERS + REGION_USERS:
        print(f"  {role.value:<33} {email:<41} {slug}")
    print()


if __name__ == "__main__":
    main()
