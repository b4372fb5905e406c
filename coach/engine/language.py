"""A small guess at whether a statement is English, for the classifier's honesty.

The model and the rules were built from English statements only; on anything else
their verdict is a guess, so the classifier has to know when it is guessing. This is
stricter than `coach.textinput.looks_english` (one English word is enough there):
a statement counts as another language when its function words say so, or when it is
written mostly in another script.
"""

from __future__ import annotations

import re

_WORDS = re.compile(r"[^\W\d_]+", re.UNICODE)

# Function words and the commonest goal verbs and nouns, per language. Words that are
# also everyday English ("a", "no", "come", "die" aside) are left out.
_FOREIGN = {
    "Spanish": "el la los las del para con por que una y al más nuestro nuestra nuestros sus es son en cada "
               "aumentar reducir mejorar lanzar crear número tasa ventas usuarios clientes semana mes "
               "porcentaje ingresos equipo entregar nueva nuevo nuevas desde hasta lograr",
    "French": "le la les des du pour avec et une un nos notre leur est sont chaque dans sur aux "
              "augmenter réduire améliorer lancer créer nombre taux ventes utilisateurs clients semaine mois "
              "chiffre équipe nouvelle nouveau livrer atteindre",
    "German": "der die das und für mit von den dem ein eine einen unsere unser ist sind jede im zum zur "
              "erhöhen steigern senken verbessern kunden nutzer anzahl umsatz woche monat neue neuen "
              "liefern bis auf",
    "Portuguese": "da do dos das para com uma um nossos nossa é são cada em no na ao "
                  "aumentar reduzir melhorar lançar criar número taxa vendas usuários clientes semana mês "
                  "receita equipe nova novo entregar atingir",
    "Italian": "il lo gli della delle dei per con una un nostri nostro è sono ogni nel nella al "
               "aumentare ridurre migliorare lanciare creare numero tasso vendite utenti clienti settimana "
               "mese fatturato squadra nuova nuovo",
    "Dutch": "het een van voor met en onze ons zijn elke bij naar "
             "verhogen verminderen verbeteren lanceren klanten gebruikers aantal omzet week maand nieuwe",
}
_ENGLISH = set(
    "the a an of to and in for on with our we by from is are be that who which their this these those per "
    "each more less at as into than it its they them have has will can should so or not no all any every new "
    "how increase reduce grow improve build launch ship deliver users customers team share number rate get "
    "make what when where why do does rather first after before within week month".split()
)
_FOREIGN_SETS = {lang: set(words.split()) - _ENGLISH for lang, words in _FOREIGN.items()}
_ACCENTED = re.compile(r"[áéíóúñãõçàèìòùâêîôûäöüßœ¿¡]", re.IGNORECASE)


def foreign_language(text: str) -> str | None:
    """The language a statement seems to be in when that is not English, else None."""
    letters = [ch for ch in text if ch.isalpha()]
    if letters and sum(1 for ch in letters if ord(ch) > 0x24F) > 0.3 * len(letters):
        return "a non-Latin script"
    words = [w.lower() for w in _WORDS.findall(text)]
    english = sum(w in _ENGLISH for w in words)
    scores = {lang: sum(w in vocab for w in words) for lang, vocab in _FOREIGN_SETS.items()}
    lang, best = max(scores.items(), key=lambda kv: kv[1])
    accents = bool(_ACCENTED.search(text))
    if best >= 2 and best > english:
        return lang
    if best >= 1 and accents and english == 0:
        return lang
    return None
