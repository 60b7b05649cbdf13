"""Built-in letter texts, used until the node's coordinator saves its own (then the row wins).

Placeholders in braces: {addressee} {pseudonym} {date} {node} {case_worker} {antenna} {reason} {appointment};
``{{`` prints a brace. Lines starting with "# " are headings, "- " list items; blank lines split paragraphs."""
from .models import LetterKind

LANGUAGES = ("it", "en")

# In Italian no article goes before {node}: "il {node}" printed "il Provincia di Novara". A node's name may be
# feminine or begin with a vowel, so it follows a colon ("Ente: …"), as administrative letters put it.
DEFAULTS: dict[tuple[LetterKind, str], tuple[str, str]] = {
    (LetterKind.ACCEPTANCE, "it"): (
        "Presa in carico della segnalazione",
        "Gentile {addressee},\n\n"
        "la informiamo che la segnalazione inviata dall'antenna {antenna} è stata accolta e presa in carico con il "
        "codice {pseudonym}.\n\nEnte che la prende in carico: {node}\n\n"
        "La persona di riferimento per il suo percorso è {case_worker}, che la contatterà per concordare il primo "
        "incontro.\n\nCordiali saluti.",
    ),
    (LetterKind.ACCEPTANCE, "en"): (
        "Your referral has been accepted",
        "Dear {addressee},\n\n"
        "the referral sent by the antenna {antenna} has been accepted: {node} takes you in charge under the code "
        "{pseudonym}.\n\n"
        "Your contact person is {case_worker}, who will get in touch to agree on a first meeting.\n\nKind regards.",
    ),
    (LetterKind.DECLINE, "it"): (
        "Esito della segnalazione",
        "Gentile {addressee},\n\n"
        "la segnalazione inviata dall'antenna {antenna} (codice {pseudonym}) non può essere presa in carico per il "
        "seguente motivo:\n\n{reason}\n\nEnte che ha esaminato la segnalazione: {node}\n\n"
        "L'antenna resta a sua disposizione per indicarle altri servizi adatti.\n\nCordiali saluti.",
    ),
    (LetterKind.DECLINE, "en"): (
        "Outcome of your referral",
        "Dear {addressee},\n\n"
        "the referral sent by the antenna {antenna} (code {pseudonym}) cannot be taken in charge by {node} for "
        "the following reason:\n\n{reason}\n\n"
        "The antenna remains available to point you to other suitable services.\n\nKind regards.",
    ),
    (LetterKind.SUMMONS, "it"): (
        "Convocazione a colloquio",
        "Gentile {addressee},\n\n"
        "la invitiamo a un colloquio con {case_worker}:\n\n- {appointment}\n- Ente: {node}\n\n"
        "Se non potesse essere presente, la preghiamo di avvisarci indicando il codice {pseudonym}.\n\n"
        "Cordiali saluti.",
    ),
    (LetterKind.SUMMONS, "en"): (
        "Invitation to an interview",
        "Dear {addressee},\n\n"
        "you are invited to an interview with {case_worker} of {node}:\n\n- {appointment}\n\n"
        "If you cannot attend, please let us know quoting the code {pseudonym}.\n\nKind regards.",
    ),
    (LetterKind.CLOSURE, "it"): (
        "Chiusura del percorso",
        "Gentile {addressee},\n\n"
        "il percorso seguito con il codice {pseudonym} si è concluso in data {date}.\n\n"
        "Ente che ha seguito il percorso: {node}\n\n"
        "La ringraziamo per la collaborazione; per qualsiasi necessità può rivolgersi all'antenna {antenna}.\n\n"
        "Cordiali saluti.",
    ),
    (LetterKind.CLOSURE, "en"): (
        "Closure of your pathway",
        "Dear {addressee},\n\n"
        "the pathway followed by {node} under the code {pseudonym} ended on {date}.\n\n"
        "Thank you for your cooperation; for any need you can turn to the antenna {antenna}.\n\nKind regards.",
    ),
}
