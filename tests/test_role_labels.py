"""A public office's people work with the antenna's roles, but read their office's name for them: an employment
centre's operator was "Operatore/operatrice di antenna" in the header, on the home page and in its user list."""
import html


def _text(client, path):
    return html.unescape(client.get(path).get_data(as_text=True))


def test_a_public_offices_people_read_their_offices_role(login, network):
    home = _text(login("e_operator"), "/")
    assert "Operatore/operatrice dell'ufficio" in home and "Operatore/operatrice di antenna" not in home
    users = _text(login("e_admin"), "/utenti")
    assert "Amministratore/amministratrice dell'ufficio" in users and "di antenna" not in users
    assert "Operatore/operatrice di antenna" in _text(login("a_operator"), "/")  # an antenna's, as before
