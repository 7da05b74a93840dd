#!/usr/bin/env python3
"""Generates the labelled guard corpus (deterministic: fixed seed).

Sensitive values are written inline as {{detector:value}}; GuardCorpusTest strips the markup
and keeps the spans as labels. Everything not marked up is a negative: the corpus mixes in
look-alikes (order numbers that fail Luhn, git hashes, UUIDs, versions, dates, timestamps,
IBANs with a wrong check, invalid SSNs, template passwords) so precision means something.

Run: python3 generate_corpus.py  (writes the *.txt/*.jsonl/*.log/*.csv files next to it)
"""
import base64, json, os, random, string

R = random.Random(20240611)
HERE = os.path.dirname(os.path.abspath(__file__))

def L(det, v):
    return "{{%s:%s}}" % (det, v)

def luhn_complete(prefix, length):
    digits = [int(c) for c in prefix]
    while len(digits) < length - 1:
        digits.append(R.randint(0, 9))
    s = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            if d > 9: d -= 9
        s += d
    digits.append((10 - s % 10) % 10)
    return "".join(map(str, digits))

def luhn_ok(n):
    s = 0
    for i, c in enumerate(reversed(n)):
        d = int(c)
        if i % 2 == 1:
            d *= 2
            if d > 9: d -= 9
        s += d
    return s % 10 == 0

def card():
    kind = R.choice(["visa", "mc", "mc2", "amex", "disc", "jcb", "visa"])
    if kind == "visa": n = luhn_complete("4" + str(R.randint(0, 9)), 16)
    elif kind == "mc": n = luhn_complete(str(R.randint(51, 55)), 16)
    elif kind == "mc2": n = luhn_complete(str(R.randint(2221, 2720)), 16)
    elif kind == "amex": n = luhn_complete(R.choice(["34", "37"]), 15)
    elif kind == "disc": n = luhn_complete("6011", 16)
    else: n = luhn_complete(str(R.randint(3528, 3589)), 16)
    style = R.choice(["plain", "space", "dash", "space"])
    if style == "plain": return n
    sep = " " if style == "space" else "-"
    if len(n) == 15: return n[:4] + sep + n[4:10] + sep + n[10:]
    return sep.join(n[i:i+4] for i in range(0, 16, 4))

def bad_card():
    while True:
        n = "4" + "".join(R.choice(string.digits) for _ in range(15))
        if not luhn_ok(n): return n

IBAN_SPEC = {"DE": "n18", "GB": "a4n14", "FR": "n23", "ES": "n20", "NL": "a4n10", "IT": "a1n22", "CH": "n17",
             "BE": "n12", "AT": "n16", "PL": "n24", "SE": "n20", "IE": "a4n14", "PT": "n21"}

def bban(spec):
    out = ""
    i = 0
    while i < len(spec):
        kind = spec[i]; j = i + 1
        while j < len(spec) and spec[j].isdigit(): j += 1
        cnt = int(spec[i+1:j]); i = j
        pool = string.digits if kind == "n" else string.ascii_uppercase
        out += "".join(R.choice(pool) for _ in range(cnt))
    return out

def iban_check(country, b):
    s = b + country + "00"
    num = "".join(str(int(c, 36)) for c in s)
    return "%02d" % (98 - int(num) % 97)

def iban(grouped=None, bad=False):
    c = R.choice(list(IBAN_SPEC))
    b = bban(IBAN_SPEC[c])
    chk = iban_check(c, b)
    if bad: chk = "%02d" % ((int(chk) + 7) % 97 or 3)
    s = c + chk + b
    if grouped is None: grouped = R.random() < 0.6
    return " ".join(s[i:i+4] for i in range(0, len(s), 4)) if grouped else s

def ssn(valid=True):
    if valid:
        a = R.choice([x for x in range(1, 900) if x != 666]); g = R.randint(1, 99); s = R.randint(1, 9999)
    else:
        a, g, s = R.choice([(0, R.randint(1, 99), R.randint(1, 9999)), (666, 12, 3456), (912, 34, 5678), (123, 0, 4567)])
    return "%03d-%02d-%04d" % (a, g, s)

def nino():
    first = R.choice("ABCEGHJKLMNPRSTWXYZ"); second = R.choice("ABCEGHJKLMNPRSTWXYZ")
    if first + second in ("BG", "GB", "NK", "KN", "TN", "NT", "ZZ"): first, second = "A", "B"
    d = "".join(R.choice(string.digits) for _ in range(6))
    suf = R.choice("ABCD")
    if R.random() < 0.5: return "%s%s %s %s %s %s" % (first, second, d[:2], d[2:4], d[4:], suf)
    return first + second + d + suf

def dni():
    letters = "TRWAGMYFPDXBNJZSQVHLCKE"
    if R.random() < 0.3:
        p = R.choice("XYZ"); n = R.randint(0, 9999999)
        return "%s%07d%s" % (p, n, letters[int(str("XYZ".index(p)) + "%07d" % n) % 23])
    n = R.randint(10000000, 99999999)
    return "%08d%s" % (n, letters[n % 23])

def ipv4():
    return R.choice(["10.%d.%d.%d", "192.168.%d.%d", "172.16.%d.%d", "%d.%d.%d.%d"]).replace("%d", "{}").format(
        *[R.randint(1, 254) for _ in range(4)])

def ipv6():
    groups = ["%x" % R.randint(0, 0xffff) for _ in range(8)]
    style = R.choice(["full", "compressed", "compressed", "prefix"])
    if style == "full": return ":".join(groups)
    if style == "prefix": return "fe80::" + ":".join(groups[4:])
    return "2001:db8:" + ":".join(groups[2:4]) + "::" + groups[7]

PHONES = {
    "US": ["+1 415 555 {a}", "(212) 555-{a}", "+1-646-555-{a}", "312.555.{a}"],
    "GB": ["+44 20 7946 {a}", "020 7946 {a}", "+44 7911 123{b}", "07911 123{b}"],
    "DE": ["+49 30 901820{b}", "030 901820{b}", "+49 151 2345{a}", "0151 2345{a}"],
    "FR": ["+33 1 42 68 {c} {c}", "01 42 68 {c} {c}", "+33 6 12 34 {c} {c}", "06 12 34 {c} {c}"],
    "ES": ["+34 912 345 {e}", "912 345 {e}", "+34 612 345 {e}"],
    "IT": ["+39 06 6982 {a}", "+39 347 123 {a}"],
    "NL": ["+31 20 555 {a}", "+31 6 1234 {a}"],
    "JP": ["+81 3-1234-{a}", "03-1234-{a}"],
    "IN": ["+91 98765 4{a}"],
    "BR": ["+55 11 91234-{a}"],
}

def phone():
    c = R.choice(list(PHONES))
    t = R.choice(PHONES[c])
    return t.format(a="%04d" % R.randint(1000, 9999), b="%03d" % R.randint(100, 999),
                    c="%02d" % R.randint(10, 99), e="%03d" % R.randint(100, 999))

def rand(n, alphabet=string.ascii_letters + string.digits):
    mixed = any(c.islower() for c in alphabet) and any(c.isupper() for c in alphabet)
    while True:
        s = "".join(R.choice(alphabet) for _ in range(n))
        if not mixed or (sum(ch.isdigit() for ch in s) >= 2 and sum(ch.isupper() for ch in s) >= 2
                         and sum(ch.islower() for ch in s) >= 2 and not any(c * 7 in s.lower() for c in "x")):
            return s

def aws_access():
    return R.choice(["AKIA", "ASIA"]) + "".join(R.choice(string.ascii_uppercase + "234567") for _ in range(16))

def aws_secret():
    return rand(40, string.ascii_letters + string.digits + "/+")

def github():
    return R.choice(["ghp_", "gho_", "ghs_", "ghu_"]) + rand(36) if R.random() < 0.8 else "github_pat_" + rand(22) + "_" + rand(59)

def gitlab():
    return "glpat-" + rand(20, string.ascii_letters + string.digits + "_-")

def slack():
    if R.random() < 0.3:
        return "https://hooks.slack.com/services/T%s/B%s/%s" % (rand(9, string.ascii_uppercase + string.digits),
                                                                 rand(9, string.ascii_uppercase + string.digits), rand(24))
    return R.choice(["xoxb", "xoxp", "xoxa"]) + "-%d-%d-%s" % (R.randint(10**10, 10**11), R.randint(10**10, 10**11), rand(24))

def stripe():
    return R.choice(["sk_live_", "sk_test_", "rk_live_"]) + rand(R.choice([24, 32, 99]))

def openai():
    return R.choice(["sk-proj-" + rand(74, string.ascii_letters + string.digits + "_-") + "T3BlbkFJ" + rand(74, string.ascii_letters + string.digits + "_-"),
                     "sk-" + rand(20) + "T3BlbkFJ" + rand(20), "sk-svcacct-" + rand(60, string.ascii_letters + string.digits + "_-")])

def anthropic():
    return "sk-ant-api03-" + rand(93, string.ascii_letters + string.digits + "_-") + "AA"

def b64u(obj):
    return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()).decode().rstrip("=")

def jwt():
    h = {"alg": R.choice(["HS256", "RS256", "ES256"]), "typ": "JWT"}
    p = {"sub": str(R.randint(1000, 99999)), "name": R.choice(["Ana", "Bob", "Chen"]), "iat": R.randint(1600000000, 1800000000)}
    return b64u(h) + "." + b64u(p) + "." + rand(43, string.ascii_letters + string.digits + "_-")

def pem(newline="\n"):
    kind = R.choice(["RSA ", "EC ", "", "OPENSSH "])
    body = newline.join(rand(64, string.ascii_letters + string.digits + "+/") for _ in range(R.randint(3, 6)))
    return "-----BEGIN %sPRIVATE KEY-----%s%s%s-----END %sPRIVATE KEY-----" % (kind, newline, body, newline, kind)

def conn():
    scheme = R.choice(["postgresql", "postgres", "mysql", "mongodb+srv", "redis", "amqp"])
    user = R.choice(["app", "svc_orders", "admin", "reporting"])
    pw = rand(R.randint(10, 24), string.ascii_letters + string.digits + "!-_")
    host = R.choice(["db.internal.example.com", "10.0.3.7:5432", "cluster0.ab1cd.mongodb.net", "cache.prod:6379", "mq.corp.local"])
    return "%s://%s:%s@%s/%s" % (scheme, user, pw, host, R.choice(["orders", "app", "0", "prod"]))

def entropy_secret():
    return rand(R.choice([24, 32, 40]), string.ascii_letters + string.digits)

FIRST = ["Anna", "Lukas", "Sofia", "Mateo", "Chloé", "Giulia", "Jan", "Amélie", "Oliver", "Yuki", "Priya", "Carlos", "Fatima", "Noah", "Élodie", "Jürgen"]
LAST = ["Müller", "García", "Rossi", "Dubois", "Smith", "Tanaka", "Patel", "Nowak", "Jansen", "O'Brien", "Fernández", "Schmidt"]
DOMAINS = ["example.com", "acme.co.uk", "beispiel.de", "correo.es", "posta.it", "mail.example.org", "contoso.com", "example.fr"]

def email():
    f = R.choice(FIRST).lower().replace("é", "e").replace("ü", "u").replace("'", "")
    l = R.choice(LAST).lower().replace("ü", "u").replace("í", "i").replace("'", "")
    return R.choice(["%s.%s@%s", "%s_%s@%s", "%s%s@%s", "%s.%s+billing@%s"]) % (f, l, R.choice(DOMAINS))

def name():
    return R.choice(FIRST) + " " + R.choice(LAST)

def uuid():
    h = "".join(R.choice("0123456789abcdef") for _ in range(32))
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])

def sha():
    return "".join(R.choice("0123456789abcdef") for _ in range(40))

def order():
    return "ORD-%d-%06d" % (R.randint(2021, 2025), R.randint(0, 999999))

# ---------------------------------------------------------------- chat messages, many languages
CHAT = [
    lambda: "Hi, I'm %s. Please update my email to %s and my phone to %s." % (name(), L("email", email()), L("phone", phone())),
    lambda: "Hallo, bitte überweisen Sie den Betrag auf mein Konto %s (Kontoinhaber: %s). Rückfragen gerne unter %s." % (L("iban", iban()), name(), L("phone", phone())),
    lambda: "Bonjour, mon numéro de téléphone est %s et mon adresse e-mail %s. Merci !" % (L("phone", phone()), L("email", email())),
    lambda: "Hola, mi DNI es %s y mi correo es %s. ¿Podéis revisar el pedido %s?" % (L("es_dni", dni()), L("email", email()), order()),
    lambda: "Ciao! Il mio IBAN è %s, grazie per il rimborso dell'ordine %s." % (L("iban", iban()), order()),
    lambda: "My card %s was charged twice on 2024-03-14 for order %s. Can you refund it?" % (L("credit_card", card()), order()),
    lambda: "The card ending 4242 was declined; I tried again with %s (exp 09/27)." % L("credit_card", card()),
    lambda: "For the background check they need my SSN: %s. My date of birth is 03/14/1985." % L("us_ssn", ssn()),
    lambda: "Employee %s, National Insurance number %s, starts on 1 July." % (name(), L("uk_nino", nino())),
    lambda: "Can you debug this? My app can't connect: %s" % L("connection_string", conn()),
    lambda: "Here's my .env, why does auth fail?\nOPENAI_API_KEY=%s\nDEBUG=true" % L("openai_key", openai()),
    lambda: "I pasted my key by mistake: %s — please ignore it, I'll rotate." % L("anthropic_key", anthropic()),
    lambda: "Our CI uses token %s to push tags; version bumped from 2.3.1 to 2.4.0." % L("github_token", github()),
    lambda: "git clone https://oauth2:%s@gitlab.com/acme/backend.git fails with 403" % L("gitlab_token", gitlab()),
    lambda: "Post alerts to %s please, channel #ops." % L("slack_token", slack()),
    lambda: "Stripe test mode: I set STRIPE_SECRET_KEY=%s but webhooks don't arrive." % L("stripe_key", stripe()),
    lambda: "Decode this token for me: %s" % L("jwt", jwt()),
    lambda: "The server at %s is down, ping times out; the backup %s answers." % (L("ipv4", ipv4()), L("ipv4", ipv4())),
    lambda: "IPv6 only host %s refuses connections on port 443." % L("ipv6", ipv6()),
    lambda: "電話番号は %s です。メールは %s までお願いします。" % (L("phone", phone()), L("email", email())),
    lambda: "Ping me on WhatsApp %s or mail %s, cheers %s" % (L("phone", phone()), L("email", email()), R.choice(FIRST)),
    lambda: "We released v1.2.3.4 of the agent; build %s passed, see commit %s." % (uuid(), sha()[:12]),
    lambda: "Meeting moved to 14:30, room 3.14, budget $12,450.00, ticket JIRA-4821.",
    lambda: "The order number %s should not be confused with a card; the tracking id is 1Z999AA10123456784." % bad_card(),
    lambda: "My AWS creds leaked? aws_access_key_id = %s and aws_secret_access_key = %s" % (L("aws_access_key", aws_access()), L("aws_secret_key", aws_secret())),
    lambda: "Invoice INV-2024-000123 total 1.234,56 EUR due 15.04.2024, reference %s." % sha()[:16],
    lambda: "Please wire to %s, BIC DEUTDEFFXXX, reference invoice 88213." % L("iban", iban(grouped=True)),
    lambda: "Use the staging password %s for the demo tenant." % L("high_entropy", entropy_secret()),
]

# ---------------------------------------------------------------- JSON tool results
def tool_results():
    out = []
    for _ in range(40):
        kind = R.randint(0, 7)
        if kind == 0:
            out.append('{"customer":{"id":%d,"name":"%s","email":"%s","phone":"%s","created":"2023-11-02T10:15:00Z"}}' % (
                R.randint(1000, 9999), name(), L("email", email()), L("phone", phone())))
        elif kind == 1:
            out.append('{"payment":{"card":"%s","amount":%d.%02d,"currency":"EUR","iban":"%s","status":"settled"}}' % (
                L("credit_card", card()), R.randint(1, 999), R.randint(0, 99), L("iban", iban(grouped=False))))
        elif kind == 2:
            out.append('{"rows":[{"ssn":"%s","state":"CA"},{"ssn":"%s","state":"NY"}],"count":2}' % (L("us_ssn", ssn()), L("us_ssn", ssn())))
        elif kind == 3:
            out.append('{"request_id":"%s","client_ip":"%s","upstream":"%s","latency_ms":%d}' % (
                uuid(), L("ipv4", ipv4()), L("ipv6", ipv6()), R.randint(3, 900)))
        elif kind == 4:
            out.append('{"secret":{"name":"deploy-key","value":"%s"},"rotated":false}' % L("private_key", pem("\\n")))
        elif kind == 5:
            out.append('{"headers":{"authorization":"Bearer %s","x-trace":"%s"}}' % (L("jwt", jwt()), sha()[:32]))
        elif kind == 6:
            out.append('{"env":{"DATABASE_URL":"%s","REDIS_URL":"redis://cache:6379/0","PLACEHOLDER":"postgres://app:${DB_PASSWORD}@db/app"}}' % L("connection_string", conn()))
        else:
            out.append('{"employee":{"nino":"%s","dni":"%s","iban":"%s","sha":"%s"}}' % (
                L("uk_nino", nino()), L("es_dni", dni()), L("iban", iban()), sha()))
    return out

# ---------------------------------------------------------------- application logs
def logs():
    out = []
    for i in range(60):
        ts = "2024-06-%02dT%02d:%02d:%02d.%03dZ" % (R.randint(1, 28), R.randint(0, 23), R.randint(0, 59), R.randint(0, 59), R.randint(0, 999))
        k = R.randint(0, 9)
        if k == 0: out.append("%s INFO  http request from %s user=%s path=/api/v2/orders/%d status=200" % (ts, L("ipv4", ipv4()), L("email", email()), R.randint(1, 99999)))
        elif k == 1: out.append("%s WARN  auth failed for token %s from %s" % (ts, L("github_token", github()), L("ipv6", ipv6())))
        elif k == 2: out.append("%s ERROR payment declined card=%s amount=49.99 order=%s" % (ts, L("credit_card", card()), order()))
        elif k == 3: out.append("%s DEBUG connecting to %s (pool=10 timeout=30s)" % (ts, L("connection_string", conn())))
        elif k == 4: out.append("%s INFO  build 1.4.22 commit=%s took 1234ms pid=%d" % (ts, sha(), R.randint(1000, 65000)))
        elif k == 5: out.append("%s WARN  config contains AWS key %s in plain text" % (ts, L("aws_access_key", aws_access())))
        elif k == 6: out.append("%s INFO  slack notifier using %s" % (ts, L("slack_token", slack())))
        elif k == 7: out.append("%s INFO  stripe charge ok key=%s..." % (ts, L("stripe_key", stripe())))
        elif k == 8: out.append("%s INFO  session %s started at epoch 1718023456 for tenant 42" % (ts, uuid()))
        else: out.append("%s ERROR upstream 10.0.0.256 unreachable (invalid address), retry in 2.5s; version 3.10.12" % ts)
    return out

# ---------------------------------------------------------------- CSV export
def csv_rows():
    out = ["id,name,email,phone,iban,ssn,ip,card,notes"]
    for i in range(45):
        notes = R.choice(["VIP", "call after 6pm", "order %s" % order(), "ref %s" % sha()[:10], "moved from 192.168.1", ""])
        out.append('%d,"%s",%s,%s,%s,%s,%s,%s,%s' % (
            1000 + i, name(), L("email", email()), L("phone", phone()), L("iban", iban(grouped=False)),
            L("us_ssn", ssn()) if R.random() < 0.7 else ssn(False), L("ipv4", ipv4()),
            L("credit_card", card()) if R.random() < 0.7 else bad_card(), notes))
    return out

# ---------------------------------------------------------------- configuration and secrets
def secrets():
    out = []
    for _ in range(30):
        k = R.randint(0, 10)
        if k == 0: out.append("export ANTHROPIC_API_KEY=%s" % L("anthropic_key", anthropic()))
        elif k == 1: out.append("openai:\n  api_key: %s\n  org: org-%s" % (L("openai_key", openai()), "".join(R.choice(string.ascii_lowercase) for _ in range(10))))
        elif k == 2: out.append("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\nregion = eu-west-1" % (L("aws_access_key", aws_access()), L("aws_secret_key", aws_secret())))
        elif k == 3: out.append(L("private_key", pem()))
        elif k == 4: out.append("GITLAB_TOKEN=%s\nCI_JOB_ID=%d" % (L("gitlab_token", gitlab()), R.randint(10**6, 10**7)))
        elif k == 5: out.append("session_secret: %s\ncookie_name: sid" % L("high_entropy", entropy_secret()))
        elif k == 6: out.append("api_token = \"%s\"  # rotate monthly" % L("high_entropy", entropy_secret()))
        elif k == 7: out.append("Authorization: Bearer %s" % L("jwt", jwt()))
        elif k == 8: out.append("spring.datasource.url=%s\nspring.datasource.password=${DB_PASSWORD}" % L("connection_string", conn()))
        elif k == 9: out.append("checksum: sha256:%s\nimage: ghcr.io/acme/api@sha256:%s" % (sha() + sha()[:24], sha() + sha()[:24]))
        else: out.append("uuid=%s build_id=%s node=worker-%d" % (uuid(), uuid(), R.randint(1, 40)))
    return out


# ---------------------------------------------------------------- more of the rarer kinds
EXTRA = [
    lambda: "Mi NIE es %s, el de mi pareja %s." % (L("es_dni", dni()), L("es_dni", dni())),
    lambda: "Número de DNI: %s (caducidad 2031)." % L("es_dni", dni()),
    lambda: "NI number: %s. Tax code 1257L." % L("uk_nino", nino()),
    lambda: "Please update payroll: NINO %s, sort code 20-00-00." % L("uk_nino", nino()),
    lambda: "token=%s" % L("github_token", github()),
    lambda: "GL_TOKEN: %s" % L("gitlab_token", gitlab()),
    lambda: "stripe.api_key = \"%s\"" % L("stripe_key", stripe()),
    lambda: "client = OpenAI(api_key=\"%s\")" % L("openai_key", openai()),
    lambda: "SLACK_BOT_TOKEN=%s" % L("slack_token", slack()),
    lambda: "AWS_SECRET_ACCESS_KEY=%s" % L("aws_secret_key", aws_secret()),
    lambda: "key.pem:\n%s" % L("private_key", pem()),
    lambda: "curl -H 'Authorization: Bearer %s' https://api.example.com/me" % L("jwt", jwt()),
    lambda: "listen [%s]:8443; fallback %s" % (L("ipv6", ipv6()), L("ipv6", ipv6())),
    lambda: "password: %s" % L("high_entropy", entropy_secret()),
    lambda: "anthropic = Anthropic(api_key='%s')" % L("anthropic_key", anthropic()),
    lambda: "Time 12:30:45, MAC 00:1a:2b:3c:4d:5e, C++ std::vector<int>, ratio 3:2, see RFC 4291.",
    lambda: "SSN on file: %s; invalid test values 000-12-3456 and 666-45-6789 were rejected." % L("us_ssn", ssn()),
    lambda: "Wrong IBAN %s bounced; correct one is %s." % (iban(bad=True), L("iban", iban())),
]

def write(name, lines, sep="\n"):
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
        f.write(sep.join(lines) + "\n")

chat = []
for _ in range(5):
    for t in CHAT:
        chat.append(t())
R.shuffle(chat)
write("corpus-chat.txt", chat, "\n\n")
write("corpus-tool-results.jsonl", tool_results())
write("corpus-app.log", logs())
write("corpus-customers.csv", csv_rows())
write("corpus-config.txt", secrets(), "\n\n")
extra = [t() for _ in range(12) for t in EXTRA]
R.shuffle(extra)
write("corpus-misc.txt", extra, "\n\n")
