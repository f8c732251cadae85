"""What a credential looks like in free text: one detector per kind, learned from the rule sets of the
well-kept secret scanners (gitleaks, trufflehog, detect-secrets) and written here from the vendors' formats.

A detector is a label, a regular expression, the markers the pre-scan looks for (`scan.py`), and, for the
kinds with no fixed prefix of their own, a test of the text around the candidate (`near`: an AWS secret
access key is 40 base64 characters, which only the words before it, or the access key id after it, tell from
a hash). A match is replaced by `[REDACTED:<label>]`; where the pattern has a group named `secret`, only that
group is. The same two kinds are also told by their neighbours in a list or an object (`named_by_neighbours`):
a 40-character secret beside its access key id, a Datadog key beside `DD_API_KEY` or `api.datadoghq.com`.

Every text a detector can change holds one of its markers: at the match's start for the prefixed kinds
(where `boundary` asks, at the start of a word, and followed by at least `min_body` token bytes: letters,
digits, `_-+/=.~`), or before it for the kinds bound to their context (`aws`, `datadog`). The URL passwords
have none: the pre-scan's `@` rule finds them. Patterns use possessive quantifiers, look-behinds of fixed
width, and look-aheads that stop at the end of the token they start, so each runs in time linear in the
length of the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, NamedTuple, Optional


class Marker(NamedTuple):
    text: str
    boundary: int = 1  # 1: must start a word (not continue a run of ASCII letters and digits); 2: nor follow
    min_body: int = 0  # `_` or `-` (scan.TOKEN_START); 0: anywhere. Then: token bytes that must follow it


@dataclass(frozen=True)
class Detector:
    label: str
    pattern: str
    markers: tuple[Marker, ...]
    near: Optional[Callable[[str, str], bool]] = None  # a test of the text before and after the match (NEAR each)
    valid: Optional[Callable[[str], bool]] = None  # a test of the secret itself
    description: str = ""


NEAR = 120  # how far before a context-bound candidate its context word may stand
_S = r"(?<![A-Za-z0-9])"  # the start of a word
_E = r"(?![A-Za-z0-9])"  # the end of a word
_T = r"[A-Za-z0-9_-]"  # a token character of the URL-safe kinds


def _w(prefix: str) -> str:
    """A literal that must start a word, written so that `re` looks for the literal first (a pattern that
    starts with a look-behind is tried at every position: several times slower)."""
    literal = re.escape(prefix)
    return f"{literal}(?<![A-Za-z0-9]{literal})"


def _m(*texts: str, min_body: int = 16, boundary: int = 1) -> tuple[Marker, ...]:
    return tuple(Marker(text, boundary, min_body) for text in texts)


def _prefixed(label: str, prefix: str, body: str, description: str, min_body: int = 16,
              endings: tuple[str, ...] = ("",)) -> Detector:
    """A kind known by its prefix, written once: the pattern starts a word with it, the pre-scan looks for it.
    With `endings`, the prefix is one of `prefix + ending` (`gh` + `u_` or `s_`), each a marker."""
    ending = "(?:" + "|".join(map(re.escape, endings)) + ")" if endings != ("",) else ""
    return Detector(label, _w(prefix) + ending + body, _m(*(prefix + end for end in endings), min_body=min_body),
                    description=description)


_AWS_KEY_ID = r"(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])"
_AWS_CONTEXT = re.compile(rf"(?i:aws|amazon)|{_AWS_KEY_ID}")
# After a candidate, `aws` must start a word: `laws` and `draws` follow 40 characters of ordinary text more often
# than they precede them in a sentence about credentials.
_AWS_AFTER = re.compile(rf"(?<![A-Za-z0-9])(?i:aws|amazon)|{_AWS_KEY_ID}")
# A key's name (`DATADOG api key`, `DD_APP_KEY`, `dd-api-key`) or Datadog's API host; not `datadog` alone, which
# a tracer's log line holds beside every 32-hex trace id, nor `app.datadoghq.com`, whose links hold trace ids.
_DATADOG_API_HOST = r"(?<![A-Za-z0-9-])api\.(?:[a-z0-9-]+\.)?(?:datadoghq\.(?:com|eu)|ddog-gov\.com)"
_DATADOG_CONTEXT = re.compile(rf"(?i)(?:datadog|(?<![a-z0-9])dd)[^\n]{{0,40}}?key|{_DATADOG_API_HOST}")
# A Datadog site as a value of its own (`DD_SITE`): `datadoghq.eu`, `us5.datadoghq.com`, `https://datadoghq.com/`
_DATADOG_SITE = re.compile(r"(?i)(?:https?://)?(?:[a-z0-9-]+\.)*(?:datadoghq\.(?:com|eu)|ddog-gov\.com)/?")


def _aws_near(before: str, after: str) -> bool:
    return _AWS_CONTEXT.search(before) is not None or _AWS_AFTER.search(after) is not None


def _datadog_near(before: str, after: str) -> bool:
    return _DATADOG_CONTEXT.search(before) is not None or _DATADOG_CONTEXT.search(after) is not None


def _mixed(text: str) -> bool:
    """Upper, lower and digits all present: what 40 random base64 characters nearly always have."""
    return any(c.isupper() for c in text) and any(c.islower() for c in text) and any(c.isdigit() for c in text)


# Linear time: a detector whose token may run on (`{_T}{4,}+`) matches the whole run and then judges it here,
# rather than asking in a look-ahead, which each later marker in the same run would ask again over the rest
# of it (`sk-` twenty thousand times took 20 s). A later marker in the run cannot do better: its token ends
# where the run ends, so what follows it is the same.
def _has_digit(token: str) -> bool:
    return any(c.isdigit() for c in token)


def _three_parts(token: str) -> bool:
    """A JWT's header, payload and signature: the token has both dots (`{_T}` holds no dot)."""
    return token.count(".") == 2


_PEM_END = r"(?:-----END[A-Z ]{0,40}PRIVATE KEY(?: BLOCK)?-----|\Z)"

DETECTORS: tuple[Detector, ...] = (
    # Key blocks first: their bodies hold runs that other kinds could take for their own.
    Detector("openssh_private_key", rf"-----BEGIN OPENSSH PRIVATE KEY-----[\s\S]*?{_PEM_END}",
             _m("PRIVATE KEY", min_body=0), description="`-----BEGIN OPENSSH PRIVATE KEY-----` blocks"),
    Detector("pgp_private_key", rf"-----BEGIN PGP PRIVATE KEY BLOCK-----[\s\S]*?{_PEM_END}",
             _m("PRIVATE KEY", min_body=0), description="`-----BEGIN PGP PRIVATE KEY BLOCK-----` blocks"),
    Detector("private_key", rf"-----BEGIN[A-Z ]{{0,40}}PRIVATE KEY-----[\s\S]*?{_PEM_END}",
             _m("PRIVATE KEY", min_body=0),
             description="PEM private keys (`RSA`, `EC`, `DSA`, `ENCRYPTED`, PKCS#8: a Google service account's "
                         "`private_key` too), to the END line or the end of the text"),
    # Prefixed tokens, most specific first (`sk-ant-` before `sk-proj-` before `sk-`).
    Detector("anthropic_admin_key", rf"{_w('sk-ant-admin')}\d\d-{_T}{{20,}}+", _m("sk-ant-"),
             description="`sk-ant-admin01-...`"),
    _prefixed("anthropic_key", "sk-ant-", rf"{_T}{{20,}}+", "`sk-ant-api03-...`"),
    _prefixed("openai_project_key", "sk-proj-", rf"{_T}{{20,}}+", "`sk-proj-...`"),
    _prefixed("openai_admin_key", "sk-admin-", rf"{_T}{{20,}}+", "`sk-admin-...`"),
    _prefixed("openai_service_account_key", "sk-svcacct-", rf"{_T}{{20,}}+", "`sk-svcacct-...`"),
    Detector("openrouter_key", rf"{_w('sk-or-v1-')}[a-f0-9]{{64}}{_E}", _m("sk-or-"),
             description="`sk-or-v1-` + 64 hex"),
    Detector("openai_key",
             rf"{_w('sk-')}(?=[A-Za-z0-9]{{0,15}}[A-Za-z])[A-Za-z0-9]{{16}}{_T}{{4,}}+",
             _m("sk-", min_body=20), valid=_has_digit,
             description="other `sk-` keys: 16 letters and digits first, 20 or more characters in all, a digit and "
                         "a letter among them (OpenAI user keys, "
                         "and the OpenAI-compatible APIs that copied the form: DeepSeek, Moonshot...)"),
    Detector("aws_access_key_id", rf"{_S}(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{{16}}{_E}",
             _m("AKIA", "ASIA", "ABIA", "ACCA", "A3T"), description="`AKIA`/`ASIA`/`ABIA`/`ACCA` + 16"),
    Detector("aws_session_token", r"(?<![A-Za-z0-9/+])(?:FwoGZXIvYXdz|IQoJb3JpZ2lu)[A-Za-z0-9/+=]{40,}+",
             _m("FwoGZXIvYXdz", "IQoJb3JpZ2lu", min_body=20), description="STS session tokens (`FwoGZXIvYXdz...`, "
                                                                          "`IQoJb3JpZ2lu...`)"),
    Detector("aws_secret_access_key", r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])",
             _m("aws", "AWS", "Aws", "amazon", "Amazon", "AMAZON", "AKIA", "ASIA", min_body=0),
             near=_aws_near, valid=_mixed,
             description="40 base64 characters with upper and lower case and digits, within 120 characters "
                         "after `aws`, `amazon` or an access key id, or before one (or the word `aws`); or a "
                         "value of its own beside an access key id or `aws` in the same list or object"),
    Detector("azure_storage_key", r"(?i:AccountKey|SharedAccessKey)=(?P<secret>[A-Za-z0-9/+]{40,}+={0,2})",
             _m("AccountKey=", "SharedAccessKey=", "accountkey=", "ACCOUNTKEY=", min_body=40),
             description="`AccountKey=` / `SharedAccessKey=` in Azure connection strings"),
    Detector("azure_ad_client_secret",
             r"(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])",
             _m("Q~", min_body=30, boundary=0), description="Entra ID (Azure AD) client secrets (`...8Q~...`)"),
    Detector("azure_sas_token", rf"{_w('sig')}=(?P<secret>[A-Za-z0-9%/+]{{30,}}+(?:%3D|=){{0,2}})",
             _m("sig=", min_body=30), description="the `sig=` of an Azure shared access signature URL"),
    _prefixed("google_api_key", "AIza", r"[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])",
              "`AIza` + 35 (Gemini, Maps, Firebase)", 30),
    _prefixed("google_oauth_client_secret", "GOCSPX-", rf"{_T}{{28}}(?![A-Za-z0-9_-])", "`GOCSPX-` + 28", 24),
    _prefixed("google_oauth_token", "ya29.", rf"{_T}{{30,}}+", "`ya29.` access tokens", 30),
    _prefixed("github_pat", "ghp_", rf"[A-Za-z0-9]{{36}}{_E}", "`ghp_` + 36", 30),
    _prefixed("github_oauth_token", "gho_", rf"[A-Za-z0-9]{{36}}{_E}", "`gho_` + 36", 30),
    _prefixed("github_app_token", "gh", rf"[A-Za-z0-9]{{36}}{_E}", "`ghu_` / `ghs_` + 36", 30, ("u_", "s_")),
    _prefixed("github_refresh_token", "ghr_", r"[A-Za-z0-9]{36,}+", "`ghr_` + 36 or more", 30),
    _prefixed("github_fine_grained_pat", "github_pat_", r"[A-Za-z0-9_]{50,}+", "`github_pat_` + 82", 40),
    Detector("gitlab_token",
             rf"{_S}(?:(?:glpat|gldt|glrt|glptt|glft|glsoat|gloas|glcbt|glimt|glagent)-|GR1348941){_T}{{20,}}+",
             _m("glpat-", "gldt-", "glrt-", "glptt-", "glft-", "glsoat-", "gloas-", "glcbt-", "glimt-", "glagent-",
                "GR1348941", min_body=20),
             description="`glpat-`, `gldt-`, `glrt-`, `glptt-`, `glft-`, `glsoat-`, `gloas-`, `glcbt-`, `glimt-`, "
                         "`glagent-` and runner registration (`GR1348941`) tokens"),
    _prefixed("slack_bot_token", "xoxb-", r"[A-Za-z0-9-]{20,}+", "`xoxb-...`", 20),
    _prefixed("slack_user_token", "xoxp-", r"[A-Za-z0-9-]{20,}+", "`xoxp-...`", 20),
    Detector("slack_token", rf"{_w('xox')}[aerso][.-][A-Za-z0-9.-]{{20,}}+",
             _m("xoxa-", "xoxe-", "xoxe.", "xoxr-", "xoxs-", "xoxo-", min_body=20),
             description="other `xox?-` tokens (refresh, config, legacy workspace)"),
    _prefixed("slack_app_token", "xapp-", r"\d-[A-Za-z0-9-]{20,}+", "`xapp-1-...`", 20),
    Detector("slack_webhook", r"hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_-]{20,}+",
             _m("hooks.slack.com/", min_body=20), description="`hooks.slack.com/services/...` URLs"),
    _prefixed("stripe_secret_key", "sk_", r"[A-Za-z0-9]{20,}+", "`sk_live_` / `sk_test_`", 16, ("live_", "test_")),
    _prefixed("stripe_restricted_key", "rk_", r"[A-Za-z0-9]{20,}+", "`rk_live_` / `rk_test_`", 16, ("live_", "test_")),
    _prefixed("stripe_webhook_secret", "whsec_", r"[A-Za-z0-9+/=]{24,}+", "`whsec_...`", 24),
    _prefixed("twilio_api_key", "SK", rf"[0-9a-fA-F]{{32}}{_E}", "`SK` + 32 hex", 32),
    _prefixed("sendgrid_api_key", "SG.", rf"{_T}{{22}}\.{_T}{{43}}(?![A-Za-z0-9_-])", "`SG.` + 22 + `.` + 43", 40),
    _prefixed("mailgun_api_key", "key-", rf"[0-9a-f]{{32}}{_E}", "`key-` + 32 hex", 32),
    Detector("huggingface_token", rf"{_S}(?:hf_|api_org_)[A-Za-z0-9]{{30,}}+", _m("hf_", "api_org_", min_body=30),
             description="`hf_...` user and `api_org_...` organisation tokens"),
    _prefixed("groq_api_key", "gsk_", r"[A-Za-z0-9]{48,}+", "`gsk_` + 52", 40),
    _prefixed("replicate_api_token", "r8_", r"[A-Za-z0-9]{30,}+", "`r8_` + 37", 30),
    _prefixed("perplexity_api_key", "pplx-", r"[A-Za-z0-9]{40,}+", "`pplx-` + 48", 40),
    _prefixed("xai_api_key", "xai-", r"[A-Za-z0-9]{60,}+", "`xai-` + 80", 60),
    _prefixed("nvidia_api_key", "nvapi-", rf"{_T}{{50,}}+", "`nvapi-` + 64", 50),
    _prefixed("langsmith_api_key", "lsv2_", rf"(?:pt|sk)_[a-f0-9]{{32}}_[a-f0-9]{{10}}{_E}",
              "`lsv2_pt_...` / `lsv2_sk_...`", 40),
    Detector("discord_bot_token", rf"(?<![A-Za-z0-9_-])(?:M[Tjz]|N[DTjz]|O[DT]){_T}{{21,25}}\.{_T}{{6}}\."
                                  rf"{_T}{{27,38}}(?![A-Za-z0-9_-])",
             _m("MT", "Mj", "Mz", "ND", "NT", "Nj", "Nz", "OD", "OT", min_body=22, boundary=2),
             description="bot tokens: a user id in base64 (`MT...`, `OD...`), `.` + 6, `.` + 27 or more"),
    Detector("discord_webhook", r"discord(?:app)?\.com/api/webhooks/\d++/[A-Za-z0-9_-]{60,}+",
             _m("discord.com/api/webhooks/", "discordapp.com/api/webhooks/", min_body=20),
             description="`discord.com/api/webhooks/...` URLs"),
    _prefixed("npm_token", "npm_", rf"[A-Za-z0-9]{{36}}{_E}", "`npm_` + 36", 30),
    _prefixed("pypi_token", "pypi-AgEIcHlwaS5vcmc", rf"{_T}{{50,}}+", "`pypi-AgEIcHlwaS5vcmc...`", 50),
    _prefixed("shopify_token", "shp", rf"[a-fA-F0-9]{{32}}{_E}", "`shpat_`, `shpss_`, `shpca_`, `shppa_` + 32 hex",
              30, ("at_", "ss_", "ca_", "pa_")),
    Detector("datadog_key", r"(?<![A-Za-z0-9])(?:[a-f0-9]{40}|[a-f0-9]{32})(?![A-Za-z0-9])",
             _m("datadog", "Datadog", "DATADOG", "dd_", "DD_", "dd-", "DD-", min_body=0), near=_datadog_near,
             valid=lambda text: any(c.isdigit() for c in text) and any(c.isalpha() for c in text),
             description="32 (API) or 40 (application) hex digits within 120 characters after or before "
                         "`datadog` or `dd` followed by `key` on the same line (`DATADOG api key`, `dd_app_key`, "
                         "`DD-API-KEY`) or Datadog's API host (`api.datadoghq.com`); or a value of its own beside "
                         "one of those, or a Datadog site (`datadoghq.eu`), in the same list or object"),
    Detector("jwt", rf"{_w('eyJ')}{_T}{{8,}}+(?:\.{_T}{{4,}}+\.{_T}*+)?", _m("eyJ", min_body=10), valid=_three_parts,
             description="JSON Web Tokens: an `eyJ...` header, `.` payload, `.` signature"),
    Detector("bearer", r"earer(?<=[Bb]earer)(?<![A-Za-z0-9][Bb]earer)\s++(?P<secret>[A-Za-z0-9._~+/=-]{16,}+)",
             _m("Bearer ", "bearer ", "BEARER ", min_body=16),
             description="`Bearer <token>` with a token of 16 or more characters"),
    Detector("url_password", r"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,20}://[^\s:/@'\"<>\\]{0,120}+:"
                             r"(?P<secret>[^\s/@'\"<>\\]{1,128}+)@",
             (), description="the password of `scheme://user:password@host` (found by the pre-scan's `@` rule)"),
)


_AWS_SECRET_ALONE = re.compile(r"[A-Za-z0-9/+]{40}")
_DATADOG_KEY_ALONE = re.compile(r"[a-f0-9]{32}|[a-f0-9]{40}")
AWS_SECRET, DATADOG = "aws_secret_access_key", "datadog_key"
ALONE_LENGTHS = frozenset({32, 40})  # the lengths `shaped_alone` may name


def shaped_alone(value: str) -> str | None:
    """The label of the context-bound kind whose shape `value` has, whole (40 base64 characters of mixed case
    and digits; 32 or 40 hex digits with a letter and a digit), or None. Only its neighbours can tell it from a
    hash (`kinds_named`).

    >>> [shaped_alone(v) for v in ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "0123456789abcdef0123456789abcdef")]
    ['aws_secret_access_key', 'datadog_key']
    """
    if len(value) not in ALONE_LENGTHS:
        return None
    if _DATADOG_KEY_ALONE.fullmatch(value):
        return DATADOG if _has_digit(value) and not value.isdigit() else None
    return AWS_SECRET if _AWS_SECRET_ALONE.fullmatch(value) and _mixed(value) else None


def kinds_named(text: str) -> frozenset[str]:
    """The context-bound kinds that `text`, beside a value in the same list or object (another item, a key),
    says the value is: an AWS access key id or the word `aws`, `amazon`; a Datadog key's name (`DD_API_KEY`,
    `dd-api-key`), its API host (`api.datadoghq.com`) or a site alone (`datadoghq.eu`).

    >>> sorted(kinds_named("AKIAIOSFODNN7EXAMPLE")), sorted(kinds_named("a git checkout"))
    (['aws_secret_access_key'], [])
    """
    kinds = [AWS_SECRET] if _AWS_AFTER.search(text) else []
    if _DATADOG_CONTEXT.search(text) or _DATADOG_SITE.fullmatch(text):
        kinds.append(DATADOG)
    return frozenset(kinds)


def markers() -> tuple[Marker, ...]:
    """Every detector's markers, each once (the pre-scan's list)."""
    return tuple(dict.fromkeys(marker for detector in DETECTORS for marker in detector.markers))


def compiled() -> tuple[tuple[Detector, re.Pattern[str]], ...]:
    return tuple((detector, re.compile(detector.pattern)) for detector in DETECTORS)

