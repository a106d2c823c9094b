"""The form editor for the simple question types (single, multiple, truefalse, ordering, matching, classify):
trainers who do not write Markdown fix, add and delete items in forms, and fix a scenario's sub-questions.

forms.py     the WTForms, one per form shape a type's Editor names, with row buttons that work without JS
source.py    one item block (or a scenario's ### sub-question) in a quiz source: find, replace, append or remove its
             lines, and the errors a change brings
services.py  open an item of a draft as form data; save form data into the draft through the content store;
             delete an item

The conversion between an item, its form data and Quiz Markdown is academy.learning.questions.editing (with
each type's part in its module of the registry)."""
