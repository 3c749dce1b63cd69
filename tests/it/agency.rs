//! Agency formats: IPTC ninjs (1.x, 2.x, 3.x; `.json` and `.jsonl`),
//! NewsML-G2 (items and messages, NITF, XHTML and plain-text bodies) and NITF
//! (3.x and 2.5), built by the real binary from fixtures written from the
//! standards. Asserts the mapped fields on pages, feeds, sitemap and JSON-LD,
//! the skipped-items summary, hostile markup, and every error of the format.

use crate::harness::{count, SiteTest, SEED, SEED_URL};

const NINJS_1: &str = include_str!("../fixtures/agency/ninjs-1.json");
const NINJS_2: &str = include_str!("../fixtures/agency/ninjs-2.json");
const NINJS_3: &str = include_str!("../fixtures/agency/ninjs-3.json");
const DUMP: &str = include_str!("../fixtures/agency/dump.jsonl");
const G2_NITF: &str = include_str!("../fixtures/agency/g2-item-nitf.xml");
const G2_XHTML: &str = include_str!("../fixtures/agency/g2-item-xhtml.xml");
const G2_MESSAGE: &str = include_str!("../fixtures/agency/g2-message.xml");
const NITF_3: &str = include_str!("../fixtures/agency/nitf-3.xml");
/// ISO-8859-1 bytes: read as bytes, not as a `&str`.
const NITF_25: &[u8] = include_bytes!("../fixtures/agency/nitf-25.xml");
const HOSTILE_JSON: &str = include_str!("../fixtures/agency/hostile.json");
const HOSTILE_G2: &str = include_str!("../fixtures/agency/hostile-g2.xml");

/// Every fixture of a well-formed agency file, by where it goes in `content/`.
const ALL: &[(&str, &str)] = &[
    ("content/ap/ninjs-1.json", NINJS_1),
    ("content/ntb/ninjs-2.json", NINJS_2),
    ("content/tt/ninjs-3.json", NINJS_3),
    ("content/dpa/dump.jsonl", DUMP),
    ("content/reuters/g2-item-nitf.xml", G2_NITF),
    ("content/afp/g2-item-xhtml.xml", G2_XHTML),
    ("content/xinhua/g2-message.xml", G2_MESSAGE),
    ("content/dpa/nitf-3.xml", NITF_3),
];

const AP: &str = "2017/07/03/trade-talks-resume-in-washington/";
const NTB: &str = "2017/07/03/oljefondet-passerte-8000-milliarder-kroner/";
const TT: &str = "2017/07/03/riksbanken-lamnar-rantan-oforandrad/";
const REUTERS: &str = "2017/07/03/china-s-xi-arrives-in-moscow-for-talks-with-putin/";
const AFP: &str = "2017/07/03/economie-la-croissance-francaise-accelere-a-l-ete/";
const XINHUA_ZH: &str = "2017/07/03/xi-jin-ping-tong-pu-jing-ju-xing-hui-tan/";
const XINHUA_AR: &str = "2017/07/03/shy-wbwtyn-yjryn-mhdtht-fy-mwskw/";
const XINHUA_FLASH: &str = "2017/07/03/flash-china-russia-sign-joint-statement/";
const DPA_1: &str = "2017/07/03/erste-meldung-des-tages/";
const DPA_2: &str = "2017/07/03/zweite-meldung-des-tages/";
const DPA_NITF: &str = "2017/07/03/deutschland-und-china-wollen-mehr-handel/";
const NYT: &str = "2007/01/15/cafe-owners-fight-zoning-change/";

fn site_with(files: &[(&str, &str)]) -> SiteTest {
    let t = SiteTest::basic();
    for (path, text) in files {
        t.write(path, text);
    }
    t
}

fn page(t: &SiteTest, url: &str) -> String {
    t.read(&format!("{url}index.html"))
}

/// The JSON-LD of a story page, parsed.
#[track_caller]
fn json_ld(html: &str) -> serde_json::Value {
    let start = html
        .find("<script type=\"application/ld+json\">")
        .expect("a JSON-LD block")
        + "<script type=\"application/ld+json\">".len();
    let end = start + html[start..].find("</script>").expect("closed");
    serde_json::from_str(&html[start..end]).expect("JSON-LD parses")
}

/// The `<entry>` of `feed` that links to `url`.
#[track_caller]
fn feed_entry<'a>(feed: &'a str, url: &str) -> &'a str {
    let link = format!("type=\"text/html\" href=\"https://news.example.org/{url}\"/>");
    let at = feed.find(&link).unwrap_or_else(|| panic!("{url} in feed"));
    let start = feed[..at].rfind("<entry").expect("entry opens");
    let end = at + feed[at..].find("</entry>").expect("entry closes");
    &feed[start..end]
}

/// `text` of a page with tags removed and whitespace collapsed, for
/// checking that words arrive (entities as the templates write them).
fn words(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn ninjs_1_2_and_3_map_to_their_pages() {
    let t = site_with(&ALL[..3]);
    t.build(&[]).assert_ok();

    // 1.x: flat names, plain-text body, subject names as keywords.
    let ap = page(&t, AP);
    assert!(
        ap.contains("<article class=\"story\" lang=\"en\">"),
        "the item's own"
    );
    assert!(ap.contains("<h1>Trade talks resume in Washington</h1>"));
    assert!(ap.contains("<span class=\"dateline\">WASHINGTON</span>"));
    assert!(ap.contains("<span class=\"source\">The Associated Press</span>"));
    assert!(
        ap.contains("By <span class=\"byline\">JANE DOE</span>"),
        "`By` is not doubled"
    );
    assert!(
        ap.contains("<time datetime=\"2017-07-03T09:15:00-04:00\">"),
        "first created"
    );
    assert!(
        ap.contains("updated <time datetime=\"2017-07-03T11:40:00-04:00\">"),
        "version created"
    );
    assert!(ap.contains(
        "<p>WASHINGTON (AP) — Trade negotiators met again on Monday after a two-week pause.</p>"
    ));
    assert!(ap.contains(
        "<p>Both delegations said the talks were \"constructive\" &amp; would continue.</p>"
    ));
    assert!(ap.contains("<p>No date was set for a final round.</p>"));
    assert!(ap.contains("<meta name=\"description\" content=\"Negotiators from both sides met again after a two-week pause.\">"));
    assert!(ap.contains("href=\"/tags/economy-business-and-finance/\""));
    assert!(ap.contains("href=\"/tags/trade/\""));
    assert!(ap.contains(
        "<p class=\"copyright\">Copyright 2017 The Associated Press. All rights reserved.</p>"
    ));

    // 2.x: the main headline of several, HTML body, keywords then subjects.
    let ntb = page(&t, NTB);
    assert!(ntb.contains("<article class=\"story\" lang=\"nb\">"));
    assert!(ntb.contains("<h1>Oljefondet passerte 8000 milliarder kroner</h1>"));
    assert!(
        !ntb.contains("Rekord for oljefondet"),
        "not the short headline"
    );
    assert!(ntb.contains("<span class=\"source\">NTB</span>"));
    assert!(ntb.contains("By <span class=\"byline\">Kari Nordmann</span>"));
    assert!(ntb.contains("<p>OSLO (NTB): Statens pensjonsfond utland passerte mandag 8000 milliarder kroner for første gang.</p>\n<h2>Aksjer løftet fondet</h2>\n<p>Økningen skyldes særlig stigende aksjekurser.</p>"));
    let tags: Vec<_> = ["oljefondet", "norges-bank", "okonomi"]
        .iter()
        .map(|s| ntb.find(&format!("href=\"/tags/{s}/\"")).expect(s))
        .collect();
    assert!(
        tags.windows(2).all(|w| w[0] < w[1]),
        "keywords, then subjects"
    );
    assert!(ntb.contains("<p class=\"copyright\">© NTB</p>"));
    let ld = json_ld(&ntb);
    assert_eq!(ld["inLanguage"], "nb");
    assert_eq!(ld["copyrightNotice"], "© NTB");
    assert_eq!(ld["dateline"], "OSLO");
    assert_eq!(ld["author"]["name"], "Kari Nordmann");
    assert_eq!(ld["dateModified"], "2017-07-03T09:30:00+02:00");

    // 3.x: camelCase names, XHTML body, `Av` (Swedish `By`) dropped.
    let tt = page(&t, TT);
    assert!(tt.contains("<article class=\"story\" lang=\"sv\">"));
    assert!(tt.contains("<h1>Riksbanken lämnar räntan oförändrad</h1>"));
    assert!(tt.contains("<span class=\"source\">TT Nyhetsbyrån</span>"));
    assert!(tt.contains("By <span class=\"byline\">Eva Ek</span>"));
    assert!(tt.contains("<time datetime=\"2017-07-03T07:05:00+02:00\">"));
    assert!(tt.contains("<li>Inflationen är nära målet.</li>"));
    assert!(tt.contains("<p class=\"copyright\">© TT Nyhetsbyrån</p>"));

    // Feeds carry each entry's language and rights.
    let feed = t.read("feed.xml");
    let e = feed_entry(&feed, NTB);
    assert!(e.starts_with("<entry xml:lang=\"nb\">"), "{e}");
    assert!(e.contains("<rights>© NTB</rights>"), "{e}");
    assert!(feed_entry(&feed, AP).starts_with("<entry xml:lang=\"en\">"));
    // ... and the listings each title's.
    let home = t.read("index.html");
    assert!(home.contains("<li lang=\"sv\">"), "{home}");
}

#[test]
fn newsml_g2_items_with_nitf_and_xhtml_bodies() {
    let t = site_with(&ALL[4..6]);
    t.build(&[]).assert_ok();

    let r = page(&t, REUTERS);
    assert!(
        r.contains("<h1>China&#39;s Xi arrives in Moscow for talks with Putin</h1>"),
        "the main headline"
    );
    assert!(!r.contains("<h1>Xi in Moscow</h1>"));
    assert!(
        r.contains("<span class=\"dateline\">MOSCOW, July 3</span>"),
        "dateline over located"
    );
    assert!(
        r.contains("<span class=\"source\">Reuters</span>"),
        "the provider"
    );
    assert!(r.contains("By <span class=\"byline\">Andrew Osborn</span>"));
    assert!(r.contains("Reuters"), "credit line");
    assert!(
        r.contains("<time datetime=\"2017-07-03T09:57:31+00:00\">"),
        "first created"
    );
    assert!(r.contains("updated <time datetime=\"2017-07-03T10:57:31+00:00\">"));
    assert!(r.contains("content=\"Chinese President Xi Jinping arrived in Moscow on Monday.\""));
    // NITF structure, kept.
    for html in [
        "<p>MOSCOW (Reuters) - Chinese President Xi Jinping arrived in Moscow on Monday for talks with Vladimir Putin.</p>",
        "<div class=\"body\">\n<h2>Leaders to sign energy deals</h2>\n<p>MOSCOW",
        "<h2>Trade on the agenda</h2>",
        "<caption>Trade, $ billion</caption>",
        "<th>Year</th>",
        "<td>69.5</td>",
        "<blockquote>",
        "<p>\"Relations are at their best,\" Xi said.</p>",
        "Xi Jinping",
        "<li>Energy</li>",
        "(Reporting by Andrew Osborn; Editing by Ann Lee)",
    ] {
        assert!(r.contains(html), "{html} in\n{r}");
    }
    for tag in ["russia", "diplomacy", "politics", "china"] {
        assert!(r.contains(&format!("href=\"/tags/{tag}/\"")), "{tag}");
    }
    assert!(r.contains("<p class=\"copyright\">(c) Copyright Thomson Reuters 2017.</p>"));
    assert_eq!(
        json_ld(&r)["copyrightNotice"],
        "(c) Copyright Thomson Reuters 2017."
    );

    let afp = page(&t, AFP);
    assert!(afp.contains("<article class=\"story\" lang=\"fr\">"));
    assert!(afp.contains("<h1>Économie : la croissance française accélère à l&#39;été</h1>"));
    assert!(
        afp.contains("<span class=\"dateline\">Paris</span>"),
        "located when no dateline"
    );
    assert!(
        afp.contains("<span class=\"source\">AFP</span>"),
        "provider literal"
    );
    assert!(
        afp.contains("By <span class=\"byline\">Jean Dupont</span>"),
        "`Par` dropped"
    );
    assert!(afp.contains("<p>PARIS (AFP) - La croissance française a <strong>accéléré</strong> au deuxième trimestre, selon l'Insee.</p>"), "{afp}");
    assert!(!afp.contains("color: red"), "the XHTML head is not body");
    assert!(
        afp.contains("href=\"/tags/economie/\""),
        "the subject's first name"
    );
}

#[test]
fn a_news_message_gives_each_text_item_and_skips_the_rest() {
    let t = site_with(&[("content/xinhua/g2-message.xml", G2_MESSAGE)]);
    let run = t.build(&[]);
    run.assert_ok();
    let out = run.stdout();
    assert!(out.starts_with("Built 3 stories into "), "{out}");
    assert!(
        out.contains("\n1 package item, 1 picture item skipped (not text)\n"),
        "{out}"
    );

    let zh = page(&t, XINHUA_ZH);
    assert!(zh.contains("<article class=\"story\" lang=\"zh-Hans\">"));
    assert!(
        zh.contains("<h1>习近平同普京举行会谈</h1>"),
        "the headline as written"
    );
    assert!(zh.contains("<span class=\"dateline\">莫斯科</span>"));
    assert!(zh.contains("<span class=\"source\">Xinhua</span>"));
    assert!(zh.contains(
        "<p>新华社莫斯科7月3日电 国家主席习近平3日在莫斯科同俄罗斯总统普京举行会谈。</p>"
    ));
    assert!(zh.contains("href=\"/tags/zhong-e-guan-xi/\""), "{zh}");

    let ar = page(&t, XINHUA_AR);
    assert!(ar.contains("<article class=\"story\" lang=\"ar\" dir=\"rtl\">"));
    assert!(ar.contains("<h1>شي وبوتين يجريان محادثات في موسكو</h1>"));
    assert!(ar.contains("<p>موسكو 3 يوليو (شينخوا) أجرى الرئيس الصيني شي جين بينغ محادثات مع الرئيس الروسي فلاديمير بوتين.</p>"));
    assert!(ar.contains("<p>وقال الجانبان إن العلاقات في أفضل حالاتها.</p>"));
    assert!(t.read("feed.xml").contains("<entry xml:lang=\"ar\">"));

    // A headline-only flash is a story with no body.
    let flash = page(&t, XINHUA_FLASH);
    assert!(flash.contains("<h1>FLASH: China, Russia sign joint statement</h1>"));
    assert!(flash.contains("<div class=\"body\">\n\n</div>"), "{flash}");

    // The picture and the package have no page.
    assert!(!t
        .path("public/2017/07/03/xi-and-putin-shake-hands")
        .exists());
    let day = t.read("2017/07/03/index.html");
    assert_eq!(count(&day, "<h2><a href="), 3, "{day}");
}

#[test]
fn json_lines_give_one_story_a_line() {
    let t = site_with(&[("content/dpa/dump.jsonl", DUMP)]);
    t.write(
        "content/dpa/more.ndjson",
        // Other stories (other ids: the same ids would be versions).
        DUMP.replace("Meldung", "Nachricht")
            .replace("dpa.com:2017", "dpa.com:more:2017"),
    );
    let run = t.build(&[]);
    run.assert_ok();
    let out = run.stdout();
    assert!(out.starts_with("Built 4 stories"), "{out}");
    assert!(
        out.contains("\n2 picture items, 2 video items skipped (not text)\n"),
        "{out}"
    );
    let first = page(&t, DPA_1);
    assert!(first.contains("<article class=\"story\" lang=\"de\">"));
    assert!(first.contains("<p>BERLIN (dpa) - Die erste Meldung.</p>"));
    assert!(first.contains("<span class=\"source\">dpa</span>"));
    assert!(page(&t, DPA_2).contains("<p>HAMBURG (dpa) - Die zweite Meldung.</p>"));
    assert!(t.exists("2017/07/03/erste-nachricht-des-tages/index.html"));
}

#[test]
fn nitf_3_and_2_5_alone() {
    let t = site_with(&[("content/dpa/nitf-3.xml", NITF_3)]);
    t.write("content/nyt/1815766.xml", NITF_25);
    t.build(&[]).assert_ok();

    let dpa = page(&t, DPA_NITF);
    assert!(dpa.contains("<article class=\"story\" lang=\"de\">"));
    assert!(dpa.contains("<h1>Deutschland und China wollen mehr Handel</h1>"));
    assert!(
        dpa.contains("<span class=\"dateline\">BERLIN (dpa), 3. Juli</span>"),
        "{dpa}"
    );
    assert!(
        dpa.contains("By <span class=\"byline\">Anna Schmidt, dpa</span>"),
        "{dpa}"
    );
    assert!(
        dpa.contains("<time datetime=\"2017-07-03T17:57:31+02:00\">"),
        "date.issue"
    );
    assert!(dpa.contains("content=\"Beide Länder wollen ihren Handel ausbauen.\""));
    assert!(dpa.contains("<h2>Gespräche im Kanzleramt</h2>"), "the deck");
    assert!(dpa.contains("Das sagte die Kanzlerin am Montag in Berlin.</p>"));
    assert!(dpa.contains("<h2>Mehr Investitionen</h2>"));
    assert!(dpa.contains("<em>deutlich</em>"));
    assert!(
        dpa.contains("<ol>\n<li>Autos</li>") || dpa.contains("<ol><li>Autos</li>"),
        "{dpa}"
    );
    assert!(dpa.contains("(Ende) dpa/as"));
    for tag in ["handel", "aussenhandel", "wirtschaft"] {
        assert!(
            dpa.contains(&format!("href=\"/tags/{tag}/\"")),
            "{tag} in {dpa}"
        );
    }

    // 2.5 in Latin-1 with a DOCTYPE, as the NYT corpus has it.
    let nyt = page(&t, NYT);
    assert!(nyt.contains("<h1>Café Owners Fight Zoning Change</h1>"));
    assert!(nyt.contains("<span class=\"source\">The New York Times</span>"));
    assert!(nyt.contains("By <span class=\"byline\">JOHN SMITH</span>"));
    assert!(
        nyt.contains("<p>The city said the plan was «fair».</p>"),
        "{nyt}"
    );
    assert_eq!(
        count(&nyt, "a zoning change would force them out."),
        1,
        "the full text, not the lead paragraph too"
    );
}

/// Every format side by side with Markdown and raw agency copy: every page
/// type, feeds, sitemap, `check` and `--relative-links` work with them.
#[test]
fn a_site_mixing_every_format() {
    let t = site_with(ALL);
    t.write("content/nyt/1815766.xml", NITF_25);
    t.write("content/seed.txt", SEED);
    t.story(
        "desk/note.md",
        "title: Desk note\ndate: 2017-07-03 23:00:00\nkeywords: [Russia]",
        "A note from the desk.\n",
    );
    let run = t.build(&[]);
    run.assert_ok();
    let out = run.stdout();
    assert!(out.starts_with("Built 14 stories into "), "{out}");
    assert!(
        out.contains("\n1 package item, 2 picture items, 1 video item skipped (not text)\n"),
        "{out}"
    );
    assert!(run.stderr().is_empty(), "{}", run.stderr());

    let urls = [
        AP,
        NTB,
        TT,
        REUTERS,
        AFP,
        XINHUA_ZH,
        XINHUA_AR,
        XINHUA_FLASH,
        DPA_1,
        DPA_2,
        DPA_NITF,
        NYT,
        SEED_URL,
        "2017/07/03/desk-note/",
    ];
    let sitemap = t.read("sitemap.xml");
    let feed = t.read("feed.xml");
    for url in urls {
        assert!(t.exists(&format!("{url}index.html")), "{url}");
        assert!(
            sitemap.contains(&format!("<loc>https://news.example.org/{url}</loc>")),
            "{url} in sitemap"
        );
    }
    for url in &urls[..urls.len() - 2] {
        if *url != NYT {
            assert!(
                feed.contains(&format!("https://news.example.org/{url}")),
                "{url} in feed"
            );
        }
    }
    // Dated index pages and keyword pages pick them up.
    assert_eq!(count(&t.read("2017/07/03/index.html"), "<h2><a href="), 13);
    assert!(t.read("2007/index.html").contains(NYT));
    let russia = t.read("tags/russia/index.html");
    assert!(russia.contains(REUTERS) && russia.contains("2017/07/03/desk-note/"));
    assert!(t
        .read("tags/index.html")
        .contains("href=\"/tags/oljefondet/\""));
    // Every word of the seed and of the agency texts.
    let seed = words(&page(&t, SEED_URL));
    assert!(seed.contains("BEIJING, July 3 (Xinhua) -- Chinese President Xi Jinping said Monday that anti-terror cooperation"));

    let check = t.run(&["check"]);
    check.assert_ok();
    assert!(
        check
            .stdout()
            .contains("1 package item, 2 picture items, 1 video item skipped (not text)"),
        "{}",
        check.stdout()
    );

    t.build(&["--relative-links", "--output", "rel"])
        .assert_ok();
    let rel = std::fs::read_to_string(t.path(&format!("rel/{NTB}index.html"))).unwrap();
    assert!(
        rel.contains("href=\"../../../../tags/oljefondet/index.html\""),
        "{rel}"
    );
    assert!(
        rel.contains("href=\"../riksbanken-lamnar-rantan-oforandrad/index.html\""),
        "{rel}"
    );
}

/// Markup and metadata an attacker controls: nothing executable reaches a
/// page, a feed (with full content) or the JSON-LD, and every word of the
/// text does.
#[test]
fn hostile_agency_markup_is_sanitized_and_keeps_its_words() {
    let t = SiteTest::new("title: T\nbase_url: https://news.example.org/\nfeed_content: full\n");
    t.write("content/hostile.json", HOSTILE_JSON);
    t.write("content/hostile-g2.xml", HOSTILE_G2);
    t.build(&[]).assert_ok();

    for (path, bytes) in SiteTest::snapshot(&t.path("public")) {
        let text = String::from_utf8(bytes).unwrap();
        if path.ends_with(".js") {
            // The search index holds story text as JSON with `<` escaped:
            // no markup at all (the engine is dateline's own).
            if path != "search/search.js" {
                assert!(
                    !text.contains('<') && text.contains("DatelineSearch."),
                    "{path}"
                );
            }
            continue;
        }
        // The search page's own form and engine are the theme's.
        let text = if path == "search/index.html" {
            text.replace(
                text.get(text.find("<form").unwrap()..text.find("</form>").unwrap())
                    .unwrap(),
                "",
            )
            .replace("<button id=\"search-more\" type=\"button\" hidden>", "")
        } else {
            text
        };
        let lower = text.to_ascii_lowercase();
        // The only script a page has is its JSON-LD (and no `</script>`
        // inside it: `<` is escaped there), and the search page's engine.
        assert_eq!(
            count(&lower, "<script"),
            count(&lower, "<script type=\"application/ld+json\">")
                + count(&lower, "<script src=\"/search/search.js\">"),
            "{path}"
        );
        for bad in [
            "javascript:",
            "vbscript:",
            "href=\"data:",
            "<iframe",
            "<object",
            "<embed",
            "<form",
            "<input",
            "<button",
            "<svg",
            "<img",
            "<style",
            " style=",
            "srcdoc",
        ] {
            assert!(!lower.contains(bad), "{bad} in {path}:\n{text}");
        }
        // No event attribute, in any tag.
        let mut rest = lower.as_str();
        while let Some(i) = rest.find('<') {
            let tag = &rest[i..rest[i..].find('>').map_or(rest.len(), |j| i + j)];
            for attr in tag.split_whitespace().skip(1) {
                assert!(!attr.starts_with("on"), "{attr} in {path}: {tag}");
            }
            if tag.starts_with("<a ") {
                assert!(
                    tag.contains(" href="),
                    "a link without href in {path}: {tag}"
                );
            }
            rest = &rest[i + 1..];
        }
        if path.ends_with(".html") {
            let ld = text.find("application/ld+json").map(|i| &text[i..]);
            if let Some(ld) = ld {
                let body = &ld[ld.find('>').unwrap() + 1..ld.find("</script>").unwrap()];
                assert!(!body.contains('<'), "{path}: {body}");
            }
        }
    }

    let json = page(
        &t,
        "2017/07/04/markets-script-script-alert-headline-script-rally/",
    );
    let feed = t.read("feed.xml");
    for words in [
        "Stocks rose",
        "after the report",
        "the data",
        "keeps its words",
        "form words",
        "caps link",
        "mail the desk",
    ] {
        assert!(json.contains(words), "{words} on the page");
        assert!(feed.contains(words), "{words} in the feed");
    }
    assert!(json.contains("<a href=\"https://example.com/report\""));
    assert!(json.contains("<a href=\"mailto:desk@example.com\""));
    assert!(json.contains("<h1>Markets &lt;/script&gt;&lt;script&gt;alert(&#39;headline&#39;)&lt;/script&gt; rally</h1>"), "a headline is text");

    let g2 = page(&t, "2017/07/04/well-formed-but-hostile/");
    for words in [
        "Hover text stays.",
        "Linked words",
        "object words",
        "End of story.",
    ] {
        assert!(g2.contains(words), "{words} on the page");
        assert!(feed.contains(words), "{words} in the feed");
    }
}

/// Point 8 of the formats' contract: each error names the file, the line
/// and column, the item, and what was expected; all are reported in one
/// run; the last good output stays.
#[test]
fn bad_agency_files_are_each_reported_and_the_output_stays() {
    let t = site_with(&[("content/good.json", NINJS_1)]);
    t.build(&[]).assert_ok();
    let before = SiteTest::snapshot(&t.path("public"));

    t.write(
        "content/bad.xml",
        "<?xml version=\"1.0\"?>\n<newsItem xmlns=\"http://iptc.org/std/nar/2006-10-01/\">\n  <itemMeta>\n</newsItem>\n",
    );
    t.write(
        "content/bad.json",
        "{\n  \"headline\": \"x\",\n  \"body_text\": oops\n}\n",
    );
    t.write(
        "content/bad.jsonl",
        "{\"uri\":\"a\",\"headline\":\"A\",\"versioncreated\":\"2017-07-03T06:00:00Z\"}\n{\"uri\":\"b\" \"headline\":\"B\"}\n",
    );
    t.write(
        "content/feed.xml",
        "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel/></rss>\n",
    );
    t.write(
        "content/msg.xml",
        concat!(
            "<newsMessage xmlns=\"http://iptc.org/std/nar/2006-10-01/\"><itemSet>\n",
            "<newsItem guid=\"urn:ok\"><itemMeta><itemClass qcode=\"ninat:text\"/><versionCreated>2017-07-03T06:00:00Z</versionCreated></itemMeta><contentMeta><headline>Fine</headline></contentMeta></newsItem>\n",
            "<newsItem guid=\"urn:nohead\"><itemMeta><itemClass qcode=\"ninat:text\"/><versionCreated>2017-07-03T06:00:00Z</versionCreated></itemMeta><contentMeta></contentMeta></newsItem>\n",
            "<newsItem guid=\"urn:nodate\"><itemMeta><itemClass qcode=\"ninat:text\"/></itemMeta><contentMeta><headline>No date</headline></contentMeta></newsItem>\n",
            "</itemSet></newsMessage>\n"
        ),
    );
    t.write(
        "content/enc.xml",
        "<?xml version=\"1.0\" encoding=\"EBCDIC-XYZ\"?>\n<nitf/>\n",
    );
    t.write(
        "content/nohead.json",
        "{\"uri\":\"urn:x:2\",\"type\":\"text\",\"versioncreated\":\"2017-07-03T06:00:00Z\"}",
    );
    t.write(
        "content/n.xml",
        "<nitf>\n<head><docdata><doc-id id-string=\"d-1\"/></docdata></head>\n<body><body.head><hedline><hl1>H</hl1></hedline></body.head></body></nitf>\n",
    );
    t.write(
        "content/m.xml",
        "<nitf>\n<head><docdata><doc-id id-string=\"d-2\"/><date.issue norm=\"20170703T000000\"/></docdata></head>\n<body></body></nitf>\n",
    );

    let run = t.build(&[]);
    run.assert_fails();
    let err = run.stderr();
    let expected = [
        "content/bad.json:3:16: error: invalid JSON: expected value; expected a ninjs item (a JSON object)",
        "content/bad.jsonl:2:12: error: invalid JSON: expected `,` or `}`; expected a ninjs item (a JSON object)",
        "content/bad.xml:4:1: error: invalid XML: expected 'itemMeta' tag, not 'newsItem'; expected a NewsML-G2 or NITF document",
        "content/enc.xml:1:1: error: unknown encoding `EBCDIC-XYZ` in the XML declaration; expected UTF-8 or another encoding by its name (ISO-8859-1, windows-1252, Shift_JIS...)",
        "content/feed.xml:2:1: error: root element <rss>: expected <newsItem> or <newsMessage> (NewsML-G2) or <nitf> (NITF)",
        "content/m.xml:1:1: error: item `d-2` has no headline: expected `body.head/hedline/hl1` or `head/title`",
        "content/msg.xml:3:1: error: item `urn:nohead` has no headline: expected `contentMeta/headline`",
        "content/msg.xml:4:1: error: item `urn:nodate` has no date: expected `itemMeta/firstCreated` or `itemMeta/versionCreated`",
        "content/n.xml:1:1: error: item `d-1` has no date: expected `docdata/date.issue@norm` or `docdata/date.release@norm`",
        "content/nohead.json:1:1: error: item `urn:x:2` has no headline: expected `headline` or `headlines`",
        "error: build failed: 10 error(s) in 9 file(s)",
    ];
    let got: Vec<&str> = err.lines().filter(|l| !l.starts_with("note:")).collect();
    assert_eq!(got, expected, "{err}");
    assert!(err.contains("note: public was left as it was"), "{err}");
    assert_eq!(
        SiteTest::snapshot(&t.path("public")),
        before,
        "the last good output stays"
    );

    // `check` reports the same, and writes nothing.
    let check = t.run(&["check"]);
    check.assert_fails();
    for line in &expected[..expected.len() - 1] {
        assert!(check.stderr().contains(line), "{line} from check");
    }
}

#[test]
fn an_invalid_language_tag_is_a_warning_and_the_story_builds() {
    let t = SiteTest::basic();
    t.write(
        "content/lang.json",
        "{\"uri\":\"urn:x:1\",\"type\":\"text\",\"headline\":\"Hi\",\"versioncreated\":\"2017-07-03T06:00:00Z\",\"language\":\"english!\"}",
    );
    t.story(
        "fm.md",
        "title: Front\ndate: 2017-07-03\nlanguage: \"x y\"",
        "x\n",
    );
    let run = t.build(&[]);
    assert!(run.stderr().contains(
        "content/lang.json:1:1: warning: item `urn:x:1`: language `english!` ignored: expected a language tag such as `en`, `de` or `zh-Hans`"
    ), "{}", run.stderr());
    // In front matter the author can fix it: an error, as for every field.
    run.assert_fails();
    assert!(run.stderr().contains("content/fm.md:4: error: invalid language `x y`: expected a language tag such as `en`, `de` or `zh-Hans`"), "{}", run.stderr());
    std::fs::remove_file(t.path("content/fm.md")).unwrap();
    t.build(&[]).assert_ok();
    assert!(page(&t, "2017/07/03/hi/").contains("<article class=\"story\">"));
}

/// The corpus generator writes the same stories in every format: each
/// builds, with no error, to the same set of story pages, with the same
/// headlines and paragraphs; the agency formats carry picture items and
/// several items to some files.
#[test]
fn generated_corpora_in_every_format_build_the_same_archive() {
    use dateline_corpus::{generate, CorpusOptions, StoryFormat};

    /// Story page URL → its `<h1>` and body paragraphs.
    fn stories(format: StoryFormat) -> (std::collections::BTreeMap<String, String>, String, usize) {
        let t = SiteTest::basic();
        let opts = CorpusOptions {
            stories: 120,
            txt_fraction: 0.0,
            format,
            ..CorpusOptions::default()
        };
        generate(t.root(), &opts).unwrap();
        let files = SiteTest::snapshot(&t.path("content")).len();
        let run = t.build(&[]);
        run.assert_ok();
        assert!(!run.stderr().contains("error"), "{}", run.stderr());
        let pages = SiteTest::snapshot(&t.path("public"))
            .into_iter()
            // Story pages (`tags/x/page/1/` has as many slashes).
            .filter(|(p, _)| {
                p.matches('/').count() == 4 && p.ends_with("/index.html") && !p.starts_with("tags/")
            })
            .map(|(p, bytes)| {
                let html = String::from_utf8(bytes).unwrap();
                let h1 = &html[html.find("<h1>").unwrap()..html.find("</h1>").unwrap()];
                let paras: Vec<&str> = html
                    .match_indices("<p>")
                    .map(|(i, _)| {
                        let end = i + html[i..].find("</p>").unwrap();
                        &html[i..end]
                    })
                    .collect();
                (p, format!("{h1}\n{}", paras.join("\n")))
            })
            .collect();
        (pages, run.stdout(), files)
    }

    let (md, md_out, md_files) = stories(StoryFormat::Markdown);
    assert_eq!(md.len(), 120);
    assert_eq!(md_files, 120);
    for format in [
        StoryFormat::NewsMl,
        StoryFormat::Nitf,
        StoryFormat::Ninjs,
        StoryFormat::Mixed,
    ] {
        let (pages, out, files) = stories(format);
        assert_eq!(pages, md, "{format:?}: the same stories, word for word");
        match format {
            StoryFormat::Nitf => assert!(!out.contains("skipped"), "{out}"),
            _ => assert!(
                out.contains(" picture items skipped (not text)"),
                "{format:?}: {out}"
            ),
        }
        if matches!(format, StoryFormat::NewsMl | StoryFormat::Ninjs) {
            // Fewer files than stories and pictures: some hold several.
            let pictures: usize = out
                .split(" picture items")
                .next()
                .unwrap()
                .rsplit('\n')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            assert!(files < 120 + pictures, "{format:?}: {files} files");
        }
    }
    assert!(!md_out.contains("skipped"), "{md_out}");
}

/// Two items of one dump with the same headline on one day: the resend
/// warning tells them apart by line.
#[test]
fn a_resend_within_one_file_is_named_by_its_line() {
    let t = SiteTest::basic();
    t.write(
        "content/dump.jsonl",
        concat!(
            "{\"uri\":\"urn:a\",\"type\":\"text\",\"headline\":\"Markets close\",\"versioncreated\":\"2017-07-03T06:00:00Z\"}\n",
            "\n",
            "{\"uri\":\"urn:b\",\"type\":\"text\",\"headline\":\"Markets close\",\"versioncreated\":\"2017-07-03T07:00:00Z\"}\n",
        ),
    );
    let run = t.build(&[]);
    run.assert_ok();
    assert!(
        run.stderr().contains(
            "content/dump.jsonl:3: warning: same headline as content/dump.jsonl:1 on 2017-07-03: published as /2017/07/03/markets-close-2/"
        ),
        "{}",
        run.stderr()
    );
}
