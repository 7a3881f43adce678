//! The Moodle web-service functions the sync calls, with their replies as Moodle's own
//! source describes them (the `*_returns()` structures; `tests/fixtures/moodle/README.md`
//! names the file and version of each). Optional fields (`VALUE_OPTIONAL`, or hidden from
//! the token's user) are `Option`s or default to empty; numbers are read leniently, since
//! older versions send some as strings.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::client::{Client, MoodleError, Param};

/// Functions every sync needs, checked against the site's list before anything is read.
pub const REQUIRED: &[&str] = &[
    "core_webservice_get_site_info",
    "core_course_get_categories",
    "core_course_get_courses_by_field",
    "core_course_get_contents",
    "core_enrol_get_enrolled_users",
    "core_completion_get_activities_completion_status",
    "mod_scorm_get_scorms_by_courses",
    "mod_scorm_get_scorm_scoes",
    "mod_scorm_get_scorm_sco_tracks",
];

/// Used when the service has it (group id numbers; needs moodle/course:managegroups).
pub const GROUPS: &str = "core_group_get_course_groups";
/// For cohorts (stored once the cohort tables exist).
pub const COHORTS: &[&str] = &["core_cohort_get_cohorts", "core_cohort_get_cohort_members"];

fn int<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Ok(opt_int(d)?.unwrap_or(0))
}

fn opt_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse::<f64>().ok().map(|f| f as i64),
        Value::Bool(b) => Some(i64::from(b)),
        _ => None,
    })
}

/// A value Moodle declares PARAM_RAW: a string, but numbers and booleans also occur.
pub fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Bool(b) => if *b { "1" } else { "0" }.to_string(),
        other => other.to_string(),
    }
}

fn lenient_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(text(&Value::deserialize(d)?))
}

/// `external_warnings()`: soft failures a function reports instead of throwing.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct Warning {
    #[serde(default, deserialize_with = "lenient_text")]
    pub item: String,
    #[serde(default, deserialize_with = "opt_int")]
    pub itemid: Option<i64>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub warningcode: String,
    #[serde(default, deserialize_with = "lenient_text")]
    pub message: String,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct FunctionInfo {
    pub name: String,
}

/// core_webservice_get_site_info
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct SiteInfo {
    #[serde(default)]
    pub sitename: String,
    #[serde(default)]
    pub username: String,
    #[serde(default, deserialize_with = "int")]
    pub userid: i64,
    pub siteurl: String,
    #[serde(default)]
    pub functions: Vec<FunctionInfo>,
    #[serde(default)]
    pub release: Option<String>,
    #[serde(default, deserialize_with = "opt_int")]
    pub siteid: Option<i64>,
}

impl SiteInfo {
    pub fn has(&self, function: &str) -> bool {
        self.functions.iter().any(|f| f.name == function)
    }
}

/// core_course_get_categories
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Category {
    #[serde(deserialize_with = "int")]
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub idnumber: Option<String>,
    #[serde(default, deserialize_with = "int")]
    pub parent: i64,
    #[serde(default, deserialize_with = "int")]
    pub sortorder: i64,
    #[serde(default)]
    pub path: String,
}

/// core_course_get_courses_by_field: `courses` (get_course_structure(false)) and warnings.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Courses {
    pub courses: Vec<Course>,
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Course {
    #[serde(deserialize_with = "int")]
    pub id: i64,
    pub shortname: String,
    pub fullname: String,
    #[serde(default, deserialize_with = "opt_int")]
    pub categoryid: Option<i64>,
    #[serde(default)]
    pub summary: Option<String>,
    /// Only for users who can enter the course.
    #[serde(default, deserialize_with = "opt_int")]
    pub startdate: Option<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    pub enddate: Option<i64>,
    #[serde(default)]
    pub format: Option<String>,
}

/// core_course_get_contents: one entry per section.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Section {
    #[serde(deserialize_with = "int")]
    pub id: i64,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub modules: Vec<Module>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Module {
    /// The course module id (cmid).
    #[serde(deserialize_with = "int")]
    pub id: i64,
    pub name: String,
    #[serde(default, deserialize_with = "int")]
    pub instance: i64,
    pub modname: String,
    /// 0 none, 1 manual, 2 automatic.
    #[serde(default, deserialize_with = "int")]
    pub completion: i64,
    #[serde(default)]
    pub completiondata: Option<CompletionData>,
}

/// `completion_info_exporter`: the rules of automatic completion (Moodle 3.11+).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct CompletionData {
    #[serde(default)]
    pub details: Vec<RuleDetail>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct RuleDetail {
    pub rulename: String,
}

/// core_enrol_get_enrolled_users: one participant.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct User {
    #[serde(deserialize_with = "int")]
    pub id: i64,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub firstname: Option<String>,
    #[serde(default)]
    pub lastname: Option<String>,
    #[serde(default)]
    pub fullname: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone1: Option<String>,
    #[serde(default)]
    pub institution: Option<String>,
    #[serde(default)]
    pub idnumber: Option<String>,
    #[serde(default, deserialize_with = "opt_int")]
    pub firstaccess: Option<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    pub lastaccess: Option<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    pub lastcourseaccess: Option<i64>,
    #[serde(default)]
    pub groups: Vec<UserGroup>,
    #[serde(default)]
    pub roles: Vec<Role>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct UserGroup {
    #[serde(deserialize_with = "int")]
    pub id: i64,
    pub name: String,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Role {
    #[serde(default, deserialize_with = "int")]
    pub roleid: i64,
    #[serde(default)]
    pub shortname: String,
}

/// core_group_get_course_groups
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Group {
    #[serde(deserialize_with = "int")]
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub idnumber: Option<String>,
}

/// core_completion_get_activities_completion_status
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct CompletionStatuses {
    #[serde(default)]
    pub statuses: Vec<ActivityStatus>,
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct ActivityStatus {
    #[serde(deserialize_with = "int")]
    pub cmid: i64,
    #[serde(default)]
    pub modname: String,
    /// 0 incomplete, 1 complete, 2 complete-pass, 3 complete-fail.
    #[serde(default, deserialize_with = "int")]
    pub state: i64,
    #[serde(default, deserialize_with = "int")]
    pub timecompleted: i64,
    /// 0 none, 1 manual, 2 automatic.
    #[serde(default, deserialize_with = "int")]
    pub tracking: i64,
    #[serde(default, deserialize_with = "opt_int")]
    pub overrideby: Option<i64>,
}

/// mod_scorm_get_scorms_by_courses
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Scorms {
    #[serde(default)]
    pub scorms: Vec<Scorm>,
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Scorm {
    #[serde(deserialize_with = "int")]
    pub id: i64,
    #[serde(deserialize_with = "int")]
    pub coursemodule: i64,
    /// `SCORM_12`, `SCORM_13` (2004) or `AICC`; missing while the activity is closed.
    #[serde(default)]
    pub version: Option<String>,
}

/// mod_scorm_get_scorm_scoes
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Scoes {
    #[serde(default)]
    pub scoes: Vec<Sco>,
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Sco {
    #[serde(deserialize_with = "int")]
    pub id: i64,
    /// `sco` (tracked) or `asset`.
    #[serde(default)]
    pub scormtype: String,
    #[serde(default, deserialize_with = "int")]
    pub sortorder: i64,
}

/// mod_scorm_get_scorm_sco_tracks
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Tracks {
    pub data: TrackData,
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct TrackData {
    #[serde(deserialize_with = "int")]
    pub attempt: i64,
    #[serde(default)]
    pub tracks: Vec<Track>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Track {
    pub element: String,
    #[serde(deserialize_with = "lenient_text")]
    pub value: String,
}

/// core_cohort_get_cohorts
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Cohort {
    #[serde(deserialize_with = "int")]
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub idnumber: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub visible: Option<bool>,
}

/// core_cohort_get_cohort_members
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct CohortMembers {
    #[serde(deserialize_with = "int")]
    pub cohortid: i64,
    #[serde(default)]
    pub userids: Vec<i64>,
}

fn option(name: &'static str, value: Param) -> Param {
    Param::M(vec![("name", Param::V(name.into())), ("value", value)])
}

pub async fn site_info(c: &Client) -> Result<SiteInfo, MoodleError> {
    c.call("core_webservice_get_site_info", &[]).await
}

pub async fn categories(c: &Client) -> Result<Vec<Category>, MoodleError> {
    c.call("core_course_get_categories", &[("addsubcategories", 1.into())]).await
}

/// Every course the token can see (the site's front page included; the caller drops it).
pub async fn courses(c: &Client) -> Result<Courses, MoodleError> {
    c.call("core_course_get_courses_by_field", &[]).await
}

pub async fn contents(c: &Client, course: i64) -> Result<Vec<Section>, MoodleError> {
    let options = Param::L(vec![option("excludecontents", true.into())]);
    c.call("core_course_get_contents", &[("courseid", course.into()), ("options", options)]).await
}

/// One page of participants, ordered by id. `only_active`: only active enrolments (needs
/// moodle/course:enrolreview), with their ids only.
pub async fn enrolled_users(
    c: &Client,
    course: i64,
    from: usize,
    number: usize,
    only_active: bool,
) -> Result<Vec<User>, MoodleError> {
    let mut options = vec![
        option("limitfrom", (from as i64).into()),
        option("limitnumber", (number as i64).into()),
        option("sortby", "id".into()),
    ];
    if only_active {
        options.push(option("onlyactive", true.into()));
        options.push(option("userfields", "id".into()));
    }
    c.call("core_enrol_get_enrolled_users", &[("courseid", course.into()), ("options", Param::L(options))])
        .await
}

pub async fn course_groups(c: &Client, course: i64) -> Result<Vec<Group>, MoodleError> {
    c.call(GROUPS, &[("courseid", course.into())]).await
}

pub async fn completion(c: &Client, course: i64, user: i64) -> Result<CompletionStatuses, MoodleError> {
    c.call(
        "core_completion_get_activities_completion_status",
        &[("courseid", course.into()), ("userid", user.into())],
    )
    .await
}

pub async fn scorms(c: &Client, course: i64) -> Result<Scorms, MoodleError> {
    c.call("mod_scorm_get_scorms_by_courses", &[("courseids", Param::L(vec![course.into()]))]).await
}

pub async fn scoes(c: &Client, scorm: i64) -> Result<Scoes, MoodleError> {
    c.call("mod_scorm_get_scorm_scoes", &[("scormid", scorm.into())]).await
}

/// `attempt` 0: the last attempt (its number comes back in `data.attempt`).
pub async fn sco_tracks(c: &Client, sco: i64, user: i64, attempt: i64) -> Result<Tracks, MoodleError> {
    c.call(
        "mod_scorm_get_scorm_sco_tracks",
        &[("scoid", sco.into()), ("userid", user.into()), ("attempt", attempt.into())],
    )
    .await
}

/// Every cohort the token can see (an empty id list means all).
pub async fn cohorts(c: &Client) -> Result<Vec<Cohort>, MoodleError> {
    c.call(COHORTS[0], &[]).await
}

pub async fn cohort_members(c: &Client, ids: &[i64]) -> Result<Vec<CohortMembers>, MoodleError> {
    let ids = Param::L(ids.iter().map(|i| Param::from(*i)).collect());
    c.call(COHORTS[1], &[("cohortids", ids)]).await
}
