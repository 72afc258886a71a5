"""C2SP signed notes, checkpoints and cosignatures (``docgen.tlog.note``): the spec's own example,
round trips, and every malformed input refused with a clear ``NoteError``."""
from __future__ import annotations

import base64

import pytest

from docgen.tlog import note
from docgen.tlog.note import Checkpoint, Note, NoteError, SignerKey, VerifierKey

# c2sp.org/signed-note@v1, "Example"
SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = ("This is an example message.\n\n"
             "\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n")


def test_the_specs_example_verifies() -> None:
    key = VerifierKey.parse(SPEC_VKEY)
    parsed = Note.parse(SPEC_NOTE)
    assert parsed.text == "This is an example message.\n"
    assert key.matches(parsed.signatures[0])
    assert key.verify(parsed.text, parsed.signatures[0]) == 0
    assert key.encode() == SPEC_VKEY
    with pytest.raises(NoteError):
        key.verify("This is an altered message.\n", parsed.signatures[0])


def log_key() -> SignerKey:
    return SignerKey.from_seed("docgen.example/log", note.ED25519, bytes(range(32)))


def signed_checkpoint(size: int = 5, root: bytes = b"\x07" * 32) -> str:
    text = Checkpoint("docgen.example/log", size, root).text()
    return Note(text, (log_key().sign(text),)).to_text()


def test_checkpoint_round_trip_and_cosignature() -> None:
    data = signed_checkpoint()
    witness = SignerKey.generate("supervisor.example/w1", note.COSIGNATURE_V1)
    other = SignerKey.generate("other.example/w", note.COSIGNATURE_V1)
    parsed = Note.parse(data)
    cosigned = parsed.with_signatures([witness.sign(parsed.text, 1_700_000_000)]).to_text()
    opened = note.open_checkpoint(cosigned, log_key().verifier(), [witness.verifier(), other.verifier()])
    assert opened.checkpoint.size == 5 and opened.checkpoint.root == b"\x07" * 32
    assert [(w.name, t) for w, t in opened.cosigned] == [("supervisor.example/w1", 1_700_000_000)]
    assert SignerKey.parse(witness.encode()).verifier() == witness.verifier()
    assert VerifierKey.parse(witness.verifier().encode()) == witness.verifier()


def test_a_forged_cosignature_rejects_the_note() -> None:
    parsed = Note.parse(signed_checkpoint())
    witness = SignerKey.generate("supervisor.example/w1", note.COSIGNATURE_V1)
    line = witness.sign(parsed.text, 1_700_000_000)
    forged = note.Signature(line.name, line.key_id, line.signature[:8] + bytes(64))
    with pytest.raises(NoteError, match="签名不成立"):
        note.open_checkpoint(parsed.with_signatures([forged]).to_text(), log_key().verifier(), [witness.verifier()])


@pytest.mark.parametrize("mangle, message", [
    (lambda s: s.replace("\n\n", "\n"), "空行"),
    (lambda s: s[:-1], "换行"),
    (lambda s: s.replace("\u2014", "-"), "开头"),
    (lambda s: s.replace("\n5\n", "\n05\n"), "前导零"),
    (lambda s: s.replace("\n5\n", "\n-5\n"), "十进制"),
    (lambda s: s.replace("BwcH", "BwcH!"), "base64"),
    (lambda s: s.replace("docgen.example/log\n5", "docgen.example/log\n\n5"), "树大小"),
    (lambda s: s + "\x01", "控制字符"),
    (lambda s: s.replace("docgen.example/log\n5", "other.example/log\n5"), "来自"),
    (lambda s: s + "\u2014 supervisor.example/w1 not*base64\n", "base64"),  # a malformed cosignature line
    (lambda s: s + "\u2014 supervisor.example/w1 AAAA\n", "太短"),
    (lambda s: s + "\u2014 supervisor example/w1 AAAAAAAA\n", "签名行应为"),
])
def test_malformed_checkpoints_are_refused(mangle, message) -> None:
    with pytest.raises(NoteError, match=message):
        note.open_checkpoint(mangle(signed_checkpoint()), log_key().verifier())


def test_a_checkpoint_without_the_logs_signature_is_refused() -> None:
    text = Checkpoint("docgen.example/log", 1, b"\x00" * 32).text()
    stranger = SignerKey.generate("docgen.example/log", note.ED25519)
    with pytest.raises(NoteError, match="没有日志密钥"):
        note.open_checkpoint(Note(text, (stranger.sign(text),)).to_text(), log_key().verifier())


@pytest.mark.parametrize("text", ["", "a+b", "name+530d903a+" + base64.b64encode(b"\x09" + bytes(32)).decode(),
                                  "example.com/foo+00000000+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"])
def test_malformed_vkeys_are_refused(text: str) -> None:
    with pytest.raises(NoteError):
        VerifierKey.parse(text)
