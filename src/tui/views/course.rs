//! Course detail, opened from the Formations list: general information, lessons, reviews,
//! and a "quick stats" box that stays visible.

use std::cell::Cell;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::model::LessonKind;
use crate::model::catalog::{self, CourseSummary};
use crate::model::duration::format_hms;
use crate::store::courses::CourseDetail;
use crate::text;
use crate::tui::action::Action;
use crate::tui::command::Cmd;
use crate::tui::effect::Effect;
use crate::tui::keymap::Context;
use crate::tui::pane::{Cx, Pane};
use crate::tui::ui::{CourseRef, Ui};
use crate::tui::widgets::table::{self, Col, Cursor, VirtualTable};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Info,
    Lessons,
    Reviews,
}

impl Section {
    pub const ALL: [Section; 3] = [Section::Info, Section::Lessons, Section::Reviews];
    fn index(self) -> usize {
        Self::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }
}

#[derive(Clone, Debug)]
pub struct LessonRow {
    pub kind: Option<LessonKind>,
    pub title: String,
    pub points: i64,
    pub completion: String,
    pub comments: i64,
    pub pending: i64,
}

#[derive(Clone, Debug)]
pub struct ReviewRow {
    pub author: String,
    pub at: i64,
    pub stars: i64,
    pub comment: String,
}

/// The detail with every database string sanitised once.
#[derive(Clone, Debug)]
pub struct Detail {
    pub title: String,
    pub shortname: String,
    pub path: String,
    pub description: String,
    pub competencies: String,
    pub audience: Option<String>,
    pub catalogue_url: Option<String>,
    pub lessons: Vec<LessonRow>,
    pub reviews: Vec<ReviewRow>,
    pub summary: CourseSummary,
    pub rating: Option<(f64, usize)>,
    pub invalid_reviews: usize,
}

impl Detail {
    pub fn new(d: CourseDetail) -> Detail {
        let reviews: Vec<ReviewRow> = d
            .reviews
            .iter()
            .map(|r| {
                let first = text::clean(r.firstname.as_deref().unwrap_or(""));
                let last = text::clean(r.lastname.as_deref().unwrap_or("")).to_uppercase();
                ReviewRow {
                    author: format!("{first} {last}").trim().to_string(),
                    at: r.created_at,
                    stars: r.stars,
                    comment: text::clean(&r.comment),
                }
            })
            .collect();
        Detail {
            title: text::clean(&d.info.fullname),
            shortname: text::clean(&d.info.shortname),
            path: d.category_path.iter().map(|p| text::clean(p)).collect::<Vec<_>>().join(" › "),
            description: text::clean(&d.info.description),
            competencies: text::clean(&d.info.competencies),
            audience: d.info.audience.as_deref().map(text::clean),
            catalogue_url: d.info.catalogue_url.as_deref().map(text::clean).filter(|u| !u.is_empty()),
            lessons: d
                .lessons
                .iter()
                .map(|l| LessonRow {
                    kind: LessonKind::from_db(&l.kind),
                    title: text::clean(&l.title),
                    points: l.points,
                    completion: l.completion.clone(),
                    comments: l.comments,
                    pending: l.pending.max(0),
                })
                .collect(),
            rating: catalog::average_rating(reviews.iter().map(|r| r.stars)),
            invalid_reviews: reviews.iter().filter(|r| !catalog::stars_valid(r.stars)).count(),
            reviews,
            summary: d.summary,
        }
    }
}

#[derive(Debug)]
pub struct CourseView {
    pub course: CourseRef,
    pub loading: bool,
    pub error: Option<String>,
    pub detail: Option<Detail>,
    pub section: Section,
    pub lessons: Cursor,
    /// First line shown in the information and review sections (kept within the text
    /// while drawing).
    pub scroll: Cell<usize>,
    /// Lines of the current text section at the last draw (for paging).
    text_height: Cell<usize>,
}

impl CourseView {
    pub fn new(course: CourseRef) -> CourseView {
        CourseView {
            course,
            loading: true,
            error: None,
            detail: None,
            section: Section::Info,
            lessons: Cursor::default(),
            scroll: Cell::new(0),
            text_height: Cell::new(10),
        }
    }

    pub fn load(&mut self, d: CourseDetail) {
        self.loading = false;
        self.error = None;
        let d = Detail::new(d);
        self.lessons.clamp(d.lessons.len());
        self.detail = Some(d);
    }

    fn go(&mut self, s: Section) {
        if s != self.section {
            self.section = s;
            self.scroll.set(0);
        }
    }
}

impl Pane for CourseView {
    fn context(&self) -> Context {
        Context::CourseDetail
    }

    /// Esc is the Formations tab's: it closes the detail.
    fn command(&mut self, cmd: Cmd, _cx: &Cx) -> Option<Action> {
        let lessons = self.detail.as_ref().map(|d| d.lessons.len()).unwrap_or(0);
        match cmd {
            Cmd::Section(i) => self.go(Section::ALL[(i as usize).min(2)]),
            Cmd::FocusNext => self.go(Section::ALL[(self.section.index() + 1) % 3]),
            Cmd::FocusPrev => self.go(Section::ALL[(self.section.index() + 2) % 3]),
            Cmd::OpenTutoring => return Some(Action::OpenCourse(self.course.clone())),
            Cmd::Refresh => {
                self.loading = true;
                return Some(Action::Run(Effect::LoadCourseDetail { course_id: self.course.id }));
            }
            Cmd::Up | Cmd::Down | Cmd::PageUp | Cmd::PageDown | Cmd::Top | Cmd::Bottom => {
                if self.section == Section::Lessons {
                    self.lessons.apply(cmd, lessons);
                } else {
                    let (page, at) = (self.text_height.get().max(1), self.scroll.get());
                    self.scroll.set(match cmd {
                        Cmd::Up => at.saturating_sub(1),
                        Cmd::Down => at + 1,
                        Cmd::PageUp => at.saturating_sub(page),
                        Cmd::PageDown => at + page,
                        Cmd::Top => 0,
                        _ => usize::MAX,
                    });
                }
            }
            _ => return None,
        }
        Some(Action::Done)
    }

    fn render(&self, f: &mut Frame, area: Rect, cx: &Cx) {
        let (ui, t, loc) = (cx.ui, &cx.ui.theme, &cx.ui.loc);
        let block = Block::default().borders(Borders::ALL).border_style(t.border_focus).title(Span::styled(
            format!(" {} ", text::fit(&self.course.fullname, area.width.saturating_sub(6) as usize)),
            t.title,
        ));
        let inner = block.inner(area);
        f.render_widget(block, area);
        let Some(d) = &self.detail else {
            let msg = match &self.error {
                Some(e) => Line::styled(text::clean(e), t.danger),
                None => Line::styled(loc.t("status.loading").to_string(), t.muted),
            };
            f.render_widget(Paragraph::new(msg), inner);
            return;
        };
        let wide = inner.width >= 100;
        let [head, tabs, rest] = Layout::vertical([
            Constraint::Length(if wide { 1 } else { 2 }),
            Constraint::Length(1),
            Constraint::Fill(1),
        ])
        .areas(inner);

        // Short name and category path; in narrow terminals the quick stats go here too.
        let mut head_lines = vec![Line::from(vec![
            Span::styled(d.shortname.clone(), t.accent),
            Span::styled(" · ", t.muted),
            Span::styled(
                if d.path.is_empty() {
                    loc.t("formations.uncategorised").to_string()
                } else {
                    d.path.clone()
                },
                t.muted,
            ),
        ])];
        if !wide {
            head_lines.push(self.stats_strip(d, ui));
        }
        f.render_widget(Paragraph::new(head_lines), head);

        let labels = [
            ("i", loc.t("course.info").to_string()),
            ("l", loc.tf("course.lessons", &[("n", &d.lessons.len())])),
            ("a", loc.tf("course.reviews", &[("n", &d.reviews.len())])),
        ];
        let mut spans = Vec::new();
        for (i, (key, label)) in labels.iter().enumerate() {
            let active = i == self.section.index();
            spans.push(Span::styled(format!(" {key} "), t.key));
            spans.push(Span::styled(format!("{label} "), if active { t.tab_active } else { t.tab }));
            spans.push(Span::raw(" "));
        }
        f.render_widget(Paragraph::new(Line::from(spans)), tabs);

        let (content, stats) = if wide {
            let [c, s] = Layout::horizontal([Constraint::Fill(1), Constraint::Length(34)]).areas(rest);
            (c, Some(s))
        } else {
            (rest, None)
        };
        match self.section {
            Section::Info => {
                let lines = self.info_lines(d, ui, content.width as usize);
                self.draw_text(f, content, lines);
            }
            Section::Lessons => self.draw_lessons(f, content, ui),
            Section::Reviews => {
                let lines = self.review_lines(d, ui, content.width as usize);
                self.draw_text(f, content, lines);
            }
        }
        if let (Some(s), Some(d)) = (stats, &self.detail) {
            draw_stats_box(f, s, d, ui);
        }
    }
}

impl CourseView {
    fn stats_strip(&self, d: &Detail, ui: &Ui) -> Line<'static> {
        let t = &ui.theme;
        let loc = &ui.loc;
        let s = &d.summary;
        let mut spans = vec![
            Span::styled(loc.tn("tutoring.learners_count", s.learners), t.base),
            Span::styled(" · ", t.muted),
            Span::styled(
                loc.tf("course.completion_short", &[("pct", &pct(ui, s.completion_rate()))]),
                t.base,
            ),
            Span::styled(" · ", t.muted),
            Span::styled(
                loc.tf(
                    "course.avg_time_short",
                    &[("time", &s.avg_time().map(format_hms).unwrap_or("–".into()))],
                ),
                t.base,
            ),
            Span::styled(" · ", t.muted),
        ];
        spans.extend(rating_spans(d, ui));
        Line::from(spans)
    }

    fn info_lines(&self, d: &Detail, ui: &Ui, width: usize) -> Vec<Line<'static>> {
        let t = &ui.theme;
        let loc = &ui.loc;
        let mut out = Vec::new();
        let field = |label: &str, value: &str, out: &mut Vec<Line<'static>>, style: Style| {
            let head = format!("{label} ");
            let hw = text::width(&head);
            for (i, l) in text::wrap(value, width.saturating_sub(hw).max(10)).into_iter().enumerate() {
                if i == 0 {
                    out.push(Line::from(vec![Span::styled(head.clone(), t.header), Span::styled(l, style)]));
                } else {
                    out.push(Line::from(Span::styled(format!("{}{l}", " ".repeat(hw)), style)));
                }
            }
        };
        field(loc.t("course.name"), &d.title, &mut out, t.base);
        out.push(Line::default());
        out.push(Line::styled(loc.t("course.description").to_string(), t.header));
        if d.description.trim().is_empty() {
            out.push(Line::styled(format!("  {}", loc.t("course.none")), t.muted));
        } else {
            for l in text::wrap(&d.description, width.saturating_sub(2)) {
                out.push(Line::from(format!("  {l}")));
            }
        }
        out.push(Line::default());
        let path =
            if d.path.is_empty() { loc.t("formations.uncategorised").to_string() } else { d.path.clone() };
        field(loc.t("course.categories"), &path, &mut out, t.base);
        let comp =
            if d.competencies.is_empty() { loc.t("course.none").to_string() } else { d.competencies.clone() };
        field(loc.t("course.competencies"), &comp, &mut out, t.base);
        let audience = d.audience.clone().unwrap_or_else(|| loc.t("formations.everyone").to_string());
        field(loc.t("course.audience"), &audience, &mut out, t.base);
        match &d.catalogue_url {
            Some(u) => field(loc.t("course.catalogue"), u, &mut out, t.accent),
            None => field(loc.t("course.catalogue"), loc.t("course.none"), &mut out, t.muted),
        }
        out
    }

    fn review_lines(&self, d: &Detail, ui: &Ui, width: usize) -> Vec<Line<'static>> {
        let t = &ui.theme;
        let loc = &ui.loc;
        let mut out = Vec::new();
        if d.reviews.is_empty() {
            out.push(Line::styled(loc.t("course.no_reviews").to_string(), t.muted));
            return out;
        }
        let mut head = vec![Span::styled(format!("{} ", loc.t("course.avg_rating")), t.header)];
        head.extend(rating_spans(d, ui));
        out.push(Line::from(head));
        out.push(Line::default());
        for r in &d.reviews {
            let valid = catalog::stars_valid(r.stars);
            let mut spans = vec![
                Span::styled(catalog::stars_text(r.stars), if valid { t.warning } else { t.danger }),
                Span::styled(format!(" {}", r.stars), if valid { t.base } else { t.danger }),
            ];
            if !valid {
                spans.push(Span::styled(format!(" ! {}", loc.t("course.invalid_stars")), t.danger));
            }
            let author =
                if r.author.is_empty() { loc.t("course.anonymous").to_string() } else { r.author.clone() };
            spans.push(Span::styled(format!("  {author}"), t.base));
            spans.push(Span::styled(format!(" · {}", loc.date(Some(r.at), ui.tz)), t.muted));
            out.push(Line::from(spans));
            if !r.comment.trim().is_empty() {
                for l in text::wrap(&r.comment, width.saturating_sub(4)) {
                    out.push(Line::from(format!("    {l}")));
                }
            }
            out.push(Line::default());
        }
        out
    }

    fn draw_text(&self, f: &mut Frame, area: Rect, lines: Vec<Line<'static>>) {
        let h = area.height as usize;
        self.text_height.set(h);
        let max = lines.len().saturating_sub(h);
        self.scroll.set(self.scroll.get().min(max));
        let shown: Vec<Line> = lines.into_iter().skip(self.scroll.get()).take(h).collect();
        f.render_widget(Paragraph::new(shown), area);
    }

    fn draw_lessons(&self, f: &mut Frame, area: Rect, ui: &Ui) {
        let t = &ui.theme;
        let loc = &ui.loc;
        let Some(d) = &self.detail else { return };
        if d.lessons.is_empty() {
            f.render_widget(Paragraph::new(loc.t("course.no_lessons")).style(t.muted), area);
            return;
        }
        let cols = [
            Col::new(loc.t("course.col_kind"), Constraint::Length(12)),
            Col::new(loc.t("course.col_title"), Constraint::Fill(1)),
            Col::new(loc.t("course.col_points"), Constraint::Length(4)).right(),
            Col::new(loc.t("course.col_completion"), Constraint::Length(12)),
            Col::new(loc.t("course.col_comments"), Constraint::Length(5)).right(),
            Col::new(loc.t("course.col_pending"), Constraint::Length(7)).right(),
        ];
        let block = Block::default().borders(Borders::TOP).border_style(t.border);
        let lessons = &d.lessons;
        VirtualTable { cols: &cols, loc, sort: None, len: lessons.len(), block, focused: true }.render(
            f,
            area,
            t,
            &self.lessons,
            |i, w| {
                let l = &lessons[i];
                let kind = l.kind.map(|k| loc.t(k.short_key()).to_string()).unwrap_or_else(|| "?".into());
                let completion_key = format!("completion.{}", l.completion);
                vec![
                    table::cell(text::fit(&kind, w[0]).into_owned(), t.accent),
                    table::cell(text::fit(&l.title, w[1]).into_owned(), t.base),
                    table::right(l.points.to_string(), t.base),
                    table::cell(text::fit(loc.t(&completion_key), w[3]).into_owned(), t.muted),
                    table::right(l.comments.to_string(), if l.comments > 0 { t.base } else { t.muted }),
                    table::right(l.pending.to_string(), if l.pending > 0 { t.warning } else { t.muted }),
                ]
            },
        );
    }
}

fn pct(ui: &Ui, v: Option<f64>) -> String {
    v.map(|p| ui.loc.pct(ui.loc.dec1(p))).unwrap_or_else(|| "–".into())
}

fn rating_spans(d: &Detail, ui: &Ui) -> Vec<Span<'static>> {
    let t = &ui.theme;
    match d.rating {
        Some((avg, n)) => vec![
            Span::styled(catalog::stars_text(avg.round() as i64), t.warning),
            Span::styled(format!(" {} ", ui.loc.dec1(avg)), t.base),
            Span::styled(format!("({})", ui.loc.tn("course.reviews_count", n as i64)), t.muted),
        ],
        None => vec![Span::styled(ui.loc.t("course.no_rating").to_string(), t.muted)],
    }
}

fn draw_stats_box(f: &mut Frame, area: Rect, d: &Detail, ui: &Ui) {
    let t = &ui.theme;
    let loc = &ui.loc;
    let s = &d.summary;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border)
        .title(Span::styled(format!(" {} ", loc.t("course.stats")), t.title));
    let inner = block.inner(area);
    let w = inner.width as usize;
    let row = |label: &str, value: String| -> Line<'static> {
        let gap = w.saturating_sub(text::width(label) + text::width(&value)).max(1);
        Line::from(vec![
            Span::styled(label.to_string(), t.muted),
            Span::raw(" ".repeat(gap)),
            Span::styled(value, t.base),
        ])
    };
    let mut lines = vec![
        row(loc.t("course.stat_learners"), loc.num(s.learners)),
        row(loc.t("course.stat_completion"), pct(ui, s.completion_rate())),
        row(loc.t("course.stat_avg_time"), s.avg_time().map(format_hms).unwrap_or_else(|| "–".into())),
        Line::styled(loc.t("course.stat_rating").to_string(), t.muted),
        Line::from(rating_spans(d, ui)),
        Line::default(),
    ];
    lines.push(Line::from(vec![
        Span::styled("t ", t.key),
        Span::styled(loc.t("course.to_tutoring").to_string(), t.base),
    ]));
    f.render_widget(Paragraph::new(lines).block(block), area);
}
