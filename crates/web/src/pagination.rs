//! Numbered pagination links for lists.

use linkwork_storage::Page;

#[derive(Debug, Clone)]
pub struct PageLink {
    pub number: u32,
    /// `None` for an ellipsis between distant pages.
    pub href: Option<String>,
    pub current: bool,
}

#[derive(Debug, Clone)]
pub struct Pagination {
    pub total_pages: u32,
    pub previous: Option<String>,
    pub next: Option<String>,
    pub links: Vec<PageLink>,
}

impl Pagination {
    /// Links for `page`, keeping the list's other query parameters
    /// (`query` is already URL-encoded, without `page`).
    pub fn new<T>(page: &Page<T>, path: &str, query: &str) -> Pagination {
        let href = |n: u32| {
            if query.is_empty() {
                format!("{path}?page={n}")
            } else {
                format!("{path}?{query}&page={n}")
            }
        };
        let (current, last) = (page.page, page.total_pages());
        let mut links = Vec::new();
        let mut previous_shown = 0;
        for n in 1..=last {
            // First, last, and two either side of the current page.
            let shown = n == 1 || n == last || n.abs_diff(current) <= 2;
            if !shown {
                continue;
            }
            if n > previous_shown + 1 {
                links.push(PageLink {
                    number: 0,
                    href: None,
                    current: false,
                });
            }
            links.push(PageLink {
                number: n,
                href: Some(href(n)),
                current: n == current,
            });
            previous_shown = n;
        }
        Pagination {
            total_pages: last,
            previous: (current > 1).then(|| href(current - 1)),
            next: (current < last).then(|| href(current + 1)),
            links,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(number: u32, total: u64) -> Page<()> {
        Page {
            items: vec![],
            total,
            page: number,
            per_page: 10,
        }
    }

    #[test]
    fn shows_neighbours_and_ends_with_ellipses() {
        let p = Pagination::new(&page(10, 200), "/admin/users", "role=admin");
        let numbers: Vec<_> = p
            .links
            .iter()
            .map(|l| l.href.as_ref().map(|_| l.number))
            .collect();
        assert_eq!(
            numbers,
            [
                Some(1),
                None,
                Some(8),
                Some(9),
                Some(10),
                Some(11),
                Some(12),
                None,
                Some(20)
            ]
        );
        assert_eq!(
            p.previous.as_deref(),
            Some("/admin/users?role=admin&page=9")
        );
        assert_eq!(p.next.as_deref(), Some("/admin/users?role=admin&page=11"));
        assert!(p.links.iter().any(|l| l.current && l.number == 10));
    }

    #[test]
    fn single_page_has_no_neighbours() {
        let p = Pagination::new(&page(1, 3), "/x", "");
        assert_eq!(p.total_pages, 1);
        assert!(p.previous.is_none() && p.next.is_none());
    }
}
