"""bot/channels/twilio.py: X-Twilio-Signature, numbered options; end to end via Rasa."""

from __future__ import annotations

import itertools

import pytest
from twilio.request_validator import RequestValidator

from bot import knowledge
from bot.channels.base import Choice
from bot.channels.twilio import (
    OfferedChoices,
    from_number,
    is_valid_twilio_request,
    numbered_list,
    twilio_signature,
    url_variants,
)
from bot.safety import Alarm, default_rules
from harness.servers import BotServers
from tests.channels.platforms import (
    DISCLAIMER,
    SECRETS,
    Answer,
    FakePlatforms,
    Sent,
    as_form,
    has_disclaimer,
    post,
    sign_twilio,
    thanked,
    webhook_url,
)

LIST = knowledge.default().phrases["numbered_list_prompt"]

TOKEN = SECRETS["TWILIO_AUTH_TOKEN"]
PUBLIC_HOOK = SECRETS["TWILIO_WEBHOOK_URL"]
LIMIT = int(SECRETS["TWILIO_MAX_MESSAGE_CHARS"])
_ids = itertools.count(1)


def sms(sender: str, body: str, **extra: str) -> dict[str, str]:
    """The form Twilio posts for an incoming SMS."""
    sid = f"SM{next(_ids):032d}"
    return {
        "ToCountry": "US",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "SmsSid": sid,
        "SmsStatus": "received",
        "Body": body,
        "To": SECRETS["TWILIO_NUMBER"],
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": SECRETS["TWILIO_ACCOUNT_SID"],
        "From": sender,
        "ApiVersion": "2010-04-01",
        **extra,
    }


# --- unit -------------------------------------------------------------------------------


def test_the_signature_matches_twilios_own_validator() -> None:
    params = sms("+15557654321", "What is it? 100% sure & <ok>")
    ours = twilio_signature(TOKEN, PUBLIC_HOOK, {k: [v] for k, v in params.items()})
    assert ours == RequestValidator(TOKEN).compute_signature(PUBLIC_HOOK, params)
    assert ours == sign_twilio(TOKEN, PUBLIC_HOOK, params)


def test_a_signature_is_valid_only_for_its_url_params_and_token() -> None:
    params = {k: [v] for k, v in sms("+15557654321", "hi").items()}
    signature = twilio_signature(TOKEN, PUBLIC_HOOK, params)
    assert is_valid_twilio_request(TOKEN, PUBLIC_HOOK, params, signature)
    assert not is_valid_twilio_request("other", PUBLIC_HOOK, params, signature)
    assert not is_valid_twilio_request(TOKEN, PUBLIC_HOOK + "?x=1", params, signature)
    assert not is_valid_twilio_request(TOKEN, PUBLIC_HOOK, {**params, "Body": ["bye"]}, signature)


def test_the_default_port_may_or_may_not_be_signed() -> None:
    assert url_variants("https://a.org/hook") == ["https://a.org/hook", "https://a.org:443/hook"]
    assert url_variants("https://a.org:443/hook") == [
        "https://a.org:443/hook",
        "https://a.org/hook",
    ]
    assert url_variants("http://127.0.0.1:5005/hook") == ["http://127.0.0.1:5005/hook"]
    params = {"Body": ["hi"]}
    signature = twilio_signature(TOKEN, "https://a.org:443/hook", params)
    assert is_valid_twilio_request(TOKEN, "https://a.org/hook", params, signature)


def test_options_are_a_numbered_list_and_a_number_picks_one() -> None:
    options = [
        Choice("How it works", "/ask_how_it_works"),
        Choice("Side effects", "/ask_side_effects"),
    ]
    assert numbered_list(options) == f"{LIST}\n1. How it works\n2. Side effects"
    offers = OfferedChoices()
    assert offers.resolve("+1", "2") == "2"  # nothing offered yet
    offers.offer("+1", options)
    assert [offers.resolve("+1", t) for t in ("2", " 1. ", "3", "2 pills")] == [
        "/ask_side_effects",
        "/ask_how_it_works",
        "3",
        "2 pills",
    ]
    assert offers.resolve("+2", "1") == "1"  # another phone number's list


def test_whatsapp_replies_come_from_the_whatsapp_number() -> None:
    assert from_number("+1555", "whatsapp:+4470") == "whatsapp:+1555"
    assert from_number("+1555", "+4470") == "+1555"
    assert from_number("whatsapp:+1555", "whatsapp:+4470") == "whatsapp:+1555"


# --- end to end -------------------------------------------------------------------------

e2e = pytest.mark.e2e


def send(bot: BotServers, params: dict[str, str], signature: str | None = None) -> Answer:
    sig = sign_twilio(TOKEN, PUBLIC_HOOK, params) if signature is None else signature
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if sig:
        headers["X-Twilio-Signature"] = sig
    return post(webhook_url(bot.rasa_url, "twilio"), as_form(params), headers)


def settle(bot: BotServers, platforms: FakePlatforms, sender: str) -> None:
    assert send(bot, sms(sender, "thank you")).status == 200
    platforms.wait_for("twilio", sender, thanked)


def ends_an_answer(sent: list[Sent]) -> bool:
    return bool(sent) and sent[-1].text.endswith("care team about your care.")


def ends_guidance(sent: list[Sent]) -> bool:
    """Emergency or crisis guidance ends with the safety line, not the disclaimer."""
    return bool(sent) and sent[-1].text.endswith(knowledge.default().phrases["safety_line"])


@e2e
def test_an_sms_gets_the_answer_split_with_the_disclaimer_last(
    channel_bot: BotServers, platforms: FakePlatforms
) -> None:
    sender = "+15550000401"
    answer = send(channel_bot, sms(sender, "How does mycophenolate work?"))
    assert answer.status == 200
    assert "<Response>" in answer.text
    assert send(channel_bot, sms(sender, "tell me more")).status == 200
    sent = platforms.wait_for("twilio", sender, lambda s: sum(DISCLAIMER in x.text for x in s) == 2)
    more = sent[next(i for i, s in enumerate(sent) if DISCLAIMER in s.text) + 1 :]
    more = [s for s in more if not s.text.startswith(LIST)]
    assert len(more) > 1  # the 767-character detail, split for a 320-character limit
    assert all(len(s.text) <= LIMIT for s in sent)
    assert more[-1].text.endswith("care team about your care.")
    call = sent[0]
    assert call.path == f"/twilio/2010-04-01/Accounts/{SECRETS['TWILIO_ACCOUNT_SID']}/Messages.json"
    assert (call.body["To"], call.body["From"]) == (sender, SECRETS["TWILIO_NUMBER"])
    assert call.headers["Authorization"].startswith("Basic ")


@e2e
def test_buttons_become_a_numbered_list_and_2_picks_option_2(
    channel_bot: BotServers, platforms: FakePlatforms
) -> None:
    sender = "+15550000402"
    assert send(channel_bot, sms(sender, "hello")).status == 200
    sent = platforms.wait_for(
        "twilio", sender, lambda s: any("1. How it works" in x.text for x in s)
    )
    assert sent[-1].text.startswith(f"{LIST}\n1. How it works\n2. Side effects")
    assert send(channel_bot, sms(sender, "2")).status == 200
    sent = platforms.wait_for("twilio", sender, ends_an_answer)
    assert "common side effects" in "\n".join(s.text for s in sent)


@e2e
def test_a_picture_without_text_gets_a_kind_reply(
    channel_bot: BotServers, platforms: FakePlatforms
) -> None:
    sender = "+15550000403"
    params = sms(
        sender,
        "",
        NumMedia="1",
        MediaContentType0="image/jpeg",
        MediaUrl0="https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
    )
    assert send(channel_bot, params).status == 200
    [reply] = platforms.wait_for("twilio", sender, bool)
    assert reply.text == knowledge.default().phrases["media_only"]


@e2e
def test_whatsapp_messages_are_answered_on_whatsapp(
    channel_bot: BotServers, platforms: FakePlatforms
) -> None:
    sender = "whatsapp:+15550000404"
    assert send(channel_bot, sms(sender, "Is it safe in pregnancy?")).status == 200
    sent = platforms.wait_for("twilio", sender, ends_an_answer)
    assert sent[0].body["From"] == f"whatsapp:{SECRETS['TWILIO_NUMBER']}"


@e2e
@pytest.mark.parametrize(("signature", "status"), [("", 401), ("bm90IGEgc2lnbmF0dXJl", 403)])
def test_unsigned_or_wrongly_signed_messages_are_refused(
    channel_bot: BotServers, platforms: FakePlatforms, signature: str, status: int
) -> None:
    sender = f"+1555000041{status % 10}"
    assert send(channel_bot, sms(sender, "What is it?"), signature=signature).status == status
    settle(channel_bot, platforms, sender)
    assert not has_disclaimer(platforms.messages("twilio", sender))


@e2e
def test_a_signature_for_the_loopback_url_is_refused_when_the_public_url_is_set(
    channel_bot: BotServers, platforms: FakePlatforms
) -> None:
    params = sms("+15550000420", "What is it?")
    loopback = webhook_url(channel_bot.rasa_url, "twilio")
    signature = sign_twilio(TOKEN, loopback, params)
    assert send(channel_bot, params, signature=signature).status == 403


@e2e
@pytest.mark.parametrize("has_sid", [True, False], ids=["same MessageSid", "no MessageSid"])
def test_a_redelivered_or_replayed_message_is_answered_once(
    channel_bot: BotServers, platforms: FakePlatforms, has_sid: bool
) -> None:
    """Without a MessageSid, the same signed request is told by its signed fields."""
    sender = f"+155500004{'05' if has_sid else '06'}"
    params = sms(sender, "Does it raise the risk of infections?")
    if not has_sid:
        for name in ("MessageSid", "SmsSid", "SmsMessageSid"):
            del params[name]
    assert send(channel_bot, params).status == 200
    assert send(channel_bot, params).status == 200  # Twilio retrying, or a replay
    settle(channel_bot, platforms, sender)
    answers = [s for s in platforms.messages("twilio", sender) if ends_an_answer([s])]
    assert len(answers) == 1


@e2e
@pytest.mark.parametrize(
    ("sender", "country"),
    [
        ("+447700900501", "GB"),
        ("+353851234502", "IE"),
        ("whatsapp:+61412345503", "AU"),
        ("+64211234504", "NZ"),
        ("+33612345505", "FR"),
        ("+14165550506", "NANP"),  # Toronto: +1 is shared, and so are 911 and 988
        ("+18765550507", None),  # Jamaica, also +1: the numbers for an unknown country
        ("+81312345508", None),  # Japan: not listed
    ],
)
def test_the_senders_phone_number_chooses_the_local_numbers(
    channel_bot: BotServers, platforms: FakePlatforms, sender: str, country: str | None
) -> None:
    rules = default_rules()
    assert rules.numbers.for_phone(sender) == country
    assert send(channel_bot, sms(sender, "my son swallowed two of my tablets")).status == 200
    sent = platforms.wait_for("twilio", sender, ends_guidance)
    said = " ".join(" ".join(s.text for s in sent).split())  # the parts of a split reply
    groups = ["emergency.swallowed_by_someone_else"]
    assert said.startswith(rules.message(Alarm.EMERGENCY, country, True, groups))
    assert DISCLAIMER not in said
    place = rules.numbers.country(country)
    if place is None:
        assert all(e.number in said for e in rules.numbers.unknown_emergency)
    else:
        assert all(n in said for n in place.emergency)
        if place.poison is not None:
            assert str(place.poison.call) in said


@e2e
def test_a_body_that_is_not_a_form_is_a_400(channel_bot: BotServers) -> None:
    body = b"\xff\xfe not a form"
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": sign_twilio(TOKEN, PUBLIC_HOOK, {}),
    }
    assert post(webhook_url(channel_bot.rasa_url, "twilio"), body, headers).status == 400
