"""Public-domain texts in the languages whose legacy 8-bit encodings mail still arrives in, with
the encoding each is written in for the tests (real text, encoded with Python's codecs)."""

from __future__ import annotations

RU = ("Все счастливые семьи похожи друг на друга, каждая несчастливая семья несчастлива по-своему. "
      "Все смешалось в доме Облонских. Жена узнала, что муж был в связи с бывшею в их доме "
      "француженкою-гувернанткой, и объявила мужу, что не может жить с ним в одном доме.")  # Tolstoy, Anna Karenina (1877)
RU2 = ("Я помню чудное мгновенье: передо мной явилась ты, как мимолетное виденье, как гений чистой красоты. "
       "В томленьях грусти безнадежной, в тревогах шумной суеты звучал мне долго голос нежный и снились милые черты.")  # Pushkin (1825)
ZH_HANT = ("今天晚上，很好的月光。我不見他，已是三十多年；今天見了，精神分外爽快。才知道以前的三十多年，全是發昏；"
           "然而須十分小心。不然，那趙家的狗，何以看我兩眼呢？我怕得有理。")  # Lu Xun, A Madman's Diary (1918)
ZH_HANS = ("今天晚上，很好的月光。我不见他，已是三十多年；今天见了，精神分外爽快。才知道以前的三十多年，全是发昏；"
           "然而须十分小心。不然，那赵家的狗，何以看我两眼呢？我怕得有理。")
JA = ("吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。何でも薄暗いじめじめした所で"
      "ニャーニャー泣いていた事だけは記憶している。吾輩はここで始めて人間というものを見た。")  # Natsume Soseki (1905)
KO = ("나 보기가 역겨워 가실 때에는 말없이 고이 보내 드리우리다. 영변에 약산 진달래꽃 아름 따다 가실 길에 뿌리우리다. "
      "가시는 걸음걸음 놓인 그 꽃을 사뿐히 즈려밟고 가시옵소서.")  # Kim Sowol, Azaleas (1925)
#: (Python codec, text): a paragraph, the sender's name and a subject, each as mail carries them.
SAMPLES = [("cp1251", RU), ("koi8_r", RU2), ("big5", ZH_HANT), ("gbk", ZH_HANS), ("shift_jis", JA), ("euc_kr", KO)]
NAMES = [("cp1251", "Лев Толстой"), ("koi8_r", "Александр Пушкин"), ("big5", "魯迅"), ("gbk", "鲁迅"), ("shift_jis", "夏目漱石"), ("euc_kr", "김소월")]
SUBJECTS = {"cp1251": "Анна Каренина", "koi8_r": "Стихи Пушкина", "big5": "狂人日記", "gbk": "狂人日记",
            "shift_jis": "吾輩は猫である", "euc_kr": "진달래꽃"}
#: The language the language gate should find in each.
LANGUAGES = {"cp1251": "ru", "koi8_r": "ru", "big5": "zh", "gbk": "zh", "shift_jis": "ja", "euc_kr": "ko"}
