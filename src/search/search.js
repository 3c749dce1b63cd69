// dateline search: the engine behind /search/, run in the reader's browser.
//
// The index is a set of scripts under search/ (see src/search/shards.rs),
// each handing its data to `DatelineSearch`: a browser runs a script
// element's file from file://, where it refuses fetch. A query loads meta.js once, then
// the term shard of each of its words and filters, then the story files
// of the results it shows, nothing else. Words are folded and cut by the
// rules of src/search/text.rs (fold, tokens, isCjk here are their twins);
// the index maps every form it saw to its stem, so no stemmer runs here.
//
// The page's markup comes from the site's search.html; this script needs
// the elements with the ids it looks up below, and keeps the query in the
// URL (?q=…&keyword=…&source=…&year=…&sort=newest).
(function () {
  "use strict";

  var script = document.currentScript;
  var base = new URL("./", script.src); // …/search/
  var root = new URL("../", base); // the site
  var fromDisk = location.protocol === "file:";
  var SHOWN = 20; // results a page shows at a time
  var WEIGHT = [3, 2, 1]; // headline, lead (dateline, keywords, agency), body

  var meta = null;
  var shards = {}; // name -> { key: entry }
  var shardKeys = {}; // name -> sorted keys, for prefixes
  var chunks = {}; // k -> [doc lines]
  var tags = null;
  var loading = {}; // path -> Promise

  window.DatelineSearch = {
    meta: function (m) { meta = m; },
    shard: function (name, entries) { shards[name] = entries; },
    docs: function (k, lines) { chunks[k] = lines; },
    tags: function (list) { tags = list; }
  };

  function load(path) {
    if (!loading[path]) {
      loading[path] = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = new URL(path, base).href;
        s.async = true;
        s.onload = function () { resolve(); };
        s.onerror = function () {
          delete loading[path];
          reject(new Error("could not load " + path));
        };
        document.head.appendChild(s);
      });
    }
    return loading[path];
  }

  // ---- words (twins of src/search/text.rs) ----
  var ALNUM = /[\p{Alphabetic}\p{N}]/u;
  var NUMERIC = /\p{N}/u;
  function isCjk(c) {
    var n = c.codePointAt(0);
    return (n >= 0x3040 && n <= 0x30ff) || (n >= 0x31f0 && n <= 0x31ff) ||
      (n >= 0x3400 && n <= 0x4dbf) || (n >= 0x4e00 && n <= 0x9fff) ||
      (n >= 0xf900 && n <= 0xfaff) || (n >= 0xff66 && n <= 0xff9f) ||
      (n >= 0x20000 && n <= 0x3ffff);
  }
  function fold(s) {
    return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").normalize("NFC").toLowerCase();
  }
  // The words of a query: { text, cjk }, and whether the last one is still
  // being typed (nothing after it), so that it is taken as a prefix.
  function tokens(s) {
    var out = [];
    var word = "";
    var run = [];
    function flushWord() {
      var cs = Array.from(word);
      if (cs.length > 1 || (cs.length === 1 && NUMERIC.test(cs[0]))) {
        out.push({ text: word, cjk: false });
      }
      word = "";
    }
    function flushRun() {
      if (run.length === 1) out.push({ text: run[0], cjk: true });
      for (var i = 0; i + 1 < run.length; i++) out.push({ text: run[i] + run[i + 1], cjk: true });
      run = [];
    }
    var folded = fold(s);
    for (var c of folded) {
      if (isCjk(c)) { flushWord(); run.push(c); }
      else if (ALNUM.test(c)) { flushRun(); word += c; }
      else { flushWord(); flushRun(); }
    }
    var open = word !== "";
    flushWord();
    flushRun();
    return { words: out, open: open && out.length > 0 && !out[out.length - 1].cjk };
  }

  // ---- the index ----
  function less(a, b) { return a < b; } // UTF-16 order, as shards.rs sorts
  function shardOf(key) {
    var s = meta.shards, lo = 0, hi = s.length - 1, at = 0;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (less(key, s[mid][0])) hi = mid - 1; else { at = mid; lo = mid + 1; }
    }
    return s.length ? s[at][1] : null;
  }
  function own(o, k) { return Object.prototype.hasOwnProperty.call(o, k); }
  function entryOf(key) {
    var name = shardOf(key);
    if (name === null) return Promise.resolve(null);
    return load("t/" + name + ".js").then(function () {
      var sh = shards[name];
      return sh && own(sh, key) ? sh[key] : null;
    });
  }
  // The lists of a key, following an alias: an array of up to 3 strings.
  function listsOf(key) {
    return entryOf(key).then(function (e) {
      if (e === null) return [];
      if (typeof e === "string") return entryOf(e).then(function (t) { return Array.isArray(t) ? [t.slice(0, 3)] : []; });
      var lists = [e.slice(0, 3)];
      if (e.length > 3) return entryOf(e[3]).then(function (t) { if (Array.isArray(t)) lists.push(t.slice(0, 3)); return lists; });
      return lists;
    });
  }
  // Keys of the word's shard that start with it, at most 16.
  function prefixed(prefix) {
    var name = shardOf(prefix);
    if (name === null) return Promise.resolve([]);
    return load("t/" + name + ".js").then(function () {
      if (!shardKeys[name]) shardKeys[name] = Object.keys(shards[name]).sort();
      var keys = shardKeys[name], out = [];
      var lo = 0, hi = keys.length;
      while (lo < hi) { var mid = (lo + hi) >> 1; if (less(keys[mid], prefix)) lo = mid + 1; else hi = mid; }
      for (var i = lo; i < keys.length && out.length < 16 && keys[i].startsWith(prefix); i++) out.push(keys[i]);
      return out;
    });
  }
  // Every list set a word matches: its own key (a form the index saw
  // maps to its stem); while it is typed, the keys it begins; else the
  // longest key it begins with that keeps half of it (`meeting` finds
  // `meet` when no story has the very form: a stemmer's guess, without one).
  function wordLists(word, prefix) {
    return listsOf(word.text).then(function (lists) {
      if (lists.length) return lists;
      var more = prefix ? prefixed(word.text).then(function (keys) {
        return Promise.all(keys.map(listsOf)).then(function (all) { return [].concat.apply([], all); });
      }) : Promise.resolve([]);
      return more.then(function (lists) { return lists.length || word.cjk ? lists : stemLike(word.text); });
    });
  }
  function stemLike(text) {
    var cs = Array.from(text);
    if (cs.some(function (c) { return NUMERIC.test(c); })) return Promise.resolve([]);
    var shortest = Math.max(3, Math.ceil(cs.length / 2));
    function from(len) {
      if (len < shortest) return Promise.resolve([]);
      return listsOf(cs.slice(0, len).join("")).then(function (lists) { return lists.length ? lists : from(len - 1); });
    }
    return from(cs.length - 1);
  }
  // Document numbers of a gap-encoded list (src/search/encode.rs).
  var DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  var VALUE = new Uint8Array(128);
  for (var i = 0; i < 64; i++) VALUE[DIGITS.charCodeAt(i)] = i;

  // ---- a query ----
  function readForm() {
    return {
      q: el.q.value,
      keyword: keywordSlug(el.keyword ? el.keyword.value : ""),
      source: el.source ? el.source.value : "",
      year: el.year ? el.year.value : "",
      sort: el.sort && el.sort.value === "newest" ? "newest" : "relevance"
    };
  }
  function keywordSlug(v) {
    v = v.trim();
    if (!v) return "";
    if (tags) {
      var f = fold(v);
      for (var i = 0; i < tags.length; i++) if (fold(tags[i][0]) === f || tags[i][1] === f) return tags[i][1];
    }
    return fold(v).replace(/[^\p{Alphabetic}\p{N}]+/gu, "-").replace(/^-|-$/g, "");
  }
  // Finds the stories of a query: numbers, best first.
  function run(query) {
    var t = tokens(query.q);
    var words = t.words;
    var filters = [];
    if (query.keyword) filters.push("#t:" + query.keyword);
    if (query.source) filters.push("#s:" + query.source);
    if (query.year) filters.push("#y:" + query.year);
    if (!words.length && !filters.length) return Promise.resolve(null);
    var wanted = words.map(function (w, i) { return wordLists(w, t.open && i === words.length - 1); });
    var filtered = filters.map(listsOf);
    return Promise.all(wanted.concat(filtered)).then(function (sets) {
      var n = meta.docs;
      var score = new Float64Array(n);
      var hits = new Uint16Array(n);
      var seen = new Uint32Array(n);
      for (var w = 0; w < sets.length; w++) {
        var lists = sets[w], mark = w + 1;
        // How rare the word is: its lists' length, about a character a story.
        var df = 0;
        for (var j = 0; j < lists.length; j++) for (var f = 0; f < 3; f++) df += (lists[j][f] || "").length;
        var idf = w < words.length ? Math.log(1 + n / Math.max(1, df)) : 0;
        // Best field first: a story counts once a word, in its best field.
        for (f = 0; f < 3; f++) {
          var add = idf * WEIGHT[f];
          for (j = 0; j < lists.length; j++) {
            var text = lists[j][f];
            if (!text) continue;
            // Inline eachDoc: the commonest words have a story a character.
            var acc = 0, prev = -1;
            for (var i = 0; i < text.length; i++) {
              var v = VALUE[text.charCodeAt(i)];
              acc = acc * 32 + (v & 31);
              if (v < 32) {
                var d = prev + acc + 1;
                prev = d;
                acc = 0;
                if (seen[d] !== mark) {
                  seen[d] = mark;
                  hits[d]++;
                  score[d] += add;
                }
              }
            }
          }
        }
      }
      // Newest first, then (by relevance) grouped by score, best first:
      // scores take few values, so no sort of every story found.
      var need = sets.length, found = [];
      for (var d2 = n - 1; d2 >= 0; d2--) if (hits[d2] === need) found.push(d2);
      if (query.sort === "relevance" && words.length) {
        var groups = new Map();
        for (var k = 0; k < found.length; k++) {
          var s = score[found[k]], g = groups.get(s);
          if (g) g.push(found[k]); else groups.set(s, [found[k]]);
        }
        var keys = Array.from(groups.keys()).sort(function (a, b) { return b - a; });
        found = [].concat.apply([], keys.map(function (s) { return groups.get(s); }));
      }
      return found;
    });
  }
  function lines(docs) {
    var ks = {};
    docs.forEach(function (d) { ks[Math.floor(d / meta.chunk)] = true; });
    return Promise.all(Object.keys(ks).map(function (k) { return load("d/" + k + ".js"); })).then(function () {
      return docs.map(function (d) { return chunks[Math.floor(d / meta.chunk)][d % meta.chunk]; });
    });
  }

  // ---- the page ----
  var el = {};
  ["q", "keyword", "source", "year", "sort", "search-form", "search-status", "search-results",
    "search-more", "keyword-list"].forEach(function (id) { el[id] = document.getElementById(id); });
  if (!el.q || !el["search-results"]) return;
  var form = el["search-form"], status = el["search-status"], results = el["search-results"];
  var more = el["search-more"];
  var generation = 0, found = [], shown = 0;

  function href(path) {
    var u = new URL(path, root).href;
    return fromDisk && u.endsWith("/") ? u + "index.html" : u;
  }
  function say(text) { if (status) status.textContent = text; }
  function item(line) {
    var li = document.createElement("li");
    var h = document.createElement("h2");
    var a = document.createElement("a");
    a.href = href(line[0]);
    a.textContent = line[1];
    h.appendChild(a);
    li.appendChild(h);
    var p = document.createElement("p");
    p.className = "meta";
    if (line[3]) {
      var dl = document.createElement("span");
      dl.className = "dateline";
      dl.textContent = line[3];
      p.appendChild(dl);
      p.appendChild(document.createTextNode(" · "));
    }
    if (line[4]) p.appendChild(document.createTextNode(line[4] + " · "));
    var time = document.createElement("time");
    time.dateTime = line[2];
    time.textContent = line[2];
    p.appendChild(time);
    li.appendChild(p);
    if (line[5].length) {
      var ul = document.createElement("ul");
      ul.className = "keywords";
      line[5].forEach(function (kw) {
        var k = document.createElement("li");
        var ka = document.createElement("a");
        ka.href = href("tags/" + kw[1] + "/");
        ka.textContent = kw[0];
        k.appendChild(ka);
        ul.appendChild(k);
      });
      li.appendChild(ul);
    }
    return li;
  }
  function showMore(gen) {
    var next = found.slice(shown, shown + SHOWN);
    return lines(next).then(function (ls) {
      if (gen !== generation) return;
      ls.forEach(function (l) { results.appendChild(item(l)); });
      shown += next.length;
      if (more) more.hidden = shown >= found.length;
    });
  }
  function search(push) {
    var query = readForm();
    var gen = ++generation;
    writeUrl(query, push);
    return run(query).then(function (docs) {
      if (gen !== generation) return;
      results.textContent = "";
      found = docs || [];
      shown = 0;
      if (more) more.hidden = true;
      if (docs === null) { say(meta.docs.toLocaleString("en") + " stories to search."); return; }
      say(found.length === 0 ? "No stories found." :
        found.length === 1 ? "1 story found." : found.length.toLocaleString("en") + " stories found.");
      return showMore(gen);
    }).catch(function (e) {
      if (gen === generation) say("Search failed: " + e.message);
    });
  }
  function writeUrl(query, push) {
    var params = new URLSearchParams();
    if (query.q) params.set("q", query.q);
    ["keyword", "source", "year"].forEach(function (k) { if (query[k]) params.set(k, query[k]); });
    if (query.sort === "newest") params.set("sort", "newest");
    var s = params.toString();
    var url = location.pathname + (s ? "?" + s : "") + location.hash;
    if (url === location.pathname + location.search + location.hash) return;
    try {
      if (push) history.pushState(null, "", url); else history.replaceState(null, "", url);
    } catch (e) { /* some browsers refuse history from file:// */ }
  }
  function readUrl() {
    var params = new URLSearchParams(location.search);
    el.q.value = params.get("q") || "";
    if (el.keyword) el.keyword.value = params.get("keyword") || "";
    if (el.source) el.source.value = params.get("source") || "";
    if (el.year) el.year.value = params.get("year") || "";
    if (el.sort) el.sort.value = params.get("sort") === "newest" ? "newest" : "relevance";
    // The keyword shows as its slug (as in its page's URL): the list of
    // names is loaded when the field is used, not for every shared link.
  }
  function option(select, value, text) {
    var o = document.createElement("option");
    o.value = value;
    o.textContent = text;
    select.appendChild(o);
  }
  function loadTags() {
    return load("tags.js").then(function () {
      var list = el["keyword-list"];
      if (list && !list.children.length) tags.forEach(function (t) { option(list, t[0], t[0] + " (" + t[2] + ")"); });
      if (el.keyword) {
        var slug = el.keyword.value;
        tags.forEach(function (t) { if (t[1] === slug) el.keyword.value = t[0]; });
      }
    });
  }

  var timer = 0;
  el.q.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { search(false); }, 30);
  });
  [el.source, el.year, el.sort, el.keyword].forEach(function (e) {
    if (e) e.addEventListener("change", function () { search(true); });
  });
  if (el.keyword) el.keyword.addEventListener("focus", loadTags, { once: true });
  if (form) form.addEventListener("submit", function (ev) { ev.preventDefault(); clearTimeout(timer); search(true); });
  if (more) more.addEventListener("click", function () { showMore(generation); });
  window.addEventListener("popstate", function () { readUrl(); search(false); });

  say("Loading the index…");
  load("meta.js").then(function () {
    if (!meta || meta.version !== 1) throw new Error("this index was made by another version of dateline");
    if (el.source) meta.sources.forEach(function (s) { option(el.source, s[1], s[0] + " (" + s[2] + ")"); });
    if (el.year) meta.years.forEach(function (y) { option(el.year, String(y[0]), y[0] + " (" + y[1] + ")"); });
    document.documentElement.classList.add("search-ready");
    say(meta.docs.toLocaleString("en") + " stories to search.");
    readUrl();
    return search(false);
  }).catch(function (e) { say("Search is unavailable: " + e.message); });
})();
