from trucewatch.web.pages import Memo


def test_the_memo_keeps_the_last_answers_used() -> None:
    memo = Memo(size=2)
    assert memo.put("a", 1) == 1
    memo.put("b", 2)
    assert memo.get("a") == 1  # used: now the newest
    memo.put("c", 3)
    assert (memo.get("a"), memo.get("b"), memo.get("c")) == (1, None, 3)
