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
mod recursion;
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

/// Tera plus where each template came from (for error messages) and which
/// templates use which (for rebuilds after a template edit).
#[derive(Clone)]
pub(crate) struct Renderer {
    tera: Tera,
    origins: BTreeMap<String, PathBuf>,
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
        let mut sources: BTreeMap<String, (PathBuf, String)> = embedded::TEMPLATES
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
        let origins: BTreeMap<String, PathBuf> = sources
            .iter()
            .map(|(n, (p, _))| (n.clone(), p.clone()))
            .collect();
        let mut used_by: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (user, (_, text)) in &sources {
            for used in sources.keys().filter(|n| *n != user) {
                if references(text, used) {
                    used_by
                        .entry(used.clone())
                        .or_default()
                        .insert(user.clone());
                }
            }
        }
        let mut tera = Tera::default();
        tera.set_escape_fn(crate::html::escape);
        // One call, so inheritance chains are built once over the final set.
        tera.add_raw_templates(sources.iter().map(|(n, (_, t))| (n.as_str(), t.as_str())))
            .map_err(|e| Diagnostics::from_iter([tera_diagnostic(&e, &origins, None)]))?;
        if let Some(d) = recursion::check(&tera, &sources) {
            return Err(Diagnostics::from_iter([d]));
        }
        let keys = template_keys(&sources, &used_by);
        Ok(Renderer {
            tera,
            origins,
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
                .unwrap_or_else(|| tera_diagnostic(&e, &self.origins, Some(route)))
        })?;
        tera_ctx.extend(views.base_context().clone());
        let html = self
            .tera
            .render(page.kind().template(), &tera_ctx)
            .map_err(|e| tera_diagnostic(&e, &self.origins, Some(route)))?;
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

/// A Tera error as a diagnostic on the template, with the full cause chain.
fn tera_diagnostic(
    e: &tera::Error,
    origins: &BTreeMap<String, PathBuf>,
    route: Option<&Route>,
) -> Diagnostic {
    let mut chain = vec![e.to_string()];
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        chain.push(s.to_string());
        src = s.source();
    }
    let text = chain.join(": ");
    // Tera names the template in quotes and, for syntax errors, gives
    // `--> line:col`.
    let template = origins
        .iter()
        .filter(|(name, _)| text.contains(&format!("'{name}'")))
        .max_by_key(|(name, _)| name.len());
    let path = template.map_or_else(|| PathBuf::from(TEMPLATES_DIR), |(_, p)| p.clone());
    let (line, col) = text
        .split("--> ")
        .nth(1)
        .and_then(|rest| {
            let mut it = rest
                .split(|c: char| !c.is_ascii_digit())
                .filter(|s| !s.is_empty());
            Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?))
        })
        .unwrap_or((0, 0));
    let mut message = text.split_whitespace().collect::<Vec<_>>().join(" ");
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
