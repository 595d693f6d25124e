import pytest

from kb_bot.tokenize import JapaneseTokenizer, TokenizerConfig


def test_japanese_tokens_are_lemmas_without_particles():
    unigrams, bigrams = JapaneseTokenizer().analyze("返還金を保護費から天引きできますか")
    assert "返還" in unigrams and "天引き" in unigrams
    assert "を" not in unigrams and "から" not in unigrams
    assert "返還金" in bigrams and "保護費" in bigrams


def test_full_width_references_tokenize_like_ascii():
    tok = JapaneseTokenizer()
    assert tok("第６３条") == tok("第63条") == tok("第六十三条")


def test_surface_mode_keeps_inflected_forms():
    lemma = JapaneseTokenizer(TokenizerConfig(lemma=True, bigrams=False))("返還した")
    surface = JapaneseTokenizer(TokenizerConfig(lemma=False, bigrams=False))("返還した")
    assert lemma != surface


def test_the_mistyped_fusei_jukyu_is_read_as_the_books_write_it():
    tok = JapaneseTokenizer()
    assert tok("不正需給の上乗せ") == tok("不正受給の上乗せ")


@pytest.mark.parametrize(("heard", "meant"), [
    ("変換金の時高は何年", "返還金の時効は何年"),
    ("保護費から聴取金を天引き", "保護費から徴収金を天引き"),
    ("自立構成費と収入深刻", "自立更生費と収入申告"),
    ("慰留金と介護保健", "遺留金と介護保険"),
])
def test_what_voice_input_makes_of_key_terms_is_read_as_the_books_write_it(heard, meant):
    tok = JapaneseTokenizer()
    assert tok(heard) == tok(meant)
    assert tok(heard) != JapaneseTokenizer(TokenizerConfig(cw_spellings=False))(heard)  # the table does it
