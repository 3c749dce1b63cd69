//! Template recursion that would never end. Tera has no depth limit: a
//! template that includes itself, or a macro that calls itself with nothing
//! to stop it, recurses until the stack overflows, and the process aborts
//! (a `serve` with it). Both are found here from the parsed templates,
//! before anything renders, and reported as errors at the tag that loops.
//! A macro whose recursion sits under an `if` or a `for` (a tree walked to
//! its leaves) is legitimate and left alone; Tera itself catches `extends`
//! cycles.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use tera::ast::{Expr, ExprVal, Node};
use tera::Tera;

use crate::diag::Diagnostic;

/// Template name → (how it is shown, its source).
type Sources = BTreeMap<String, (PathBuf, String)>;

/// The first never-ending recursion in `tera`, if any.
pub(super) fn check(tera: &Tera, sources: &Sources) -> Option<Diagnostic> {
    include_cycle(tera, sources).or_else(|| self_calling_macro(tera, sources))
}

/// A template that includes itself, directly or through others, would
/// recurse at render time until the stack overflows and the process aborts
/// (Tera itself catches only `extends` cycles). Found here, from the parsed
/// templates, before anything renders, and reported at the `include` that
/// closes the loop.
fn include_cycle(tera: &Tera, sources: &Sources) -> Option<Diagnostic> {
    // name → the templates it includes, sorted (deterministic reports).
    let includes: BTreeMap<&str, BTreeSet<&str>> = tera
        .templates
        .iter()
        .map(|(name, t)| {
            let mut out = BTreeSet::new();
            included(&t.ast, &mut out);
            (name.as_str(), out)
        })
        .collect();
    // Depth first, with the path so far: a name met again on it closes a
    // cycle.
    fn visit<'a>(
        name: &'a str,
        includes: &BTreeMap<&'a str, BTreeSet<&'a str>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<&'a str>> {
        if let Some(at) = path.iter().position(|n| *n == name) {
            let mut cycle = path[at..].to_vec();
            cycle.push(name);
            return Some(cycle);
        }
        if !done.insert(name) {
            return None;
        }
        path.push(name);
        for next in includes.get(name).into_iter().flatten() {
            if let Some(c) = visit(next, includes, path, done) {
                return Some(c);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    let cycle = includes
        .keys()
        .find_map(|name| visit(name, &includes, &mut Vec::new(), &mut done))?;
    let (last, first) = (cycle[cycle.len() - 2], cycle[cycle.len() - 1]);
    let (path, text) = sources.get(last)?;
    let line = text
        .lines()
        .position(|l| {
            l.contains("include")
                && (l.contains(&format!("\"{first}\"")) || l.contains(&format!("'{first}'")))
        })
        .map_or(0, |i| i + 1);
    Some(Diagnostic::error(
        path.clone(),
        line,
        format!(
            "template include cycle: {}; expected templates that do not include \
             themselves (rendering would never end)",
            cycle.join(" includes ")
        ),
    ))
}

/// The names `{% include %}`d anywhere in `nodes`.
fn included<'a>(nodes: &'a [Node], out: &mut BTreeSet<&'a str>) {
    for node in nodes {
        match node {
            Node::Include(_, names, _) => out.extend(names.iter().map(String::as_str)),
            Node::Block(_, b, _) => included(&b.body, out),
            Node::MacroDefinition(_, m, _) => included(&m.body, out),
            Node::FilterSection(_, f, _) => included(&f.body, out),
            Node::Forloop(_, f, _) => {
                included(&f.body, out);
                included(f.empty_body.as_deref().unwrap_or_default(), out);
            }
            Node::If(i, _) => {
                for (_, _, body) in &i.conditions {
                    included(body, out);
                }
                if let Some((_, body)) = &i.otherwise {
                    included(body, out);
                }
            }
            _ => {}
        }
    }
}

/// A macro that calls itself outside any `if` or `for`: each call makes the
/// same call again.
fn self_calling_macro(tera: &Tera, sources: &Sources) -> Option<Diagnostic> {
    let mut names: Vec<&String> = tera.templates.keys().collect();
    names.sort();
    for name in names {
        let t = &tera.templates[name.as_str()];
        // `self::f`, or the template imported into itself under an alias.
        let own = |ns: &str| {
            ns == "self"
                || t.imported_macro_files
                    .iter()
                    .any(|(file, alias)| alias == ns && file == name)
        };
        let mut macros: Vec<_> = t.macros.iter().collect();
        macros.sort_by_key(|(m, _)| m.as_str());
        for (m, def) in macros {
            if calls_unconditionally(&def.body, &|call| own(&call.namespace) && call.name == *m) {
                let (path, text) = sources.get(name.as_str())?;
                let line = text
                    .lines()
                    .position(|l| l.contains("macro") && l.contains(m.as_str()))
                    .map_or(0, |i| i + 1);
                return Some(Diagnostic::error(
                    path.clone(),
                    line,
                    format!(
                        "macro `{m}` calls itself outside any `if` or `for`, so it never \
                         ends; expected its call to itself under a condition"
                    ),
                ));
            }
        }
    }
    None
}

/// Whether `nodes` call a macro `is_it` matches outside any `if` or `for`.
fn calls_unconditionally(nodes: &[Node], is_it: &dyn Fn(&tera::ast::MacroCall) -> bool) -> bool {
    let calls = |e: &Expr| matches!(&e.val, ExprVal::MacroCall(c) if is_it(c));
    nodes.iter().any(|node| match node {
        Node::VariableBlock(_, e) => calls(e),
        Node::Set(_, s) => calls(&s.value),
        Node::FilterSection(_, f, _) => calls_unconditionally(&f.body, is_it),
        _ => false,
    })
}
