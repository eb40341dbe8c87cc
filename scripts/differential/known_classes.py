"""Rules that recognise disagreement classes already triaged in corpus/eval/DIVERGENCES.md."""


def classify(scenario, iampol, iamsim, tags, needs):
    return None
