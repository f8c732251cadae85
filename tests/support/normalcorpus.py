"""Values of ordinary LLM traffic, none of them a secret, for measuring redaction's false positives.

One generator per category; each draws from the `random.Random` it is given, so a seed gives the same
corpus every time. Many values are long runs of letters and digits (ids, hashes, base64), and many name a
credential without holding one (`api_key = os.environ["OPENAI_API_KEY"]`, "reset your password"), as
prompts and answers about code do: redaction must leave all of them as they are.

    corpus = normal_corpus(seed=1)           # {category: [value, ...]}, 20,000+ values
    forms = dict_forms(corpus["prose"])     # the same values inside chat messages, tool calls, responses
    changed(Redactor().redact_text, corpus["code"])   # the false positives: [(value, redacted), ...]
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
import string
import uuid
import zlib
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

B62 = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
LOWER_DIGITS = string.ascii_lowercase + string.digits


def chars(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def hexdigest(rng: random.Random, algorithm: str) -> str:
    return hashlib.new(algorithm, rng.randbytes(16)).hexdigest()


def when(rng: random.Random) -> datetime:
    return datetime(2023, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=rng.randint(0, 3 * 365 * 86400),
                                                                 microseconds=rng.randint(0, 999_999))


def fill(rng: random.Random, template: str) -> str:
    """`template` with its slots ({name}, {city}, {n}, {word}...) filled at random; other braces (code's) stay."""
    return _SLOT.sub(lambda match: _slot(rng, match.group(1)), template)


def _slot(rng: random.Random, key: str) -> str:
    if key == "n":
        return str(rng.choice([2, 3, 5, 8, 12, 30, 64, 100, 256, 1024, 4096]))
    if key == "id":
        return str(rng.randint(1, 99999))
    if key == "float":
        return f"{rng.uniform(0, 100):.2f}"
    return rng.choice(SLOTS[key])


SLOTS = {
    "name": ["Alice", "Bob", "Chen", "Dmitri", "Emma", "Fatima", "Giulia", "Hiro", "Ines", "Jonas", "Kwame", "Lena"],
    "city": ["Paris", "Lisbon", "Nairobi", "Osaka", "Toronto", "Berlin", "Lima", "Hanoi", "Oslo", "Austin"],
    "thing": ["invoice", "report", "pull request", "ticket", "dataset", "contract", "slide deck", "migration"],
    "tool": ["search", "get_weather", "run_sql", "read_file", "send_email", "create_ticket", "fetch_url"],
    "var": ["user", "items", "config", "result", "response", "messages", "payload", "rows", "df", "ctx"],
    "table": ["users", "orders", "invoices", "events", "sessions", "products", "accounts"],
    "model": ["gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet-20241022", "gemini-1.5-pro", "mistral-large-latest"],
    "word": ["latency", "budget", "schema", "retry", "cache", "cluster", "index", "timeout", "quota", "pipeline"],
}
_SLOT = re.compile(r"\{(" + "|".join([*SLOTS, "n", "id", "float"]) + r")\}")


# -- provider ids and other identifiers -------------------------------------------------------------------------

def provider_id(rng: random.Random) -> str:
    """An id an LLM API hands back (completions, messages, responses, tool calls, runs, files...), alone or
    in the words around it."""
    make = rng.choice([
        lambda: "chatcmpl-" + chars(rng, B62, 29),
        lambda: "chatcmpl-" + str(uuid.UUID(int=rng.getrandbits(128))),
        lambda: "msg_01" + chars(rng, B62, 22),
        lambda: "msg_bdrk_01" + chars(rng, B62, 22),
        lambda: "resp_" + chars(rng, HEX, 50),
        lambda: "call_" + chars(rng, B62, 24),
        lambda: "toolu_01" + chars(rng, B62, 22),
        lambda: "toolu_bdrk_01" + chars(rng, B62, 22),
        lambda: "run_" + chars(rng, B62, 24),
        lambda: "thread_" + chars(rng, B62, 24),
        lambda: "asst_" + chars(rng, B62, 24),
        lambda: "file-" + chars(rng, B62, 22),
        lambda: "batch_" + chars(rng, HEX, 32),
        lambda: "req_" + chars(rng, HEX, 32),
        lambda: "req_011C" + chars(rng, B62, 20),
        lambda: "org-" + chars(rng, B62, 24),
        lambda: "proj_" + chars(rng, B62, 24),
        lambda: "cmpl-" + chars(rng, B62, 29),
        lambda: "gen-" + str(rng.randint(1_700_000_000, 1_760_000_000)) + "-" + chars(rng, B62, 20),
        lambda: "fc_" + chars(rng, HEX, 48),
        lambda: "rs_" + chars(rng, HEX, 48),
        lambda: "ft:gpt-4o-mini-2024-07-18:acme::" + chars(rng, B62, 8),
        lambda: "vs_" + chars(rng, B62, 24),
        lambda: "step_" + chars(rng, B62, 24),
        lambda: chars(rng, HEX, 32),  # Mistral's completion ids
        lambda: chars(rng, B62 + "-_", 22),  # Gemini's responseId
    ])
    return _around(rng, make()) if rng.random() < 0.4 else make()


def _around(rng: random.Random, value: str) -> str:
    template = rng.choice(["response id {v}", "x-request-id: {v}", "tool_call_id={v}", "completed {v} in 412 ms",
                           "id: {v}", '"id": "{v}"', "see run {v} in the dashboard", "{v}", "[{v}] finished"])
    return template.replace("{v}", value)


def uuid_value(rng: random.Random) -> str:
    u = uuid.UUID(int=rng.getrandbits(128), version=rng.choice([1, 4, 4, 4, 5]))
    form = rng.choice([str(u), str(u), str(u).upper(), u.hex, "{" + str(u) + "}", f"urn:uuid:{u}"])
    return rng.choice(["{v}", "{v}", "trace_id={v}", "conversation {v}", "session_id: {v}", "/api/v1/items/{v}"]
                      ).replace("{v}", form)


def hash_value(rng: random.Random) -> str:
    algorithm = rng.choice(["md5", "sha1", "sha256", "sha512", "blake2b"])
    digest = hexdigest(rng, algorithm)
    return rng.choice([
        digest, digest.upper() if algorithm == "md5" else digest, f"{algorithm}:{digest}",
        f"sha256:{hexdigest(rng, 'sha256')}",
        f"{digest}  dist/app-1.4.2.tar.gz", f"ETag: \"{hexdigest(rng, 'md5')}\"",
        f"sha512-{base64.b64encode(hashlib.sha512(rng.randbytes(8)).digest()).decode()}",
        f"sha256-{base64.b64encode(hashlib.sha256(rng.randbytes(8)).digest()).decode()}",
        f"Content-MD5: {base64.b64encode(hashlib.md5(rng.randbytes(8)).digest()).decode()}",
        f"checksum {digest} matches", f"docker.io/library/python@sha256:{hexdigest(rng, 'sha256')}"])


def git_value(rng: random.Random) -> str:
    sha = hexdigest(rng, "sha1")
    return fill(rng, rng.choice([
        sha, sha[:7], sha[:12], f"commit {sha}", f"{sha[:7]} Fix {{word}} handling in the {{thing}} parser",
        f"Merge: {sha[:7]} {hexdigest(rng, 'sha1')[:7]}", f"https://github.com/acme/agents/commit/{sha}",
        f"https://github.com/acme/agents/blob/{sha}/src/app.py#L{rng.randint(1, 400)}",
        f"HEAD is now at {sha[:7]} Bump version", f"git checkout {sha[:10]}", f"{sha} refs/heads/main",
        f"index {sha[:7]}..{hexdigest(rng, 'sha1')[:7]} 100644", f"tree {sha}\nparent {hexdigest(rng, 'sha1')}"]))


PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG_HEADER = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"


def base64_image(rng: random.Random) -> str:
    """A data URL of an image: a real header, then compressed (random-looking) bytes."""
    kind, header = rng.choice([("png", PNG_HEADER), ("jpeg", JPEG_HEADER), ("webp", b"RIFF\x10\x02\x00\x00WEBPVP8 ")])
    body = header + zlib.compress(rng.randbytes(rng.randint(150, 2400)), 1)
    url = f"data:image/{kind};base64,{base64.b64encode(body).decode()}"
    return rng.choice([url, url, json.dumps({"type": "image_url", "image_url": {"url": url}}),
                       f"![chart]({url})", base64.b64encode(body).decode()])


def misc_id(rng: random.Random) -> str:
    """Identifiers from the rest of an app's traffic: cloud resources, payments objects, hosts, versions."""
    return rng.choice([
        lambda: f"arn:aws:iam::{rng.randint(10**11, 10**12 - 1)}:role/{rng.choice(['lambda-exec', 'ci-deploy'])}",
        lambda: f"arn:aws:s3:::acme-{rng.choice(['logs', 'models', 'exports'])}-{rng.randint(100, 999)}/2024/",
        lambda: f"arn:aws:lambda:eu-west-1:{rng.randint(10**11, 10**12 - 1)}:function:agent-"
                f"{chars(rng, LOWER_DIGITS, 6)}",
        lambda: f"i-{chars(rng, HEX, 17)}", lambda: f"vpc-{chars(rng, HEX, 8)}", lambda: f"sg-{chars(rng, HEX, 17)}",
        lambda: f"/subscriptions/{uuid.UUID(int=rng.getrandbits(128))}/resourceGroups/rg-agents/providers/"
                f"Microsoft.CognitiveServices/accounts/oai-{chars(rng, LOWER_DIGITS, 6)}",
        lambda: f"projects/acme-{rng.randint(100000, 999999)}/locations/us-central1/endpoints/"
                f"{rng.randint(10**18, 10**19)}",
        lambda: f"cus_{chars(rng, B62, 14)}", lambda: f"pi_{chars(rng, B62, 24)}", lambda: f"ch_{chars(rng, B62, 24)}",
        lambda: f"evt_{chars(rng, B62, 24)}", lambda: f"price_{chars(rng, B62, 24)}",
        lambda: f"AC{chars(rng, HEX, 32)}", lambda: f"C0{chars(rng, string.ascii_uppercase + string.digits, 9)}",
        lambda: f"U0{chars(rng, string.ascii_uppercase + string.digits, 9)}",
        lambda: f"{rng.randint(1, 254)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        lambda: f"2001:db8:{chars(rng, HEX, 4)}::{chars(rng, HEX, 4)}",
        lambda: ":".join(chars(rng, HEX, 2) for _ in range(6)),
        lambda: f"v{rng.randint(0, 5)}.{rng.randint(0, 30)}.{rng.randint(0, 20)}",
        lambda: f"agent-worker-{chars(rng, LOWER_DIGITS, 10)}-{chars(rng, LOWER_DIGITS, 5)}",
        lambda: f"ghcr.io/acme/agent:{hexdigest(rng, 'sha1')[:7]}",
        lambda: f"+1-{rng.randint(200, 999)}-{rng.randint(200, 999)}-{rng.randint(1000, 9999)}",
        lambda: f"978-{rng.randint(0, 9)}-{rng.randint(100, 999)}-{rng.randint(10000, 99999)}-{rng.randint(0, 9)}",
        lambda: f"#{chars(rng, HEX, 6)}", lambda: f"PR #{rng.randint(1, 9000)}", lambda: f"JIRA-{rng.randint(1, 9999)}",
        lambda: f"workflow run {rng.randint(10**9, 10**10)} attempt 1",
        lambda: f"ca-pub-{rng.randint(10**15, 10**16)}",
        lambda: f"G-{chars(rng, string.ascii_uppercase + string.digits, 10)}",
        lambda: f"https://youtu.be/{chars(rng, B62 + '-_', 11)}", lambda: f"SG{chars(rng, string.digits, 8)}",
    ])()


# -- text ------------------------------------------------------------------------------------------------------

PROSE = {
    "en": [
        "Sure! Here is a summary of the {thing} {name} shared this morning.",
        "The meeting in {city} moved to Thursday at 10:00.",
        "I could not find any {thing} matching that description; could you give me more details?",
        "Based on the data, {word} went up by {n}% over the last quarter.",
        "To reset your password, open Settings, choose Security and follow the link we email you.",
        "Never share your API key with anyone, including our support team.",
        "The token limit for this model is {n} thousand tokens, so long documents are split into chunks.",
        "Your session expired. Please sign in again to continue.",
        "Keep secrets out of your repository: use environment variables or a secrets manager.",
        "Here are three options, ranked by cost and {word}.",
        "Thanks {name}, I have updated the {thing} and sent it to the team.",
        "The weather in {city} is mild today, with light rain in the afternoon.",
        "Step 1: install the package. Step 2: set the OPENAI_API_KEY environment variable. Step 3: run the script.",
        "The password must be at least 12 characters long and include a number.",
        "Authentication failed because the token has expired; request a new one and retry.",
        "I recommend rotating credentials every 90 days.",
        "There are {n} open tickets about {word} in the backlog.",
        "Let me know if you want me to draft the email to {name}.",
        "The secret to a good sourdough is patience and a lively starter.",
        "According to the logs, the retry succeeded after {n} attempts.",
    ],
    "fr": [
        "Bonjour {name}, voici le résumé de la réunion de ce matin.",
        "Le rapport trimestriel montre une hausse de {n} % des ventes à {city}.",
        "Pour réinitialiser votre mot de passe, cliquez sur « Mot de passe oublié ».",
        "Je n'ai trouvé aucun document correspondant à votre demande.",
        "La clé API doit rester confidentielle ; ne la partagez jamais.",
        "Il pleuvra demain à {city}, pensez à prendre un parapluie.",
    ],
    "de": [
        "Guten Tag {name}, anbei die Zusammenfassung des Berichts.",
        "Das Passwort muss mindestens zwölf Zeichen lang sein.",
        "Die Lieferung nach {city} verzögert sich um {n} Tage.",
        "Bitte prüfen Sie die Konfiguration und starten Sie den Dienst neu.",
        "Der API-Schlüssel ist abgelaufen; bitte erzeugen Sie einen neuen im Dashboard.",
    ],
    "es": [
        "Hola {name}, aquí tienes el resumen del informe trimestral.",
        "La contraseña debe tener al menos doce caracteres.",
        "El vuelo a {city} sale a las 18:45 desde la terminal 2.",
        "No encontré ningún resultado para esa búsqueda; ¿puedes reformularla?",
    ],
    "pt": [
        "Olá {name}, segue o resumo da reunião de hoje.",
        "A chave de API não deve ser compartilhada com ninguém.",
        "O pedido {id} foi enviado para {city} ontem.",
    ],
    "it": [
        "Ciao {name}, ecco il riepilogo del documento.",
        "La password deve contenere almeno un numero.",
        "Il treno per {city} è in ritardo di {n} minuti.",
    ],
    "zh": [
        "你好，{name}！这是今天会议的摘要。",
        "请不要与任何人分享您的密码或 API 密钥。",
        "根据数据，上个季度的销售额增长了 {n}%。",
        "我没有找到相关的文件，请提供更多信息。",
    ],
    "ja": [
        "こんにちは、{name}さん。本日の会議の要約です。",
        "パスワードは12文字以上にしてください。",
        "{city}の天気は晴れ、最高気温は24度です。",
        "APIキーは環境変数に設定してください。",
    ],
    "ko": [
        "안녕하세요 {name}님, 오늘 회의 요약입니다.",
        "비밀번호는 12자 이상이어야 합니다.",
    ],
    "ru": [
        "Здравствуйте, {name}! Вот краткое содержание отчёта.",
        "Пароль должен содержать не менее двенадцати символов.",
        "Поезд в {city} отправляется в 18:40.",
    ],
    "ar": [
        "مرحبا {name}، هذا ملخص الاجتماع.",
        "يجب ألا تشارك كلمة المرور مع أي شخص.",
    ],
    "hi": [
        "नमस्ते {name}, यह आज की बैठक का सारांश है।",
        "कृपया अपना पासवर्ड किसी के साथ साझा न करें।",
    ],
}


def prose(rng: random.Random) -> str:
    language = rng.choice(list(PROSE))
    return " ".join(fill(rng, rng.choice(PROSE[language])) for _ in range(rng.randint(1, 4)))


CODE = {
    "python": [
        'api_key = os.environ["OPENAI_API_KEY"]',
        'client = OpenAI(api_key=os.getenv("OPENAI_API_KEY"))',
        "client = anthropic.Anthropic(api_key=api_key)",
        'headers = {"Authorization": f"Bearer {token}"}',
        "password = getpass()",
        'password = getpass.getpass("Password: ")',
        'token = request.headers.get("Authorization", "").removeprefix("Bearer ")',
        "def login(username: str, password: str) -> Session:",
        "hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt())",
        'if not secret:\n    raise ValueError("missing secret")',
        "for token in tokenizer.encode(text):",
        'response = client.chat.completions.create(model="{model}", messages=messages, max_tokens={n})',
        "{var} = [row for row in {var} if row.get(\"active\")]",
        "import os\nimport json\nfrom pathlib import Path",
        "def {tool}(query: str, limit: int = {n}) -> list[dict]:",
        '    return {"status": "ok", "count": len({var})}',
        "df = pd.read_csv(\"data/{table}.csv\")",
        "logger.info(\"processed %d {table}\", len({var}))",
        "with open(path, encoding=\"utf-8\") as handle:\n    {var} = json.load(handle)",
        "@app.post(\"/v1/{table}\")\nasync def create(item: Item, user=Depends(current_user)):",
        "settings = Settings(_env_file=\".env\")",
        "secret_key = settings.SECRET_KEY",
        "credentials = service_account.Credentials.from_service_account_file(\"sa.json\")",
        "cookie = request.cookies.get(\"session\")",
        "assert {var} is not None, \"{word} missing\"",
    ],
    "javascript": [
        "const apiKey = process.env.OPENAI_API_KEY;",
        "const openai = new OpenAI({ apiKey: process.env.OPENAI_API_KEY });",
        "fetch(url, { headers: { Authorization: `Bearer ${token}` } });",
        "const { email, password } = req.body;",
        "if (!token) return res.status(401).json({ error: \"unauthorized\" });",
        "export async function {tool}({var}) {\n  return await db.query(\"select * from {table}\");\n}",
        "const {var} = await response.json();",
        "console.log(`loaded ${{var}.length} {table}`);",
        "document.cookie = \"theme=dark; path=/\";",
        "const secret = await getSecret(\"prod/openai\");",
    ],
    "sql": [
        "SELECT id, email, password_hash FROM users WHERE email = $1;",
        "UPDATE users SET password = crypt($1, gen_salt('bf')) WHERE id = $2;",
        "CREATE TABLE api_keys (id serial primary key, key_hash text not null, created_at timestamptz default now());",
        "INSERT INTO sessions (user_id, token, expires_at) VALUES ($1, $2, now() + interval '1 day');",
        "SELECT count(*) FROM {table} WHERE created_at > now() - interval '{n} days';",
        "SELECT o.id, sum(i.price) FROM orders o JOIN items i ON i.order_id = o.id GROUP BY o.id;",
        "DELETE FROM sessions WHERE expires_at < now();",
    ],
    "shell": [
        "export OPENAI_API_KEY=\"$(op read op://dev/openai/key)\"",
        "curl https://api.openai.com/v1/models -H \"Authorization: Bearer $OPENAI_API_KEY\"",
        "pip install -U openai anthropic",
        "docker run --env-file .env -p 8000:8000 ghcr.io/acme/agent:latest",
        "kubectl create secret generic openai --from-literal=api-key=\"$OPENAI_API_KEY\"",
        "git log --oneline -n {n}",
        "python -m pytest -q tests/",
    ],
    "yaml": [
        "env:\n  - name: OPENAI_API_KEY\n    valueFrom:\n      secretKeyRef:\n        name: openai\n"
        "        key: api-key",
        "database:\n  host: db.internal\n  password: ${DB_PASSWORD}",
        "services:\n  api:\n    image: acme/api:1.4\n    ports:\n      - \"8000:8000\"",
        "model: {model}\ntemperature: 0.2\nmax_tokens: {n}",
    ],
}


def code(rng: random.Random) -> str:
    language = rng.choice(list(CODE))
    lines = [fill(rng, rng.choice(CODE[language])) for _ in range(rng.randint(1, 6))]
    snippet = "\n".join(lines)
    return rng.choice([snippet, snippet, f"```{language}\n{snippet}\n```", f"Here is the fix:\n\n```{language}\n"
                       f"{snippet}\n```\n\nThis reads the key from the environment instead of hard-coding it."])


def json_value(rng: random.Random) -> str:
    document = rng.choice([
        lambda: {"city": rng.choice(SLOTS["city"]), "unit": rng.choice(["celsius", "fahrenheit"])},
        lambda: {"query": fill(rng, "{word} in {city}"), "limit": rng.randint(1, 50)},
        lambda: {"model": rng.choice(SLOTS["model"]), "max_tokens": rng.randint(64, 4096),
                 "temperature": round(rng.random(), 2), "messages": [{"role": "user", "content": prose(rng)}]},
        lambda: {"id": "chatcmpl-" + chars(rng, B62, 29), "object": "chat.completion",
                 "created": rng.randint(1_700_000_000, 1_800_000_000),
                 "choices": [{"index": 0, "message": {"role": "assistant", "content": prose(rng)},
                              "finish_reason": "stop"}],
                 "usage": {"prompt_tokens": rng.randint(5, 900), "completion_tokens": rng.randint(5, 900)}},
        lambda: {"type": "tool_use", "id": "toolu_01" + chars(rng, B62, 22), "name": rng.choice(SLOTS["tool"]),
                 "input": {"path": f"src/{rng.choice(SLOTS['var'])}.py"}},
        lambda: {"error": {"type": "invalid_request_error", "message": "max_tokens: must be at most 8192"}},
        lambda: {"user_id": rng.randint(1, 10**6), "email": email(rng), "roles": ["viewer"], "mfa": True},
        lambda: {"token_count": rng.randint(1, 10**5), "input_tokens": rng.randint(1, 5000), "cached": False},
        lambda: {"embedding": [round(rng.uniform(-1, 1), 6) for _ in range(8)], "index": 0, "object": "embedding"},
    ])()
    return json.dumps(document, ensure_ascii=rng.random() < 0.5, indent=rng.choice([None, None, 2]))


def url(rng: random.Random) -> str:
    return fill(rng, rng.choice([
        "https://docs.python.org/3/library/{word}.html",
        "https://en.wikipedia.org/wiki/{city}",
        "https://api.openai.com/v1/chat/completions",
        "https://api.anthropic.com/v1/messages",
        "https://generativelanguage.googleapis.com/v1beta/models/gemini-1.5-pro:generateContent",
        "https://github.com/acme/agents/pull/{id}",
        "https://www.google.com/search?q={word}+{city}&hl=en",
        "https://shop.example.com/products/{id}?utm_source=newsletter&utm_medium=email&utm_campaign=spring",
        "http://localhost:8000/v1/{table}?page={n}&per_page=50",
        "https://medium.com/@{name}/how-we-cut-{word}-by-half-{id}",
        "https://storage.googleapis.com/acme-models/checkpoints/step-{id}/model.safetensors",
        "https://s3.eu-west-1.amazonaws.com/acme-exports/2024/report-{id}.csv",
        "postgres://db.internal:5432/orders",
        "ssh://git@github.com/acme/agents.git",
        "git@github.com:acme/agents.git",
        "https://{city}.example.org:8443/status",
        "https://maps.example.com/@48.8566,2.3522,12z",
    ])).replace(" ", "")


def email(rng: random.Random) -> str:
    first, last = rng.choice(SLOTS["name"]).lower(), rng.choice(["smith", "tanaka", "okafor", "garcia", "novak"])
    address = rng.choice([f"{first}.{last}", f"{first}+{rng.choice(['news', 'test', 'billing'])}", first,
                          f"{first[0]}{last}{rng.randint(1, 99)}"]) + "@" + rng.choice(
        ["example.com", "acme.io", "mail.example.org", "corp.example.co.uk"])
    return rng.choice([address, f"{rng.choice(SLOTS['name'])} <{address}>", f"mailto:{address}",
                       f"Please reply to {address} by Friday."])


def file_path(rng: random.Random) -> str:
    return fill(rng, rng.choice([
        "/home/{name}/projects/agents/src/{var}.py", "/var/log/nginx/access.log",
        "C:\\Users\\{name}\\Documents\\{thing}.docx",
        "./data/{table}.parquet", "~/.config/acme/settings.toml", "/etc/ssl/certs/ca-certificates.crt",
        "src/components/{var}/index.tsx", "tests/unit/test_{tool}.py", "/tmp/pytest-of-ci/pytest-{n}/test_{word}0",
        "s3://acme-data/raw/2024/{table}/part-{id}.parquet", "config/secrets.example.yaml", ".env.example",
        "~/.ssh/known_hosts", "/usr/lib/python3.11/site-packages/openai/_client.py", "docs/{word}.md",
        "File \"/app/agent/{tool}.py\", line {n}, in {tool}"]))


def number(rng: random.Random) -> str:
    return rng.choice([
        lambda: str(rng.randint(0, 10**rng.randint(1, 12))),
        lambda: f"{rng.uniform(-1000, 1000):.{rng.randint(0, 6)}f}",
        lambda: f"{rng.uniform(0, 1):.3e}", lambda: f"{rng.randint(1, 99)}%", lambda: f"${rng.uniform(0, 9999):,.2f}",
        lambda: f"{rng.randint(1, 999)},{rng.randint(100, 999)},{rng.randint(100, 999)}",
        lambda: f"{rng.uniform(0, 5):.4f} USD", lambda: f"{rng.randint(1, 2000)} ms",
        lambda: f"{rng.randint(10**15, 10**16)}", lambda: f"0x{chars(rng, HEX, rng.choice([4, 8, 16]))}",
        lambda: f"{rng.randint(1, 128)} GB", lambda: f"p95 {rng.randint(50, 3000)}ms, p99 {rng.randint(3000, 9000)}ms",
    ])()


def timestamp(rng: random.Random) -> str:
    moment = when(rng)
    return rng.choice([
        moment.isoformat(), moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), moment.strftime("%a, %d %b %Y %H:%M:%S GMT"),
        str(int(moment.timestamp())), str(int(moment.timestamp() * 1000)), moment.strftime("%Y-%m-%d"),
        moment.strftime("%d/%m/%Y %H:%M"), moment.strftime("%Y%m%d-%H%M%S"), f"{moment.timestamp():.6f}",
        moment.strftime("%Y-%m-%d %H:%M:%S,%f")[:-3] + " INFO agent.run: step done"])


def model_name(rng: random.Random) -> str:
    return rng.choice([
        "gpt-4o", "gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18", "gpt-4.1", "o3-mini", "o1-preview",
        "text-embedding-3-large", "claude-3-5-sonnet-20241022", "claude-3-5-haiku-latest", "claude-sonnet-4-20250514",
        "claude-opus-4-1", "gemini-1.5-pro-002", "gemini-2.0-flash", "models/text-embedding-004",
        "meta-llama/Llama-3.1-70B-Instruct", "mistral-large-latest", "open-mistral-nemo", "command-r-plus-08-2024",
        "llama3.2:3b", "qwen2.5-coder:14b-instruct-q4_K_M", "deepseek-chat", "grok-2-1212",
        "ft:gpt-4o-mini-2024-07-18:acme:support:9x7Kq2Lm", "accounts/fireworks/models/llama-v3p1-8b-instruct",
        "anthropic.claude-3-5-sonnet-20240620-v1:0", "azure/gpt-4o-deployment"])


def markdown(rng: random.Random) -> str:
    return fill(rng, rng.choice([
        "## Summary\n\n- {word} improved by {n}%\n- {n} {thing}s reviewed\n- next review in {city}",
        "| model | latency | cost |\n|---|---|---|\n| {model} | {n} ms | ${float} |",
        "1. Create an API key in the dashboard.\n2. Store it in a secret manager.\n3. Never commit it.",
        "> **Note:** the `api_key` parameter defaults to the `OPENAI_API_KEY` environment variable.",
        "**Password policy**: at least 12 characters, one digit, one symbol.",
        "### Authentication\n\nSend your token in the `Authorization` header: `Authorization: Bearer <token>`.",
        "- [x] migrate {table}\n- [ ] update the {thing}\n- [ ] notify {name}",
        "```json\n{\"tool\": \"{tool}\", \"args\": {\"limit\": {n}}}\n```",
        "See [the docs](https://docs.example.com/{word}) for details on {word}.",
        "# {thing} for {name}\n\n*Status*: done\n\n---\n\nCreated {n} days ago.",
    ]))


def log_line(rng: random.Random) -> str:
    moment = when(rng).isoformat()
    trace = chars(rng, HEX, 32)
    if rng.random() < 0.02:  # a trace id beside the word that makes 32 hex digits a Datadog key
        return f"{moment} DEBUG datadog.tracer: finished trace {trace} ({rng.randint(2, 40)} spans)"
    return fill(rng, rng.choice([
        f"{moment} INFO  httpx: HTTP Request: POST https://api.openai.com/v1/chat/completions \"HTTP/1.1 200 OK\"",
        f"{moment} WARN  agent: retrying {{tool}} after 429 (attempt {{n}})",
        f"127.0.0.1 - - [{moment}] \"GET /v1/{{table}}?page={{n}} HTTP/1.1\" 200 {rng.randint(100, 99999)}",
        f"{moment} ERROR worker: task {uuid.UUID(int=rng.getrandbits(128))} failed: TimeoutError",
        f"traceparent: 00-{trace}-{chars(rng, HEX, 16)}-01",
        f"{moment} DEBUG otel: span {chars(rng, HEX, 16)} trace {trace} ended in {{n}} ms",
        f"{moment} INFO  auth: user {{name}} logged in (mfa=totp)",
        f"{moment} INFO  auth: password reset requested for {email(rng)}",
        f"{moment} INFO  datadog: flushed {{n}} spans to the agent",
        f"{moment} INFO  auth: token refreshed for {{name}}, expires in 3600 s",
        f"request_id={chars(rng, HEX, 32)} status=200 duration_ms={{n}}",
        f"x-amzn-RequestId: {uuid.UUID(int=rng.getrandbits(128))}",
        f"cf-ray: {chars(rng, HEX, 16)}-CDG",
    ]))


CATEGORIES: dict[str, tuple[Callable[[random.Random], str], int]] = {
    "provider_ids": (provider_id, 1800),
    "uuids": (uuid_value, 1200),
    "hashes": (hash_value, 1200),
    "git_shas": (git_value, 1000),
    "base64_images": (base64_image, 800),
    "prose": (prose, 3000),
    "code": (code, 2500),
    "json": (json_value, 1500),
    "urls": (url, 1200),
    "emails": (email, 800),
    "file_paths": (file_path, 1000),
    "numbers": (number, 1000),
    "timestamps": (timestamp, 1000),
    "model_names": (model_name, 800),
    "markdown": (markdown, 1200),
    "log_lines": (log_line, 1200),
    "misc_ids": (misc_id, 1000),
}


def normal_corpus(seed: object = 1) -> dict[str, list[str]]:
    """Every category's values, each category from its own generator seeded with `seed` and its name."""
    corpus = {}
    for name, (generate, count) in CATEGORIES.items():
        rng = random.Random(f"{name}/{seed}")
        corpus[name] = [generate(rng) for _ in range(count)]
    return corpus


def dict_form(rng: random.Random, value: str) -> dict[str, Any]:
    """`value` where an app's traffic carries it: a chat message, a content part, a tool call's arguments, a
    completion, a request body, a tool's result, or (a short one-line value: an id, a path, a name) a key."""
    if len(value) <= 80 and "\n" not in value and rng.random() < 0.2:
        return {"results": {value: round(rng.random(), 3)}, "count": 1}
    return rng.choice([
        lambda: {"role": rng.choice(["user", "assistant", "system"]), "content": value},
        lambda: {"type": "text", "text": value},
        lambda: {"name": rng.choice(SLOTS["tool"]), "arguments": {"query": value, "limit": 5}},
        lambda: {"id": "chatcmpl-" + chars(rng, B62, 29), "model": rng.choice(SLOTS["model"]),
                 "choices": [{"index": 0, "message": {"role": "assistant", "content": value}, "finish_reason": "stop"}],
                 "usage": {"prompt_tokens": 12, "completion_tokens": 40, "total_tokens": 52}},
        lambda: {"model": rng.choice(SLOTS["model"]), "max_tokens": 512,
                 "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": value}]},
        lambda: {"tool_call_id": "call_" + chars(rng, B62, 24), "output": value, "is_error": False},
        lambda: {"document": {"metadata": {"source": value, "page": rng.randint(1, 40)}, "score": 0.82}},
    ])()


def dict_forms(values: list[str], seed: object = 1) -> list[dict[str, Any]]:
    rng = random.Random(f"dict_forms/{seed}")
    return [dict_form(rng, value) for value in values]


def changed(redact: Callable[[Any], Any], values: list[Any]) -> list[tuple[Any, Any]]:
    """(value, what `redact` made of it) for each value it changed: the false positives."""
    pairs = ((value, redact(value)) for value in values)
    return [(value, out) for value, out in pairs if out != value]


def where_changed(before: Any, after: Any, context: int = 70) -> str:
    """The two values' text around the first character where they differ."""
    old, new = repr(before), repr(after)
    at = first_difference(old, new)
    start = max(0, at - context)
    return f"  ...{old[start:at + context]}\n  -> ...{new[start:at + context]}"


def changed_line(before: Any, after: Any) -> str:
    """The line of `before` where `after` first differs from it (in a dict, of the first string that
    differs): what redaction took for a secret."""
    old, new = changed_strings(before, after)
    at = first_difference(old, new)
    return old[old.rfind("\n", 0, at) + 1:].split("\n", 1)[0]


def changed_strings(before: Any, after: Any) -> tuple[str, str]:
    """The first string (or `key: value`) of `before` that `after` changed, and what it became."""
    if isinstance(before, dict) and isinstance(after, dict):
        for (key, value), (new_key, new_value) in zip(before.items(), after.items()):
            if key != new_key:
                return str(key), str(new_key)
            if value != new_value:
                if isinstance(value, (dict, list, str)) and type(value) is type(new_value):
                    return changed_strings(value, new_value)
                return f"{key}: {value}", f"{key}: {new_value}"  # hidden by its key
    if isinstance(before, list) and isinstance(after, list):
        return next((changed_strings(a, b) for a, b in zip(before, after) if a != b), (str(before), str(after)))
    return str(before), str(after)


def first_difference(old: str, new: str) -> int:
    return next((i for i, (a, b) in enumerate(zip(old, new)) if a != b), min(len(old), len(new)))


def neighbour_form(rng: random.Random) -> Any:
    """A 40-hex git SHA or a 32-hex MD5 (a value of its own) among ordinary neighbours: a commit, a file's
    checksum, an S3 object's ETag, a trace id beside a Datadog tracer's log line or a link into Datadog's app.
    None names a key, so redaction must leave every one as it is (an AWS or Datadog key has the same shape:
    `detectors.kinds_named` tells them apart by their neighbours)."""
    sha, md5 = hexdigest(rng, "sha1"), hexdigest(rng, "md5")
    return rng.choice([
        lambda: {"sha": sha, "message": "Fix the retry loop", "author": "alice", "parents": [hexdigest(rng, "sha1")]},
        lambda: ["git", "checkout", sha],
        lambda: {"file": "dist/app-1.4.2.tar.gz", "md5": md5, "size": rng.randint(10**3, 10**7)},
        lambda: {"Key": "exports/2024/report.csv", "ETag": md5, "Bucket": "acme-exports",
                 "Endpoint": "https://s3.eu-west-1.amazonaws.com", "Region": "eu-west-1"},
        lambda: ["datadog.tracer: finished trace", chars(rng, HEX, 32), "service=agent"],
        lambda: {"link": f"https://app.datadoghq.com/apm/trace/{rng.randint(10**17, 10**18)}", "trace_id": md5},
        lambda: {"service": "agent", "env": "prod", "ddsource": "python", "request_id": md5},
        lambda: [sha, hexdigest(rng, "sha1"), hexdigest(rng, "sha1")],
        lambda: {"cache_key": md5, "hit": True, "model": "gpt-4o-mini"},
    ])()


def neighbour_forms(count: int = 2000, seed: object = 1) -> list[Any]:
    rng = random.Random(f"neighbour_forms/{seed}")
    return [neighbour_form(rng) for _ in range(count)]
