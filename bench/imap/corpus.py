"""A deterministic corpus of real-looking messages: plain text, multipart/alternative, attachments, replies,
non-ASCII names and subjects (RFC 2047), quoted-printable and base64 bodies. Same seed, same bytes.
"""

import random
from datetime import datetime, timedelta, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP

PEOPLE = [
    ("Alice Martin", "alice", "example.org"), ("Bob Stone", "bob", "example.net"),
    ("José Martínez", "jose", "correo.example"), ("Zoë Brontë", "zoe", "example.co.uk"),
    ("山田太郎", "taro", "example.jp"), ("Ольга Иванова", "olga", "example.ru"),
    ("Émilie Dubois", "emilie", "exemple.fr"), ("Søren Kierkegaard", "soren", "example.dk"),
    ("Chen Wei", "wei", "example.cn"), ("Fatima Zahra", "fatima", "example.ma"),
    ("Release Bot", "noreply", "ci.example.com"), ("Mailing List", "dev-list", "lists.example.org"),
]
SUBJECTS = [
    "Quarterly report", "Lunch on Friday?", "Re: build failures on main", "Invoice {n}", "Meeting notes",
    "Grüße aus München", "Café et croissants demain ?", "会議の議事録", "Привет из Москвы", "Ticket #{n} updated",
    "Your order has shipped", "Weekly digest", "Slides for the talk", "Holiday schedule", "Design review",
]
WORDS = ("mail server queue delivery mailbox message header body attachment report meeting budget release "
         "schedule review design network storage index search thread folder flag client protocol").split()
UNICODE_LINES = [
    "Schöne Grüße und bis bald.", "Merci beaucoup pour votre réponse rapide.", "よろしくお願いします。",
    "Спасибо за письмо.", "¡Hasta mañana!", "Tak for sidst.",
]


def _paragraphs(rng, count, unicode):
    text = []
    for _ in range(count):
        sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 90))).capitalize() + "."
        text.append(sentence)
        if unicode and rng.random() < 0.5:
            text.append(rng.choice(UNICODE_LINES))
    return "\n\n".join(text) + "\n"


def _address(person):
    name, user, domain = person
    return Address(name, user, domain)


def make_message(rng, number, owner, start):
    message = EmailMessage(policy=SMTP)
    sender = rng.choice(PEOPLE)
    message["From"] = _address(sender)
    message["To"] = [Address("Bench User", owner.split("@")[0], owner.split("@")[1])]
    if rng.random() < 0.3:
        message["Cc"] = [_address(p) for p in rng.sample(PEOPLE, rng.randint(1, 4))]
    message["Subject"] = rng.choice(SUBJECTS).format(n=number)
    date = start + timedelta(minutes=number * 7 + rng.randint(0, 6))
    message["Date"] = date
    message["Message-ID"] = f"<corpus.{number}@{sender[2]}>"
    if number > 10 and rng.random() < 0.3:
        parent = rng.randint(0, number - 1)
        message["In-Reply-To"] = f"<corpus.{parent}@{rng.choice(PEOPLE)[2]}>"
        message["References"] = message["In-Reply-To"]
    if sender[1] == "dev-list":
        message["List-Id"] = "Developers <dev.lists.example.org>"

    kind = rng.random()
    unicode = sender[2].endswith((".jp", ".ru", ".fr", ".dk", ".uk")) or rng.random() < 0.2
    body = _paragraphs(rng, rng.randint(1, 8), unicode)
    if kind < 0.45:
        message.set_content(body, cte="quoted-printable" if unicode else "7bit")
    elif kind < 0.80:
        message.set_content(body, cte="quoted-printable" if unicode else "7bit")
        html = "<html><body>" + "".join(f"<p>{p}</p>" for p in body.split("\n\n")) + "</body></html>\n"
        message.add_alternative(html, subtype="html", cte="quoted-printable")
    else:
        message.set_content(body, cte="quoted-printable" if unicode else "7bit")
        size = rng.choice([2_000, 8_000, 30_000, 120_000])
        kind_name = rng.choice([("application", "pdf", "report.pdf"), ("image", "png", "diagram.png"),
                                ("application", "zip", "logs.zip"), ("text", "csv", "données.csv")])
        payload = rng.randbytes(size)
        message.add_attachment(payload, maintype=kind_name[0], subtype=kind_name[1], filename=kind_name[2])
    return date, message.as_bytes()


def generate(count, owner, seed=2026):
    """[(internal date, RFC 5322 bytes with CRLF line ends)] for `count` messages addressed to `owner`."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 5, 8, 0, tzinfo=timezone.utc)
    return [make_message(rng, number, owner, start) for number in range(count)]


if __name__ == "__main__":
    corpus = generate(20, "bench@bench.test")
    print(corpus[3][1].decode("ascii", "replace"))
    print(sum(len(m) for _, m in corpus) / len(corpus), "bytes on average")
