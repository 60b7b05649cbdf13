"""Print the demo logins (``python -m portal.seed.logins``), as ``make run`` does before serving."""
import sys

from .network import DEMO_PASSWORD, USERS
from .region import NODE_USERS


def main() -> None:
    address = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:8000"
    print(f"\nRete è pronta su http://{address} - accessi demo (password per tutti: {DEMO_PASSWORD})")
    for email, _name, slug, role in USERS + NODE_USERS:
        print(f"  {role.value:<24} {email:<40} {slug}")
    print()


if __name__ == "__main__":
    main()
