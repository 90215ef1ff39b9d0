#!/usr/bin/env python3
"""Writes benches/tickets.json: 256 realistic helpdesk ticket texts (German and English).

The texts are assembled from hand-written fragments with a fixed seed, so the file is
reproducible; it is committed, and the benchmarks read it (they never run this script).
Lengths vary from one-line requests to long mails with quoted logs, so that both batching and
truncation (more than 128 and a few more than 512 tokens) are exercised.

    python3 otai-hf-local/benches/make_tickets.py
"""

import json
import random
from pathlib import Path

SEED = 20240917

DE_SUBJECTS = [
    "Drucker im 2. OG druckt nicht mehr",
    "VPN-Verbindung bricht ständig ab",
    "Passwort abgelaufen – kein Zugriff auf Outlook",
    "Rechnung {inv} doppelt abgebucht",
    "Neuer Mitarbeiter benötigt Laptop und Zugänge",
    "SAP meldet Fehler beim Buchen",
    "Bitte Lizenz für Adobe Acrobat verlängern",
    "Teams-Besprechungen ohne Ton",
    "Lieferung {order} nicht angekommen",
    "Kündigung des Wartungsvertrags",
    "Monitor flackert nach Windows-Update",
    "Zugriff auf Netzlaufwerk S: verweigert",
    "Falsche Mehrwertsteuer auf Rechnung {inv}",
    "Webshop: Zahlung per Kreditkarte schlägt fehl",
    "Anfrage Angebot für 25 Arbeitsplätze",
    "Server {host} reagiert nicht",
    "E-Mails landen im Spam-Ordner",
    "Telefonanlage: Weiterleitung funktioniert nicht",
    "Datenschutzauskunft nach Art. 15 DSGVO",
    "Rückerstattung für stornierte Bestellung {order}",
]

EN_SUBJECTS = [
    "Cannot log in to the customer portal",
    "Invoice {inv} shows the wrong amount",
    "Laptop battery drains within an hour",
    "Request: new user account for the finance team",
    "Order {order} arrived damaged",
    "Database backup job failed last night",
    "Printer on floor 3 jams constantly",
    "Refund not received for order {order}",
    "Website is very slow since this morning",
    "Please cancel my subscription",
    "Two-factor authentication codes not arriving",
    "Shared mailbox permissions missing",
    "Server {host} disk almost full",
    "Question about enterprise pricing",
    "Outlook keeps asking for my password",
    "Urgent: production line scanner offline",
    "Change billing address for account {acct}",
    "Software license expired",
    "Wi-Fi drops in meeting room B",
    "GDPR data deletion request",
]

DE_GREETINGS = ["Hallo zusammen,", "Sehr geehrte Damen und Herren,", "Hallo Support-Team,", "Guten Morgen,", "Hi,", ""]
EN_GREETINGS = ["Hello,", "Dear support team,", "Hi there,", "Good morning,", "Hi,", ""]

DE_BODIES = [
    "seit heute früh funktioniert {thing} nicht mehr.",
    "wir haben das Problem, dass {thing} immer wieder ausfällt.",
    "ich bekomme beim Öffnen von {thing} die Fehlermeldung \"{err}\".",
    "nach dem letzten Update startet {thing} nicht mehr richtig.",
    "leider ist {thing} seit gestern Nachmittag nicht erreichbar.",
    "könnten Sie bitte prüfen, warum {thing} so langsam ist?",
    "unsere Buchhaltung kann {thing} nicht mehr verwenden.",
    "bei mehreren Kollegen tritt bei {thing} derselbe Fehler auf.",
]
EN_BODIES = [
    "since this morning {thing} is not working anymore.",
    "we keep having trouble with {thing}; it fails every few minutes.",
    "when I open {thing} I get the error \"{err}\".",
    "after the latest update {thing} does not start properly.",
    "{thing} has been unreachable since yesterday afternoon.",
    "could you please check why {thing} is so slow?",
    "our accounting department cannot use {thing} any more.",
    "several colleagues see the same error in {thing}.",
]

DE_THINGS = ["der Drucker", "das VPN", "Outlook", "das ERP-System", "der Webshop", "die Telefonanlage",
             "das Netzlaufwerk", "der Laptop", "die Zeiterfassung", "das Kundenportal", "der Scanner"]
EN_THINGS = ["the printer", "the VPN", "Outlook", "the ERP system", "the web shop", "the phone system",
             "the network drive", "my laptop", "the time tracking tool", "the customer portal", "the scanner"]

ERRORS = ["0x80070005", "Zugriff verweigert", "Connection timed out", "ERR_SSL_PROTOCOL_ERROR",
          "Lizenz ungültig", "HTTP 503 Service Unavailable", "Das Zertifikat ist abgelaufen",
          "Authentication failed (code 401)", "Speicherplatz nicht ausreichend"]

DE_DETAILS = [
    "Ich habe den Rechner bereits neu gestartet, das hat aber nichts geändert.",
    "Betroffen sind etwa {n} Mitarbeiterinnen und Mitarbeiter in der Abteilung Vertrieb.",
    "Die Kundennummer lautet {acct}, die Bestellung hat die Nummer {order}.",
    "Im Anhang finden Sie einen Screenshot der Fehlermeldung.",
    "Das Problem tritt nur im Homeoffice auf, im Büro funktioniert alles.",
    "Wir arbeiten mit Windows 11 und Office 365, Version 2408.",
    "Bitte beachten Sie, dass morgen der Monatsabschluss ansteht.",
    "Die Rechnung {inv} über {amount} € wurde am {date} zweimal abgebucht.",
    "Ein Kollege meinte, es könnte an der Firewall liegen.",
    "Laut Sendungsverfolgung liegt das Paket seit {n} Tagen im Verteilzentrum.",
    "Gerne können Sie mich unter der Durchwahl {ext} erreichen.",
    "Wir bitten um eine schriftliche Bestätigung.",
    "Die Störung betrifft auch die Filiale in München.",
    "Über eine schnelle Rückmeldung würde ich mich sehr freuen.",
]
EN_DETAILS = [
    "I already restarted the machine, but nothing changed.",
    "About {n} people in the sales department are affected.",
    "Our customer number is {acct} and the order number is {order}.",
    "Please find a screenshot of the error message attached.",
    "It only happens when working from home; in the office everything works.",
    "We are on Windows 11 with Office 365, version 2408.",
    "Please note that the month-end closing is due tomorrow.",
    "Invoice {inv} for ${amount} was charged twice on {date}.",
    "A colleague suspects the firewall might be the cause.",
    "According to the tracking page the parcel has been at the depot for {n} days.",
    "You can reach me at extension {ext}.",
    "We would appreciate a written confirmation.",
    "The outage also affects our branch office in Leeds.",
    "A quick answer would be much appreciated.",
]

DE_URGENT = ["Es ist dringend, da die Produktion steht!", "Bitte mit hoher Priorität bearbeiten.", "", "", ""]
EN_URGENT = ["This is urgent, production is down!", "Please treat this with high priority.", "", "", ""]
DE_CLOSINGS = ["Vielen Dank und viele Grüße\n{name}", "Mit freundlichen Grüßen\n{name}", "Danke!\n{name}", "Gruß {name}"]
EN_CLOSINGS = ["Thanks and best regards,\n{name}", "Kind regards,\n{name}", "Thanks!\n{name}", "Cheers, {name}"]
NAMES = ["Jürgen Weiß", "Anna Müller", "Özlem Yılmaz", "Thomas Schäfer", "Laura Becker",
         "John Smith", "Priya Patel", "Mark O'Neill", "Sophie Dubois", "Łukasz Nowak"]

LOG_LINES = [
    "2024-09-17 08:{mm}:{ss} ERROR [worker-{n}] java.net.SocketTimeoutException: Read timed out",
    "2024-09-17 08:{mm}:{ss} WARN  [scheduler] Job backup-nightly exceeded its time budget",
    "2024-09-17 08:{mm}:{ss} INFO  [auth] Login failed for user {acct} from 10.0.{n}.17",
    "2024-09-17 08:{mm}:{ss} ERROR [db] ORA-12541: TNS:no listener",
]


def fill(rng: random.Random, template: str) -> str:
    return template.format(
        inv=f"RE-{rng.randint(100000, 999999)}",
        order=f"{rng.randint(4000000, 4999999)}",
        host=f"srv-{rng.choice(['app', 'db', 'file', 'mail'])}{rng.randint(1, 9):02d}",
        acct=f"K{rng.randint(10000, 99999)}",
        n=rng.randint(2, 40),
        amount=f"{rng.randint(20, 4000)},{rng.randint(0, 99):02d}",
        date=f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.2024",
        ext=rng.randint(100, 999),
        err=rng.choice(ERRORS),
        name=rng.choice(NAMES),
        thing="{thing}",
        mm=f"{rng.randint(0, 59):02d}",
        ss=f"{rng.randint(0, 59):02d}",
    )


def ticket(rng: random.Random, german: bool, size: str, subject_index: list[int] | None = None) -> str:
    """One ticket text; when `subject_index` is a list, the index of the subject drawn (the
    ticket's topic) is appended to it. The random draws are the same either way."""
    subjects, greetings, bodies, things, details, urgent, closings = (
        (DE_SUBJECTS, DE_GREETINGS, DE_BODIES, DE_THINGS, DE_DETAILS, DE_URGENT, DE_CLOSINGS)
        if german
        else (EN_SUBJECTS, EN_GREETINGS, EN_BODIES, EN_THINGS, EN_DETAILS, EN_URGENT, EN_CLOSINGS)
    )
    index = rng.choice(range(len(subjects)))
    if subject_index is not None:
        subject_index.append(index)
    subject = fill(rng, subjects[index])
    if size == "tiny":
        return subject
    parts = [subject, ""]
    greeting = rng.choice(greetings)
    if greeting:
        parts.append(greeting)
    body = fill(rng, rng.choice(bodies)).replace("{thing}", rng.choice(things))
    parts.append(body[0].upper() + body[1:])
    n_details = {"short": rng.randint(0, 1), "medium": rng.randint(2, 4), "long": rng.randint(5, 9)}[size]
    parts.extend(fill(rng, d) for d in rng.sample(details, n_details))
    if size == "long" and rng.random() < 0.6:
        parts.append("Auszug aus dem Log:" if german else "Excerpt from the log:")
        parts.extend(fill(rng, rng.choice(LOG_LINES)) for _ in range(rng.randint(3, 12)))
    u = rng.choice(urgent)
    if u:
        parts.append(u)
    parts.append(fill(rng, rng.choice(closings)))
    return "\n".join(parts)


def main() -> None:
    rng = random.Random(SEED)
    sizes = ["tiny"] * 3 + ["short"] * 8 + ["medium"] * 8 + ["long"] * 3
    texts = [ticket(rng, german=rng.random() < 0.55, size=rng.choice(sizes)) for _ in range(256)]
    out = Path(__file__).with_name("tickets.json")
    out.write_text(json.dumps(texts, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(texts)} tickets to {out}")


if __name__ == "__main__":
    main()
