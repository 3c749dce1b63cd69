//! The views of the sitemap: its URLs (each page's permalink and newest
//! date), or, above 50,000 URLs, the index of its parts.

use rayon::prelude::*;
use serde::Serialize;

use super::formatted::{Stamp, Url};
use super::Views;
use crate::plan::{self, PageKind};

/// A sitemap `<url>` or `<sitemap>`.
#[derive(Debug, Hash, Serialize)]
pub(crate) struct SitemapUrl<'a> {
    /// Absolute URL.
    loc: Url<'a>,
    /// RFC 3339 date.
    lastmod: Option<Stamp>,
}

impl Views<'_> {
    /// The dates of the pages part `n` lists (1 when not split).
    fn part_dates(&self, n: usize) -> &[Option<Stamp>] {
        let pages = self.plan.pages();
        self.part_dates[n.max(1) - 1].get_or_init(|| {
            self.plan
                .sitemap_part(n)
                .iter()
                .map(|&p| plan::lastmod(self.site, pages[p].kind()).map(Stamp::from))
                .collect()
        })
    }

    /// The URLs of part `n` of the sitemap (all of them when not split).
    pub(super) fn sitemap_entries(&self, n: usize) -> Vec<SitemapUrl<'_>> {
        let pages = self.plan.pages();
        self.plan
            .sitemap_part(n)
            .iter()
            .zip(self.part_dates(n))
            .map(|(&p, &lastmod)| SitemapUrl {
                loc: Url::permalink(self.base(), pages[p].route()),
                lastmod,
            })
            .collect()
    }

    /// `sitemap.xml`: (its URLs, no parts) or, when split, (no URLs, its
    /// parts, each with its newest date).
    pub(super) fn sitemap_index(&self) -> (Vec<SitemapUrl<'_>>, Vec<SitemapUrl<'_>>) {
        let parts = self.plan.sitemap_parts();
        if parts == 0 {
            return (self.sitemap_entries(1), Vec::new());
        }
        // Every part's dates, on every core (the index shows each part's newest).
        (1..=parts).into_par_iter().for_each(|n| {
            self.part_dates(n);
        });
        let pages = self.plan.pages();
        let sitemaps = (1..=parts)
            .filter_map(|n| {
                let part = self.plan.position(&PageKind::SitemapPart(n))?;
                Some(SitemapUrl {
                    loc: Url::permalink(self.base(), pages[part].route()),
                    // The newest instant (of equal ones, the last, as for
                    // dates: chrono compares instants only).
                    lastmod: self
                        .part_dates(n)
                        .iter()
                        .flatten()
                        .max_by_key(|d| d.instant())
                        .copied(),
                })
            })
            .collect();
        (Vec::new(), sitemaps)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::config::{BaseUrl, Config};
    use crate::diag::Diagnostic;
    use crate::model::{Article, Bodies, Format, Site};
    use crate::plan::Plan;
    use crate::render::views::Views;
    use crate::render::Renderer;

    struct NoBodies;

    impl Bodies for NoBodies {
        fn html(&self, _: &Article) -> Result<String, Diagnostic> {
            Ok(String::new())
        }
    }

    #[test]
    fn the_sitemap_becomes_an_index_of_parts_above_50000_urls() {
        let base = chrono::DateTime::parse_from_rfc3339("2000-01-01T12:00:00+00:00").unwrap();
        let articles: Vec<Arc<Article>> = (0..50_001)
            .map(|i| {
                let mut a = Article::new(
                    format!("s{i}.md"),
                    crate::model::article::content_dir(),
                    Format::Markdown,
                    format!("Story {i}"),
                    base + chrono::Duration::hours(i),
                );
                a.set_base_slug(format!("story-{i}"));
                Arc::new(a)
            })
            .collect();
        let config = Config {
            base_url: BaseUrl::parse("https://x.org/").unwrap(),
            ..Config::default()
        };
        let (site, _) = Site::assemble(config, articles).unwrap();
        let plan = Plan::new(&site);
        let parts = plan.sitemap_parts();
        assert!(parts >= 2, "{parts} sitemap parts");
        // Every page a visitor lands on: the HTML pages but 404.html.
        let listed = plan
            .pages()
            .iter()
            .filter(|p| p.route().output_path().ends_with("index.html"))
            .count();
        let empty = tempfile::tempdir().unwrap();
        let renderer = Renderer::new(empty.path()).unwrap();
        let views = Views::new(&site, &plan, &NoBodies);
        let render = |route: &str| {
            let page = plan
                .pages()
                .iter()
                .find(|p| p.route().as_str() == route)
                .unwrap();
            let p = plan.pages().iter().position(|q| q == page).unwrap();
            renderer.render(&views, page, &views.context(p)).unwrap()
        };
        let index = render("sitemap.xml");
        assert!(
            index.contains("<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">")
        );
        assert_eq!(index.matches("<sitemap>").count(), parts);
        assert!(index.contains("<loc>https://x.org/sitemap-1.xml</loc>"));
        let mut total = 0;
        for n in 1..=parts {
            let part = render(&format!("sitemap-{n}.xml"));
            let urls = part.matches("<url>").count();
            assert!(urls <= 50_000);
            total += urls;
        }
        assert_eq!(total, listed, "every page is in exactly one part");
    }
}
