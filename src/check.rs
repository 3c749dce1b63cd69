//! `dateline check`: everything a build does except writing, plus a check
//! that every internal link and asset reference in the rendered pages
//! resolves to a page or static file of the site.

use std::collections::HashSet;
use std::path::PathBuf;

use crate::build::{self, BuildError, BuildOptions};
use crate::config::BaseUrl;
use crate::diag::{Diagnostic, Diagnostics};
use crate::model::Route;
use crate::output::statics;
use crate::render::links::{srcset_urls, url_attributes};

/// What `check` looked at.
#[derive(Debug)]
pub(crate) struct CheckReport {
    /// Stories loaded.
    pub articles: usize,
    /// Pages rendered.
    pub pages: usize,
    /// Internal links and references checked.
    pub links: usize,
    /// Warnings.
    pub warnings: Diagnostics,
    /// Items that are not text, skipped.
    pub skipped: crate::load::Skipped,
    /// Stories held back under embargo.
    pub held: crate::load::Held,
    /// Stories their agencies killed or withhold.
    pub unpublished: crate::build::Unpublished,
}

/// Loads, renders to memory and checks links. Writes nothing.
pub(crate) fn check(opts: &BuildOptions) -> Result<CheckReport, BuildError> {
    let p = build::prepare(opts, &crate::progress::Quiet)?;
    let base = p.site.config().base_url.clone();
    let relative_links = p.site.config().relative_links;
    let mut files: HashSet<String> = p
        .plan
        .pages()
        .iter()
        .map(|pg| pg.route().output_path())
        .collect();
    let found = statics::find(&opts.root)?;
    let (shown, shadowed) = statics::shown(&found, &p.plan);
    files.extend(shown.keys().map(|rel| rel.to_string()));
    // The search page's script (the index it loads is not linked).
    if p.site.config().search {
        files.insert(crate::search::SCRIPT.0.to_string());
    }

    let per_page = build::render_all(&p, |page, text| {
        let mut ds = Vec::new();
        let links = links_in(text);
        // Pages that must work opened from disk: all but feeds, sitemaps
        // and the not-found page (which links to the published site).
        let portable = relative_links
            && matches!(
                page.route().output_path().rsplit('/').next(),
                Some("index.html")
            );
        for link in &links {
            let why = match resolve(link, page.route(), &base, &files) {
                Err(why) => why,
                // An absolute URL names the published site on purpose.
                Ok(t) if portable && !link.contains("://") => match t {
                    Target::Elsewhere => continue,
                    _ if link.starts_with('/') => "root-relative: opened from disk it leads to \
                        the file system's root (relative_links is on)"
                        .to_string(),
                    Target::Folder => "a folder: opened from disk it needs its index.html \
                        named (relative_links is on)"
                        .to_string(),
                    Target::File => continue,
                },
                Ok(_) => continue,
            };
            ds.push(Diagnostic::error(
                PathBuf::from(page.route().url(&base)),
                0,
                format!("broken link `{link}`: {why}"),
            ));
        }
        (links.len(), ds)
    })
    .map_err(BuildError::Content)?;

    let mut ds = Diagnostics::new();
    let mut links = 0;
    for (n, d) in per_page {
        links += n;
        ds.extend(d);
    }
    if ds.has_errors() {
        ds.sort();
        return Err(BuildError::Content(ds));
    }
    let mut warnings = p.warnings;
    warnings.extend(shadowed);
    warnings.sort();
    Ok(CheckReport {
        articles: p.site.len(),
        pages: p.plan.pages().len(),
        links,
        warnings,
        skipped: p.skipped,
        held: p.held,
        unpublished: crate::build::Unpublished::of(&p.site),
    })
}

/// The URLs of `href`, `src`, `poster` and `srcset` attributes (read by
/// the same scanner as the link rewriter) and of `<loc>` elements.
pub(crate) fn links_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in url_attributes(text) {
        let value = &text[attr.value];
        if attr.list {
            out.extend(srcset_urls(value).map(|r| value[r].replace("&amp;", "&")));
        } else {
            out.push(value.replace("&amp;", "&"));
        }
    }
    let mut rest = text;
    while let Some(i) = rest.find("<loc>") {
        rest = &rest[i + "<loc>".len()..];
        let Some(end) = rest.find('<') else { break };
        out.push(rest[..end].replace("&amp;", "&"));
        rest = &rest[end..];
    }
    out
}

/// What a link leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// Another site, `mailto:`, a fragment of the same page: not checked.
    Elsewhere,
    /// A file of the site, named.
    File,
    /// A folder of the site, served as its `index.html`, which works from a
    /// server but not from disk.
    Folder,
}

/// Where `link`, found on the page at `from`, leads: an error unless to a
/// file of the site. External links are not checked.
pub(crate) fn resolve(
    link: &str,
    from: &Route,
    base: &BaseUrl,
    files: &HashSet<String>,
) -> Result<Target, String> {
    let link = link.split(['#', '?']).next().unwrap_or("");
    if link.is_empty() {
        return Ok(Target::Elsewhere);
    }
    let own = base.full();
    let rel: String = if !base.origin.is_empty() && link.starts_with(&own) {
        link[own.len()..].to_string()
    } else if link.starts_with("//") || link.split('/').next().is_some_and(|s| s.contains(':')) {
        return Ok(Target::Elsewhere); // another site, mailto:, data: …
    } else if let Some(abs) = link.strip_prefix('/') {
        match abs.strip_prefix(base.path.trim_start_matches('/')) {
            Some(r) => r.to_string(),
            None => return Err(format!("outside the base path {}", base.path)),
        }
    } else {
        let dir = match from.as_str().rfind('/') {
            Some(i) => &from.as_str()[..=i],
            None => "",
        };
        normalize(&format!("{dir}{link}")).ok_or("goes above the site's root")?
    };
    if rel.is_empty() || rel.ends_with('/') {
        if files.contains(&format!("{rel}index.html")) {
            return Ok(Target::Folder);
        }
    } else if files.contains(&rel) {
        return Ok(Target::File);
    } else if files.contains(&format!("{rel}/index.html")) {
        return Ok(Target::Folder);
    }
    {
        Err(format!(
            "expected a page or file of this site, no {}{rel}",
            base.path
        ))
    }
}

/// Resolves `.` and `..` segments; `None` if it climbs above the root.
fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    let trailing = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    let mut s = parts.join("/");
    if trailing && !s.is_empty() {
        s.push('/');
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> HashSet<String> {
        [
            "index.html",
            "style.css",
            "2017/07/03/x/index.html",
            "tags/index.html",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    #[test]
    fn resolves_links() {
        let base = BaseUrl::parse("https://x.org/archive/").unwrap();
        let from = Route::new("2017/07/03/x/");
        let f = files();
        assert!(resolve("/archive/", &from, &base, &f).is_ok());
        assert!(resolve("/archive/style.css", &from, &base, &f).is_ok());
        assert!(resolve("https://x.org/archive/tags/", &from, &base, &f).is_ok());
        assert!(resolve("../../../../tags/#top", &from, &base, &f).is_ok());
        assert!(resolve("https://elsewhere.org/", &from, &base, &f).is_ok());
        assert!(resolve("/style.css", &from, &base, &f).is_err());
        assert!(resolve("/archive/nope/", &from, &base, &f).is_err());
        assert!(resolve("../../../../../..", &from, &base, &f).is_err());
    }

    #[test]
    fn extracts_links() {
        let l = links_in(
            r#"<a href="/a/">x</a><img src="b.png" alt=""><a data-href="no"><loc>https://x/</loc>"#,
        );
        assert_eq!(l, ["/a/", "b.png", "https://x/"]);
        let l =
            links_in(r#"<A HREF = 'c.html?a=1&amp;b=2'>c</A><img srcset="d.png 1x, e.png 2x">"#);
        assert_eq!(l, ["c.html?a=1&b=2", "d.png", "e.png"]);
    }
}
