//! A Moodle site for the tests: an HTTP server on 127.0.0.1 (axum) that answers
//! `webservice/rest/server.php` as Moodle does, from a small in-memory site. Replies follow
//! the `*_returns()` structures of Moodle's source (tests/fixtures/moodle/README.md names
//! the files and version); errors are Moodle's error object with HTTP 200. Faults can be
//! injected per function: an error object, HTTP 500, a server that never answers.
//!
//! Every request is logged (function and flattened parameters), so tests can check what the
//! client sent (paging, PHP-style arrays).
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub const TOKEN: &str = "0123456789abcdef0123456789abcdef";
pub const RELEASE: &str = "4.5 (Build: 20241007)";

/// Every function tutorat may call.
pub const ALL_FUNCTIONS: &[&str] = &[
    "core_webservice_get_site_info",
    "core_course_get_categories",
    "core_course_get_courses_by_field",
    "core_course_get_contents",
    "core_enrol_get_enrolled_users",
    "core_group_get_course_groups",
    "core_completion_get_activities_completion_status",
    "mod_scorm_get_scorms_by_courses",
    "mod_scorm_get_scorm_scoes",
    "mod_scorm_get_scorm_sco_tracks",
    "core_cohort_get_cohorts",
    "core_cohort_get_cohort_members",
];

/// (sco, user, attempt) → elements (name, value, time written).
pub type TrackMap = HashMap<(i64, i64, i64), Vec<(String, String, i64)>>;
/// Requests received: function and flattened parameters.
pub type Log = Arc<Mutex<Vec<(String, Vec<(String, String)>)>>>;

#[derive(Clone, Debug)]
pub struct Category {
    pub id: i64,
    pub name: String,
    pub parent: i64,
    pub sortorder: i64,
}

#[derive(Clone, Debug)]
pub struct ScormInfo {
    pub id: i64,
    /// `SCORM_12` or `SCORM_13`.
    pub version: String,
    pub scos: Vec<i64>,
}

#[derive(Clone, Debug)]
pub struct Module {
    pub cmid: i64,
    pub name: String,
    pub modname: String,
    pub instance: i64,
    /// 0 none, 1 manual, 2 automatic.
    pub completion: i64,
    pub rules: Vec<String>,
    pub scorm: Option<ScormInfo>,
}

#[derive(Clone, Debug)]
pub struct Course {
    pub id: i64,
    pub shortname: String,
    pub fullname: String,
    pub category: i64,
    pub summary: String,
    pub startdate: i64,
    pub enddate: i64,
    pub modules: Vec<Module>,
}

#[derive(Clone, Debug)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub firstname: String,
    pub lastname: String,
    pub email: String,
    pub phone1: String,
    pub institution: String,
    pub idnumber: String,
    pub firstaccess: i64,
    pub lastaccess: i64,
    /// A suspended account: per-user functions throw, as `core_user::require_active_user`.
    pub suspended: bool,
}

#[derive(Clone, Debug)]
pub struct Enrolment {
    /// Active enrolment (listed with `onlyactive`).
    pub active: bool,
    pub roles: Vec<String>,
    pub groups: Vec<i64>,
    pub lastcourseaccess: i64,
}

#[derive(Clone, Debug)]
pub struct Group {
    pub id: i64,
    pub courseid: i64,
    pub name: String,
    pub idnumber: String,
}

#[derive(Clone, Debug, Default)]
pub struct Faults {
    pub http500: HashSet<String>,
    pub hang: HashSet<String>,
    /// function → error object
    pub errors: HashMap<String, Value>,
    /// function → warnings added to its reply
    pub warnings: HashMap<String, Vec<Value>>,
    /// Limits `http500`, `hang` and `errors` to requests about this course (`courseid`).
    pub only_course: Option<i64>,
    /// `onlyactive` needs moodle/course:enrolreview, which the token's user lacks.
    pub refuse_onlyactive: bool,
}

#[derive(Clone, Debug)]
pub struct Site {
    pub token: String,
    pub functions: Vec<String>,
    pub sitename: String,
    pub siteurl: String,
    pub categories: Vec<Category>,
    pub courses: Vec<Course>,
    pub users: BTreeMap<i64, User>,
    pub enrolments: BTreeMap<(i64, i64), Enrolment>,
    pub groups: BTreeMap<i64, Group>,
    /// (cmid, user) → (state, timecompleted)
    pub completion: HashMap<(i64, i64), (i64, i64)>,
    /// (sco, user, attempt) → elements as the SCO wrote them (cmi.*, x.start.time), with
    /// the time each was written.
    pub tracks: TrackMap,
    pub cohorts: Vec<(i64, String, String, Vec<i64>)>,
    pub faults: Faults,
}

impl Default for Site {
    fn default() -> Self {
        Site {
            token: TOKEN.into(),
            functions: ALL_FUNCTIONS.iter().map(|s| s.to_string()).collect(),
            sitename: "Campus Formation Continue".into(),
            siteurl: String::new(),
            categories: Vec::new(),
            courses: Vec::new(),
            users: BTreeMap::new(),
            enrolments: BTreeMap::new(),
            groups: BTreeMap::new(),
            completion: HashMap::new(),
            tracks: HashMap::new(),
            cohorts: Vec::new(),
            faults: Faults::default(),
        }
    }
}

impl Site {
    pub fn user(&mut self, id: i64, username: &str, first: &str, last: &str) -> &mut User {
        self.users.insert(
            id,
            User {
                id,
                username: username.into(),
                firstname: first.into(),
                lastname: last.into(),
                email: format!("{username}@example.org"),
                phone1: String::new(),
                institution: "ACME".into(),
                idnumber: format!("M{id:05}"),
                firstaccess: 0,
                lastaccess: 0,
                suspended: false,
            },
        );
        self.users.get_mut(&id).unwrap()
    }

    pub fn enrol(&mut self, course: i64, user: i64, role: &str, lastcourseaccess: i64) -> &mut Enrolment {
        self.enrolments.insert(
            (course, user),
            Enrolment { active: true, roles: vec![role.into()], groups: vec![], lastcourseaccess },
        );
        self.enrolments.get_mut(&(course, user)).unwrap()
    }

    /// Writes a track element at `time`, as `scorm_insert_track` would.
    pub fn track(&mut self, sco: i64, user: i64, attempt: i64, element: &str, value: &str, time: i64) {
        let t = self.tracks.entry((sco, user, attempt)).or_default();
        t.retain(|(e, _, _)| e != element);
        t.push((element.into(), value.into(), time));
    }

    fn scorm_of_sco(&self, sco: i64) -> Option<(&Course, &Module, &ScormInfo)> {
        self.courses.iter().find_map(|c| {
            c.modules
                .iter()
                .find_map(|m| m.scorm.as_ref().filter(|s| s.scos.contains(&sco)).map(|s| (c, m, s)))
        })
    }
}

pub struct Server {
    pub url: String,
    pub site: Arc<Mutex<Site>>,
    pub log: Log,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Clone)]
struct AppState {
    site: Arc<Mutex<Site>>,
    log: Log,
}

impl Server {
    pub async fn start(site: Site) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind test Moodle");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let mut site = site;
        if site.siteurl.is_empty() {
            site.siteurl = url.clone();
        }
        let state = AppState { site: Arc::new(Mutex::new(site)), log: Arc::new(Mutex::new(Vec::new())) };
        let app = axum::Router::new()
            .route("/webservice/rest/server.php", axum::routing::post(handle))
            .with_state(state.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Server { url, site: state.site, log: state.log, task }
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut Site) -> R) -> R {
        f(&mut self.site.lock().unwrap())
    }

    /// Requests made to `function` (all of them with `""`).
    pub fn calls(&self, function: &str) -> Vec<Vec<(String, String)>> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|(f, _)| function.is_empty() || f == function)
            .map(|(_, p)| p.clone())
            .collect()
    }

    pub fn clear_log(&self) {
        self.log.lock().unwrap().clear();
    }
}

/// One JSON object from several (json! has a recursion limit on long literals).
fn merge<const N: usize>(parts: [Value; N]) -> Value {
    let mut out = serde_json::Map::new();
    for p in parts {
        if let Value::Object(m) = p {
            out.extend(m);
        }
    }
    Value::Object(out)
}

fn error(exception: &str, errorcode: &str, message: &str) -> Value {
    json!({"exception": exception, "errorcode": errorcode, "message": message})
}

struct Params(HashMap<String, String>);

impl Params {
    fn int(&self, k: &str) -> i64 {
        self.0.get(k).and_then(|v| v.parse().ok()).unwrap_or(0)
    }

    /// `options[i][name]` / `options[i][value]` as pairs.
    fn options(&self) -> HashMap<String, String> {
        let mut out = HashMap::new();
        for i in 0.. {
            let Some(name) = self.0.get(&format!("options[{i}][name]")) else { break };
            let value = self.0.get(&format!("options[{i}][value]")).cloned().unwrap_or_default();
            out.insert(name.clone(), value);
        }
        out
    }

    fn list(&self, k: &str) -> Vec<i64> {
        (0..).map_while(|i| self.0.get(&format!("{k}[{i}]"))).filter_map(|v| v.parse().ok()).collect()
    }
}

async fn handle(State(st): State<AppState>, body: Bytes) -> Response {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let params = Params(pairs.iter().cloned().collect());
    let function = params.0.get("wsfunction").cloned().unwrap_or_default();
    let logged: Vec<(String, String)> = pairs.iter().filter(|(k, _)| k != "wstoken").cloned().collect();
    st.log.lock().unwrap().push((function.clone(), logged));
    let (hang, http500) = {
        let site = st.site.lock().unwrap();
        let here = site.faults.only_course.is_none_or(|c| params.int("courseid") == c);
        (here && site.faults.hang.contains(&function), here && site.faults.http500.contains(&function))
    };
    if hang {
        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    }
    if http500 {
        return (StatusCode::INTERNAL_SERVER_ERROR, "<html><body>Internal Server Error</body></html>")
            .into_response();
    }
    let value = {
        let site = st.site.lock().unwrap();
        reply(&site, &function, &params)
    };
    ([(axum::http::header::CONTENT_TYPE, "application/json; charset=utf-8")], value.to_string())
        .into_response()
}

fn reply(site: &Site, function: &str, p: &Params) -> Value {
    if p.0.get("wstoken").map(String::as_str) != Some(site.token.as_str()) {
        return error("moodle_exception", "invalidtoken", "Invalid token - token not found");
    }
    if p.0.get("moodlewsrestformat").map(String::as_str) != Some("json") {
        return error("invalid_parameter_exception", "invalidparameter", "Invalid parameter value detected");
    }
    if !site.functions.iter().any(|f| f == function) {
        // webservice_access_exception: the function is named only in debuginfo.
        return error("webservice_access_exception", "accessexception", "Access control exception");
    }
    let here = site.faults.only_course.is_none_or(|c| p.int("courseid") == c);
    if let (true, Some(e)) = (here, site.faults.errors.get(function)) {
        return e.clone();
    }
    if site.faults.refuse_onlyactive && p.options().get("onlyactive").is_some_and(|v| v == "1") {
        return error(
            "required_capability_exception",
            "nopermissions",
            "Sorry, but you do not currently have permissions to do that (Review course enrolments).",
        );
    }
    let mut v = match function {
        "core_webservice_get_site_info" => site_info(site),
        "core_course_get_categories" => categories(site),
        "core_course_get_courses_by_field" => courses(site),
        "core_course_get_contents" => contents(site, p.int("courseid")),
        "core_enrol_get_enrolled_users" => enrolled_users(site, p.int("courseid"), &p.options()),
        "core_group_get_course_groups" => course_groups(site, p.int("courseid")),
        "core_completion_get_activities_completion_status" => {
            completion(site, p.int("courseid"), p.int("userid"))
        }
        "mod_scorm_get_scorms_by_courses" => scorms(site, &p.list("courseids")),
        "mod_scorm_get_scorm_scoes" => scoes(site, p.int("scormid")),
        "mod_scorm_get_scorm_sco_tracks" => {
            sco_tracks(site, p.int("scoid"), p.int("userid"), p.int("attempt"))
        }
        "core_cohort_get_cohorts" => cohorts(site),
        "core_cohort_get_cohort_members" => cohort_members(site, &p.list("cohortids")),
        other => error(
            "moodle_exception",
            "invalidrecord",
            &format!("Can't find data record in database table external_functions. ({other})"),
        ),
    };
    if let (Some(extra), Some(obj)) = (site.faults.warnings.get(function), v.as_object_mut())
        && let Some(Value::Array(w)) = obj.get_mut("warnings")
    {
        w.extend(extra.iter().cloned());
    }
    v
}

// core_webservice_get_site_info (webservice/classes/external/get_site_info.php, 4.5)
fn site_info(site: &Site) -> Value {
    json!({
        "sitename": site.sitename,
        "username": "ws_tutorat",
        "firstname": "Service",
        "lastname": "Tutorat",
        "fullname": "Service Tutorat",
        "lang": "fr",
        "userid": 2,
        "siteurl": site.siteurl,
        "userpictureurl": format!("{}/theme/image.php/boost/core/1/u/f1", site.siteurl),
        "functions": site.functions.iter().map(|f| json!({"name": f, "version": "2024100700"})).collect::<Vec<_>>(),
        "downloadfiles": 1,
        "uploadfiles": 1,
        "release": RELEASE,
        "version": "2024100700",
        "mobilecssurl": "",
        "advancedfeatures": [{"name": "usecomments", "value": 1}, {"name": "enablecompletion", "value": 1}],
        "usercanmanageownfiles": true,
        "userquota": 0,
        "usermaxuploadfilesize": -1,
        "userhomepage": 1,
        "userprivateaccesskey": "",
        "siteid": 1,
        "sitecalendartype": "gregorian",
        "usercalendartype": "gregorian",
        "userissiteadmin": false,
        "theme": "boost",
        "limitconcurrentlogins": 0,
        "policyagreed": 1
    })
}

fn path_of(site: &Site, id: i64) -> (String, i64) {
    let mut ids = vec![id];
    let mut cur = id;
    while let Some(c) = site.categories.iter().find(|c| c.id == cur) {
        if c.parent == 0 || ids.contains(&c.parent) {
            break;
        }
        ids.push(c.parent);
        cur = c.parent;
    }
    ids.reverse();
    (ids.iter().map(|i| format!("/{i}")).collect(), ids.len() as i64)
}

// core_course_get_categories (course/externallib.php, 4.5)
fn categories(site: &Site) -> Value {
    Value::Array(
        site.categories
            .iter()
            .map(|c| {
                let (path, depth) = path_of(site, c.id);
                json!({
                    "id": c.id, "name": c.name, "idnumber": "", "description": "", "descriptionformat": 1,
                    "parent": c.parent, "sortorder": c.sortorder,
                    "coursecount": site.courses.iter().filter(|x| x.category == c.id).count(),
                    "visible": 1, "visibleold": 1, "timemodified": 1_700_000_000, "depth": depth, "path": path,
                    "theme": ""
                })
            })
            .collect(),
    )
}

fn course_json(site: &Site, c: &Course) -> Value {
    let category =
        site.categories.iter().find(|x| x.id == c.category).map(|x| x.name.clone()).unwrap_or_default();
    // Public information, then what users who can enter the course get, then managers.
    let public = json!({
        "id": c.id, "fullname": c.fullname, "displayname": c.fullname, "shortname": c.shortname,
        "courseimage": "", "categoryid": c.category, "categoryname": category, "sortorder": 10000 + c.id,
        "summary": c.summary, "summaryformat": 1, "summaryfiles": [], "overviewfiles": [],
        "showactivitydates": true, "showcompletionconditions": true, "contacts": [], "enrollmentmethods": ["manual"],
        "customfields": []
    });
    let access = json!({
        "format": "topics", "showgrades": 1, "newsitems": 5, "startdate": c.startdate, "enddate": c.enddate,
        "maxbytes": 0, "showreports": 0, "visible": 1, "groupmode": 0, "groupmodeforce": 0,
        "defaultgroupingid": 0, "enablecompletion": 1, "completionnotify": 0, "lang": "", "theme": "", "marker": 0,
        "filters": [], "courseformatoptions": [{"name": "hiddensections", "value": 1}]
    });
    let manager = json!({
        "idnumber": "", "legacyfiles": 0, "calendartype": "", "timecreated": 1_700_000_000,
        "timemodified": 1_700_000_000, "requested": 0, "cacherev": 1_700_000_000
    });
    merge([public, access, manager])
}

// core_course_get_courses_by_field (course/externallib.php, 4.5): the front page too.
fn courses(site: &Site) -> Value {
    let mut list = vec![json!({
        "id": 1, "fullname": site.sitename, "displayname": site.sitename, "shortname": "campus",
        "categoryid": 0, "categoryname": "", "summary": "", "summaryformat": 1, "format": "site",
        "startdate": 0, "enddate": 0, "visible": 1
    })];
    list.extend(site.courses.iter().map(|c| course_json(site, c)));
    json!({"courses": list, "warnings": []})
}

// core_course_get_contents (course/externallib.php, 4.5)
fn contents(site: &Site, course: i64) -> Value {
    let Some(c) = site.courses.iter().find(|c| c.id == course) else {
        return error(
            "dml_missing_record_exception",
            "invalidrecord",
            "Can't find data record in database table course.",
        );
    };
    let modules: Vec<Value> = c
        .modules
        .iter()
        .map(|m| {
            let mut v = json!({
                "id": m.cmid, "url": format!("{}/mod/{}/view.php?id={}", site.siteurl, m.modname, m.cmid),
                "name": m.name, "instance": m.instance, "contextid": 100 + m.cmid, "visible": 1,
                "uservisible": true, "visibleoncoursepage": 1, "modicon": "", "modname": m.modname,
                "modplural": format!("{}s", m.modname), "availability": null, "indent": 0, "onclick": "",
                "afterlink": null, "customdata": "\"\"", "noviewlink": false, "completion": m.completion,
                "downloadcontent": 1, "dates": [], "groupmode": 0
            });
            if m.completion > 0 {
                v["completiondata"] = json!({
                    "state": 0, "timecompleted": 0, "overrideby": null, "valueused": false,
                    "hascompletion": true, "isautomatic": m.completion == 2, "istrackeduser": false,
                    "uservisible": true,
                    "details": m.rules.iter().map(|r| json!({"rulename": r, "rulevalue": {"status": 0, "description": r}})).collect::<Vec<_>>()
                });
            }
            v
        })
        .collect();
    json!([
        {"id": 10 * course, "name": "Généralités", "visible": 1, "summary": "", "summaryformat": 1, "section": 0,
         "hiddenbynumsections": 0, "uservisible": true, "modules": []},
        {"id": 10 * course + 1, "name": "Modules", "visible": 1, "summary": "", "summaryformat": 1, "section": 1,
         "hiddenbynumsections": 0, "uservisible": true, "modules": modules}
    ])
}

// core_enrol_get_enrolled_users (enrol/externallib.php, 4.5): ordered by id, paged with
// limitfrom/limitnumber; `onlyactive` keeps active enrolments; `userfields` trims.
fn enrolled_users(site: &Site, course: i64, options: &HashMap<String, String>) -> Value {
    let from: usize = options.get("limitfrom").and_then(|v| v.parse().ok()).unwrap_or(0);
    let number: usize = options.get("limitnumber").and_then(|v| v.parse().ok()).unwrap_or(0);
    let only_active = options.get("onlyactive").is_some_and(|v| v != "0" && !v.is_empty());
    let fields: Option<Vec<String>> =
        options.get("userfields").map(|f| f.split(',').map(|s| s.trim().to_string()).collect());
    let ids: Vec<i64> = site
        .enrolments
        .iter()
        .filter(|((c, _), e)| *c == course && (!only_active || e.active))
        .map(|((_, u), _)| *u)
        .collect();
    let page = ids.iter().skip(from).take(if number == 0 { usize::MAX } else { number });
    Value::Array(
        page.filter_map(|id| {
            let u = site.users.get(id)?;
            let e = &site.enrolments[&(course, *id)];
            let full = json!({
                "id": u.id, "username": u.username, "firstname": u.firstname, "lastname": u.lastname,
                "fullname": format!("{} {}", u.firstname, u.lastname), "email": u.email,
                "department": "", "institution": u.institution, "idnumber": u.idnumber, "phone1": u.phone1,
                "firstaccess": u.firstaccess, "lastaccess": u.lastaccess, "lastcourseaccess": e.lastcourseaccess,
                "description": "", "descriptionformat": 1, "city": "Lyon", "country": "FR",
                "profileimageurlsmall": "", "profileimageurl": "",
                "groups": e.groups.iter().filter_map(|g| site.groups.get(g)).map(|g| json!({"id": g.id, "name": g.name, "description": "", "descriptionformat": 1})).collect::<Vec<_>>(),
                "roles": e.roles.iter().map(|r| json!({"roleid": role_id(r), "name": "", "shortname": r, "sortorder": 0})).collect::<Vec<_>>(),
                "enrolledcourses": [{"id": course, "fullname": "", "shortname": ""}]
            });
            Some(match &fields {
                None => full,
                Some(f) => {
                    let obj = full.as_object().unwrap();
                    Value::Object(obj.iter().filter(|(k, _)| f.contains(k)).map(|(k, v)| (k.clone(), v.clone())).collect())
                }
            })
        })
        .collect(),
    )
}

fn role_id(shortname: &str) -> i64 {
    match shortname {
        "manager" => 1,
        "editingteacher" => 3,
        "teacher" => 4,
        "student" => 5,
        _ => 9,
    }
}

// core_group_get_course_groups (group/externallib.php, 4.5)
fn course_groups(site: &Site, course: i64) -> Value {
    Value::Array(
        site.groups
            .values()
            .filter(|g| g.courseid == course)
            .map(|g| json!({"id": g.id, "courseid": g.courseid, "name": g.name, "description": "", "descriptionformat": 1,
                            "enrolmentkey": "", "idnumber": g.idnumber, "visibility": 0, "participation": true}))
            .collect(),
    )
}

fn active_user(site: &Site, user: i64) -> Result<&User, Value> {
    match site.users.get(&user) {
        None => Err(error("dml_missing_record_exception", "invaliduser", "Invalid user")),
        Some(u) if u.suspended => {
            Err(error("moodle_exception", "suspended", "This account has been suspended"))
        }
        Some(u) => Ok(u),
    }
}

// core_completion_get_activities_completion_status (completion/classes/external.php, 4.5)
fn completion(site: &Site, course: i64, user: i64) -> Value {
    if let Err(e) = active_user(site, user) {
        return e;
    }
    let Some(c) = site.courses.iter().find(|c| c.id == course) else {
        return error(
            "dml_missing_record_exception",
            "invalidrecord",
            "Can't find data record in database table course.",
        );
    };
    let statuses: Vec<Value> = c
        .modules
        .iter()
        .filter(|m| m.completion > 0)
        .map(|m| {
            let (state, time) = site.completion.get(&(m.cmid, user)).copied().unwrap_or((0, 0));
            json!({"cmid": m.cmid, "modname": m.modname, "instance": m.instance, "state": state,
                   "timecompleted": time, "tracking": m.completion, "overrideby": null, "valueused": false,
                   "hascompletion": true, "isautomatic": m.completion == 2, "istrackeduser": true,
                   "uservisible": true, "details": []})
        })
        .collect();
    json!({"statuses": statuses, "warnings": []})
}

// mod_scorm_get_scorms_by_courses (mod/scorm/classes/external.php, 4.5)
fn scorms(site: &Site, courses: &[i64]) -> Value {
    let list: Vec<Value> = site
        .courses
        .iter()
        .filter(|c| courses.contains(&c.id))
        .flat_map(|c| c.modules.iter().filter_map(move |m| m.scorm.as_ref().map(|s| (c, m, s))))
        .map(|(c, m, s)| {
            let public = json!({"id": s.id, "coursemodule": m.cmid, "course": c.id, "name": m.name, "intro": "",
                                "introformat": 1, "introfiles": [], "packagesize": 12345, "packageurl": "",
                                "protectpackagedownloads": false});
            let settings = json!({"version": s.version, "maxgrade": 100, "grademethod": 1, "whatgrade": 0,
                                  "maxattempt": 0, "forcecompleted": false, "forcenewattempt": 0,
                                  "lastattemptlock": false, "displayattemptstatus": 1,
                                  "displaycoursestructure": false, "sha1hash": "", "md5hash": "", "revision": 1,
                                  "launch": s.scos[0], "skipview": 0, "hidebrowse": false, "hidetoc": 0});
            let display = json!({"nav": 1, "navpositionleft": -100, "navpositiontop": -100, "auto": false,
                                 "popup": 0, "width": 100, "height": 500, "timeopen": 0, "timeclose": 0,
                                 "displayactivityname": true, "scormtype": "local", "reference": "paquet.zip"});
            merge([public, settings, display])
        })
        .collect();
    json!({"scorms": list, "warnings": []})
}

// mod_scorm_get_scorm_scoes (mod/scorm/classes/external.php, 4.5): the organisation item
// (no launch, no type) comes first, as scorm_get_scoes returns it.
fn scoes(site: &Site, scorm: i64) -> Value {
    let Some(s) =
        site.courses.iter().flat_map(|c| &c.modules).filter_map(|m| m.scorm.as_ref()).find(|s| s.id == scorm)
    else {
        return error(
            "dml_missing_record_exception",
            "invalidrecord",
            "Can't find data record in database table scorm.",
        );
    };
    let mut list = vec![json!({"id": s.id * 100, "scorm": s.id, "manifest": "MANIFEST", "organization": "",
                               "parent": "/", "identifier": "ORG", "launch": "", "scormtype": "", "title": "Organisation",
                               "sortorder": 1, "extradata": []})];
    list.extend(s.scos.iter().enumerate().map(|(i, sco)| {
        json!({"id": sco, "scorm": s.id, "manifest": "MANIFEST", "organization": "ORG", "parent": "ORG",
               "identifier": format!("SCO{i}"), "launch": "index.html", "scormtype": "sco",
               "title": format!("Partie {}", i + 1), "sortorder": i + 2, "extradata": []})
    }));
    json!({"scoes": list, "warnings": []})
}

// mod_scorm_get_scorm_sco_tracks (mod/scorm/classes/external.php, 4.5) over scorm_get_tracks
// (mod/scorm/locallib.php): the elements plus the summary keys of scorm_format_interactions.
fn sco_tracks(site: &Site, sco: i64, user: i64, attempt: i64) -> Value {
    let Some((_, _, s)) = site.scorm_of_sco(sco) else {
        return error("moodle_exception", "cannotfindsco", "Cannot find SCO");
    };
    if let Err(e) = active_user(site, user) {
        return e;
    }
    let attempt = if attempt == 0 {
        site.tracks
            .keys()
            .filter(|(sc, u, _)| *u == user && s.scos.contains(sc))
            .map(|(_, _, a)| *a)
            .max()
            .unwrap_or(1)
    } else {
        attempt
    };
    let mut rows = site.tracks.get(&(sco, user, attempt)).cloned().unwrap_or_default();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let mut tracks = Vec::new();
    let mut status = String::new();
    let (mut score_raw, mut total, mut session, mut modified) =
        (String::new(), "00:00:00".to_string(), "00:00:00".to_string(), 0);
    for (e, v, t) in &rows {
        tracks.push(json!({"element": e, "value": v}));
        match e.as_str() {
            "cmi.core.lesson_status" | "cmi.completion_status" => {
                status = if v == "not attempted" { "notattempted".into() } else { v.clone() }
            }
            "cmi.core.score.raw" | "cmi.score.raw" => {
                score_raw = format!("{:.2}", v.parse::<f64>().unwrap_or(0.0))
            }
            "cmi.core.session_time" | "cmi.session_time" => session = v.clone(),
            "cmi.core.total_time" | "cmi.total_time" => total = v.clone(),
            _ => {}
        }
        modified = modified.max(*t);
    }
    let mut warnings = Vec::new();
    if status.is_empty() {
        tracks.clear();
        warnings.push(json!({"item": "attempt", "itemid": attempt, "warningcode": "notattempted",
                             "message": "Not attempted"}));
    } else {
        for (k, v) in [
            ("score_raw", json!(score_raw)),
            ("status", json!(status)),
            ("total_time", json!(total)),
            ("session_time", json!(session)),
            ("timemodified", json!(modified.to_string())),
            ("userid", json!(user.to_string())),
            ("scoid", json!(sco.to_string())),
        ] {
            tracks.push(json!({"element": k, "value": v}));
        }
    }
    json!({"data": {"attempt": attempt, "tracks": tracks}, "warnings": warnings})
}

// core_cohort_get_cohorts / core_cohort_get_cohort_members (cohort/externallib.php, 4.5)
fn cohorts(site: &Site) -> Value {
    Value::Array(
        site.cohorts
            .iter()
            .map(|(id, name, idnumber, _)| {
                json!({"id": id, "name": name, "idnumber": idnumber, "description": "",
                                                 "descriptionformat": 1, "visible": true, "theme": ""})
            })
            .collect(),
    )
}

fn cohort_members(site: &Site, ids: &[i64]) -> Value {
    Value::Array(
        site.cohorts
            .iter()
            .filter(|(id, ..)| ids.contains(id))
            .map(|(id, _, _, members)| json!({"cohortid": id, "userids": members}))
            .collect(),
    )
}
