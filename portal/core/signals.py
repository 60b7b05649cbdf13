"""Asking the layers above through a signal when an answer is required (docs/architecture.md, "Signals")."""


def required_answers(signal, sender, *, unanswered: str, **kwargs) -> list:
    """What ``signal``'s receivers answer for ``sender`` (a receiver's None left out). No answer at all is a
    ``RuntimeError(unanswered)``: the layer that must answer is not loaded, and going on would lose work without
    a word (a reset link, the case of an accepted referral, a person's retention dates)."""
    answers = [answer for _receiver, answer in signal.send(sender, **kwargs) if answer is not None]
    if not answers:
        raise RuntimeError(unanswered)
    return answers
