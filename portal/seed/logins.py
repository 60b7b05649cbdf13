"""Print the demo logins (``python -m portal.seed.logins``), as ``make run`` does before serving."""
from .network import DEMO_PASSWORD, USERS


def main() -> None:
    print("\nRete è pronta su http://127.0.0.1:8000 - accessi demo (password per tutti: %s)" % DEMO_PASSWORD)
    for email, full_name, slug, role in USERS:
        print(f"  {role.value:<24} {email:<40} {slug}")
    print()


if __name__ == "__main__":
    main()
