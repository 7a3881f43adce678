//! The plan of an import: every line of the file checked against the centre's rules and
//! matched against the people already known, without touching the database.
//!
//! Matching never duplicates a person: a line whose e-mail (trimmed, any case) or username
//! is already known is "existing" (its record is rewritten only with `--update`; the
//! cohorts and courses it asks for are added all the same), two lines of one file with the
//! same e-mail or username are both errors. A line without username gets one built from
//! `[import] username_template`; one without e-mail gets `[import] fictitious_email`.

use std::collections::HashMap;

use chrono::NaiveTime;

use super::Settings;
use super::columns::{self, Column, ColumnReport, Numbered, Std};
use super::decode::{self, TextEncoding};
use super::matching::email_key;
use super::reason::{FileProblem, Reason};
use crate::model::person::{self, Civility, PersonInput};
use crate::model::time::{DayError, DisplayTz, parse_day};
use crate::model::{EnrolmentKind, Ts};
use crate::store::import::{CourseWrite, PersonFields, PersonWrite, Snapshot, WriteSet};
use crate::text;

/// Moodle's column sizes (`user` table).
const MAX_EMAIL: usize = 100;
pub(super) const MAX_USERNAME: usize = 100;
const MAX_TEXT: usize = 255;
const MAX_CITY: usize = 120;

#[derive(Clone, Copy, Debug)]
pub struct PlanOptions {
    /// Rewrite the records of existing people with the file's values.
    pub update: bool,
    /// `--delimiter`; wins over `[import] delimiter`.
    pub delimiter: Option<u8>,
    pub now: Ts,
    /// Zone of the dates typed in the file (enroltimestartN).
    pub tz: DisplayTz,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RowStatus {
    New,
    Existing,
    Error,
}

/// A course a line asks for (`courseN` with its role, group, period…).
#[derive(Clone, Debug, PartialEq)]
pub struct CourseReq {
    pub shortname: String,
    /// Moodle role: `student`, `teacher` or `editingteacher`.
    pub role: &'static str,
    pub write: CourseWrite,
}

/// A field that `--update` changes on an existing person.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    pub field: &'static str,
    pub old: Option<String>,
    pub new: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PlanRow {
    /// Line of the file where the record starts (the header is line 1).
    pub line: u64,
    pub status: RowStatus,
    /// The existing person the line matched.
    pub person_id: Option<i64>,
    /// The line's record, normalised, with the username and e-mail it will have.
    pub fields: PersonFields,
    pub civility: Option<Civility>,
    pub username_built: bool,
    pub email_fictitious: bool,
    /// Cohorts the person is added to (idnumber or name).
    pub cohorts: Vec<String>,
    pub courses: Vec<CourseReq>,
    pub reasons: Vec<Reason>,
    /// Fields of an existing person that differ from the file (written with `--update`).
    pub changes: Vec<Change>,
    /// The existing person's record with the file's values over it.
    pub(super) merged: Option<PersonFields>,
    /// The cells as read (for the Moodle CSV: columns tutorat does not keep).
    pub(crate) cells: Vec<String>,
}

impl PlanRow {
    pub fn has_errors(&self) -> bool {
        self.reasons.iter().any(Reason::is_error)
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Reason> {
        self.reasons.iter().filter(|r| !r.is_error())
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImportPlan {
    pub encoding: Option<TextEncoding>,
    pub delimiter: Option<u8>,
    pub columns: Option<ColumnReport>,
    /// What makes the whole file unusable; then `rows` is empty.
    pub problem: Option<FileProblem>,
    pub rows: Vec<PlanRow>,
    /// Cohorts the import creates.
    pub new_cohorts: Vec<String>,
    pub update: bool,
    /// Of the snapshot the plan was made against.
    pub digest: u64,
    pub(crate) header: Vec<String>,
    pub(crate) cols: Vec<Column>,
    pub(crate) civility_field: String,
    pub(crate) matricule_field: String,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub new: usize,
    pub existing: usize,
    pub error: usize,
    pub warnings: usize,
    /// Existing people whose record `--update` changes.
    pub changed: usize,
}

impl ImportPlan {
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for r in &self.rows {
            match r.status {
                RowStatus::New => c.new += 1,
                RowStatus::Existing => c.existing += 1,
                RowStatus::Error => c.error += 1,
            }
            c.warnings += r.warnings().count();
            c.changed += usize::from(r.status == RowStatus::Existing && !r.changes.is_empty());
        }
        c
    }

    /// Nothing stands in the way of writing it.
    pub fn is_importable(&self) -> bool {
        self.problem.is_none() && self.rows.iter().all(|r| r.status != RowStatus::Error)
    }

    /// What to write, when the plan is importable.
    pub fn writes(&self) -> Option<WriteSet> {
        if !self.is_importable() {
            return None;
        }
        let people = self
            .rows
            .iter()
            .map(|r| PersonWrite {
                existing: r.person_id,
                update: self.update && !r.changes.is_empty(),
                fields: r.merged.clone().unwrap_or_else(|| r.fields.clone()),
                cohorts: r.cohorts.clone(),
                courses: r.courses.iter().map(|c| c.write.clone()).collect(),
            })
            .collect();
        Some(WriteSet { digest: self.digest, people })
    }

    fn failed(mut self, p: FileProblem) -> ImportPlan {
        self.problem = Some(p);
        self.rows.clear();
        self
    }
}

/// Reads, checks and matches a whole file. Never fails: what is wrong is in the plan.
pub fn plan(bytes: &[u8], settings: &Settings, snapshot: &Snapshot, opts: &PlanOptions) -> ImportPlan {
    let mut out = ImportPlan {
        update: opts.update,
        digest: snapshot.digest(),
        civility_field: settings.civility_field.clone(),
        matricule_field: settings.matricule_field.clone(),
        ..ImportPlan::default()
    };
    let (text, enc) = match decode::decode(bytes, settings.max_bytes) {
        Ok(t) => t,
        Err(e) => return out.failed(FileProblem::Decode(e)),
    };
    out.encoding = Some(enc);
    // The csv crate counts lines on LF only and starts a record after a CRLF's CR, which
    // puts every line number of a Windows file one short: line ends become LF first.
    let text = if text.contains('\r') { text.replace("\r\n", "\n").replace('\r', "\n") } else { text };
    let delimiter = opts.delimiter.or(settings.delimiter).unwrap_or_else(|| decode::sniff_delimiter(&text));
    out.delimiter = Some(delimiter);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_string()).collect(),
        Err(e) => return out.failed(FileProblem::Csv { line: 1, message: e.to_string() }),
    };
    let civility_col = format!("profile_field_{}", settings.civility_field);
    let mut required = vec!["firstname", "lastname"];
    if settings.require_civility {
        required.push(civility_col.as_str());
    }
    let first_line = text.lines().next().unwrap_or("");
    let (cols, report) = match columns::analyse(&header, delimiter, &required, first_line) {
        Ok(c) => c,
        Err(e) => return out.failed(FileProblem::Header(e)),
    };
    out.columns = Some(report);
    out.header = header;
    out.cols = cols;

    let ctx = Ctx::new(settings, snapshot, opts, &out.cols);
    let mut rows = Vec::new();
    for rec in reader.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                return out.failed(FileProblem::Csv { line, message: e.to_string() });
            }
        };
        // Spreadsheets leave lines of empty cells (";;;;") after the data: not records.
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        rows.push(ctx.read_row(line, rec.iter().map(str::to_string).collect()));
    }
    if rows.is_empty() {
        return out.failed(FileProblem::NoRows);
    }
    ctx.match_rows(&mut rows);
    for r in &mut rows {
        if r.has_errors() {
            r.status = RowStatus::Error;
        }
    }
    let mut new_cohorts: Vec<String> = Vec::new();
    for r in rows.iter().filter(|r| r.status != RowStatus::Error) {
        for c in &r.cohorts {
            if ctx.cohort(c).is_none() && !new_cohorts.contains(c) {
                new_cohorts.push(c.clone());
            }
        }
    }
    out.new_cohorts = new_cohorts;
    out.rows = rows;
    out
}

/// What every line is checked against.
pub(super) struct Ctx<'a> {
    pub(super) s: &'a Settings,
    pub(super) snap: &'a Snapshot,
    pub(super) opts: &'a PlanOptions,
    pub(super) cols: &'a [Column],
    pub(super) by_email: HashMap<String, usize>,
    pub(super) by_username: HashMap<&'a str, usize>,
    pub(super) courses: HashMap<&'a str, usize>,
    /// courseN, roleN… grouped by N.
    pub(super) numbered: Vec<(u32, Vec<(Numbered, usize)>)>,
    pub(super) cohort_cols: Vec<usize>,
}

impl<'a> Ctx<'a> {
    fn new(s: &'a Settings, snap: &'a Snapshot, opts: &'a PlanOptions, cols: &'a [Column]) -> Self {
        let mut by_email = HashMap::new();
        let mut by_username = HashMap::new();
        for (i, p) in snap.people.iter().enumerate() {
            if let Some(e) = p.fields.email.as_deref().map(email_key).filter(|e| !e.is_empty()) {
                by_email.entry(e).or_insert(i);
            }
            by_username.insert(p.fields.username.as_str(), i);
        }
        let courses = snap.courses.iter().enumerate().map(|(i, c)| (c.shortname.as_str(), i)).collect();
        let mut numbered: Vec<(u32, Vec<(Numbered, usize)>)> = Vec::new();
        let mut cohort_cols = Vec::new();
        for (i, c) in cols.iter().enumerate() {
            match c {
                Column::Numbered(Numbered::Cohort, _) => cohort_cols.push(i),
                Column::Numbered(Numbered::MoodleOnly, _) => {}
                Column::Numbered(k, n) => match numbered.iter_mut().find(|(m, _)| m == n) {
                    Some((_, v)) => v.push((*k, i)),
                    None => numbered.push((*n, vec![(*k, i)])),
                },
                _ => {}
            }
        }
        numbered.sort_by_key(|(n, _)| *n);
        cohort_cols.sort_by_key(|i| match &cols[*i] {
            Column::Numbered(_, n) => *n,
            _ => 0,
        });
        Ctx { s, snap, opts, cols, by_email, by_username, courses, numbered, cohort_cols }
    }

    pub(super) fn cohort(&self, key: &str) -> Option<i64> {
        let c = &self.snap.cohorts;
        c.iter()
            .find(|c| c.idnumber.as_deref() == Some(key))
            .or_else(|| c.iter().find(|c| c.name == key))
            .map(|c| c.id)
    }

    fn col(&self, cells: &[String], want: &Column) -> Option<(usize, String)> {
        let i = self.cols.iter().position(|c| c == want)?;
        Some((i, cells.get(i).map(|s| s.trim().to_string()).unwrap_or_default()))
    }

    /// Everything that can be checked on one line alone.
    fn read_row(&self, line: u64, cells: Vec<String>) -> PlanRow {
        let mut reasons = Vec::new();
        if cells.len() != self.cols.len() {
            // A quote left open swallows the lines after it into one cell.
            if cells.iter().any(|c| c.contains('\n')) {
                reasons.push(Reason::UnclosedQuote);
            } else {
                reasons.push(Reason::FieldCount { found: cells.len(), expected: self.cols.len() });
            }
        }
        let get = |s: Std| self.col(&cells, &Column::Std(s)).map(|(_, v)| v).unwrap_or_default();
        let profile = |name: &str| {
            self.col(&cells, &Column::Profile(name.to_string())).map(|(_, v)| v).unwrap_or_default()
        };
        let civility_raw = profile(&self.s.civility_field);
        let (last_raw, first_raw) = (get(Std::Lastname), get(Std::Firstname));
        let (phone_raw, phone2_raw) = (get(Std::Phone1), get(Std::Phone2));
        let input = PersonInput {
            civility: &civility_raw,
            lastname: &last_raw,
            firstname: &first_raw,
            phone: &phone_raw,
            phone2: &phone2_raw,
        };
        let mut f = PersonFields::default();
        let mut civility = None;
        match person::normalise(&input, self.s.require_civility) {
            Ok(r) => {
                for field in &r.cleaned {
                    reasons.push(Reason::Cleaned(field.name().to_string()));
                }
                civility = r.civility;
                f.civility = r.civility.map(|c| c.as_db().to_string());
                f.lastname = r.lastname;
                f.firstname = r.firstname;
                f.phone = r.phone;
                f.phone2 = r.phone2;
            }
            Err(problems) => {
                // Shown as typed (cleaned) so the preview says who the line is.
                f.lastname = text::clean(&last_raw);
                f.firstname = text::clean(&first_raw);
                reasons.extend(problems.into_iter().map(Reason::Person));
            }
        }

        let clean_col = |name: &str, raw: String, max: usize, reasons: &mut Vec<Reason>| -> Option<String> {
            let (c, dropped) = person::tidy_text(&raw);
            if dropped {
                reasons.push(Reason::Cleaned(name.to_string()));
            }
            let n = c.chars().count();
            if n > max {
                reasons.push(Reason::TooLong { column: name.to_string(), chars: n, max });
            }
            (!c.is_empty()).then_some(c)
        };

        let email = clean_col("email", get(Std::Email), MAX_EMAIL, &mut reasons);
        if let Some(e) = &email {
            if !e.contains('@') {
                reasons.push(Reason::EmailNoAt(e.clone()));
            } else if !crate::model::contact::is_valid(e) {
                reasons.push(Reason::EmailInvalid(e.clone()));
            }
        }
        let username =
            clean_col("username", get(Std::Username), MAX_USERNAME, &mut reasons).map(|u| u.to_lowercase());
        if let Some(u) = &username
            && !u.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-.@".contains(c))
        {
            reasons.push(Reason::UsernameInvalid(u.clone()));
        }
        f.idnumber = clean_col("idnumber", get(Std::Idnumber), MAX_TEXT, &mut reasons);
        f.organisation = clean_col("institution", get(Std::Institution), MAX_TEXT, &mut reasons);
        f.department = clean_col("department", get(Std::Department), MAX_TEXT, &mut reasons);
        f.city = clean_col("city", get(Std::City), MAX_CITY, &mut reasons);
        let matricule_col = format!("profile_field_{}", self.s.matricule_field);
        f.matricule = clean_col(&matricule_col, profile(&self.s.matricule_field), MAX_TEXT, &mut reasons)
            .map(|m| {
                if m.starts_with(&self.s.matricule_prefix) {
                    m
                } else {
                    format!("{}{m}", self.s.matricule_prefix)
                }
            });
        match get(Std::Suspended).as_str() {
            "" | "0" => {}
            "1" => f.suspended = true,
            other => reasons.push(Reason::BadSuspended(text::clean(other))),
        }
        if get(Std::Deleted) == "1" {
            reasons.push(Reason::DeletedIgnored);
        }
        f.username = username.clone().unwrap_or_default();
        f.email = email.clone();

        let mut cohorts = Vec::new();
        for &i in &self.cohort_cols {
            let name = self.cols_name(i);
            if let Some(c) =
                clean_col(&name, cells.get(i).cloned().unwrap_or_default(), MAX_TEXT, &mut reasons)
                && !cohorts.contains(&c)
            {
                cohorts.push(c);
            }
        }
        let courses = self.read_courses(&cells, &mut reasons);
        PlanRow {
            line,
            status: RowStatus::New,
            person_id: None,
            fields: f,
            civility,
            username_built: false,
            email_fictitious: false,
            cohorts,
            courses,
            reasons,
            changes: Vec::new(),
            merged: None,
            cells,
        }
    }

    fn cols_name(&self, i: usize) -> String {
        match &self.cols[i] {
            Column::Numbered(k, n) => {
                let stem = match k {
                    Numbered::Cohort => "cohort",
                    Numbered::Course => "course",
                    Numbered::Role => "role",
                    Numbered::Type => "type",
                    Numbered::Group => "group",
                    Numbered::Enrolperiod => "enrolperiod",
                    Numbered::Enrolstatus => "enrolstatus",
                    Numbered::Enroltimestart => "enroltimestart",
                    Numbered::MoodleOnly => "",
                };
                format!("{stem}{n}")
            }
            _ => String::new(),
        }
    }

    fn read_courses(&self, cells: &[String], reasons: &mut Vec<Reason>) -> Vec<CourseReq> {
        let mut out = Vec::new();
        for (_, group) in &self.numbered {
            let cell = |k: Numbered| {
                group.iter().find(|(kk, _)| *kk == k).map(|(_, i)| {
                    (self.cols_name(*i), text::clean(cells.get(*i).map(|s| s.trim()).unwrap_or("")))
                })
            };
            let Some((_, short)) = cell(Numbered::Course).filter(|(_, v)| !v.is_empty()) else {
                for (k, i) in group {
                    if *k != Numbered::Course && cells.get(*i).is_some_and(|c| !c.trim().is_empty()) {
                        reasons.push(Reason::WithoutCourse { column: self.cols_name(*i) });
                    }
                }
                continue;
            };
            let Some(&ci) = self.courses.get(short.as_str()) else {
                reasons.push(Reason::UnknownCourse(short));
                continue;
            };
            let course = &self.snap.courses[ci];
            let role = match (cell(Numbered::Role), cell(Numbered::Type)) {
                (Some((_, r)), _) if !r.is_empty() => match r.to_lowercase().as_str() {
                    "student" => "student",
                    "teacher" => "teacher",
                    "editingteacher" => "editingteacher",
                    _ => {
                        reasons.push(Reason::BadRole { column: cell(Numbered::Role).unwrap().0, value: r });
                        continue;
                    }
                },
                (_, Some((col, t))) if !t.is_empty() => match t.as_str() {
                    "1" => "student",
                    "2" => "editingteacher",
                    "3" => "teacher",
                    _ => {
                        reasons.push(Reason::BadRole { column: col, value: t });
                        continue;
                    }
                },
                _ => "student",
            };
            let mut ok = true;
            let start_at = match cell(Numbered::Enroltimestart).filter(|(_, v)| !v.is_empty()) {
                None => None,
                Some((column, value)) => match parse_day(&value) {
                    Ok(d) => self.opts.tz.from_naive(d.and_time(NaiveTime::MIN)),
                    Err(e) => {
                        reasons.push(Reason::BadDate { column, value, not_real: e == DayError::NotReal });
                        ok = false;
                        None
                    }
                },
            };
            let days = match cell(Numbered::Enrolperiod).filter(|(_, v)| !v.is_empty()) {
                None => None,
                Some((column, value)) => match value.parse::<i64>() {
                    Ok(d) if (1..=36_500).contains(&d) => Some(d),
                    _ => {
                        reasons.push(Reason::BadNumber { column, value });
                        ok = false;
                        None
                    }
                },
            };
            let active = match cell(Numbered::Enrolstatus).filter(|(_, v)| !v.is_empty()) {
                None => true,
                Some((_, v)) if v == "0" => true,
                Some((_, v)) if v == "1" => false,
                Some((column, value)) => {
                    reasons.push(Reason::BadNumber { column, value });
                    ok = false;
                    true
                }
            };
            if !ok {
                continue;
            }
            // Moodle counts the period from the enrolment's start: the given one, else today
            // (or the course's start when it is later).
            let from =
                start_at.unwrap_or_else(|| course.start_at.unwrap_or(self.opts.now).max(self.opts.now));
            let end_at = days.map(|d| from + d * 86_400);
            let group_name = cell(Numbered::Group).map(|(_, g)| g).filter(|g| !g.is_empty());
            out.push(CourseReq {
                shortname: course.shortname.clone(),
                role,
                write: CourseWrite {
                    course_id: course.id,
                    tutor: role != "student",
                    kind: EnrolmentKind::Mandatory,
                    group: group_name,
                    start_at,
                    end_at,
                    active,
                },
            });
        }
        out
    }
}
