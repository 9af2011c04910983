"""The web form's fields, built from a check's questions.

A check sent by email shows every question it has not answered yet (red flags included); a check
answered by SMS shows only what does not fit SMS: the ODI's ten sections and the 0-100 VAS slider,
and the items the protocol puts on the form to keep the texts short (``form_questions``).
Field names carry no meaning a patient could leak: ``q_<CODE>``, ``odi_<section>``, ``vas``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms

from .. import messages as msg
from ..conversation.state import on_form
from ..instruments.indexes import INDEXES, DisabilityIndex
from ..models import Answer, Checkpoint
from ..questions import QUESTIONS

WEB_FORM = "web_form"
FREE_TEXT_MAX = 2000
_REPLY_CUES = (" Reply ", " Responda ", " Escriba ")


def web_question_text(code: str, language: str) -> str:
    """A question's wording without its SMS reply instructions ("Reply YES or NO")."""
    text = QUESTIONS[code]["text"][language]
    cut = min((text.find(cue) for cue in _REPLY_CUES if cue in text), default=-1)
    return text[:cut].strip() if cut > 0 else text.strip()


@dataclass
class Section:
    """One fieldset on the page: a legend and the bound fields inside it."""

    legend: str
    names: list[str] = field(default_factory=list)
    kind: str = "radio"  # radio | nrs | text | vas
    hint: str = ""


def form_questions(checkpoint: Checkpoint) -> list[str]:
    """The question codes this check's form asks, in the check's order."""
    answered = set(
        Answer.objects.filter(checkpoint=checkpoint).values_list("question_code", flat=True)
    )
    if checkpoint.channel == "email":
        return [code for code in checkpoint.question_codes if code not in answered]
    return [
        code
        for code in checkpoint.question_codes
        if on_form(checkpoint, code) and code not in answered
    ]


class SurveyForm(forms.Form):
    """Every field optional at the HTML level so a partial save always works; ``clean`` for a
    final submission requires the red-flag questions (a blank there must not read as "no")."""

    def __init__(
        self, *args, codes: list[str], language: str, final: bool = False, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.codes = codes
        self.language = language
        self.final = final
        self.sections: list[Section] = []
        self.index: DisabilityIndex | None = None
        text = msg.WEB_TEXT[language]
        for code in codes:
            question = QUESTIONS[code]
            kind = question["type"]
            name = f"q_{code}"
            label = web_question_text(code, language) if kind != WEB_FORM else ""
            if kind == "yes_no":
                self.fields[name] = forms.TypedChoiceField(
                    label=label,
                    required=False,
                    widget=forms.RadioSelect,
                    choices=[("yes", text["yes"]), ("no", text["no"])],
                )
                self.sections.append(Section(label, [name]))
            elif kind == "nrs":
                low, high = question.get("min", 0), question.get("max", 10)
                self.fields[name] = forms.TypedChoiceField(
                    label=label,
                    required=False,
                    widget=forms.RadioSelect,
                    coerce=int,
                    empty_value=None,
                    choices=[(str(n), str(n)) for n in range(low, high + 1)],
                )
                self.sections.append(Section(label, [name], kind="nrs", hint=text["nrs_hint"]))
            elif kind == "choice":
                self.fields[name] = forms.ChoiceField(
                    label=label,
                    required=False,
                    widget=forms.RadioSelect,
                    choices=[(opt["value"], opt[language]) for opt in question["options"]],
                )
                self.sections.append(Section(label, [name]))
            elif kind == "free_text":
                self.fields[name] = forms.CharField(
                    label=label,
                    required=False,
                    max_length=FREE_TEXT_MAX,
                    widget=forms.Textarea(attrs={"rows": 4}),
                )
                self.sections.append(
                    Section(label, [name], kind="text", hint=text["free_text_hint"])
                )
            elif kind == WEB_FORM:
                self.index = INDEXES.get(code, INDEXES["ODI"])
                self._add_odi_and_vas(text)

    def _add_odi_and_vas(self, text: dict) -> None:
        """The check's disability index (ODI, or NDI at cervical levels) and the VAS slider."""
        lang = self.language
        for number, section in enumerate(self.index.sections, start=1):
            name = self.index.field(section["key"])
            title = f"{number}. {section['title'][lang]}"
            self.fields[name] = forms.TypedChoiceField(
                label=title,
                required=False,
                widget=forms.RadioSelect,
                coerce=int,
                empty_value=None,
                choices=[(str(i), s[lang]) for i, s in enumerate(section["statements"])],
            )
            self.sections.append(
                Section(title, [name], hint=text["odi_hint"] if number == 1 else "")
            )
        self.fields["vas"] = forms.IntegerField(
            label=text["vas_label"],
            required=False,
            min_value=0,
            max_value=100,
            widget=forms.NumberInput(attrs={"type": "range", "min": 0, "max": 100, "step": 1}),
        )
        self.sections.append(
            Section(text["vas_legend"], ["vas"], kind="vas", hint=text["vas_hint"])
        )

    def clean(self) -> dict:
        data = super().clean()
        if self.final:
            for code in self.codes:
                name = f"q_{code}"
                if code.startswith("RF_") and not data.get(name):
                    self.add_error(name, msg.WEB_TEXT[self.language]["required_rf"])
        return data

    def odi_missing(self) -> list[str]:
        """The index's sections left blank (empty when this form has no ODI/NDI). Call after
        is_valid."""
        if self.index is None:
            return []
        data = getattr(self, "cleaned_data", {})
        return [key for key in self.index.keys if data.get(self.index.field(key)) is None]

    def vas_set(self) -> bool:
        """The slider always has a value; it counts only once the patient moved it (or ticked the
        no-JavaScript box), so an untouched slider is "unanswered", not a made-up 50."""
        return "1" in self.data.getlist("vas_set") if hasattr(self.data, "getlist") else False

    def draft_values(self) -> dict:
        """The valid values entered so far, for the draft (invalid entries are dropped, not kept)."""
        values = {}
        for name in self.fields:
            if name in self.cleaned_data and self.cleaned_data[name] not in (None, ""):
                if name == "vas" and not self.vas_set():
                    continue
                values[name] = self.cleaned_data[name]
        return values
