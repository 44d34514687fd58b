"""Every rule code a problem can carry, with what it means and the hint shown when the problem gives none.

A code is stable: editors, scripts and the Rules page (``docs/rules.md``, where each has an example) refer to it.
:class:`kb.problems.Problem` refuses a code that is not listed here, and a test checks that every code in this
list is documented on the Rules page.
"""

from __future__ import annotations

from typing import NamedTuple


class Rule(NamedTuple):
    summary: str  # what the problem is, in a few words
    hint: str  # what to do about it, when the problem has no more specific hint


RULES: dict[str, Rule] = {
    # --- Reading the file --------------------------------------------------------------------------------------
    "symlink": Rule("a symbolic link that points nowhere or outside the data folder",
                    "replace the link with the file itself, inside the data folder"),
    "file-too-large": Rule("a data file over 1 MB", "split the content; no entity needs a file this large"),
    "unreadable-file": Rule("a file that cannot be read", "check that the file exists and can be read"),
    "encoding": Rule("bytes that are not UTF-8", "save the file as UTF-8 (most editors: Save with Encoding)"),
    "tab-indentation": Rule("a tab in the indentation", "indent with spaces, two per level"),
    "yaml-indentation": Rule("a line indented to the wrong column",
                             "keys of one mapping start in the same column; list items ('- ') line up under "
                             "each other"),
    "yaml-syntax": Rule("text the YAML parser cannot read",
                        "look at this line and the one above: an unclosed quote or bracket, a missing colon, "
                        "or a ': ' inside text that needs quotes"),
    "yaml-alias": Rule("a YAML anchor (&) or alias (*)", "write the value out in full"),
    "yaml-tag": Rule("a YAML tag (!…)", "remove the tag and write a plain value"),
    "too-deep": Rule("nesting deeper than 20 levels", "flatten the structure; no field nests this deep"),
    "number-too-large": Rule("a number too long or too large to be stored",
                             "check the number; quote it if it is meant as text"),
    "key-not-text": Rule("a key that is not plain text", "quote the key, e.g. '2019': …"),
    "duplicate-key": Rule("the same key twice in one mapping", "keep one of them; YAML would silently drop the first"),
    "empty-file": Rule("an empty file", "start the file with `kb new TYPE ID`"),
    "multiple-documents": Rule("more than one YAML document in a file", "remove the '---' line and what follows it, "
                                                                        "or move it to a file of its own"),
    "not-a-mapping": Rule("a file whose top level is not key: value pairs",
                          "a data file holds one mapping: `name: …`, `summary: …` and so on"),
    # --- Where files are -----------------------------------------------------------------------------------------
    "missing-data-folder": Rule("no data folder", "run the command from the repository, or set KB_DATA_DIR"),
    "unexpected-folder": Rule("a folder no schema declares",
                              "move the files into the folder of their type, e.g. data/trials/"),
    "folder-is-a-file": Rule("a file where a type's folder should be", "make it a folder of .yaml files"),
    "misplaced-file": Rule("a file outside every type's folder",
                           "move it into the folder of its type, e.g. data/products/"),
    "yml-extension": Rule("a .yml file", "rename the file to end in .yaml"),
    "invalid-id": Rule("a file name that is not a valid id",
                       "rename the file: lower-case letters, digits and single hyphens, e.g. car-nk.yaml"),
    "reserved-id": Rule("a file name that cannot be an id", "rename the file"),
    "duplicate-id": Rule("the same id in two files", "ids are unique across all types: rename one of the files"),
    "missing-bibliography": Rule("no data/sources.yaml", "restore data/sources.yaml from the repository"),
    "unchecked-references": Rule("references not checked because a file could not be read",
                                 "fix the unreadable file first; its references are checked then"),
    "schema-file": Rule("a schema file that cannot be used", "restore data/schema/ from the repository"),
    # --- The shape of the data (JSON Schema) ---------------------------------------------------------------------
    "missing-field": Rule("a required field is missing", "add the field; `kb new TYPE ID` lists every field"),
    "unknown-field": Rule("a field the schema does not define",
                          "check the spelling; the schema in data/schema/ lists the fields"),
    "invalid-key": Rule("a key that is not allowed here", "rename the key to the form the message gives"),
    "wrong-type": Rule("a value of the wrong type",
                       "write the kind of value the field takes (text, a number, a list, true or false)"),
    "not-allowed-value": Rule("a value that is not in the field's list", "use one of the values listed"),
    "wrong-form": Rule("a value that does not have the expected form", "write it in the form the message shows"),
    "invalid-date": Rule("a date that is not a real date in ISO form", "write the date as 'YYYY-MM-DD', in quotes"),
    "empty-text": Rule("an empty text, or one of only spaces", "write the text, or remove the field"),
    "text-too-long": Rule("a text over the length limit", "shorten it, or split it into sections"),
    "too-few-items": Rule("a list with too few items", "add the items the field needs"),
    "duplicate-item": Rule("the same item twice in a list", "remove the repeated item"),
    "out-of-range": Rule("a number outside its allowed range", "check the number and its unit"),
    "schema-rule": Rule("a value the schema refuses", "compare the value with the field's schema in data/schema/"),
    "placeholder": Rule("a 'TODO' placeholder not filled in", "replace TODO with the value, or remove the field"),
    # --- Rules the schema cannot say -----------------------------------------------------------------------------
    "unknown-source": Rule("a citation of a source missing from the bibliography",
                           "check the id, or add the source with `kb new source ID`"),
    "unknown-entity": Rule("a reference to an id no file defines",
                           "check the id; it is the file name of the entity, without .yaml"),
    "wrong-entity-type": Rule("a reference to an entity of another type",
                              "refer to an entity of the type the field names"),
    "hidden-character": Rule("a control or invisible character",
                             "delete the character (retype the text around it if you cannot see it)"),
    "too-much-markup": Rule("a text crowded with markup characters", "split the text, or check how it was pasted"),
    "raw-html": Rule("HTML in text", "use the Markdown subset: *emphasis*, lists, [text](https://…) links"),
    "attribute-list": Rule("attribute-list syntax '{: …}' in text", "remove the braces"),
    "snippet-marker": Rule("a snippet marker '--8<--' in text", "remove the marker"),
    "template-syntax": Rule("template syntax ('{{', '{%', '{#') in text", "remove the braces"),
    "footnote": Rule("a footnote in text", "cite sources as [@source-id]"),
    "broken-citation": Rule("a citation with a space or line break inside",
                            "write [@source-id] on one line: in a folded text, do not break a line inside it"),
    "reference-definition": Rule("a reference-style link definition '[x]: …'",
                                 "write the link in place: [text](https://…)"),
    "link-in-plain-text": Rule("a link or citation in a plain-text field",
                               "plain-text fields take no Markdown; move the citation to the item's sources"),
    "markup-not-allowed": Rule("Markdown that would change the page around the text (a heading, box, table…)",
                               "keep to paragraphs, lists, emphasis and links"),
    "unsafe-link": Rule("a link to something other than an https:// page or an entity",
                        "link to https://… pages, or to entities as [text](id:entity-id)"),
    "unclear-link": Rule("a link written in a form the site cannot check",
                         "write [text](https://…) or [text](id:entity-id), with no brackets inside the text"),
    "image": Rule("an image in text", "describe the figure in words, or add it as a structured figure"),
    "future-date": Rule("a date after today", "check the year; a review or change cannot be in the future"),
    "table-cells": Rule("a table row with the wrong number of cells", "quote cells that hold commas"),
    # --- Warnings ------------------------------------------------------------------------------------------------
    "stale-review": Rule("a review more than 12 months old",
                         "re-check the page against its sources, then update last_reviewed and review_history"),
    "schema-line": Rule("a first line that does not name the file's schema",
                        "make the first line the one the message shows"),
    "count-above-n": Rule("a count larger than the number it is drawn from",
                          "check both numbers against the source; one of them may be a typo"),
    "dates-out-of-order": Rule("two dates in an impossible order", "check both dates against their sources"),
    "survival-without-follow-up": Rule("a survival figure without its follow-up",
                                       "add follow_up (e.g. 'median 13.1 months'); survival means little without it"),
    "reading-level": Rule("a plain-language summary above the reading level set for it",
                          "use shorter sentences and everyday words"),
    "field-name-in-text": Rule("a data field's name, such as as_of, in a text that readers see",
                               "say it in words: 'the date given' for as_of, 'the follow-up' for follow_up"),
    # --- Notes ---------------------------------------------------------------------------------------------------
    "secondary-source": Rule("a figure whose sources are all secondary (news, press releases, web pages…)",
                             "cite the paper, label or registry record it comes from (with its PubMed ID or DOI in "
                             "sources.yaml), or, if none exists, set evidence_level: secondary-report"),
    # --- The site ------------------------------------------------------------------------------------------------
    "build-failed": Rule("the site could not be built",
                         "read the MkDocs messages above; the previous site is kept until the build passes"),
}
