//! The Moodle site most sync tests start from: two courses in a category tree, tutors,
//! learners (one with a suspended enrolment, one with a suspended account, one who never
//! opened the course), a manager, a group, completion states, and SCORM 1.2 and 2004
//! tracks taken from the fixtures.
#![allow(dead_code)]

use std::time::Duration;

use serde_json::Value;
use tutorat::store::Store;
use tutorat::sync::{Options, Report, Settings};

use super::moodle::{Category, Course, Module, ScormInfo, Server, Site, TOKEN};

pub const SEC: &str = "SEC101";
pub const MGT: &str = "MGT200";
/// Course accesses are long before any sync, so that a second sync reads no details.
pub const ACCESS: i64 = 1_767_270_000;

pub fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/moodle/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// The elements a SCO wrote, from a `mod_scorm_get_scorm_sco_tracks` fixture (without the
/// summary keys Moodle adds, which the test server adds itself).
pub fn fixture_tracks(name: &str) -> Vec<(String, String)> {
    fixture(name)["data"]["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["element"].as_str().unwrap().to_string(), t["value"].as_str().unwrap().to_string()))
        .filter(|(e, _)| e.starts_with("cmi.") || e.starts_with("x."))
        .collect()
}

fn module(cmid: i64, name: &str, modname: &str, completion: i64, rules: &[&str]) -> Module {
    Module {
        cmid,
        name: name.into(),
        modname: modname.into(),
        instance: cmid * 10,
        completion,
        rules: rules.iter().map(|r| r.to_string()).collect(),
        scorm: None,
    }
}

pub fn site() -> Site {
    let mut s = Site {
        categories: vec![
            Category { id: 1, name: "Formations".into(), parent: 0, sortorder: 10000 },
            Category { id: 2, name: "Sécurité &amp; prévention".into(), parent: 1, sortorder: 20000 },
        ],
        ..Site::default()
    };
    let mut scorm12 = module(102, "Module SCORM 1.2", "scorm", 2, &["completionstatusrequired"]);
    scorm12.scorm = Some(ScormInfo { id: 501, version: "SCORM_12".into(), scos: vec![5011] });
    let mut scorm2004 = module(103, "Module SCORM 2004", "scorm", 2, &["completionscorerequired"]);
    scorm2004.scorm = Some(ScormInfo { id: 502, version: "SCORM_13".into(), scos: vec![5021] });
    s.courses = vec![
        Course {
            id: 10,
            shortname: SEC.into(),
            fullname: "Sécurité au travail".into(),
            category: 2,
            summary: "<p>Les bases &amp; plus</p>".into(),
            startdate: 1_767_225_600,
            enddate: 1_798_761_600,
            modules: vec![
                module(101, "Bienvenue", "page", 1, &[]),
                scorm12,
                scorm2004,
                module(104, "Quiz final", "quiz", 2, &["completionusegrade", "completionpassgrade"]),
                module(105, "À lire", "label", 0, &[]),
                module(106, "Devoir", "assign", 2, &["completionsubmit"]),
            ],
        },
        Course {
            id: 20,
            shortname: MGT.into(),
            fullname: "Management d'équipe".into(),
            category: 1,
            summary: String::new(),
            startdate: 1_767_225_600,
            enddate: 0,
            modules: vec![module(201, "Lecture", "page", 1, &[])],
        },
    ];
    s.user(1001, "mlefevre", "Marie", "Lefèvre");
    s.user(1002, "kbenali", "Karim", "Benali");
    s.user(3001, "manager", "Anne", "Manager");
    for (id, u, f, l) in [
        (2001, "ldupont", "Léa", "Dupont"),
        (2002, "tmartin", "Théo", "Martin"),
        (2003, "cbernard", "Chloé", "Bernard"),
        (2004, "hrobert", "Hugo", "Robert"),
        (2005, "nvu", "Ngoc", "Vu"),
        (2006, "jpetit", "Jade", "Petit"),
    ] {
        let u = s.user(id, u, f, l);
        u.firstaccess = 1_767_000_000;
        u.lastaccess = ACCESS + 5000;
    }
    s.users.get_mut(&2005).unwrap().firstaccess = 0;
    s.users.get_mut(&2005).unwrap().lastaccess = 0;
    s.users.get_mut(&2006).unwrap().suspended = true;
    s.enrol(10, 1001, "editingteacher", ACCESS);
    s.enrol(10, 1002, "teacher", ACCESS);
    s.enrol(10, 3001, "manager", ACCESS);
    for id in 2001..=2006 {
        s.enrol(10, id, "student", if id == 2005 { 0 } else { ACCESS });
    }
    s.enrolments.get_mut(&(10, 2004)).unwrap().active = false;
    s.enrol(20, 1002, "editingteacher", ACCESS);
    s.enrol(20, 2001, "student", ACCESS);
    s.groups.insert(
        70,
        super::moodle::Group { id: 70, courseid: 10, name: "Groupe A".into(), idnumber: "ORD-123".into() },
    );
    for u in [1001, 2001, 2002] {
        s.enrolments.get_mut(&(10, u)).unwrap().groups.push(70);
    }
    s.completion.insert((101, 2001), (1, ACCESS - 100));
    s.completion.insert((104, 2001), (2, ACCESS - 50));
    s.completion.insert((104, 2002), (3, ACCESS - 40));
    s.completion.insert((106, 2003), (1, ACCESS - 30));
    s.completion.insert((201, 2001), (1, ACCESS - 20));
    for (e, v) in fixture_tracks("mod_scorm_get_scorm_sco_tracks_scorm12.json") {
        s.track(5011, 2001, 1, &e, &v, 1_767_264_130);
    }
    for (e, v) in fixture_tracks("mod_scorm_get_scorm_sco_tracks_scorm2004.json") {
        s.track(5021, 2002, 1, &e, &v, 1_767_351_931);
    }
    // Two attempts: the first passed, the second started.
    for (e, v) in [
        ("cmi.core.lesson_status", "passed"),
        ("cmi.core.score.raw", "90"),
        ("cmi.core.total_time", "00:20:00"),
        ("x.start.time", "1767100000"),
    ] {
        s.track(5011, 2003, 1, e, v, 1_767_101_000);
    }
    for (e, v) in [
        ("cmi.core.lesson_status", "incomplete"),
        ("cmi.core.total_time", "00:05:00"),
        ("cmi.core.lesson_location", "p2"),
        ("x.start.time", "1767200000"),
    ] {
        s.track(5011, 2003, 2, e, v, 1_767_200_300);
    }
    s
}

pub fn settings(server: &Server) -> Settings {
    Settings {
        url: server.url.clone(),
        token: TOKEN.into(),
        token_env: "TUTORAT_MOODLE_TOKEN".into(),
        teacher_roles: vec!["editingteacher".into(), "teacher".into()],
        learner_roles: vec!["student".into()],
        timeout: Duration::from_secs(10),
        concurrency: 4,
        page_size: 1000,
    }
}

pub async fn sync(store: &Store, settings: &Settings, opts: &Options) -> Report {
    let cancel = std::sync::atomic::AtomicBool::new(false);
    tutorat::sync::run(store, settings, opts, &|_| {}, &cancel).await.expect("sync")
}
