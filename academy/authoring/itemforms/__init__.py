"""The form editor for the simple question types (single, multiple, truefalse, ordering, matching, classify):
trainers who do not write Markdown fix, add and delete items in forms, and fix a scenario's sub-questions.

forms.py     the WTForms, one per form shape a type's Writer names, with row buttons that work without JS
source.py    one item block (or a scenario's ### sub-question) in a quiz source: find, replace, append or remove its
             lines, and the errors a change brings
services.py  open an item of a draft as form data; save form data into the draft through the content store;
             delete an item

An item and its form data are converted to and from Quiz Markdown by the one writer,
academy.learning.questions.quizmd.writer (each type's part in its module of the registry), which the question
importers use too; academy.learning.questions.editing checks what it writes by reading it back."""
