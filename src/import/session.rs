//! Setting up a session (seed 000 and 003): a course made from a model course and named by
//! the centre's nomenclature ("Session du 05-01-2026 au 28-02-2026_<title>"), its tutors,
//! a course group named after the order holding its learners, the learners themselves
//! (from a user-upload CSV, accounts created only for unknown e-mails), and their
//! secondary enrolment in a support course. Planned here, written in one transaction by
//! the store.

use chrono::{NaiveDate, NaiveTime};

use crate::config::SessionConfig;
use crate::model::catalog::Category;
use crate::model::time::{DayError, DisplayTz, parse_day};
use crate::model::{EnrolmentKind, Ts};
use crate::store::import::{CategoryWrite, CourseRef, SessionWrite, Snapshot};

/// What `tutorat session new` was asked.
#[derive(Clone, Debug, Default)]
pub struct SessionRequest {
    pub model: String,
    pub from: String,
    pub to: String,
    pub order: Option<String>,
    pub tutors: Vec<String>,
    pub support: Option<String>,
    /// `Parent/Child` path of names; missing categories are created.
    pub category: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    #[error("no model course with short name {0:?}")]
    UnknownModel(String),
    #[error("--{which} {value:?}: no such day")]
    DayNotReal { which: &'static str, value: String },
    #[error("--{which} {value:?}: write dates as 2026-01-05 or 05/01/2026")]
    DayFormat { which: &'static str, value: String },
    #[error("--to {to} is before --from {from}")]
    EndBeforeStart { from: String, to: String },
    #[error("no person with username {0:?} to be a tutor")]
    UnknownTutor(String),
    #[error("no support course with short name {0:?}")]
    UnknownSupport(String),
    #[error("a course with short name {0:?} already exists: this session was set up already")]
    CourseExists(String),
    #[error("--category {0:?}: give a path of category names such as \"Santé/Soins\"")]
    BadCategory(String),
    #[error("{0}")]
    Config(String),
}

impl SessionError {
    /// The message in the interface language (the `Display` text is the English one, for
    /// logs).
    pub fn describe(&self, loc: &crate::locale::Locale) -> String {
        let k = |key: &str| format!("import.session.err_{key}");
        match self {
            SessionError::UnknownModel(v) => loc.tf(&k("unknown_model"), &[("value", v)]),
            SessionError::DayNotReal { which, value } => {
                loc.tf(&k("day_not_real"), &[("which", which), ("value", value)])
            }
            SessionError::DayFormat { which, value } => {
                loc.tf(&k("day_format"), &[("which", which), ("value", value)])
            }
            SessionError::EndBeforeStart { from, to } => {
                loc.tf(&k("end_before_start"), &[("from", from), ("to", to)])
            }
            SessionError::UnknownTutor(v) => loc.tf(&k("unknown_tutor"), &[("value", v)]),
            SessionError::UnknownSupport(v) => loc.tf(&k("unknown_support"), &[("value", v)]),
            SessionError::CourseExists(v) => loc.tf(&k("course_exists"), &[("value", v)]),
            SessionError::BadCategory(v) => loc.tf(&k("bad_category"), &[("value", v)]),
            SessionError::Config(m) => m.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct TutorRef {
    pub id: i64,
    pub username: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SessionPlan {
    pub fullname: String,
    pub shortname: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub start_at: Ts,
    pub end_at: Ts,
    pub model: CourseRef,
    /// The category path shown, and whether part of it is created.
    pub category_path: String,
    pub category_created: Vec<String>,
    pub category: CategoryWrite,
    pub group: Option<String>,
    pub order: Option<String>,
    pub tutors: Vec<TutorRef>,
    pub support: Option<CourseRef>,
    pub learner_kind: EnrolmentKind,
    pub support_kind: EnrolmentKind,
}

impl SessionPlan {
    pub fn write(&self, created_by: Option<i64>) -> SessionWrite {
        SessionWrite {
            model_course_id: self.model.id,
            fullname: self.fullname.clone(),
            shortname: self.shortname.clone(),
            category: self.category.clone(),
            start_at: self.start_at,
            end_at: self.end_at,
            order: self.order.clone(),
            group_name: self.group.clone(),
            tutor_ids: self.tutors.iter().map(|t| t.id).collect(),
            support_course_id: self.support.as_ref().map(|c| c.id),
            learner_kind: self.learner_kind,
            support_kind: self.support_kind,
            created_by,
        }
    }
}

fn day(which: &'static str, value: &str) -> Result<NaiveDate, SessionError> {
    parse_day(value).map_err(|e| match e {
        DayError::NotReal => SessionError::DayNotReal { which, value: value.to_string() },
        DayError::Format => SessionError::DayFormat { which, value: value.to_string() },
    })
}

fn kind(key: &str, value: &str) -> Result<EnrolmentKind, SessionError> {
    EnrolmentKind::from_db(value.trim()).ok_or_else(|| {
        SessionError::Config(format!("[session] {key} {value:?}: use mandatory, recommended or free"))
    })
}

/// Checks a request against the database's snapshot and names everything.
pub fn plan_session(
    req: &SessionRequest,
    cfg: &SessionConfig,
    snap: &Snapshot,
    categories: &[Category],
    tz: DisplayTz,
) -> Result<SessionPlan, SessionError> {
    let find = |s: &str| snap.courses.iter().find(|c| c.shortname == s.trim()).cloned();
    let model = find(&req.model).ok_or_else(|| SessionError::UnknownModel(req.model.clone()))?;
    let (from, to) = (day("from", &req.from)?, day("to", &req.to)?);
    if to < from {
        return Err(SessionError::EndBeforeStart { from: req.from.clone(), to: req.to.clone() });
    }
    let start_at = tz.from_naive(from.and_time(NaiveTime::MIN)).unwrap_or_default();
    let end_at = tz.from_naive(to.and_hms_opt(23, 59, 59).unwrap_or_default()).unwrap_or_default();
    let order = req.order.as_deref().map(|o| crate::text::clean(o.trim())).filter(|o| !o.is_empty());
    let fill = |t: &str, name: &str| {
        t.replace("{from}", &from.format("%d-%m-%Y").to_string())
            .replace("{to}", &to.format("%d-%m-%Y").to_string())
            .replace("{title}", &crate::text::clean(&model.fullname))
            .replace("{order}", order.as_deref().unwrap_or(""))
            .replace("{name}", name)
    };
    let fullname = fill(&cfg.name, "").trim().to_string();
    let shortname = fill(&cfg.shortname, &fullname).trim().to_string();
    if fullname.is_empty() || shortname.is_empty() {
        return Err(SessionError::Config("[session] name and shortname must not be empty".into()));
    }
    if find(&shortname).is_some() {
        return Err(SessionError::CourseExists(shortname));
    }
    let group =
        order.as_ref().map(|_| fill(&cfg.group_name, &fullname).trim().to_string()).filter(|g| !g.is_empty());
    let mut tutors = Vec::new();
    for u in &req.tutors {
        let u = u.trim().to_lowercase();
        let p = snap
            .people
            .iter()
            .find(|p| p.fields.username == u)
            .ok_or_else(|| SessionError::UnknownTutor(u.clone()))?;
        if !tutors.iter().any(|t: &TutorRef| t.id == p.id) {
            let name = format!("{} {}", p.fields.lastname.to_uppercase(), p.fields.firstname);
            tutors.push(TutorRef { id: p.id, username: u, name });
        }
    }
    let support = match req.support.as_deref() {
        None => None,
        Some(s) => Some(find(s).ok_or_else(|| SessionError::UnknownSupport(s.to_string()))?),
    };
    let (category, category_path, category_created) = match req.category.as_deref() {
        None => {
            let path = path_of(model.category_id, categories);
            (CategoryWrite::Keep(model.category_id), path, Vec::new())
        }
        Some(p) => resolve_category(p, categories)?,
    };
    Ok(SessionPlan {
        fullname,
        shortname,
        from,
        to,
        start_at,
        end_at,
        model,
        category_path,
        category_created,
        category,
        group,
        order,
        tutors,
        support,
        learner_kind: kind("learner_kind", &cfg.learner_kind)?,
        support_kind: kind("support_kind", &cfg.support_kind)?,
    })
}

/// `A/B/C`: the deepest existing category along the path, and the names to create below it.
fn resolve_category(
    path: &str,
    cats: &[Category],
) -> Result<(CategoryWrite, String, Vec<String>), SessionError> {
    let names: Vec<String> = path.split('/').map(|n| crate::text::clean(n.trim())).collect();
    if names.iter().any(String::is_empty) {
        return Err(SessionError::BadCategory(path.to_string()));
    }
    let mut parent: Option<i64> = None;
    for (i, n) in names.iter().enumerate() {
        match cats.iter().find(|c| c.parent_id == parent && c.name == *n) {
            Some(c) => parent = Some(c.id),
            None => {
                let rest = names[i..].to_vec();
                return Ok((CategoryWrite::Create { parent, names: rest.clone() }, names.join(" / "), rest));
            }
        }
    }
    Ok((CategoryWrite::Keep(parent), names.join(" / "), Vec::new()))
}

fn path_of(id: Option<i64>, cats: &[Category]) -> String {
    let mut names = Vec::new();
    let mut cur = id;
    while let Some(c) = cur.and_then(|i| cats.iter().find(|c| c.id == i)) {
        if names.len() > cats.len() {
            break; // a loop in the tree
        }
        names.push(crate::text::clean(&c.name));
        cur = c.parent_id;
    }
    names.reverse();
    names.join(" / ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::import::{ExistingPerson, PersonFields};

    fn snap() -> Snapshot {
        let course = |id, s: &str, f: &str| CourseRef {
            id,
            shortname: s.into(),
            fullname: f.into(),
            category_id: Some(2),
            start_at: None,
            end_at: None,
        };
        Snapshot {
            people: vec![ExistingPerson {
                id: 7,
                fields: PersonFields {
                    username: "mlefevre".into(),
                    firstname: "Marie".into(),
                    lastname: "Lefèvre".into(),
                    ..PersonFields::default()
                },
            }],
            courses: vec![
                course(1, "QVT", "Qualité de vie au travail (QVT)"),
                course(3, "SUPPORT", "Assistance"),
            ],
            cohorts: vec![],
        }
    }

    fn cats() -> Vec<Category> {
        vec![
            Category { id: 1, parent_id: None, name: "Santé".into(), position: 0 },
            Category { id: 2, parent_id: Some(1), name: "Soins".into(), position: 0 },
        ]
    }

    fn req() -> SessionRequest {
        SessionRequest {
            model: "QVT".into(),
            from: "05/01/2026".into(),
            to: "2026-02-28".into(),
            order: Some("CMD-42".into()),
            tutors: vec!["MLEFEVRE".into()],
            support: Some("SUPPORT".into()),
            category: None,
        }
    }

    #[test]
    fn names_follow_the_nomenclature() {
        let tz = DisplayTz::parse("Europe/Paris").unwrap();
        let p = plan_session(&req(), &SessionConfig::default(), &snap(), &cats(), tz).unwrap();
        assert_eq!(p.fullname, "Session du 05-01-2026 au 28-02-2026_Qualité de vie au travail (QVT)");
        assert_eq!(p.shortname, p.fullname);
        assert_eq!(p.group.as_deref(), Some("CMD-42"));
        assert_eq!(p.category_path, "Santé / Soins");
        assert_eq!(
            p.tutors,
            vec![TutorRef { id: 7, username: "mlefevre".into(), name: "LEFÈVRE Marie".into() }]
        );
        // 2026-01-05 00:00 in Paris is 2026-01-04 23:00 UTC.
        assert_eq!(p.start_at, 1_767_567_600);
        assert_eq!(p.end_at - p.start_at, (31 + 23) * 86_400 + 86_399);
    }

    #[test]
    fn refusals() {
        let tz = DisplayTz::parse("UTC").unwrap();
        let c = SessionConfig::default();
        let try_ = |r: SessionRequest| plan_session(&r, &c, &snap(), &cats(), tz).unwrap_err();
        assert_eq!(
            try_(SessionRequest { from: "31/02/2026".into(), ..req() }),
            SessionError::DayNotReal { which: "from", value: "31/02/2026".into() }
        );
        assert!(matches!(
            try_(SessionRequest { to: "1767571200".into(), ..req() }),
            SessionError::DayFormat { .. }
        ));
        assert!(matches!(
            try_(SessionRequest { to: "2026-01-01".into(), ..req() }),
            SessionError::EndBeforeStart { .. }
        ));
        assert_eq!(
            try_(SessionRequest { model: "NOPE".into(), ..req() }),
            SessionError::UnknownModel("NOPE".into())
        );
        assert_eq!(
            try_(SessionRequest { tutors: vec!["x".into()], ..req() }),
            SessionError::UnknownTutor("x".into())
        );
        let mut s = snap();
        s.courses.push(CourseRef {
            shortname: "Session du 05-01-2026 au 28-02-2026_Qualité de vie au travail (QVT)".into(),
            ..s.courses[0].clone()
        });
        assert!(matches!(plan_session(&req(), &c, &s, &cats(), tz), Err(SessionError::CourseExists(_))));
    }

    #[test]
    fn categories_are_found_or_created() {
        let (w, path, created) = resolve_category("Santé/Soins", &cats()).unwrap();
        assert_eq!((w, path.as_str(), created.len()), (CategoryWrite::Keep(Some(2)), "Santé / Soins", 0));
        let (w, _, created) = resolve_category("Santé/Urgences/Nuit", &cats()).unwrap();
        assert_eq!(
            w,
            CategoryWrite::Create { parent: Some(1), names: vec!["Urgences".into(), "Nuit".into()] }
        );
        assert_eq!(created, ["Urgences", "Nuit"]);
        assert!(resolve_category("Santé//x", &cats()).is_err());
    }
}
