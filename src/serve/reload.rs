//! Live reload and the pages the preview makes itself: the script injected
//! into served HTML pages (never into `build` output), the Server-Sent
//! Events it listens to, the overlay that shows the current build errors,
//! and the page shown while the first build runs.

use crate::html::escape_into;

/// URL path of the event stream.
pub(crate) const EVENTS_PATH: &str = "/__dateline/events";
/// URL path of the script.
pub(crate) const SCRIPT_PATH: &str = "/__dateline/reload.js";

/// The client script. It reloads the page when a rebuild touched it (or
/// touched everything), swaps stylesheets in place after a CSS-only change,
/// and shows or clears the error overlay.
pub(crate) const SCRIPT: &str = r#"(() => {
  const here = () => location.pathname.endsWith("/") || location.pathname.includes(".")
    ? location.pathname : location.pathname + "/";
  const overlay = (text) => {
    let el = document.getElementById("dateline-overlay");
    if (!text) { if (el) el.remove(); return; }
    if (!el) {
      el = document.createElement("div");
      el.id = "dateline-overlay";
      el.setAttribute("role", "alert");
      el.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;background:rgba(20,20,20,.93);color:#fdd;font:14px/1.5 ui-monospace,monospace;padding:2rem;white-space:pre-wrap";
      document.body.appendChild(el);
    }
    el.textContent = "dateline: the last change did not build; this is the last good page.\n\n" + text;
  };
  const events = new EventSource("__EVENTS__");
  // Says on the page that it follows the site (a test waits for it).
  events.addEventListener("open", () => { document.documentElement.dataset.datelineLive = "open"; });
  events.addEventListener("reload", (e) => {
    const m = JSON.parse(e.data);
    overlay(null);
    if (m.css) {
      for (const link of document.querySelectorAll('link[rel="stylesheet"]')) {
        const url = new URL(link.href);
        url.searchParams.set("dateline", Date.now());
        link.href = url.href;
      }
    } else if (m.all || m.urls.includes(here()) || m.urls.includes(location.pathname)) {
      location.reload();
    }
  });
  events.addEventListener("error", (e) => { if (e.data) overlay(JSON.parse(e.data).text); });
})();
"#;

/// The script with its endpoint filled in.
pub(crate) fn script() -> String {
    SCRIPT.replace("__EVENTS__", EVENTS_PATH)
}

/// Adds the reload script, and the overlay when `error` is set, to an HTML
/// page: just before `</body>`, or at the end.
pub(crate) fn inject(html: &str, error: Option<&str>) -> String {
    let mut tail = String::new();
    if let Some(text) = error {
        tail.push_str(&overlay_html(text));
    }
    tail.push_str(&format!("<script src=\"{SCRIPT_PATH}\"></script>\n"));
    match html.rfind("</body>") {
        Some(i) => format!("{}{tail}{}", &html[..i], &html[i..]),
        None => format!("{html}{tail}"),
    }
}

/// The overlay as HTML, for pages served while the last build is broken.
pub(crate) fn overlay_html(text: &str) -> String {
    let mut out = String::from(
        "<div id=\"dateline-overlay\" role=\"alert\" style=\"position:fixed;inset:0;z-index:2147483647;\
         overflow:auto;background:rgba(20,20,20,.93);color:#fdd;font:14px/1.5 ui-monospace,monospace;\
         padding:2rem;white-space:pre-wrap\">dateline: the last change did not build; this is the last good page.\n\n",
    );
    escape_into(&mut out, text);
    out.push_str("</div>\n");
    out
}

/// The page every request gets while the first build runs: what it is
/// doing, refreshed every second (the reload script also reloads it the
/// moment the build is done).
pub(crate) fn building_page(progress: &str) -> String {
    let mut text = String::new();
    escape_into(&mut text, progress);
    inject(
        &format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta http-equiv=\"refresh\" content=\"1\">\
             <title>dateline: building the archive</title></head>\n<body>\n\
             <h1>The archive is being built</h1>\n<p role=\"status\">{text}</p>\n\
             <p>This page reloads by itself when it is ready.</p>\n</body></html>\n"
        ),
        None,
    )
}

/// A page for when there is no good build at all yet.
pub(crate) fn error_page(text: &str) -> String {
    inject(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>dateline: build failed</title></head>\n<body>\n</body></html>\n",
        Some(text),
    )
}

/// One Server-Sent Event.
pub(crate) fn event(name: &str, json: &serde_json::Value) -> String {
    format!("event: {name}\ndata: {json}\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn injects_before_body_end_and_escapes_the_error() {
        let html = inject(
            "<html><body><p>x</p></body></html>",
            Some("a.md:1: <bad> & worse"),
        );
        assert!(html.contains("<p>x</p><div id=\"dateline-overlay\""));
        assert!(html.contains("a.md:1: &lt;bad&gt; &amp; worse</div>"));
        assert!(html.ends_with("<script src=\"/__dateline/reload.js\"></script>\n</body></html>"));
        assert_eq!(
            inject("plain", None),
            "plain<script src=\"/__dateline/reload.js\"></script>\n"
        );
    }

    #[test]
    fn the_building_page_says_how_far_and_refreshes() {
        let page = building_page("loading stories: 10 of 20 <x>");
        assert!(page.contains("<p role=\"status\">loading stories: 10 of 20 &lt;x&gt;</p>"));
        assert!(page.contains("<meta http-equiv=\"refresh\" content=\"1\">"));
        assert!(page.contains(SCRIPT_PATH));
    }

    #[test]
    fn events_are_framed() {
        let e = event("reload", &serde_json::json!({"all": true}));
        assert_eq!(e, "event: reload\ndata: {\"all\":true}\n\n");
    }
}
