//! The fixtures of tests/fixtures/moodle (Moodle 4.5 return structures, see its README)
//! read with the client's types, and the test server answering in the same shape: if one
//! drifts from Moodle, this says where.

#[path = "support/moodle.rs"]
mod moodle;
#[path = "support/moodle_world.rs"]
mod moodle_world;

use moodle_world::fixture;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tutorat::sync::moodle as m;
use tutorat::sync::scorm::{self, Version};

fn read<T: DeserializeOwned>(name: &str) -> T {
    serde_json::from_value(fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_fixture_reads_as_the_client_expects() {
    let site: m::SiteInfo = read("core_webservice_get_site_info.json");
    assert_eq!((site.siteid, site.release.as_deref()), (Some(1), Some("4.5 (Build: 20241007)")));
    assert!(m::REQUIRED.iter().all(|f| site.has(f)), "the fixture lists every required function");
    let cats: Vec<m::Category> = read("core_course_get_categories.json");
    assert_eq!((cats[1].id, cats[1].parent, cats[1].idnumber.as_deref()), (2, 1, Some("SEC")));
    let courses: m::Courses = read("core_course_get_courses_by_field.json");
    assert_eq!(courses.courses[0].format.as_deref(), Some("site"));
    assert_eq!((courses.courses[1].categoryid, courses.courses[1].startdate), (Some(2), Some(1_767_225_600)));
    let sections: Vec<m::Section> = read("core_course_get_contents.json");
    let modules: Vec<&m::Module> = sections.iter().flat_map(|s| &s.modules).collect();
    assert_eq!(modules.iter().map(|m| m.modname.as_str()).collect::<Vec<_>>(), ["label", "scorm", "quiz"]);
    assert_eq!(tutorat::sync::map::completion_rule(modules[1]), "submit");
    assert_eq!(tutorat::sync::map::completion_rule(modules[2]), "pass");
    let users: Vec<m::User> = read("core_enrol_get_enrolled_users.json");
    assert_eq!(users[1].groups[0].name, "Groupe A");
    assert_eq!(users[1].roles[0].shortname, "student");
    assert_eq!(
        (users[2].username.as_deref(), users[2].email.as_deref(), users[2].lastcourseaccess),
        (Some("nvu"), None, Some(0))
    );
    let groups: Vec<m::Group> = read("core_group_get_course_groups.json");
    assert_eq!(groups[0].idnumber.as_deref(), Some("ORD-123"));
    let st: m::CompletionStatuses = read("core_completion_get_activities_completion_status.json");
    assert_eq!((st.statuses[1].state, st.statuses[1].overrideby), (3, Some(1001)));
    let scorms: m::Scorms = read("mod_scorm_get_scorms_by_courses.json");
    assert_eq!(
        (scorms.scorms[0].version.as_deref(), scorms.scorms[1].version.as_deref()),
        (Some("SCORM_12"), None)
    );
    assert_eq!(scorms.warnings[0].warningcode, "expired");
    let scoes: m::Scoes = read("mod_scorm_get_scorm_scoes.json");
    assert_eq!(scoes.scoes.iter().filter(|s| s.scormtype == "sco").count(), 1);
    let none: m::Tracks = read("mod_scorm_get_scorm_sco_tracks_notattempted.json");
    assert!(none.data.tracks.is_empty() && none.warnings[0].warningcode == "notattempted");
    let cohorts: Vec<m::Cohort> = read("core_cohort_get_cohorts.json");
    assert_eq!((cohorts[0].visible, cohorts[1].visible), (Some(true), Some(false)));
    let members: Vec<m::CohortMembers> = read("core_cohort_get_cohort_members.json");
    assert_eq!(members[0].userids, [2001, 2002, 2003]);
}

#[test]
fn the_scorm_fixtures_summarise_as_moodle_reports_them() {
    let pairs = |name: &str| -> Vec<(String, String)> {
        let t: m::Tracks = read(name);
        t.data.tracks.into_iter().map(|t| (t.element, t.value)).collect()
    };
    let s12 =
        scorm::summarise(Version::Scorm12, &pairs("mod_scorm_get_scorm_sco_tracks_scorm12.json")).unwrap();
    assert_eq!((s12.score, s12.time_spent, s12.modified_at), (Some(85.0), 2530, Some(1_767_264_130)));
    let s2004 = scorm::summarise(Version::Scorm2004, &pairs("mod_scorm_get_scorm_sco_tracks_scorm2004.json"))
        .unwrap();
    assert_eq!((s2004.score, s2004.time_spent), (Some(45.6), 3931));
}

/// The keys of every object in `v`, recursively, as paths ("[].groups[].name").
fn shape(v: &Value, path: &str, out: &mut std::collections::BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = format!("{path}.{k}");
                out.insert(p.clone());
                shape(x, &p, out);
            }
        }
        Value::Array(a) => {
            for x in a {
                shape(x, &format!("{path}[]"), out);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn the_test_server_answers_in_the_fixtures_shape() {
    let server = moodle::Server::start(moodle_world::site()).await;
    // rustls on ring, as tutorat's own client sets it up (Cargo.toml: no bundled provider).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::new();
    let ask = |function: &'static str, params: Vec<(&'static str, String)>| {
        let client = client.clone();
        let url = format!("{}/webservice/rest/server.php", server.url);
        async move {
            let mut form = vec![
                ("wstoken", moodle::TOKEN.to_string()),
                ("wsfunction", function.to_string()),
                ("moodlewsrestformat", "json".into()),
            ];
            form.extend(params);
            let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
            let r = client
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap();
            serde_json::from_slice::<Value>(&r.bytes().await.unwrap()).unwrap()
        }
    };
    type Case = (&'static str, &'static str, Vec<(&'static str, String)>);
    let cases: Vec<Case> = vec![
        ("core_webservice_get_site_info.json", "core_webservice_get_site_info", vec![]),
        ("core_course_get_categories.json", "core_course_get_categories", vec![]),
        ("core_course_get_courses_by_field.json", "core_course_get_courses_by_field", vec![]),
        (
            "core_enrol_get_enrolled_users.json",
            "core_enrol_get_enrolled_users",
            vec![("courseid", "10".into())],
        ),
        (
            "core_group_get_course_groups.json",
            "core_group_get_course_groups",
            vec![("courseid", "10".into())],
        ),
        ("mod_scorm_get_scorm_scoes.json", "mod_scorm_get_scorm_scoes", vec![("scormid", "501".into())]),
        (
            "mod_scorm_get_scorm_sco_tracks_scorm12.json",
            "mod_scorm_get_scorm_sco_tracks",
            vec![("scoid", "5011".into()), ("userid", "2001".into()), ("attempt", "0".into())],
        ),
        (
            "core_completion_get_activities_completion_status.json",
            "core_completion_get_activities_completion_status",
            vec![("courseid", "10".into()), ("userid", "2001".into())],
        ),
    ];
    for (file, function, params) in cases {
        let (mut want, mut got) = (Default::default(), Default::default());
        shape(&fixture(file), "", &mut want);
        shape(&ask(function, params).await, "", &mut got);
        // Optional keys may be missing from either side; the server must send no key that
        // Moodle does not have, and every key the client reads.
        let extra: Vec<&String> = got.difference(&want).collect();
        assert!(extra.is_empty(), "{function}: keys Moodle does not send: {extra:?}");
    }
    let e = ask("core_not_a_function", vec![]).await;
    assert_eq!(e, fixture("error_accessexception.json"));
}
