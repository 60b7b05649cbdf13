"""The guide's pages: Italian msgids, English in the catalogue. Short on purpose: one screen each."""
from dataclasses import dataclass, field

from ..accounts.models import Role
from ..accounts.permissions import OFFICE_ROLES
from ..i18n import lazy_gettext as _l

ROLE, WORKFLOW = "role", "workflow"


@dataclass(frozen=True)
class Page:
    slug: str
    kind: str
    title: str
    summary: str
    points: tuple
    roles: tuple = ()  # for a role page: the roles it describes
    diagrams: tuple = ()  # keys of guide.diagrams.DIAGRAMS
    related: tuple = field(default=())


PAGES = (
    # --- roles ---
    Page("antenna", ROLE, _l("Antenna: operatori e amministratori"),
         _l("L'antenna incontra la persona, raccoglie il consenso e la segnala al nodo."),
         (_l("Trova la persona prima di segnalarla: se è già nota, la segnalazione si collega alla stessa persona."),
          _l("Scrivi la segnalazione come bozza, allega i documenti e inviala al nodo quando è completa."),
          _l("Se il nodo chiede informazioni, la segnalazione torna modificabile: completala e inviala di nuovo."),
          _l("Nella pagina della segnalazione leggi l'esito e, se la persona è presa in carico, la fase del percorso."),
          _l("L'amministratore dell'antenna invita e disattiva gli utenti della propria organizzazione.")),
         roles=(Role.ANTENNA_OPERATOR, Role.ANTENNA_ADMIN), related=("segnalazione", "forum")),
    Page("ufficio", ROLE, _l("Uffici pubblici della rete"),
         _l("L'ufficio pubblico riceve dal nodo le persone che il percorso gli affida e, come un'antenna, può segnalarne."),
         (_l("In «Persone inviate dal nodo» trovi le azioni che il nodo ha affidato al tuo ufficio, con il solo codice pseudonimo."),
          _l("Apri l'invio e registra la presa in carico; se vuoi, aggiungi una nota sull'esito, che il nodo legge nel caso."),
          _l("Se il nodo affida l'azione a un altro ufficio o chiude il percorso prima, l'invio è ritirato e ricevi un avviso."),
          _l("Puoi anche segnalare al nodo una persona a rischio di discriminazione, come fanno le antenne.")),
         related=("antenna", "percorso")),
    Page("case-manager", ROLE, _l("Case manager del nodo"),
         _l("Il case manager segue la persona presa in carico, dal primo colloquio alla chiusura del caso."),
         (_l("Esamina le segnalazioni ricevute: prendile in carico, chiedi informazioni o non accoglierle con un motivo."),
          _l("Nel caso registra il diario, le azioni affidate ai soggetti attuatori e le verifiche."),
          _l("Avvia la fase 1 e, dopo l'esito della verifica, la fase 2; chiudi il caso indicando l'esito."),
          _l("I dati identificativi della persona si vedono solo quando servono, e ogni lettura è registrata.")),
         roles=(Role.CASE_WORKER,), related=("segnalazione", "percorso")),
    Page("coordinamento", ROLE, _l("Coordinamento del nodo"),
         _l("Il coordinamento assegna i casi, sorveglia le scadenze e cura la qualità dei dati."),
         (_l("Assegna ogni caso a un case manager e riassegnalo quando serve."),
          _l("Controlla le allerte e il monitoraggio della rete."),
          _l("Esamina i possibili duplicati: collega le schede della stessa persona o scartale se sono persone diverse."),
          _l("Valida le buone prassi proposte nel forum.")),
         roles=(Role.COORDINATOR,), related=("percorso", "forum")),
    Page("budget", ROLE, _l("Responsabile del budget"),
         _l("Il responsabile del budget gestisce contratti, ordini di servizio e pagamenti ai soggetti attuatori."),
         (_l("Registra i finanziamenti e i contratti con i soggetti attuatori."),
          _l("Segui gli ordini di servizio e quanto resta su ogni linea del contratto."),
          _l("Approva o restituisci le consegne registrate dai soggetti attuatori."),
          _l("Gli importi sono mostrati come € 1.234,56 e le date come gg/mm/aaaa.")),
         roles=(Role.BUDGET_OFFICER,), related=("ordini",)),
    Page("rpd", ROLE, _l("Responsabile della protezione dei dati (RPD)"),
         _l("Il responsabile della protezione dei dati sorveglia i trattamenti e risponde alle richieste degli interessati."),
         (_l("Consulta il registro degli accessi: ogni lettura dei dati identificativi vi è annotata."),
          _l("Apri e chiudi le richieste di accesso, rettifica e cancellazione di una persona."),
          _l("Nel portale le persone compaiono con un codice pseudonimo; i dati identificativi sono cifrati.")),
         roles=(Role.DATA_PROTECTION_OFFICER,), related=("richieste",)),
    Page("soggetto-attuatore", ROLE, _l("Soggetto attuatore"),
         _l("Il soggetto attuatore svolge le azioni che il nodo gli affida con un ordine di servizio."),
         (_l("Nella pagina degli ordini di servizio trovi le azioni approvate per la tua organizzazione."),
          _l("Registra le consegne (ore, incontri, documenti) man mano che le svolgi."),
          _l("Vedi solo il codice pseudonimo della persona, mai i suoi dati identificativi.")),
         roles=(Role.PROVIDER_USER,), related=("ordini",)),
    Page("amministrazione", ROLE, _l("Amministrazione di sistema"),
         _l("L'amministratore di sistema gestisce gli utenti e il funzionamento tecnico del portale."),
         (_l("Invita gli utenti, assegna i ruoli e disattiva chi non lavora più nella rete."),
          _l("Controlla la posta in uscita del portale."),
          _l("Non vede i dati delle persone: il portale li separa per organizzazione.")),
         roles=(Role.SYSTEM_ADMIN,)),
    Page("regione", ROLE, _l("Centro regionale"),
         _l("Il centro regionale segue la rete dei nodi della regione attraverso dati aggregati."),
         (_l("Il monitoraggio regionale mostra per trimestre le segnalazioni, le decisioni, le chiusure e gli indicatori FSE+ di ogni nodo."),
          _l("Le celle con meno di cinque casi sono oscurate, anche quando si potrebbero ricavare per differenza."),
          _l("Il centro regionale non vede mai una persona, una segnalazione o un caso."),
          _l("Il responsabile della protezione dei dati della regione consulta il registro degli accessi della regione.")),
         roles=(Role.REGIONAL_COORDINATOR, Role.REGIONAL_ANALYST, Role.REGIONAL_DPO)),
    # --- workflows ---
    Page("segnalazione", WORKFLOW, _l("La segnalazione"),
         _l("Una segnalazione porta una persona dall'antenna al nodo; il diagramma mostra i suoi stati."),
         (_l("Finché è una bozza o mancano informazioni, solo l'antenna può modificarla."),
          _l("L'antenna può ritirarla finché il nodo non ha deciso."),
          _l("Quando il nodo la prende in carico si apre un caso, e l'antenna ne vede la fase.")),
         diagrams=("segnalazione",), related=("antenna", "percorso")),
    Page("percorso", WORKFLOW, _l("Il percorso del caso"),
         _l("Un caso si apre con la presa in carico e si chiude con un esito; il diagramma mostra i suoi stati."),
         (_l("Fase 1: inserimento lavorativo, chiusa da una verifica con il suo esito."),
          _l("Fase 2: inclusione socio-lavorativa, con le verifiche di follow-up."),
          _l("Il caso si può chiudere in ogni fase, indicando l'esito.")),
         diagrams=("caso",), related=("case-manager", "ordini")),
    Page("ordini", WORKFLOW, _l("Budget, ordini di servizio e consegne"),
         _l("Le azioni di un caso svolte da un soggetto attuatore passano per un ordine di servizio."),
         (_l("Il nodo affida le azioni del caso al soggetto attuatore con un ordine di servizio."),
          _l("Il soggetto attuatore registra le consegne; il nodo le approva o le restituisce."),
          _l("Il budget mostra, per ogni finanziamento, quanto è impegnato e quanto è speso.")),
         related=("budget", "soggetto-attuatore")),
    Page("richieste", WORKFLOW, _l("Le richieste dell'interessato"),
         _l("Una persona può chiedere di accedere ai propri dati, di rettificarli o di cancellarli (artt. 15-17 GDPR)."),
         (_l("L'RPD apre la richiesta nella pagina della persona."),
          _l("Per una richiesta di accesso si scaricano i dati in JSON, in versione stampabile o in PDF."),
          _l("La cancellazione è eseguita subito, salvo blocco legale o obbligo di conservazione."),
          _l("Ogni passaggio è registrato nel registro degli accessi.")),
         related=("rpd",)),
    Page("forum", WORKFLOW, _l("Il forum della rete"),
         _l("Nel forum le organizzazioni della rete discutono e condividono buone prassi."),
         (_l("Non scrivere mai dati che identificano una persona: il forum è letto da tutta la rete."),
          _l("Iscriviti a una discussione per ricevere le notifiche dei nuovi messaggi."),
          _l("Una scheda di buona prassi, validata dal coordinamento, resta consultabile da tutti.")),
         related=("antenna", "coordinamento")),
)

BY_SLUG = {page.slug: page for page in PAGES}
ROLE_PAGE = {role: page.slug for page in PAGES for role in page.roles}


OFFICE_PAGE = "ufficio"


def role_page(role, office: bool = False) -> str:
    """The slug of the page describing ``role`` (the guide's index when a role has none); a public office's
    users hold antenna roles but do an office's work too (``office``), which their own page describes."""
    return OFFICE_PAGE if office and role in OFFICE_ROLES else ROLE_PAGE.get(role, "")
