/*
 * Search worker: Material for MkDocs' own search worker, given the lunr index that the site build wrote
 * (search/prebuilt_index.json, see scripts/kb/search_index.py) instead of building one in the browser.
 *
 * Why: Material's worker builds a lunr index from the text of every page on every page load, which takes
 * seconds on a large site before the first result can show. Everything else stays Material's: its query
 * parsing, ranking boosts, per-section results, snippets, highlighting and keyboard handling. This file
 *   1. fetches the prebuilt index and the sections' text, and hands the sections to Material's worker;
 *   2. makes lunr's Builder, which Material's worker calls to index each section, return that index;
 *   3. tells Material's highlighter where the matched words are in the sections shown (the index leaves
 *      positions out to stay small; Material's own tokenizer finds them, in the top results only);
 *   4. keeps hyphenated names whole in a query, and adds a misspelling-tolerant clause for long words.
 * main.html points Material at this file and passes the address of Material's worker as ?material=.
 */
"use strict"

const SETUP = 0                 /* Material's message types (integrations/search/worker/message) */
const QUERY = 2
const HIGHLIGHTED = 100         /* results given positions for highlighting (each costs a tokenization) */

const site = new URL("../../", self.location.href)        /* this file is in assets/javascripts/ */
const prebuilt = fetch(new URL("search/prebuilt_index.json", site))
  .then(response => response.json())

let index = null                /* the prebuilt lunr.Index, once loaded */
let sections = []               /* Material's search documents; index refs are positions in this list */

/* Hold Material's setup message until the prebuilt index is in, then hand it on with the sections; rewrite
   each query. Registered before Material's worker is imported, so it sees every message first. */
addEventListener("message", event => {
  const message = event.data
  if (message.type === QUERY && index) {
    message.data = withMisspellings(message.data)
  } else if (message.type === SETUP && !index) {
    event.stopImmediatePropagation()
    prebuilt.then(data => {
      sections = data.docs
      index = lunr.Index.load(data.index)
      const setup = { ...message, data: { ...message.data, docs: sections } }
      dispatchEvent(new MessageEvent("message", { data: setup }))
    }, error => console.warn("Search index not loaded:", error))
  }
})

importScripts(new URL(self.location.href).searchParams.get("material"))

/* Material's worker indexes each section with builder.add() and then calls builder.build(): with a prebuilt
   index there is nothing to add, and build() returns that index, remembering the builder's field extractors
   and tokenizer for highlighting. */
lunr.Builder.prototype.add = function () {}
lunr.Builder.prototype.build = function () {
  const builder = this
  lunr.QueryLexer.termSeparator = lunr.tokenizer.separator   /* Material's separator: no split at "-" */
  const search = index.search
  index.search = function (query) {
    return search.call(this, query).map((result, rank) => {
      const section = sections[Number(result.ref)]
      result.ref = section.location
      addPositions(builder, section, result.matchData.metadata, rank < HIGHLIGHTED)
      return result
    })
  }
  return index
}

/* For each field Material highlights (title, text): where each matched term occurs, as Material's tokenizer
   numbers the words (it also records the section's word table that the highlighter reads); nowhere, for a
   result below the top ones, which Material then shows unhighlighted. A word matches a term that is the word
   itself or one of its hyphenated parts, as the index holds it. */
const tokenized = new Map()
function addPositions(builder, section, metadata, highlighted) {
  for (const field of ["title", "text"]) {
    const key = `${section.location}:${field}`
    if (highlighted && !tokenized.has(key))
      tokenized.set(key, builder.tokenizer(builder._fields[field].extractor(section)))
    const tokens = highlighted ? tokenized.get(key) : []
    for (const [term, fields] of Object.entries(metadata))
      if (fields[field])
        fields[field].position = tokens
          .filter(token => token.str === term || token.str.split("-").includes(term))
          .map(token => token.metadata.position)
  }
}

/* The query with, for each plain word of six letters or more, the same word within a few edits (one up to
   eight letters, two up to eleven, three beyond): tisagenleucel still finds tisagenlecleucel. Exact matches
   rank first, as they match both the word and its fuzzy clause. */
function withMisspellings(query) {
  const fuzzy = query.split(/\s+/)
    .filter(word => /^[a-z]{6,}$/i.test(word))
    .map(word => `${word}~${word.length <= 8 ? 1 : word.length <= 11 ? 2 : 3}`)
  return fuzzy.length ? `${query} ${fuzzy.join(" ")}` : query
}
