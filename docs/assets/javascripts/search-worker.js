/*
 * Search worker: Material for MkDocs' own search worker, given the lunr index that the site build wrote
 * (search/, see scripts/kb/site/search_index.py) instead of building one in the browser.
 *
 * Why: Material's worker builds a lunr index from the text of every page on every page load, which takes
 * seconds on a large site before the first result can show. Everything else stays Material's and lunr's:
 * query parsing, matching, scoring, ranking boosts, per-section results, snippets, highlighting, keys.
 * This file
 *   1. loads the vocabulary, the sections' titles and Material's settings, and sets Material's worker up with
 *      them as soon as they are in;
 *   2. makes lunr's Builder, which Material's worker calls to index each section, return a lunr.Index over
 *      that vocabulary, whose postings are read from shards (search/postings/) as queries need them (the
 *      vocabulary's graph is made as queries walk into it, see vocabulary());
 *   3. gives the top results their text (search/texts/), unless it is a wall of text, and tells Material's
 *      highlighter where the matched words are, each word once (Material's own tokenizer finds them);
 *   4. keeps hyphenated names whole in a query, matches short words and numbers whole, weighs a word matched
 *      whole above the longer words it starts, and adds a misspelling-tolerant clause for long words;
 *   5. ranks the sections that hold every word of a query first, and the pages that gather what others say
 *      (comparisons, indexes, the glossary, the bibliography; and the Rules page) after the reader pages that
 *      answer it;
 *   6. names in each result's link only the words the page it opens can mark well, and cuts each result's
 *      text to a snippet around its first marked word.
 * A search that finds postings missing is answered once they are in: Material's worker answers at once (lunr
 * is synchronous), so its answer is held back while the missing shards are fetched, all together. A search
 * whose results lack only their texts is answered at once, by title, and again once the texts are in.
 * main.html points Material at this file and passes the address of Material's worker as ?material=.
 */
"use strict"

const SETUP = 0                 /* Material's message types (integrations/search/worker/message) */
const QUERY = 2
const RESULT = 3
const HIGHLIGHTED = 16          /* top results given their text and highlighting (Material shows ten pages) */
const FIRST_SECTION_WEIGHT = 2.5  /* how Material's ranking favors a page's first section (see shownFirst) */
const ALL_WORDS_WEIGHT = 1e4    /* a section with every word of the query first (see allWordsFirst) */
const EXACT_WEIGHT = 10         /* a word matched whole against the longer words it starts (see withQueryRules) */

const site = new URL("../../", self.location.href)        /* this file is in assets/javascripts/ */
let index = null                /* the lunr.Index over the prebuilt vocabulary, once loaded */
let termNumbers = new Map()     /* each term of the vocabulary -> its position in it */
let sections = []               /* Material's search documents; index refs are positions in this list */
let textShards = []             /* where each shard of section texts starts */
let titleOnly = new Set()       /* sections listed by their title only: their text is a wall (a whole table) */
let lowered = new Set()         /* sections of the pages whose search boost is lowered (see readerPagesFirst) */
let named = new Map()           /* a name of two words or more, lower-case -> the sections it names (namedFirst) */
const missing = new Map()       /* path of a shard a search needed -> what takes its content in */
let postingsVersion = 0         /* grows as postings come in: a search's results hold while it stays */
let suggesting = false          /* Material's suggestion is being asked for (see lunr.Builder.prototype.build) */

/* Load the vocabulary and the sections at once, and set Material's worker up with them and the settings of
   the site's search (runs after Material's worker is imported, which then answers that it is ready). */
fetch(new URL("search/prebuilt_index.json", site))
  .then(response => response.json())
  .then(data => {
    index = shardedIndex(data)
    sections = data.sections.map(([page, anchor, title]) =>
      ({ location: data.pages[page] + anchor, title, text: "" }))
    textShards = data.textShards
    titleOnly = new Set(data.titleOnly.map(String))
    const loweredPages = new Set(data.lowered)
    lowered = new Set(data.sections.flatMap(([page], position) => loweredPages.has(page) ? [String(position)] : []))
    named = new Map(Object.entries(data.named || {}).map(([name, numbers]) => [name, new Set(numbers.map(String))]))
    const setup = { type: SETUP, data: { ...data.setup, docs: sections }, ours: true }
    dispatchEvent(new MessageEvent("message", { data: setup }))
  })
  .catch(error => console.warn("Search index not loaded:", error))

/* Leave out the page's setup message: the worker sets itself up (above), with the same settings, as soon as
   the index is in. (The page sends its own only after reading search/search_index.json, and while a reader
   types, the browser gets to that late: 100-300 ms after the last key in the benchmark.) Hand on only the
   last of the queries that arrive while a search runs (a reader typing fast sends one per key), rewritten.
   Registered before Material's worker is imported, so it sees every message first. */
let latestQuery = null
let readerWords = []            /* the words of the query being answered (see withQueryRules) */
let readerQuery = ""            /* that query as the reader typed it */
let foundMisspelt = new Map()   /* each result's location -> the misspelt words it holds spelled right */
addEventListener("message", event => {
  const message = event.data
  if (message.type === QUERY && !message.rewritten) {
    event.stopImmediatePropagation()
    if (latestQuery === null)
      setTimeout(() => {                        /* after the queries already queued behind this one */
        const { query, words } = withQueryRules(latestQuery)
        readerWords = words
        readerQuery = latestQuery
        latestQuery = null
        searchFor(query)
      })
    latestQuery = message.data
  } else if (message.type === SETUP && !message.ours) {
    event.stopImmediatePropagation()
  }
})

importScripts(new URL(self.location.href).searchParams.get("material"))

/* Hand a query to Material's worker. Its answer goes out as it comes unless the search found postings missing:
   then it is held back (and left empty, see lunr.Builder.prototype.build). Missing shards are fetched together
   and the query is handed on again; an answer that lacks only texts goes out at once as well (the results by
   title: the texts take another fetch, 40-70 ms in the benchmark), and again with them. After three rounds, or
   if a shard does not load, the answer goes out as it is, whatever is missing. A query the reader has typed
   past is not answered, searched again or given its texts. */
const LAST_ROUND = 3
let asked = null                /* the query Material's worker is answering */
let round = 0                   /* how often it was handed on for missing shards */
function searchFor(query, handedOn = 0) {
  round = handedOn
  asked = query
  dispatchEvent(new MessageEvent("message", { data: { type: QUERY, data: query, rewritten: true } }))
}
const post = self.postMessage.bind(self)
self.postMessage = message => {
  if (message.type !== RESULT)
    return post(message)
  const held = asked
  if (!postingsMissing() || round >= LAST_ROUND)
    answer(message, held, missing.size > 0 && round < LAST_ROUND)
  if (missing.size === 0 || round >= LAST_ROUND) {
    missing.clear()
    return
  }
  const shards = [...missing]
  const next = round + 1
  missing.clear()
  afterQueriesSent(() => {
    const needed = isLatest(held) ? shards : shards.filter(([path]) => isPostings(path))
    Promise.all(needed.map(([path, take]) => load(path, take)))
      .then(() => next, () => LAST_ROUND)           /* a shard did not load: answer with what there is */
      .then(handedOn => afterQueriesSent(() => {
        if (isLatest(held))
          searchFor(held, handedOn)
      }))
  })
}

/* Send Material's answer to query `held` to the page, unless a newer query has come in. It names the query it
   answers, and whether another answer, with more texts, follows (fields that Material does not read). */
function answer(message, held, textsToCome) {
  message.data.query = readerQuery
  message.data.textsToCome = textsToCome
  afterQueriesSent(() => {
    if (isLatest(held))
      post(withSnippets(withWordsToMarkOnThePage(message)))
  })
}

/* Run `then` once the queries the page has already sent are read: they wait behind the work in hand (a reader
   typing fast sends one per key), and the work for a query the reader has typed past is left undone (the
   results of "Lorem", with their texts, took the worker 60-140 ms while "Loremcel 00042" waited). Its postings
   are still fetched: the words of the query typed on start with its words, so they are among them. */
function afterQueriesSent(then) {
  setTimeout(then)
}

/* Whether `query` is the last one the reader typed: no newer one has come in. */
function isLatest(query) {
  return latestQuery === null && asked === query
}

/* Whether the search just made found the postings of a term missing. */
function postingsMissing() {
  return [...missing.keys()].some(isPostings)
}

/* Whether the shard at `path` holds postings (not texts). */
function isPostings(path) {
  return path.startsWith("postings/")
}

/* The answer with each result's matched words cut down to those its link asks the opened page to mark (?h=):
   words of three letters or more without a hyphen. Material's page script marks each word of the link anywhere
   inside the page's words, after splitting it at hyphens: "CAR-T" marked every "t" on the CAR-T page (2,191
   marks), "T-ALL" every "all". The words a result lacks ("Missing: ...") are kept, but for a misspelt word that
   the result holds in its right spelling (which is marked): Material read it as missing. */
function withWordsToMarkOnThePage(message) {
  for (const result of resultsOf(message)) {
    for (const [word, matched] of Object.entries(result.terms || {}))
      if (matched && (word.includes("-") || word.length < 3))
        delete result.terms[word]
    for (const word of foundMisspelt.get(result.location) || [])
      delete result.terms[word]
  }
  return message
}

/* Every result of an answer, those Material groups under a page included. */
function* resultsOf(message) {
  for (const group of message.data.items)
    yield* group
}

/* The answer with each result's text cut to a snippet of about SNIPPET characters around its first marked word
   (from the start of the text if none is marked), "…" where it was cut. Material shows a result's whole section:
   a section holding a table ran to 2,000-3,000 characters, 900 px and more on a phone. The text is Material's
   simple markup (p, li, ul, ol, pre, code, mark): the tags open where the snippet starts are opened again
   before it, and those still open where it ends are closed. */
const SNIPPET = 480
const BEFORE_MARK = 120         /* characters shown before the first marked word */
function withSnippets(message) {
  for (const result of resultsOf(message))
    if (typeof result.text === "string")
      result.text = snippetOf(result.text)
  return message
}

function snippetOf(html) {
  const parts = html.split(/(<[^>]*>)/)
  const shown = visibleOffset(parts, parts.length)
  if (shown <= SNIPPET)
    return html
  const markAt = parts.findIndex(part => part.startsWith("<mark"))
  const mark = markAt < 0 ? 0 : visibleOffset(parts, markAt)
  const start = Math.max(0, Math.min(mark - BEFORE_MARK, shown - SNIPPET))
  const end = Math.min(shown, start + SNIPPET)
  return cut(parts, start, end, shown)
}

/* How many characters of text (outside the tags) come before part `index`. */
function visibleOffset(parts, index) {
  return parts.slice(0, index)
    .reduce((length, part) => length + (part.startsWith("<") ? 0 : part.length), 0)
}

const INLINE_CLOSING = /^<\/(mark|code)>$/    /* a closing tag of the inline markup in a result's text */
/* The markup of the characters from `start` to `end` (of `shown` in all), its tags balanced: the tags open
   where it starts are repeated before it, and those open where it ends are closed after it. */
function cut(parts, start, end, shown) {
  const open = []
  const kept = []
  let at = 0
  for (const part of parts) {
    if (at >= end)
      break
    if (part.startsWith("<")) {
      if (part.startsWith("</"))
        open.pop()
      else if (!/^<(br|hr|img|wbr)\b/i.test(part))
        open.push(part)
      if (kept.length > 0)
        kept.push(part)
      continue
    }
    const from = Math.max(start, at)
    const to = Math.min(end, at + part.length)
    if (from < to) {
      if (kept.length === 0)
        kept.push(...open, start > 0 ? "… " : "")
      kept.push(wholeWords(part, from - at, to - at))
    }
    at += part.length
  }
  const closing = open.reverse().map(tag => `</${tag.slice(1).split(/[\s>]/)[0]}>`)
  const inline = closing.findIndex(tag => !INLINE_CLOSING.test(tag))   /* "…" after a mark, inside its block */
  const blocksFrom = inline < 0 ? closing.length : inline
  return [...kept, ...closing.slice(0, blocksFrom), end < shown ? " …" : "", ...closing.slice(blocksFrom)].join("")
}

/* `text` from `from` to `to`, where either falls inside a word moved to the nearest space between them
   (within 20 characters: `from` forward, `to` back), and never inside a character reference (&amp;). Where there
   is no such space (a word in a tag of its own, <mark>transplant</mark>, or the first word after a tag,
   "<mark>CAR-T</mark> therapies"), the word is taken whole instead, if it is no longer than 20 characters:
   "transpla" and "therap" read as typos. */
const WORD_REACH = 20
function wholeWords(text, from, to) {
  const cutAtStart = from > 0 && text[from - 1] !== " "
  const cutAtEnd = to < text.length && text[to] !== " "
  const after = cutAtStart ? text.indexOf(" ", from) : -1       /* the first space after the cut word's start */
  const before = cutAtEnd ? text.lastIndexOf(" ", to) : -1      /* the last space before the cut word's end */
  const wordStart = from > 0 ? text.lastIndexOf(" ", from - 1) + 1 : 0
  const spaceAfter = text.indexOf(" ", to)
  const wordEnd = spaceAfter < 0 ? text.length : spaceAfter
  const spaceInside = after >= 0 && after < to                  /* a space between the cut word and `to` */
  const start = spaceInside && after - from <= WORD_REACH ? after + 1
    : !spaceInside && from - wordStart <= WORD_REACH ? wordStart : from
  const end = before > start && to - before <= WORD_REACH ? before
    : before <= start && wordEnd - to <= WORD_REACH ? wordEnd : to
  const outside = at => {
    const amp = text.lastIndexOf("&", at - 1)
    return amp >= 0 && /^&[#a-z0-9]{0,8}$/i.test(text.slice(amp, at)) ? amp : at
  }
  return text.slice(outside(start), outside(end))
}

/* Fetch shard `path` and give its content to `take`, once: a search for the next letters a reader types that
   needs a shard already on its way waits for that fetch. A shard that does not load may be asked for again. */
const loads = new Map()
function load(path, take) {
  if (!loads.has(path))
    loads.set(path, fetch(new URL(`search/${path}`, site))
      .then(response => response.json())
      .then(take)
      .catch(error => {
        loads.delete(path)
        throw error
      }))
  return loads.get(path)
}

/* The shard holding item `position`, given where each shard starts. */
function shardOf(starts, position) {
  let shard = 0
  while (shard + 1 < starts.length && starts[shard + 1] <= position)
    shard++
  return shard
}

/* A lunr.Index whose invertedIndex and fieldVectors fill in from postings shards. A term's postings come as
   flat (field, section, score) triples; lunr keeps them as {field: {section: {}}}, and the scores make the
   field vectors, of which lunr only ever reads the entries of the terms a query matched. A term's postings are
   put in that form when a search first reads the term (a shard holds many terms; a search reads a few). A term
   whose shard is not in yet has no postings, and its shard is noted as missing. */
function shardedIndex(data) {
  termNumbers = new Map(data.terms.map((term, position) => [term, position]))
  const invertedIndex = Object.create(null)  /* a term such as "constructor" is not read from Object.prototype */
  const weights = new Map()     /* "field/section" -> [term number, score, ...] */
  const vectors = new Map()     /* "field/section" -> lunr.Vector of those weights, until more come */
  const loaded = new Map()      /* shard number -> its postings, as fetched */
  const takePostings = shard => postings => {
    loaded.set(shard, postings)
    postingsVersion++
  }
  const postingOf = (position, triples) => {
    const posting = { _index: position }
    data.fields.forEach(field => posting[field] = {})
    for (let i = 0; i < triples.length; i += 3) {
      const [field, ref, score] = [data.fields[triples[i]], triples[i + 1], triples[i + 2]]
      posting[field][ref] = {}
      const key = `${field}/${ref}`
      if (!weights.has(key))
        weights.set(key, [])
      weights.get(key).push(position, score)
      vectors.delete(key)
    }
    return posting
  }
  const postingsOf = term => {
    const position = termNumbers.get(term)
    const shard = shardOf(data.termShards, position)
    if (loaded.has(shard))
      return invertedIndex[term] = postingOf(position, loaded.get(shard)[position - data.termShards[shard]])
    if (!suggesting)
      missing.set(`postings/${shard}.json`, takePostings(shard))
    const none = { _index: position }
    data.fields.forEach(field => none[field] = {})
    return none
  }
  const vectorOf = key => {
    if (!vectors.has(key))
      vectors.set(key, new lunr.Vector(sorted(weights.get(key) || [])))
    return vectors.get(key)
  }
  return new lunr.Index({
    invertedIndex: new Proxy(invertedIndex, { get: (known, term) => known[term] || postingsOf(term) }),
    fieldVectors: new Proxy({}, { get: (_, key) => vectorOf(key) }),
    tokenSet: vocabulary(data.terms),
    fields: data.fields,
    pipeline: new lunr.Pipeline()
  })
}

/* The vocabulary as the lunr.TokenSet through which lunr expands each word of a query into the terms it matches
   (as typed, as the start of longer words, or within a few edits): a tree of the terms' characters whose nodes
   are made as lunr's matching walks into them. Setting up then costs nothing (building the whole graph took
   about 80 ms for the real site's 8,700 terms, before the first search could start) and a query makes only the
   nodes it reaches. It is a plain tree, not lunr's TokenSet.Builder graph in which terms that end alike share
   nodes: that one merged different nodes where labels are digits (olivernn/lunr.js#503, still open), so that
   the vocabulary gained and lost terms ("reach-1" became unfindable, and a query starting "re" looped forever
   on a term with no postings). */
function vocabulary(terms) {
  return vocabularyNode(terms, 0)
}

/* The node for the terms that share their first `depth` characters; its edges are made when first read (and
   then stay as a plain property, which lunr reads faster). */
function vocabularyNode(terms, depth) {
  const node = new lunr.TokenSet()
  node.final = terms.some(term => term.length === depth)
  Object.defineProperty(node, "edges", {
    configurable: true,
    get() {
      const longer = new Map()                /* next character -> the terms that continue with it */
      for (const term of terms)
        if (term.length > depth)
          longer.has(term[depth]) ? longer.get(term[depth]).push(term) : longer.set(term[depth], [term])
      const edges = Object.create(null)
      for (const [label, continuing] of longer)
        edges[label] = vocabularyNode(continuing, depth + 1)
      Object.defineProperty(node, "edges", { value: edges, writable: true })
      return edges
    }
  })
  return node
}

/* [term number, score, ...] in order of term number, as lunr.Vector needs it. */
function sorted(pairs) {
  const order = [...Array(pairs.length / 2).keys()].sort((a, b) => pairs[2 * a] - pairs[2 * b])
  return order.flatMap(i => [pairs[2 * i], pairs[2 * i + 1]])
}

/* Material's worker indexes each section with builder.add() and then calls builder.build(): with a prebuilt
   index there is nothing to add, and build() returns that index, remembering the builder's field extractors
   and tokenizer for highlighting. */
lunr.Builder.prototype.add = function () {}
lunr.Builder.prototype.build = function () {
  const builder = this
  lunr.QueryLexer.termSeparator = lunr.tokenizer.separator   /* Material's separator: no split at "-" */
  const { search, query } = index
  let searching = false
  let last = { text: null, version: -1, results: [] }   /* lunr's last answer, asked again once texts are in */
  index.search = function (text) {
    searching = true
    try {
      if (last.text !== text || last.version !== postingsVersion) {
        const results = namedFirst(readerPagesFirst(allWordsFirst(search.call(this, text))))
        last = { text, version: postingsVersion, results, shownFirst: shownFirst(results) }
      }
      const withText = new Map([...last.shownFirst].map(ref => [ref, hasText(Number(ref))]))
      /* An answer given while postings are missing is held back and the query asked again once they are in
         (self.postMessage above): Material's worker need not rank, group and highlight it. */
      if (postingsMissing() && round < LAST_ROUND)
        return []
      return last.results.map(result => {
        const section = sections[Number(result.ref)]
        const fieldsToMark = !withText.has(result.ref) ? []
          : withText.get(result.ref) ? ["title", "text"] : ["title"]
        addPositions(builder, section, result.matchData.metadata, fieldsToMark)
        return { ...result, ref: section.location }
      })
    } finally {
      searching = false
    }
  }
  /* Material's suggestion for the last word is a query of its own (titles starting with each word), asked
     after each search: it reads the postings the search loaded and fetches none (its wildcard would load the
     postings of every title word a word starts: "00*", a thousand numbers at 1,000 pages); none for a word of
     one or two letters, which starts nearly every title word. */
  index.query = function (build) {
    if (searching)
      return query.call(this, build)
    const probe = new lunr.Query(this.fields)
    build.call(probe, probe)
    const words = probe.clauses.map(clause => clause.term.replace(/\*/g, ""))
    if (words.length === 0 || words.some(word => word.length < 3))
      return []
    suggesting = true
    try {
      return withShortestCompletionLast(query.call(this, build), words[words.length - 1],
                                        readerQuery.split(/[\s-]+/).pop())
    } finally {
      suggesting = false
    }
  }
  return index
}

/* Material completes the last word typed with the last of the terms that the best title match holds (its match
   data's keys), if that term starts with the word as typed. The shortest title word that starts it, in any
   title that matched, goes last there, so that "relap" completes to "relapse" and not to "relapsing"; it starts
   with the letters as the reader typed them (`typed`, Material's last word of the query), so that "Relap"
   completes too (to "Relapse"). */
function withShortestCompletionLast(results, word, typed) {
  const completions = results.flatMap(result => Object.entries(result.matchData.metadata))
    .filter(([term]) => term.startsWith(word))
    .sort(([a], [b]) => a.length - b.length || (a < b ? -1 : 1))
  if (completions.length > 0) {
    const [shortest, fields] = completions[0]
    const completion = typed.toLowerCase() === word ? typed + shortest.slice(typed.length) : shortest
    const reordered = Object.create(null)
    for (const [term, found] of Object.entries(results[0].matchData.metadata))
      if (term !== shortest)
        reordered[term] = found
    reordered[completion] = fields
    results[0].matchData.metadata = reordered
  }
  return results
}

/* Lunr's results, those of the sections that hold every word of the query first: "tocilizumab dose" lists the
   sections about tocilizumab's dose before a page with "dose" in its title (a title weighs a thousand times
   the text, in Material's settings). A word that no section holds as typed (a misspelling found only by its
   fuzzy clause) counts as held by the sections that hold a word it may be a misspelling of: "tocilizumb dose"
   lists what "tocilizumab dose" lists (the trials of a prednisone dose came first). And where some section
   holds a word as typed, the sections that only a fuzzy clause found come last: "confusion" listed first the
   page whose names hold "infusion" (two edits away, in a field that weighs a thousand times the text), with
   "Missing: confusion". */
function allWordsFirst(results) {
  const termsOf = results.map(result => Object.keys(result.matchData.metadata))
  const asTyped = termsOf.map(terms => readerWords.filter(word => terms.some(term => term.startsWith(word))))
  const misspelt = readerWords.filter(isMisspelt)
  const wordsOf = termsOf.map((terms, number) => new Set([...asTyped[number],
    ...misspelt.filter(word => terms.some(term => isMisspelling(word, term)))]))
  const held = readerWords.filter(word => wordsOf.some(found => found.has(word)))
  foundMisspelt = new Map(results.map((result, number) => [sections[Number(result.ref)].location,
    misspelt.filter(word => wordsOf[number].has(word))]))
  return results.map((result, number) => {
    if (held.length >= 2 && held.every(word => wordsOf[number].has(word)))
      return { ...result, score: result.score * ALL_WORDS_WEIGHT }
    if (held.length > 0 && wordsOf[number].size === 0)
      return { ...result, score: result.score / ALL_WORDS_WEIGHT }
    return result
  })
}

/* Lunr's results, the section that the query names first, where the query is a name of a page of two words or
   more (lower-case, single spaces): a curator gave the page that name, so it is about it. "T-cell lymphoma after
   CAR-T", a search term of the page on second cancers, listed first the CAR-T and ATLL pages, which hold its
   words across their texts. The query names a page as it stands, or else with its words in another order and
   common words left out ("children ALL" names the B-ALL page, whose search terms hold "ALL in children"). */
function namedFirst(results) {
  const refs = named.get(readerQuery.toLowerCase().split(/\s+/).filter(Boolean).join(" "))
    ?? namedInAnyOrder(readerQuery)
  return refs === undefined ? results
    : results.map(result => refs.has(result.ref) ? { ...result, score: result.score * ALL_WORDS_WEIGHT ** 3 } : result)
}

/* The sections that the words of `query` name in some order, common words left out (see wordsOfName): those
   of the names that hold the same words, if they all name the same sections; else undefined. Where the same words
   in two orders name different sections ("CAR-T after transplant", "transplant after CAR-T"), the order tells
   the pages apart, and only the name as it stands counts. (A scan of the names that hold each word of the
   query, about a millisecond a search at 1,000 pages, where a map of every name by its words took ten to make.) */
function namedInAnyOrder(query) {
  const key = wordsOfName(query)
  if (key === undefined)
    return undefined
  const words = key.split(" ")
  let found
  for (const [name, refs] of named)
    if (words.every(word => name.includes(word)) && wordsOfName(name) === key) {
      if (found !== undefined && !sameSet(found, refs))
        return undefined
      found = refs
    }
  return found
}

/* A name's or a query's words that are not common words (isStopWord), lower-case, in alphabetical order, one
   space apart; undefined if fewer than two are left (a name of one word is the identity field's), or if a common
   word left out says "no" (NEGATIONS): without it "no response to CAR-T", a search term of the page on relapse,
   named that page for "CAR-T response". */
const NEGATIONS = new Set(["no", "not", "cannot", "nor", "neither"])
function wordsOfName(text) {
  const words = []
  const leftOut = []
  for (const word of text.toLowerCase().split(/\s+/).filter(Boolean))
    (isStopWord(word) ? leftOut : words).push(word)
  if (leftOut.some(word => NEGATIONS.has(word)))
    return undefined
  return words.length >= 2 ? words.sort().join(" ") : undefined
}

/* Whether sets `a` and `b` hold the same items. */
function sameSet(a, b) {
  return a.size === b.size && [...a].every(item => b.has(item))
}

/* Whether query word `word` may be a misspelling of `term`: as few edits away as its fuzzy clause allows. */
function isMisspelling(word, term) {
  return editDistance(term, word, fuzzyEdits(word)) <= fuzzyEdits(word)
}

/* The number of edits (a letter added, left out, changed, or two swapped) between `a` and `b`, up to `most`;
   `most` + 1 for any more (optimal string alignment distance, as lunr's fuzzy matching counts). */
function editDistance(a, b, most) {
  if (Math.abs(a.length - b.length) > most)
    return most + 1
  let before = null
  let previous = [...Array(b.length + 1).keys()]
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
      if (before && i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        current[j] = Math.min(current[j], before[j - 2] + 1)
    }
    if (Math.min(...current) > most)
      return most + 1
    before = previous
    previous = current
  }
  return Math.min(previous[b.length], most + 1)
}

/* Lunr's results, those of the pages whose search boost is lowered (the pages that gather what others say:
   comparisons, indexes, the glossary, the bibliography; and the Rules page) after all others, wherever another
   page's section holds every word of the query as typed; except a section of theirs that holds every word
   itself, either in its title or names (a glossary term) or as the page's first section (what the page is for:
   the glossary's for "abbreviations", the Rules page's for "validate"). "survival rate" listed the Rules page
   first (a rule's heading holds "survival", and a heading weighs a thousand times the text), above the pages
   that report survival rates. */
function readerPagesFirst(results) {
  const holdsEvery = (result, fields) => readerWords.every(word => {
    const found = result.matchData.metadata[word]
    return found !== undefined && (fields === null || fields.some(field => field in found))
  })
  const answers = result => holdsEvery(result, ["title", "names"])
    || (!sections[Number(result.ref)].location.includes("#") && holdsEvery(result, null))
  if (readerWords.length === 0 || !results.some(result => !lowered.has(result.ref) && holdsEvery(result, null)))
    return results
  return results.map(result => lowered.has(result.ref) && !answers(result)
    ? { ...result, score: result.score / ALL_WORDS_WEIGHT ** 2 } : result)
}

/* The refs of the results that get their text: the first HIGHLIGHTED in the order Material's worker shows them,
   leaving out the sections listed by their title only. Material ranks lunr's results again
   (integrations/search/_/index.ts): score x (1 + boost^2), the boost being 1 for a page's first section plus the
   share of the query's words matched, so that a page's first section counts about FIRST_SECTION_WEIGHT times
   another section with the same lunr score. */
function shownFirst(results) {
  const weight = result =>
    result.score * (sections[Number(result.ref)].location.includes("#") ? 1 : FIRST_SECTION_WEIGHT)
  return new Set([...results].filter(result => !titleOnly.has(result.ref))
    .sort((a, b) => weight(b) - weight(a)).slice(0, HIGHLIGHTED).map(result => result.ref))
}

/* Whether the text of section `position` is in; if not, its shard is noted as missing. A shard gives every
   section in it its text (none for the sections listed by their title only: the build leaves it out). */
const textsLoaded = new Set()
function hasText(position) {
  const shard = shardOf(textShards, position)
  if (!textsLoaded.has(shard))
    missing.set(`texts/${shard}.json`, texts => {
      texts.forEach((text, offset) => sections[textShards[shard] + offset].text = text)
      textsLoaded.add(shard)
    })
  return textsLoaded.has(shard)
}

/* For each field Material highlights (title, text): where each matched term occurs, as Material's tokenizer
   numbers the words (it also records the section's word table that the highlighter reads), in the fields
   `fieldsToMark`: nowhere for a result below the top ones, which Material then shows unhighlighted, and in the
   title only for a top result whose text is not in yet. A word matches a term that is the word itself or one
   of its hyphenated parts, as the index holds it; a word that two terms match (car-t-associated and its part
   car, both found by "car") is given to the first only: Material's highlighter marks a word once for each time
   it is listed, and a word marked twice came out as broken markup ("<mark><ma</mark>rk>"). */
const tokenized = new Map()
function addPositions(builder, section, metadata, fieldsToMark) {
  for (const field of ["title", "text"]) {
    const highlighted = fieldsToMark.includes(field)
    const key = `${section.location}:${field}`
    if (highlighted && !tokenized.has(key))
      tokenized.set(key, builder.tokenizer(builder._fields[field].extractor(section)))
    const tokens = highlighted ? tokenized.get(key) : []
    const marked = new Set()
    for (const [term, fields] of Object.entries(metadata))
      if (fields[field]) {
        const words = tokens.filter(token => !marked.has(token)
          && (token.str === term || token.str.split("-").includes(term)))
        words.forEach(token => marked.add(token))
        fields[field].position = words.map(token => token.metadata.position)
      }
  }
}

/* The query as Material's worker should search it, and its words, split as the index splits words (at spaces and
   punctuation, not at hyphens: "(J Hematol Oncol 2022)" is J, Hematol, Oncol and 2022; "A&E" is A and E; "Ph+"
   is Ph). Common English words, single letters (the "T" of "T cells"), and "vs" are left out (isLeftOut), and
   lunr's operators at a word's ends (withoutOperators). A plain word of two letters (CR, NK), a number, or an
   abbreviation of three to five capitals (ALL, CRS, GVHD, ICANS) is matched whole: Material would match every
   word it starts (ALL found allogeneic before acute lymphoblastic leukemia, GVHD the trial named MSB-GVHD001
   before the GVHD trials). Any other word is matched whole and, weighing
   EXACT_WEIGHT times less, as the start of longer words (Material's wildcard, which it adds to every word):
   lunr adds up the scores of all the words a wildcard matches, so that a page holding "fever" and "fevers"
   outranked the page about CRS for "fever", and one holding "CAR-T-associated" besides "CAR-T" the pages about
   transplant after CAR-T. A plain word of six letters or more also matches words a few edits away (one up to
   eight letters, two up to eleven, three beyond), so tisagenleucel still finds tisagenlecleucel; exact matches
   rank first, as they match the word and its fuzzy clause. A misspelt word (no word of the index starts with it)
   has only its fuzzy clause, which then weighs as the word itself would: "confussion after CAR-T" listed the
   page about ICANS 4th, "confusion after CAR-T" lists it 2nd. */
function withQueryRules(query) {
  const fuzzy = []
  const kept = []
  const parts = query.split(lunr.tokenizer.separator).map(typed => {
    const word = withoutOperators(typed)
    if (word === "" || isLeftOut(word))
      return ""
    kept.push(word)
    if (/^([a-z0-9]{1,2}|[0-9]+)$/i.test(word) || /^[A-Z]{3,5}$/.test(word))
      return `${word}^1`                       /* a boost, which keeps Material from adding its wildcard */
    if (fuzzyEdits(word) > 0)
      fuzzy.push(`${word}~${fuzzyEdits(word)}${isMisspelt(word) ? `^${EXACT_WEIGHT}` : ""}`)
    if (/^[a-z0-9\u00c0-\u024f]+(-[a-z0-9\u00c0-\u024f]+)*$/i.test(word))   /* letters, digits, inner hyphens */
      return `${word}^${EXACT_WEIGHT} ${word}*^1`
    return word
  })
  const rewritten = [...parts, ...fuzzy].filter(Boolean).join(" ")
  return { query: rewritten, words: kept.map(word => word.toLowerCase()) }
}

/* Whether query word `word` is taken for a misspelling: long enough for a fuzzy clause, and no word of the index
   starts with it. */
function isMisspelt(word) {
  return fuzzyEdits(word) > 0 && !startsATerm(word)
}

/* Whether some word of the index starts with `word` (walking the vocabulary's tree, see vocabulary()). */
function startsATerm(word) {
  let node = index.tokenSet
  for (const char of word.toLowerCase()) {
    node = node.edges[char]
    if (node === undefined)
      return false
  }
  return true
}

/* How many edits away from a word of the index a query word may be and still match it (its fuzzy clause): none
   for a word of fewer than six letters (too many words are one edit from a short word), one up to eight letters,
   two up to eleven, three beyond. */
function fuzzyEdits(word) {
  return !/^[a-z]{6,}$/i.test(word) ? 0 : word.length <= 8 ? 1 : word.length <= 11 ? 2 : 3
}

/* `word` without the characters lunr reads as operators at its ends: a reader's "-" or "~" is punctuation, where
   lunr would read an operator (a "+" is split off with the punctuation: "Ph+", "CD34+"). */
function withoutOperators(word) {
  return word.replace(/^[+\-~^:*]+|[+\-~^:*]+$/g, "")
}

/* Whether a word of a query is left out of it: a common English word (isStopWord); "vs" (or "v."), which says
   that two things are compared, not what a page must hold ("graft vs host disease" listed the trials with "vs" in
   their titles before the page about GVHD); a single letter, which the index leaves out too ("Missing: t"). */
function isLeftOut(word) {
  return isStopWord(word) || word.toLowerCase() === "vs" || /^[a-z]$/i.test(word)
}

/* A common English word (lunr's stop words: for, of, the, what…) that the index leaves out: Material's own
   index would drop it from the query too, instead of matching the words it starts (for: FORUM). The index
   keeps the stop words that are also abbreviations (ALL), which stay in the query. */
function isStopWord(word) {
  const lower = word.toLowerCase()
  return /^[a-z]+$/.test(lower) && lunr.stopWordFilter(lower) === undefined && !termNumbers.has(lower)
}
