//! The default theme, compiled into the binary: used when a site has no
//! template of a name, and written out by `dateline init`.

/// Default templates: (name, source).
pub const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("stories.html", include_str!("../../templates/stories.html")),
    (
        "pagination.html",
        include_str!("../../templates/pagination.html"),
    ),
    ("article.html", include_str!("../../templates/article.html")),
    ("index.html", include_str!("../../templates/index.html")),
    ("tag.html", include_str!("../../templates/tag.html")),
    ("tags.html", include_str!("../../templates/tags.html")),
    ("404.html", include_str!("../../templates/404.html")),
    ("search.html", include_str!("../../templates/search.html")),
    (
        "withdrawn.html",
        include_str!("../../templates/withdrawn.html"),
    ),
    ("feed.xml", include_str!("../../templates/feed.xml")),
    ("sitemap.xml", include_str!("../../templates/sitemap.xml")),
];

/// Default static files: (path under `static/`, contents).
pub(crate) const STATIC: &[(&str, &str)] = &[("style.css", include_str!("../../static/style.css"))];
