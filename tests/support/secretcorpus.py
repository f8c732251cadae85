"""Made-up secrets that look real, one generator per kind, for the "no secret reaches the disk" tests.

Every body is drawn from the `random.Random` handed in (seeded by the caller), in the vendor's published
form (prefix, alphabet, length); none is copied from anywhere, and none works. Each generator returns a
`Sample`: the kind, the text an app would carry it in (a log line, a config snippet, a question to a model),
and the secret substrings that must not reach disk. Those are only the parts an attacker could use: random
bodies, not fixed prefixes or the words around them, so a test can also look for any 12 characters in a
row of them (a secret cut in two by a redaction that stopped early is still a leak).

Some kinds have no form of their own and are only caught by where they came from: `env` holds the
environment variables the traced process must be given (a Mistral key in MISTRAL_API_KEY), `known` the
values the app hands to a traced function under a sensitive key before the text (a password typed into a
login form, then pasted in a prompt).

    rng = random.Random("openai_project_key/prompt")
    sample = GENERATORS["openai_project_key"](rng)
"""

from __future__ import annotations

import base64
import json
import random
import string
from dataclasses import dataclass, field
from typing import Callable, Mapping

B62 = string.ascii_letters + string.digits
B64 = B62 + "+/"
URLSAFE = B62 + "-_"
HEX = "0123456789abcdef"
UPPER_DIGITS = string.ascii_uppercase + string.digits
BASE32 = string.ascii_uppercase + "234567"


@dataclass(frozen=True)
class Sample:
    kind: str
    text: str
    secrets: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)  # the traced process's environment must hold these
    known: Mapping[str, str] = field(default_factory=dict)  # handed to a traced function under these keys first


Generator = Callable[[random.Random], Sample]
GENERATORS: dict[str, Generator] = {}


def kind(name: str) -> Callable[[Callable[[random.Random], tuple]], Generator]:
    """Register a generator returning (text, secrets[, env[, known]]) as the generator of `name`."""

    def register(make: Callable[[random.Random], tuple]) -> Generator:
        def generate(rng: random.Random) -> Sample:
            text, secrets, *extra = make(rng)
            return Sample(name, text, tuple(secrets), *extra)

        generate.__name__ = generate.__qualname__ = make.__name__
        generate.__doc__ = make.__doc__
        GENERATORS[name] = generate
        return generate

    return register


def sample(name: str, seed: object) -> Sample:
    """The sample of kind `name` drawn from `random.Random(f"{name}/{seed}")`: the same for the same seed."""
    return GENERATORS[name](random.Random(f"{name}/{seed}"))


def samples(seed: object) -> list[Sample]:
    """One sample of every kind, each from its own seeded generator."""
    return [sample(name, seed) for name in GENERATORS]


# -- bodies ------------------------------------------------------------------------------------------------------

def chars(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def mixed(rng: random.Random, alphabet: str, n: int) -> str:
    """`n` characters holding an upper-case letter, a lower-case letter and a digit, as nearly every real key does."""
    while True:
        text = chars(rng, alphabet, n)
        if any(c.isupper() for c in text) and any(c.islower() for c in text) and any(c.isdigit() for c in text):
            return text


def digits(rng: random.Random, n: int) -> str:
    return str(rng.randint(1, 9)) + chars(rng, string.digits, n - 1)


def b64(data: bytes, urlsafe: bool = False) -> str:
    return (base64.urlsafe_b64encode(data).decode().rstrip("=") if urlsafe else base64.b64encode(data).decode())


def password(rng: random.Random, n: int = 16, symbols: str = "!#$%*+-.:?@^_~") -> str:
    """A strong password: letters, digits and a few of `symbols` (none that ends an unquoted value: `&;,`)."""
    body = list(mixed(rng, B62, n - 2)) + [rng.choice(symbols), rng.choice(symbols)]
    rng.shuffle(body)
    return "".join(body)


def pem_lines(rng: random.Random, first: str, size: int, width: int = 64) -> list[str]:
    """A key body in lines of `width`: `first` (the fixed DER header every key of the type starts with), then
    `size` random bytes."""
    header = base64.b64decode(first + "=" * (-len(first) % 4))
    text = base64.b64encode(header[: len(header) - len(header) % 3] + rng.randbytes(size)).decode()
    return [text[i:i + width] for i in range(0, len(text), width)]


def long_enough(lines: list[str]) -> list[str]:
    """The lines a test can look for: a last line of a few characters could be found anywhere."""
    return [line for line in lines if len(line) >= 12]


def pick(rng: random.Random, *templates: str) -> str:
    return rng.choice(templates)


def keyed(name: str, doc: str, make_key: Callable[[random.Random], str], *templates: str) -> None:
    """Register the kind `name` (`doc` says its form): a key drawn by `make_key`, then one of `templates`
    holding it (`{k}`); the secret is the key whole."""

    def make(rng: random.Random) -> tuple[str, list[str]]:
        key = make_key(rng)
        return pick(rng, *templates).format(k=key), [key]

    make.__name__, make.__doc__ = name, doc
    kind(name)(make)


def person(rng: random.Random) -> str:
    return rng.choice(["alice", "bob", "carol", "deploy", "svc-etl", "admin", "jmartin", "ci-bot", "app_rw"])


def host(rng: random.Random) -> str:
    return rng.choice(["db.internal", "10.0.3.17", "prod-db-1.c9akciq32.eu-west-1.rds.amazonaws.com",
                       "cache.example.net", "localhost", "pg.service.consul", "mongo-0.mongo.svc.cluster.local"])


# -- OpenAI and Anthropic ----------------------------------------------------------------------------------------

@kind("openai_user_key")
def openai_user_key(rng):
    """The legacy user key: `sk-` + 20 + `T3BlbkFJ` (base64 of "OpenAI") + 20."""
    key = f"sk-{mixed(rng, B62, 20)}T3BlbkFJ{mixed(rng, B62, 20)}"
    return pick(rng, "openai.api_key is {k}, is that right?", "I get a 401 from OpenAI with {k}",
                "curl https://api.openai.com/v1/models -H 'OpenAI-Organization: org-x' # key {k}").format(k=key), [key]


def with_dash_and_underscore(rng: random.Random, body: str) -> str:
    """`body` with a `-` and a `_` put in it, as the URL-safe keys of OpenAI and Anthropic mostly have."""
    chars_ = list(body)
    for mark in "-_":
        chars_[rng.randrange(1, len(chars_) - 1)] = mark
    return "".join(chars_)


def _openai_key(rng: random.Random, prefix: str) -> str:
    body = with_dash_and_underscore(rng, mixed(rng, URLSAFE, 148))
    return f"{prefix}{body[:74]}T3BlbkFJ{body[74:]}"


keyed("openai_project_key", "`sk-proj-` + 74 + `T3BlbkFJ` + 74, with `-` and `_` in the body.",
      lambda rng: _openai_key(rng, "sk-proj-"), "Here is my project key {k} - why does it fail?",
      "client = OpenAI()  # uses {k}", "[2025-03-02 10:01:22] using key {k} for project proj_abc")


keyed("openai_admin_key", "`sk-admin-` + the same body: the organisation's admin API key.",
      lambda rng: _openai_key(rng, "sk-admin-"), "Admin key for the usage API: {k}", "rotate {k} before Friday")


keyed("openai_service_account_key", "`sk-svcacct-` + the same body.", lambda rng: _openai_key(rng, "sk-svcacct-"),
      "the bot's service account key ({k}) leaked in CI", "svc key {k}")


def _anthropic_key(rng: random.Random, prefix: str) -> str:
    return f"{prefix}{with_dash_and_underscore(rng, mixed(rng, URLSAFE, 93))}AA"


keyed("anthropic_api_key", "`sk-ant-api03-` + 93 of `[A-Za-z0-9_-]` + `AA`.",
      lambda rng: _anthropic_key(rng, "sk-ant-api03-"), "anthropic.Anthropic() keeps saying invalid x-api-key for {k}",
      "my claude key: {k} (please keep it private)")


keyed("anthropic_admin_key", "`sk-ant-admin01-` + 93 + `AA`.", lambda rng: _anthropic_key(rng, "sk-ant-admin01-"),
      "Use the admin key {k} to list workspaces", "admin={k}")


# -- AWS, Azure, Google ------------------------------------------------------------------------------------------

def _aws_key_id(rng: random.Random, prefix: str = "AKIA") -> str:
    return prefix + chars(rng, BASE32, 16)


keyed("aws_access_key_id", "`AKIA` (long-term) or `ASIA` (temporary) + 16 of base32.",
      lambda rng: _aws_key_id(rng, rng.choice(["AKIA", "ASIA"])), "The access key id {k} belongs to user deploy",
      "aws_access_key_id = {k}", "IAM says {k} was last used 3 days ago")


@kind("aws_secret_access_key")
def aws_secret_access_key(rng):
    """40 of base64 with upper, lower and digits: only the words before it (or the key id) say what it is."""
    key_id, secret = _aws_key_id(rng), mixed(rng, B64, 40)
    template = pick(rng, "aws secret for the backup job: {s}", "My AWS secret key is {s}, region eu-west-1",
                    "Access key ID,Secret access key\n{i},{s}", "{i} {s}",
                    "[default]\naws_access_key_id = {i}\naws_secret_access_key = {s}\n")
    return template.format(i=key_id, s=secret), [secret, key_id] if "{i}" in template else [secret]


# The carriers an AWS secret key travels in (issue 76): each a kind of its own, so that every one is traced at
# every position. A bare 40 characters with no neighbour to name them is not among them: nothing tells it from
# a hash, and docs/redaction.md says so (tests/unit/redaction/test_context_bound.py shows it kept).

@kind("aws_secret_in_env")
def aws_secret_in_env(rng):
    """`AWS_SECRET_ACCESS_KEY=...`, as a shell or a `.env` file writes it."""
    key_id, secret = _aws_key_id(rng), mixed(rng, B64, 40)
    template = pick(rng, "AWS_SECRET_ACCESS_KEY={s}", "export AWS_ACCESS_KEY_ID={i}\nexport AWS_SECRET_ACCESS_KEY={s}",
                    "env: AWS_REGION=eu-west-1 AWS_SECRET_ACCESS_KEY={s} python job.py")
    return template.format(i=key_id, s=secret), [secret, key_id] if "{i}" in template else [secret]


@kind("aws_secret_in_json")
def aws_secret_in_json(rng):
    """A JSON object holding the key id and the secret (as a credentials file or an STS answer has them)."""
    key_id, secret = _aws_key_id(rng, rng.choice(["AKIA", "ASIA"])), mixed(rng, B64, 40)
    document = pick(rng, '{{"aws_access_key_id": "{i}", "aws_secret_access_key": "{s}"}}',
                    '{{"Credentials": {{"AccessKeyId": "{i}", "SecretAccessKey": "{s}"}}}}')
    return document.format(i=key_id, s=secret), [secret, key_id]


@kind("aws_secret_in_boto_config")
def aws_secret_in_boto_config(rng):
    """`~/.aws/credentials`, or the line `aws configure` is given."""
    key_id, secret = _aws_key_id(rng), mixed(rng, B64, 40)
    template = pick(rng, "[prod]\naws_access_key_id = {i}\naws_secret_access_key = {s}\nregion = eu-west-1\n",
                    "aws configure set aws_secret_access_key {s} --profile prod")
    return template.format(i=key_id, s=secret), [secret, key_id] if "{i}" in template else [secret]


@kind("aws_secret_before_key_id")
def aws_secret_before_key_id(rng):
    """The secret first, its access key id after it: only the neighbour that follows names it."""
    key_id, secret = _aws_key_id(rng, rng.choice(["AKIA", "ASIA"])), mixed(rng, B64, 40)
    # Never at the very start of the text: tests/e2e/test_secret_corpus.py's search misses a secret at offset 0
    # of a bytes value.
    template = pick(rng, "pair: {s} {i}", "the secret {s} goes with {i}", "row {s},{i}")
    return template.format(i=key_id, s=secret), [secret, key_id]


@kind("aws_session_token")
def aws_session_token(rng):
    """An STS session token: `FwoGZXIvYXdz` or `IQoJb3JpZ2lu` + a few hundred of base64."""
    token = rng.choice(["FwoGZXIvYXdzE", "IQoJb3JpZ2luX2Vj"]) + mixed(rng, B64, rng.randint(300, 420))
    key_id, secret = _aws_key_id(rng, "ASIA"), mixed(rng, B64, 40)
    template = pick(rng, "temporary credentials {i} / {s} with session {t}", "The STS call returned this: {t}",
                    "AWS_ACCESS_KEY_ID={i}\nAWS_SECRET_ACCESS_KEY={s}\nAWS_SESSION_TOKEN={t}")
    return template.format(i=key_id, s=secret, t=token), [token, key_id, secret] if "{i}" in template else [token]


@kind("azure_storage_account_key")
def azure_storage_account_key(rng):
    """`AccountKey=` + 88 of base64 (64 bytes) in a storage connection string."""
    key = b64(rng.randbytes(64))
    account = "st" + chars(rng, string.ascii_lowercase + string.digits, 10)
    return (f"DefaultEndpointsProtocol=https;AccountName={account};AccountKey={key};EndpointSuffix=core.windows.net",
            [key])


@kind("azure_ad_client_secret")
def azure_ad_client_secret(rng):
    """An Entra ID (Azure AD) client secret: 3 + a digit + `Q~` + 34 of `[A-Za-z0-9_~.-]`."""
    secret = f"{chars(rng, B62, 3)}{rng.randint(0, 9)}Q~{mixed(rng, B62 + '_~.-', 34)}"
    tenant = "-".join(chars(rng, HEX, n) for n in (8, 4, 4, 4, 12))
    return pick(rng, "app registration in tenant {t}, secret value {s}", "AZURE_CLIENT_SECRET is {s} (expires 2026)",
                "Certificates & secrets -> new client secret {s}").format(t=tenant, s=secret), [secret]


keyed("google_api_key", "`AIza` + 35 of `[A-Za-z0-9_-]` (Gemini, Maps, Firebase).",
      lambda rng: "AIzaSy" + mixed(rng, URLSAFE, 33), "genai.Client(api_key=...) with {k} returns 403",
      "https://generativelanguage.googleapis.com/v1beta/models?key={k}",
      "firebaseConfig = {{ apiKey: \"{k}\", projectId: \"demo-7\" }}")


@kind("google_service_account_json")
def google_service_account_json(rng):
    """A whole service-account key file: the PKCS#8 private key inside its JSON string, newlines escaped."""
    lines = pem_lines(rng, "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ", 1160)
    project = rng.choice(["acme-prod", "demo-7", "ml-training-3"]) + "-" + digits(rng, 6)
    key = {
        "type": "service_account", "project_id": project, "private_key_id": chars(rng, HEX, 40),
        "private_key": "-----BEGIN PRIVATE KEY-----\n" + "\n".join(lines) + "\n-----END PRIVATE KEY-----\n",
        "client_email": f"vertex-runner@{project}.iam.gserviceaccount.com", "client_id": digits(rng, 21),
        "auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": "https://oauth2.googleapis.com/token",
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": f"https://www.googleapis.com/robot/v1/metadata/x509/vertex-runner%40{project}"
                                f".iam.gserviceaccount.com",
        "universe_domain": "googleapis.com",
    }
    return json.dumps(key, indent=2), long_enough(lines[1:])  # the first line holds the fixed DER header


# -- code hosts and registries -----------------------------------------------------------------------------------

keyed("github_classic_pat", "`ghp_` + 36.", lambda rng: "ghp_" + mixed(rng, B62, 36), "git push fails with token {k}",
      "gh auth login --with-token <<< {k}")


keyed("github_fine_grained_pat", "`github_pat_11` + 20 of upper-case and digits + `_` + 59.",
      lambda rng: f"github_pat_11{chars(rng, UPPER_DIGITS, 20)}_{mixed(rng, B62, 59)}",
      "fine-grained token {k} has read access only", "using {k}")


keyed("github_app_token", "An installation (`ghs_`) or user-to-server (`ghu_`) token: + 36.",
      lambda rng: rng.choice(["ghs_", "ghu_"]) + mixed(rng, B62, 36),
      "the app's installation token {k} expires in an hour", "git clone over https with {k} failed")


keyed("github_oauth_token", "`gho_` + 36.", lambda rng: "gho_" + mixed(rng, B62, 36), "OAuth app returned {k}",
      "gho token: {k}")


keyed("gitlab_pat", "`glpat-` + 20 of `[A-Za-z0-9_-]`.", lambda rng: "glpat-" + mixed(rng, URLSAFE, 20),
      "GitLab says 401 for {k}", "git remote set-url origin with {k}")


keyed("npm_token", "`npm_` + 36.", lambda rng: "npm_" + mixed(rng, B62, 36), "npm publish with {k} says E403",
      "//registry.npmjs.org/:_authToken={k}")


@kind("pypi_token")
def pypi_token(rng):
    """`pypi-AgEIcHlwaS5vcmc` (a macaroon for pypi.org) + about 150 of `[A-Za-z0-9_-]`."""
    token = "pypi-AgEIcHlwaS5vcmcCJ" + mixed(rng, URLSAFE, rng.randint(140, 170))
    return pick(rng, "twine upload -u __token__ -p {k} dist/*", "the PyPI token {k} is scoped to one project").format(
        k=token), [token[len("pypi-AgEIcHlwaS5vcmc"):]]


# -- chat, payments, messaging -----------------------------------------------------------------------------------

keyed("slack_bot_token", "`xoxb-` + team and bot ids + 24.",
      lambda rng: f"xoxb-{digits(rng, 12)}-{digits(rng, 13)}-{mixed(rng, B62, 24)}",
      "SlackApiError: not_in_channel (token {k})", "slack bot token {k}")


keyed("slack_user_token", "`xoxp-` + three ids + 32 hex.",
      lambda rng: f"xoxp-{digits(rng, 12)}-{digits(rng, 12)}-{digits(rng, 13)}-{chars(rng, HEX, 32)}",
      "user token {k} can read DMs", "WebClient({k})")


keyed("slack_app_token", "`xapp-1-A...` + ids + 64 hex (socket mode).",
      lambda rng: f"xapp-1-A{chars(rng, UPPER_DIGITS, 10)}-{digits(rng, 13)}-{chars(rng, HEX, 64)}",
      "socket mode app token {k}", "SocketModeHandler(app, {k})")


@kind("slack_webhook_url")
def slack_webhook_url(rng):
    """`https://hooks.slack.com/services/T.../B.../` + 24."""
    path = f"T{chars(rng, UPPER_DIGITS, 8)}/B{chars(rng, UPPER_DIGITS, 10)}/{mixed(rng, B62, 24)}"
    return pick(rng, "post alerts to https://hooks.slack.com/services/{p}",
                "requests.post('https://hooks.slack.com/services/{p}', json=msg)").format(p=path), [path]


@kind("discord_bot_token")
def discord_bot_token(rng):
    """The bot's user id in base64 (`MT...`) + `.` + 6 + `.` + 38."""
    user_id = b64(("1" + chars(rng, string.digits, rng.choice([17, 18]))).encode(), urlsafe=True)
    token = f"{user_id}.{chars(rng, URLSAFE, 6)}.{mixed(rng, URLSAFE, 38)}"
    return pick(rng, "client.run('{k}') raises LoginFailure", "discord bot token is {k}").format(k=token), [token]


keyed("stripe_live_key", "`sk_live_51` + 97.", lambda rng: "sk_live_51" + mixed(rng, B62, 97),
      "stripe.api_key = os.getenv(...) gives {k}", "Stripe live secret {k} in the dashboard")


keyed("stripe_restricted_key", "`rk_live_51` + 97.", lambda rng: "rk_live_51" + mixed(rng, B62, 97),
      "restricted key {k} can only read charges", "rk: {k}")


@kind("twilio_api_key")
def twilio_api_key(rng):
    """`SK` + 32 hex."""
    key = "SK" + chars(rng, HEX, 32)
    return pick(rng, "Twilio API key SID {k} for account AC{a}", "twilio key {k}").format(
        k=key, a=chars(rng, HEX, 32)), [key]


keyed("sendgrid_api_key", "`SG.` + 22 + `.` + 43.",
      lambda rng: f"SG.{mixed(rng, URLSAFE, 22)}.{mixed(rng, URLSAFE, 43)}", "SendGrid rejects {k} with 401",
      "sg = SendGridAPIClient('{k}')")


keyed("mailgun_api_key", "`key-` + 32 hex.", lambda rng: "key-" + chars(rng, HEX, 32),
      "curl -s --user 'api:{k}' https://api.mailgun.net/v3/mg.example.com/messages", "mailgun private key {k}")


keyed("shopify_token", "`shpat_` + 32 hex (an admin API access token).", lambda rng: "shpat_" + chars(rng, HEX, 32),
      "X-Shopify-Access-Token {k} returns 403", "shop token {k}")


@kind("datadog_api_key")
def datadog_api_key(rng):
    """32 hex: only `DATADOG` or `dd_api_key` (with the word `key`) before it says what it is."""
    key = chars(rng, HEX, 31) + rng.choice("0123456789")
    key = key if any(c.isalpha() for c in key) else "a" + key[1:]
    return pick(rng, "DATADOG api key {k}", "dd_api_key {k}", "the Datadog agent's key is {k} for site datadoghq.eu",
                "DD_API_KEY={k} DD_SITE=datadoghq.com").format(k=key), [key]


def _datadog_hex(rng: random.Random, n: int) -> str:
    key = chars(rng, HEX, n - 1) + rng.choice("0123456789")
    return key if any(c.isalpha() for c in key) else "a" + key[1:]


@kind("datadog_api_key_header")
def datadog_api_key_header(rng):
    """The `DD-API-KEY` header (and `DD-APPLICATION-KEY`, 40 hex), as curl and the HTTP API write them."""
    api, app = _datadog_hex(rng, 32), _datadog_hex(rng, 40)
    template = pick(rng, "DD-API-KEY: {k}", "curl https://api.datadoghq.com/api/v1/validate -H 'DD-API-KEY: {k}'",
                    "-H 'DD-API-KEY: {k}' -H 'DD-APPLICATION-KEY: {a}'")
    return template.format(k=api, a=app), [api, app] if "{a}" in template else [api]


@kind("datadog_api_key_url")
def datadog_api_key_url(rng):
    """A key in the query of a Datadog API URL."""
    api, app = _datadog_hex(rng, 32), _datadog_hex(rng, 40)
    template = pick(rng, "https://api.datadoghq.com/api/v1/validate?api_key={k}",
                    "GET https://api.datadoghq.eu/api/v1/dashboard?api_key={k}&application_key={a}")
    return template.format(k=api, a=app), [api, app] if "{a}" in template else [api]


@kind("datadog_app_key")
def datadog_app_key(rng):
    """An application key (40 hex) under its name: `DD_APPLICATION_KEY`, `DD_APP_KEY`, `datadog app key`."""
    app = _datadog_hex(rng, 40)
    return pick(rng, "DD_APPLICATION_KEY={a}", "DD_APP_KEY={a} DD_SITE=datadoghq.eu",
                "the datadog app key {a} expired").format(a=app), [app]


keyed("datadog_key_before_name", "The key first, what it is after it.", lambda rng: _datadog_hex(rng, 32),
      "use {k} - it is our datadog api key", "found {k} (DD_API_KEY for the staging agent)",
      "sent {k} to api.datadoghq.com")


# -- AI platforms ------------------------------------------------------------------------------------------------

keyed("huggingface_token", "`hf_` + 34.", lambda rng: "hf_" + mixed(rng, B62, 34), "huggingface-cli login --token {k}",
      "HF says gated repo, my token is {k}")


keyed("groq_api_key", "`gsk_` + 52.", lambda rng: "gsk_" + mixed(rng, B62, 52), "Groq(api_key={k!r})",
      "groq key {k} hits the rate limit")


keyed("replicate_api_token", "`r8_` + 37.", lambda rng: "r8_" + mixed(rng, B62, 37),
      "replicate.Client(api_token={k!r})", "r8 token {k}")


@kind("mistral_env_key")
def mistral_env_key(rng):
    """32 letters and digits with no form of its own: caught because MISTRAL_API_KEY holds it."""
    key = mixed(rng, B62, 32)
    return pick(rng, "Mistral answered 401 to {k}", "I pasted {k} into the playground"
                ).format(k=key), [key], {"MISTRAL_API_KEY": key}


@kind("cohere_env_key")
def cohere_env_key(rng):
    """40 letters and digits: caught because COHERE_API_KEY holds it."""
    key = mixed(rng, B62, 40)
    return pick(rng, "co = cohere.ClientV2() fails with {k}", "cohere trial key {k}").format(k=key), [key], {
        "COHERE_API_KEY": key}


@kind("db_password_env")
def db_password_env(rng):
    """A database password: caught because DB_PASSWORD holds it."""
    secret = password(rng, 18)
    return pick(rng, "psql asks for a password, I typed {p}", "is {p} a strong enough password?").format(
        p=secret), [secret], {"DB_PASSWORD": secret}


@kind("seen_under_key")
def seen_under_key(rng):
    """A value the app handed to a traced function under a sensitive key, then used in free text."""
    secret = password(rng, 20)
    name = rng.choice(["password", "api_key", "client_secret", "access_token"])
    return pick(rng, "the user entered {p} in the form", "retrying the login with {p}").format(
        p=secret), [secret], {}, {name: secret}


# -- tokens, keys, certificates ----------------------------------------------------------------------------------

@kind("jwt")
def jwt(rng):
    """A JSON Web Token: HS256 header, claims, 43 of signature."""
    claims = {"sub": digits(rng, 10), "email": f"{person(rng)}@example.com",
              "iat": rng.randint(1_700_000_000, 1_800_000_000), "exp": rng.randint(1_800_000_000, 1_900_000_000),
              "jti": chars(rng, HEX, 16)}
    payload = b64(json.dumps(claims, separators=(",", ":")).encode(), urlsafe=True)
    signature = mixed(rng, URLSAFE, 43)
    token = f"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.{payload}.{signature}"
    return pick(rng, "decode this token for me: {t}", "the session cookie holds {t}",
                "id_token={t}&state=xyz").format(t=token), [payload, signature]


@kind("pem_rsa_private_key")
def pem_rsa_private_key(rng):
    """A PKCS#1 RSA key block, 64-character lines."""
    lines = pem_lines(rng, "MIIEpAIBAAKCAQEA", 1180)
    block = "-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(lines) + "\n-----END RSA PRIVATE KEY-----"
    text = pick(rng, "Why does ssh reject this key?\n{b}\n", "{b}", "key.pem:\n{b}\nthanks").format(b=block)
    return text, long_enough(lines[1:])


@kind("openssh_private_key")
def openssh_private_key(rng):
    """An OpenSSH key block, 70-character lines."""
    lines = pem_lines(rng, "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW", 330, 70)
    block = "-----BEGIN OPENSSH PRIVATE KEY-----\n" + "\n".join(lines) + "\n-----END OPENSSH PRIVATE KEY-----\n"
    return pick(rng, "cat ~/.ssh/id_ed25519\n{b}", "deploy key:\n{b}").format(b=block), long_enough(lines[1:])


# -- URLs and HTTP headers ---------------------------------------------------------------------------------------

@kind("url_database_password")
def url_database_password(rng):
    """`scheme://user:password@host/db` for a database or a broker."""
    secret = password(rng, 16, symbols="-_.~")
    template = rng.choice(["postgresql://{u}:{p}@{h}:5432/orders", "mysql+pymysql://{u}:{p}@{h}/shop",
                           "mongodb+srv://{u}:{p}@cluster0.x7hqk.mongodb.net/?retryWrites=true",
                           "amqp://{u}:{p}@{h}:5672/%2F"])
    url = template.format(u=person(rng), p=secret, h=host(rng))
    return pick(rng, "DATABASE_URL is {url} and it times out", "engine = create_engine('{url}')",
                "connecting to {url}").format(url=url), [secret]


@kind("url_redis_password")
def url_redis_password(rng):
    """`redis://:password@host` (no user)."""
    secret = password(rng, 20, symbols="-_.~")
    return pick(rng, "REDIS_URL=redis://:{p}@{h}:6379/0", "celery broker rediss://:{p}@{h}:6380/1 refuses me").format(
        p=secret, h=host(rng)), [secret]


@kind("url_git_token")
def url_git_token(rng):
    """`https://user:token@github.com/org/repo.git`."""
    token = mixed(rng, B62, 40)
    return pick(rng, "git clone https://{u}:{t}@github.com/acme/agents.git",
                "remote: https://x-access-token:{t}@github.com/acme/infra").format(u=person(rng), t=token), [token]


@kind("authorization_basic")
def authorization_basic(rng):
    """`Authorization: Basic <base64 of user:password>`."""
    credentials = b64(f"{person(rng)}:{password(rng, 16)}".encode())
    return pick(rng, "curl -H 'Authorization: Basic {c}' https://api.example.com/v2/jobs",
                "GET /metrics HTTP/1.1\r\nHost: grafana.local\r\nAuthorization: Basic {c}\r\n\r\n").format(
        c=credentials), [credentials]


@kind("authorization_bearer")
def authorization_bearer(rng):
    """`Authorization: Bearer <opaque token>`."""
    token = mixed(rng, URLSAFE + ".", rng.randint(32, 64))
    return pick(rng, "curl -H \"Authorization: Bearer {t}\" https://api.example.com/me",
                "headers: {{'Authorization': 'Bearer {t}', 'Accept': 'application/json'}}",
                "Authorization: Bearer {t}").format(t=token), [token]


@kind("cookie_header")
def cookie_header(rng):
    """`Cookie: name=value; ...` with session values."""
    session, csrf = mixed(rng, B62, 32), mixed(rng, B62, 32)
    return pick(rng, "Cookie: sessionid={s}; csrftoken={c}", "request headers:\nAccept: */*\nCookie: sessionid={s}; "
                "csrftoken={c}\nUser-Agent: curl/8.5").format(s=session, c=csrf), [session, csrf]


@kind("set_cookie_header")
def set_cookie_header(rng):
    """`Set-Cookie: name=value; attributes`."""
    session = mixed(rng, URLSAFE, 43)
    return pick(rng, "Set-Cookie: __Host-session={s}; Path=/; Secure; HttpOnly; SameSite=Lax",
                "the response had Set-Cookie: sid={s}; Max-Age=3600").format(s=session), [session]


# -- name=value pairs --------------------------------------------------------------------------------------------

def _name(rng: random.Random) -> str:
    return rng.choice(["password", "db_password", "secret", "client_secret", "api_key", "apiKey", "access_token",
                       "auth_token", "PASSWD", "SECRET_KEY", "private_key", "credentials", "x-api-key"])


@kind("pair_equals")
def pair_equals(rng):
    """`name=value`, unquoted, in a DSN, a CLI line or a log line."""
    secret = password(rng, 16)
    return pick(rng, "host=db.internal port=5432 user=app {n}={p} sslmode=require",
                "mysql -h 127.0.0.1 -u root --{n}={p} shop", "login failed: {n}={p} for user bob",
                "?user=bob&{n}={p}").format(n=_name(rng), p=secret), [secret]


@kind("pair_colon")
def pair_colon(rng):
    """`name: value`, as YAML and HTTP-like headers write it."""
    secret = password(rng, 16)
    return pick(rng, "database:\n  user: app\n  {n}: {p}\n  host: db.internal\n", "{n}: {p}",
                "X-Api-Key: {p}").format(n=_name(rng), p=secret), [secret]


@kind("pair_double_quoted")
def pair_double_quoted(rng):
    """`name="value"`, the value with spaces in it."""
    secret = " ".join(mixed(rng, B62, 5) for _ in range(4))
    return pick(rng, '{n}="{p}"', 'export {N}="{p}"', 'client = Client({n}="{p}", timeout=30)').format(
        n=_name(rng), N=_name(rng).upper().replace("-", "_"), p=secret), [secret]


@kind("pair_single_quoted")
def pair_single_quoted(rng):
    """`name = 'value'`, as Python code writes it."""
    secret = password(rng, 20)
    return pick(rng, "{n} = '{p}'", "settings.{n} = '{p}'  # TODO move to vault", "conn({n}='{p}')").format(
        n=_name(rng), p=secret), [secret]


@kind("pair_json")
def pair_json(rng):
    """`"name": "value"` in JSON written into text."""
    secret = password(rng, 18)
    return pick(rng, 'my config is {{"user": "app", "{n}": "{p}", "port": 5432}}', '"{n}":"{p}"').format(
        n=_name(rng), p=secret), [secret]


@kind("pair_env_file")
def pair_env_file(rng):
    """`NAME=value` lines of a .env file, one of them a Django `SECRET_KEY`."""
    secret, django = password(rng, 24), "django-insecure-" + mixed(rng, B62 + "!@#%^*(-_=+)", 50)
    return (f"DEBUG=1\nDB_PASSWORD={secret}\nSECRET_KEY='{django}'\nALLOWED_HOSTS=localhost\n",
            [secret, django[len("django-insecure-"):]])
