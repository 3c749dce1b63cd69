//! The renderer: owns the Tera instance and turns one planned [`Page`] into
//! bytes. The embedded default theme is loaded first; a site's own
//! `templates/` overrides any template by name (and may add partials).
//!
//! A template sees only the views of [`views`]: the site model, through
//! them, and story bodies, which the loader supplies (through
//! [`crate::model::Bodies`]) when a page is rendered. The renderer itself
//! reads no file of `content/`; it reads `templates/` when it is made.

pub(crate) mod embedded;
pub(crate) mod links;
pub(crate) mod views;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use tera::Tera;
use walkdir::WalkDir;

use crate::diag::{Diagnostic, Diagnostics};
use crate::fsx;
use crate::layout::{is_ignored_name, slash_path, TEMPLATES_DIR};
use crate::model::Route;
use crate::plan::{Page, PageKind};
use views::{PageContext, Views};

/// Tera plus where each template came from and its source (for error
/// messages) and which templates use which (for rebuilds after a template
/// edit).
#[derive(Clone)]
pub(crate) struct Renderer {
    tera: Tera,
    /// Template name → how it is shown (`templates/tag.html`) and its
    /// source.
    sources: Sources,
    /// Template name → names of the templates that extend, include or
    /// import it.
    used_by: BTreeMap<String, BTreeSet<String>>,
    /// Template name → a hash of the sources of the templates a page drawn
    /// with it is made from (itself, and what it extends, includes or
    /// imports, transitively): see [`Renderer::drawn_with`].
    keys: BTreeMap<String, u64>,
}

impl Renderer {
    /// Loads the default theme, then `root/templates/` over it.
    pub(crate) fn new(root: &Path) -> Result<Renderer, Diagnostics> {
        let mut sources: Sources = embedded::TEMPLATES
            .iter()
            .map(|(name, src)| {
                (
                    name.to_string(),
                    (PathBuf::from(format!("{name} (built-in)")), src.to_string()),
                )
            })
            .collect();
        let mut ds = Diagnostics::new();
        let dir = root.join(TEMPLATES_DIR);
        if dir.is_dir() {
            for entry in WalkDir::new(&dir).sort_by_file_name() {
                let entry = match entry {
                    Ok(e) => e,
                    Err(e) => {
                        ds.push(Diagnostic::error(
                            e.path().unwrap_or(&dir),
                            0,
                            format!("cannot read: {e}"),
                        ));
                        continue;
                    }
                };
                let name_os = entry.file_name().to_string_lossy();
                if !entry.file_type().is_file() || is_ignored_name(&name_os) {
                    continue;
                }
                let Ok(rel) = entry.path().strip_prefix(&dir) else {
                    continue;
                };
                let name = slash_path(rel);
                let shown = Path::new(TEMPLATES_DIR).join(rel);
                match fsx::read_text(entry.path(), &shown) {
                    Ok(text) => {
                        sources.insert(name, (shown, text));
                    }
                    Err(d) => ds.push(d),
                }
            }
        }
        if ds.has_errors() {
            return Err(ds);
        }
        let mut used_by: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let components: BTreeMap<&str, Vec<&str>> = sources
            .iter()
            .map(|(name, (_, text))| (name.as_str(), components_defined(text)))
            .collect();
        for (user, (_, text)) in &sources {
            for used in sources.keys().filter(|n| *n != user) {
                if references(text, used) || calls_any(text, &components[used.as_str()]) {
                    used_by
                        .entry(used.clone())
                        .or_default()
                        .insert(user.clone());
                }
            }
        }
        let mut tera = Tera::default();
        tera.set_escape_fn(crate::html::escape_to);
        // One call, so inheritance chains are built once over the final set
        // (and include cycles found: Tera reports them, and stops a
        // component that calls itself too deep, instead of overflowing
        // the stack).
        tera.add_raw_templates(sources.iter().map(|(n, (_, t))| (n.as_str(), t.as_str())))
            .map_err(|e| Diagnostics::from_iter([tera_diagnostic(&e, &sources, None)]))?;
        let keys = template_keys(&sources, &used_by);
        Ok(Renderer {
            tera,
            sources,
            used_by,
            keys,
        })
    }

    /// A hash of the templates that a page drawn with `template` is made
    /// from: equal in two builds exactly when those templates' sources are
    /// (how a build's manifest tells a page whose template changed).
    pub(crate) fn drawn_with(&self, template: &str) -> u64 {
        self.keys.get(template).copied().unwrap_or(0)
    }

    /// The templates whose output may change when the templates `changed`
    /// change: themselves and everything that extends, includes or imports
    /// them, transitively.
    pub(crate) fn affected_by(&self, changed: &BTreeSet<String>) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut todo: Vec<&str> = changed.iter().map(String::as_str).collect();
        while let Some(name) = todo.pop() {
            if out.insert(name.to_string()) {
                if let Some(users) = self.used_by.get(name) {
                    todo.extend(users.iter().map(String::as_str));
                }
            }
        }
        out
    }

    /// Renders `page` from its context (what [`Views::context`] made of
    /// it): its template, then, with `relative_links`, its links rewritten
    /// relative to the page.
    pub(crate) fn render(
        &self,
        views: &Views<'_>,
        page: &Page,
        ctx: &PageContext<'_>,
    ) -> Result<String, Diagnostic> {
        let route = page.route();
        let mut tera_ctx = tera::Context::from_serialize(ctx).map_err(|e| {
            // A story body that could not be read names its own file.
            views::take_body_error()
                .unwrap_or_else(|| tera_diagnostic(&e, &self.sources, Some(route)))
        })?;
        tera_ctx.insert_value("site", views.site_value().clone());
        let html = self
            .tera
            .render(page.kind().template(), &tera_ctx)
            .map_err(|e| tera_diagnostic(&e, &self.sources, Some(route)))?;
        let config = views.site().config();
        let style = match page.kind() {
            _ if !config.relative_links => None,
            PageKind::NotFound => Some(links::LinkStyle::Absolute),
            PageKind::Feed
            | PageKind::TagFeed(_)
            | PageKind::Sitemap
            | PageKind::SitemapPart(_) => None,
            _ => Some(links::LinkStyle::RelativeTo(route)),
        };
        Ok(style
            .and_then(|s| links::rewrite(&html, s, &config.base_url))
            .unwrap_or(html))
    }
}

/// For each template, the hash of the sources (by name) of the templates
/// it uses, transitively, itself included.
fn template_keys(
    sources: &BTreeMap<String, (PathBuf, String)>,
    used_by: &BTreeMap<String, BTreeSet<String>>,
) -> BTreeMap<String, u64> {
    use std::hash::BuildHasher;
    let mut uses: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (used, users) in used_by {
        for user in users {
            uses.entry(user.as_str()).or_default().push(used.as_str());
        }
    }
    sources
        .keys()
        .map(|name| {
            let mut seen = BTreeSet::new();
            let mut todo = vec![name.as_str()];
            while let Some(n) = todo.pop() {
                if seen.insert(n) {
                    todo.extend(uses.get(n).into_iter().flatten());
                }
            }
            let drawn: Vec<(&str, &str)> = seen
                .into_iter()
                .map(|n| (n, sources[n].1.as_str()))
                .collect();
            (
                name.clone(),
                foldhash::quality::FixedState::default().hash_one(drawn),
            )
        })
        .collect()
}

/// Whether template source `text` names template `name` in a tag
/// (`{% extends "name" %}`, `include`, `import`).
fn references(text: &str, name: &str) -> bool {
    text.split("{%").skip(1).any(|tag| {
        let tag = tag.split("%}").next().unwrap_or("");
        let t = tag.trim_start_matches('-').trim_start();
        (t.starts_with("extends") || t.starts_with("include") || t.starts_with("import"))
            && (tag.contains(&format!("\"{name}\"")) || tag.contains(&format!("'{name}'")))
    })
}

/// The components template source `text` defines
/// (`{% component name(args) %}`).
fn components_defined(text: &str) -> Vec<&str> {
    text.split("{%")
        .skip(1)
        .filter_map(|tag| {
            let t = tag.trim_start_matches('-').trim_start();
            let rest = t.strip_prefix("component")?;
            let name = rest
                .trim_start()
                .split(|c: char| c == '(' || c.is_whitespace())
                .next()?;
            (rest.starts_with(char::is_whitespace) && !name.is_empty()).then_some(name)
        })
        .collect()
}

/// Whether template source `text` may call one of the components `names`
/// (`{{ <name .../> }}`, `{% <name> %}`): it holds `<name` followed by
/// what ends a name. A false match costs a page rendered again, never a
/// stale one.
fn calls_any(text: &str, names: &[&str]) -> bool {
    names.iter().any(|name| {
        text.match_indices(&format!("<{name}")).any(|(at, m)| {
            text[at + m.len()..]
                .chars()
                .next()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '.'))
        })
    })
}

/// Template name → how it is shown and its source.
type Sources = BTreeMap<String, (PathBuf, String)>;

/// A Tera error as a diagnostic on the template and line it names, with the
/// full cause chain.
fn tera_diagnostic(e: &tera::Error, sources: &Sources, route: Option<&Route>) -> Diagnostic {
    use tera::ErrorKind;
    let shown = |name: &str| {
        sources
            .get(name)
            .map_or_else(|| PathBuf::from(TEMPLATES_DIR), |(p, _)| p.clone())
    };
    // Where it is (template, 1-based line and column) and what it says.
    let (path, line, col, mut message) = match e.kind() {
        ErrorKind::SyntaxError(r) | ErrorKind::RenderingError(r) => (
            shown(r.filename()),
            r.span().start_line,
            r.span().start_col + 1,
            r.message().to_string(),
        ),
        ErrorKind::CircularInclude { tpl, include_chain } => {
            // Reported at the `include` that closes the loop.
            // The chain from the template rendered; the cycle is from the
            // first of its last name on.
            let mut chain: Vec<&str> = include_chain.iter().map(String::as_str).collect();
            if let Some(last) = chain.last().copied() {
                let from = chain.iter().position(|n| *n == last).unwrap_or(0);
                chain.drain(..from);
            }
            let closing = chain.len().checked_sub(2).map(|i| (chain[i], chain[i + 1]));
            let line = closing
                .and_then(|(from, to)| include_line(&sources.get(from)?.1, to))
                .unwrap_or(0);
            let at = closing.map_or(tpl.as_str(), |(from, _)| from);
            (
                shown(at),
                line,
                0,
                format!("template include cycle: {}", chain.join(" includes ")),
            )
        }
        ErrorKind::CircularExtend {
            tpl,
            inheritance_chain,
        } => (
            shown(tpl),
            0,
            0,
            format!(
                "template extends cycle: {} extends {tpl}",
                inheritance_chain.join(" extends ")
            ),
        ),
        ErrorKind::MissingParent { current, parent } => (
            shown(current),
            0,
            0,
            format!("extends `{parent}`, which is not a template of the built-in theme or of templates/"),
        ),
        other => {
            // Otherwise the message names the template in quotes, if any.
            let text = other.to_string();
            let named = sources
                .keys()
                .filter(|name| text.contains(&format!("'{name}'")))
                .max_by_key(|name| name.len());
            (named.map_or_else(|| PathBuf::from(TEMPLATES_DIR), |n| shown(n)), 0, 0, text)
        }
    };
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        message.push_str(": ");
        message.push_str(&s.to_string());
        src = s.source();
    }
    let mut message = message.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some(r) = route {
        message = format!("rendering /{}: {message}", r.as_str());
    }
    let d = Diagnostic::error(path, line, message);
    if col > 0 {
        d.at_column(col)
    } else {
        d
    }
}

/// The 1-based line of the first `{% include %}` of `name` in `text`.
fn include_line(text: &str, name: &str) -> Option<usize> {
    let mut offset = 0;
    for tag in text.split("{%") {
        let here = offset;
        offset += tag.len() + 2;
        let t = tag
            .split("%}")
            .next()
            .unwrap_or("")
            .trim_start_matches('-')
            .trim_start();
        if t.starts_with("include")
            && (t.contains(&format!("\"{name}\"")) || t.contains(&format!("'{name}'")))
        {
            return Some(text[..here].matches('\n').count() + 1);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_name_what_they_use() {
        let t = "{% extends \"base.html\" %}{%- include 'box.html' %}{{ <badge x={1}/> }}";
        assert!(references(t, "base.html") && references(t, "box.html"));
        assert!(!references(t, "other.html"));
        let defs = "{% component badge(x) %}{% endcomponent badge %}\n{%- component  card (y) %}";
        assert_eq!(components_defined(defs), ["badge", "card"]);
        assert!(calls_any(t, &["badge"]));
        assert!(!calls_any(t, &["badg", "card"]));
        assert!(!calls_any("{{ <badge_2/> }}", &["badge"]));
        assert!(calls_any("{% <card> %}x{% </card> %}", &["card"]));
    }

    #[test]
    fn an_include_is_found_on_its_line() {
        let t = "<div>\n{{ x }}\n{% include \"box.html\" %}\n{% include \"box.html\" %}";
        assert_eq!(include_line(t, "box.html"), Some(3));
        assert_eq!(include_line(t, "other.html"), None);
    }
}
